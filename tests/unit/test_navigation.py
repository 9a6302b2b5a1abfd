"""Links between packs (ccnb.pipeline.navigation) and the list of all months, on hand-made pack folders."""
from __future__ import annotations

import json

from ccnb.pipeline import navigation


def _pack(out, name, outcome="ok", pages=("index.html", "00_overview.html")):
    d = out / name
    d.mkdir(parents=True)
    for p in pages:
        (d / p).write_text("<html></html>", encoding="utf-8")
    (d / "run.json").write_text(json.dumps({"outcome": outcome}), encoding="utf-8")


def test_links_to_the_nearest_months_the_other_language_and_all_months(tmp_path):
    _pack(tmp_path, "2026-07")
    _pack(tmp_path, "2026-08", pages=("index.html",))          # no overview page that month
    _pack(tmp_path, "2026-09", outcome="failed")                # not a published pack
    _pack(tmp_path, "2026-10")
    _pack(tmp_path, "2026-10-zh")
    _pack(tmp_path, "2026-12")
    (tmp_path / "2026-11.tmp-123").mkdir()                      # a build in progress is not a pack
    assert set(navigation.packs(tmp_path)) == {("2026-07", "en"), ("2026-08", "en"), ("2026-10", "en"),
                                               ("2026-10", "zh"), ("2026-12", "en")}
    assert navigation.links(tmp_path, "2026-10", "en", "00_overview.html") == [
        ("../index.html", "All months", None),
        ("index.html", "← All reports for October 2026", None),
        ("../2026-07/00_overview.html", "‹ July 2026", None),
        ("../2026-12/00_overview.html", "December 2026 ›", None),
        ("../2026-10-zh/00_overview.html", "中文", "zh"),
    ]
    assert navigation.links(tmp_path, "2026-10", "zh") == [
        ("../index.html", "全部月份", None),
        ("../2026-10/index.html", "English", "en"),
    ]


def test_the_archive_lists_every_pack_newest_first(tmp_path):
    _pack(tmp_path, "2026-09")
    _pack(tmp_path, "2026-10")
    _pack(tmp_path, "2026-10-zh")
    html = navigation.write_archive(tmp_path).read_text(encoding="utf-8")
    assert html.index("October 2026") < html.index("September 2026")
    assert 'href="2026-10/index.html"' in html and 'href="2026-10-zh/index.html"' in html
    assert 'href="2026-09-zh/index.html"' not in html and "2026年9月" in html
    assert "<script" not in html
