"""The real notebooks (``notebooks/``) through the whole pipeline on the sample, then in the browser.

Data: ``data/sample`` when it is complete (``MANIFEST.json``, written by ``make setup``),
else a small sample generated for the session (six months, 60,000 contacts). The pack is the
session's ``sample_pack`` (``conftest.py``), shared with the leak scan.
"""
from __future__ import annotations

import re

import nbformat
import pytest

pytestmark = pytest.mark.slow


def test_every_notebook_is_in_the_pack(sample_pack, notebooks, pdf_text, pdf_pages):
    pack, lines = sample_pack
    index = (pack / "index.html").read_text(encoding="utf-8")
    for i, nb in enumerate(notebooks, 1):
        assert any(ln.startswith(f"[{i}/{len(notebooks)}] {nb.stem} ... ") for ln in lines), lines
        html = (pack / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert f'href="{nb.stem}.html"' in index and f'href="pdf/{nb.stem}.pdf"' in index
        for code in ("ccnb.present.display.setup", "import ", "In&nbsp;[", "jp-InputArea", "Traceback"):
            assert code not in html, (nb.name, code)
        assert "<script" not in html.lower()
        assert pdf_pages(pack / "pdf" / f"{nb.stem}.pdf") >= 1
        assert len(pdf_text(pack / "pdf" / f"{nb.stem}.pdf").split()) > 20
        executed = nbformat.read(pack / "notebooks" / nb.name, as_version=4)
        assert not [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]


def test_overview_holds_the_kpi_table(sample_pack, pdf_text):
    pack, _ = sample_pack
    overview = pack / "00_overview.html"
    if not overview.exists():
        pytest.skip("no overview notebook")
    html = overview.read_text(encoding="utf-8")
    table = re.search(r'<table class="ccnb-table[^"]*">.*?</table>', html, re.S)
    assert table and "Answer rate" in table.group(0)
    assert re.search(r"\d+\.\d %", table.group(0))
    assert "Answer rate" in pdf_text(pack / "pdf" / "00_overview.pdf")
    index = (pack / "index.html").read_text(encoding="utf-8")
    assert index.count('class="ccnb-card') >= 4              # headline KPIs from the overview's summary


@pytest.mark.browser
def test_index_and_overview_in_chromium(sample_pack, chromium, artifacts_dir, tmp_path, browser_args):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    pack, _ = sample_pack
    problems: list[str] = []
    with sync_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(chromium),
                                                    args=browser_args, headless=True, offline=True,
                                                    viewport={"width": 1200, "height": 900})
        page = ctx.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
        page.goto((pack / "index.html").as_uri())
        assert page.get_by_role("heading", level=1).first.inner_text().startswith("Operations report")
        assert page.get_by_role("heading", name="Headline figures").is_visible()
        page.screenshot(path=str(artifacts_dir / "sample-index.png"), full_page=True)
        if (pack / "00_overview.html").exists():
            page.goto((pack / "00_overview.html").as_uri())
            assert page.get_by_role("heading", level=1).first.is_visible()
            assert page.locator("table.ccnb-table").first.is_visible()
            assert page.locator("img").count() >= 1
            page.screenshot(path=str(artifacts_dir / "sample-overview.png"), full_page=True)
        ctx.close()
    assert problems == []
