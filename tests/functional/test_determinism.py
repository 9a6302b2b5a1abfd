"""Same inputs, same tables: the real notebooks run twice on the same data and parameters.

``payload_packs`` (conftest) holds two runs of every notebook of ``notebooks/`` on the same
generated center into two output folders. Their exports (``files/``) and headline figures
(``summary/``) must be byte-identical (Excel files: cell by cell, as the file records its
creation time); the HTML may differ (it prints when it was made).
"""
from __future__ import annotations

import hashlib
import json

import pytest

pytestmark = pytest.mark.slow


def content(path):
    """A file's bytes' digest; for Excel files the cells (the file itself carries its creation time)."""
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        return [[list(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(pack, sub):
    return {p.relative_to(pack).as_posix(): content(p) for p in sorted((pack / sub).rglob("*")) if p.is_file()}


def test_two_runs_give_the_same_tables(payload_packs, notebooks):
    (first, _), (second, _) = payload_packs
    r1, r2 = (json.loads((p / "run.json").read_text(encoding="utf-8")) for p in (first, second))
    assert r1["data"]["fingerprint"] == r2["data"]["fingerprint"]          # the same inputs ...
    assert r1["params"]["digest"] == r2["params"]["digest"]
    assert r1["started"] != r2["started"] or r1["command"]["pid"] == r2["command"]["pid"]
    summaries = digests(first, "summary")
    assert sorted(summaries) == sorted(f"summary/{nb.stem}.json" for nb in notebooks)   # every notebook recorded
    assert summaries == digests(second, "summary")                         # ... the same headline figures
    files = digests(first, "files")
    assert files and files == digests(second, "files")                     # ... and the same exports
    restricted = digests(first, "restricted")
    assert restricted == digests(second, "restricted")


#: Notebook metadata that records when (and how long) a cell or notebook ran.
TIMES = ("start_time", "end_time", "duration", "execution")


def untimed(value, pack):
    """A parsed executed notebook without its timestamps, its pack's folder shown as ``<pack>``."""
    if isinstance(value, dict):
        return {k: untimed(v, pack) for k, v in value.items() if k not in TIMES}
    if isinstance(value, list):
        return [untimed(v, pack) for v in value]
    if isinstance(value, str):
        return value.replace(str(pack.parent), "<out>")
    return value


def test_two_runs_give_the_same_notebooks_but_for_timestamps(payload_packs, notebooks):
    """Issue 19: a rerun differs only in timestamps (no random cell id), and no published notebook
    names the temporary folder it was built in (``.2026-10.tmp-<pid>``)."""
    (first, _), (second, _) = payload_packs
    for nb in notebooks:
        texts = [(p / "notebooks" / nb.name).read_text(encoding="utf-8") for p in (first, second)]
        assert ".tmp-" not in texts[0] and ".tmp-" not in texts[1], nb.name
        a, b = (untimed(json.loads(t), p) for t, p in zip(texts, (first, second)))
        assert [c.get("id") for c in a["cells"]] == [c.get("id") for c in b["cells"]], nb.name
        assert a == b, nb.name
