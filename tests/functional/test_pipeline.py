"""The report pipeline end to end on the fixture notebooks: real papermill, nbconvert, WeasyPrint, poppler."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from ccnb.core.errors import NotebookFailed, ReportError
from ccnb.pipeline import report

pytestmark = pytest.mark.slow


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- a good run
def test_pack_layout_and_run_record(fixture_packs):
    pack = fixture_packs("en")
    assert pack.name == "2026-10"
    for rel in ("index.html", "00_summary.html", "10_agents.html", "pdf/00_summary.pdf", "pdf/10_agents.pdf",
                "notebooks/00_summary.ipynb", "notebooks/10_agents.ipynb", "files/queues.csv",
                "restricted/customers.csv", "summary/00_summary.json", "summary/10_agents.json", "run.json"):
        assert (pack / rel).is_file(), rel
    assert leftovers(pack.parent) == []                     # no temp folder, no old pack
    assert not (pack / ".logs").exists()

    run = json.loads((pack / "run.json").read_text(encoding="utf-8"))
    assert run["outcome"] == "ok" and run["month"] == "2026-10" and run["lang"] == "en"
    assert re.fullmatch(r"[0-9a-f]{64}", run["params"]["digest"])
    assert run["data"]["fingerprint"] and run["data"]["dir"].endswith("fixtures/notebooks/data")
    assert {"python", "ccnb", "pandas", "papermill", "nbconvert", "weasyprint"} <= set(run["versions"])
    assert [n["name"] for n in run["notebooks"]] == ["00_summary.ipynb", "10_agents.ipynb"]
    assert all(n["seconds"] > 0 and n["execute_s"] > 0 for n in run["notebooks"])
    assert run["started"] < run["finished"]


def test_executed_notebook_got_the_parameters(fixture_packs, fixture_data):
    nb = nbformat.read(fixture_packs("en") / "notebooks" / "00_summary.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    src = injected.source
    assert 'month = "2026-10"' in src and 'lang = "en"' in src
    assert f'data_dir = "{fixture_data.resolve()}"' in src
    assert re.search(r'params_path = "/.+/params/default\.yaml"', src)
    # built aside in .2026-10.tmp-<pid>, then swapped in: the published notebook names the pack, not the temp folder
    assert re.search(r'out_dir = "/.+/reports\d*/2026-10"', src)
    assert ".tmp-" not in (fixture_packs("en") / "notebooks" / "00_summary.ipynb").read_text(encoding="utf-8")


def test_manager_html_has_the_table_and_no_code(fixture_packs):
    html = (fixture_packs("en") / "00_summary.html").read_text(encoding="utf-8")
    assert "QUEUE-TABLE-CAPTION" in html
    assert re.search(r'<td class="num">80\.0 %</td>', html) and ">AHT (s)</th>" in html
    assert "Points for attention" in html and "85.7 %" in html
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)
    for absent in ("import ccnb", "ctx.table", "ctx = ccnb.present.display.setup", "month = ", "In&nbsp;[",
                   "jp-InputArea", "ANALYST-ONLY", "NOISY-WARNING", "NOISY-STDERR", "object object",
                   "UserWarning"):
        assert absent not in html, absent
    # data and fields reach the page as text, never as markup
    assert "<script" not in html.lower()
    q = "(?:'|&#x27;|&#39;)"           # nbconvert re-serialises the page; quotes may be literal
    assert re.search(f"&lt;script&gt;alert\\({q}x{q}\\)&lt;/script&gt;", html)        # agent name (data)
    assert re.search(f"&lt;script&gt;alert\\({q}field{q}\\)&lt;/script&gt;", html)    # format field
    assert "&lt;b&gt;too few&lt;/b&gt;" in html                                  # alert text


def test_index_links_everything_but_restricted(fixture_packs):
    pack = fixture_packs("en")
    html = (pack / "index.html").read_text(encoding="utf-8")
    for href in re.findall(r'href="([^"]+)"', html):
        assert (pack / href).is_file(), href
    assert {"00_summary.html", "10_agents.html", "pdf/00_summary.pdf", "pdf/10_agents.pdf",
            "files/queues.csv"} <= set(re.findall(r'href="([^"]+)"', html))
    assert "restricted" not in html
    assert "85.7 %" in html and "Target 90.0 %" in html      # headline figures from the summaries
    assert "All 2 reports were built successfully." in html


def test_pdf_has_pages_and_text(fixture_packs, pdf_text, pdf_pages):
    pack = fixture_packs("en")
    for name in ("00_summary", "10_agents"):
        assert pdf_pages(pack / "pdf" / f"{name}.pdf") >= 1
    text = pdf_text(pack / "pdf" / "00_summary.pdf")
    assert "QUEUE-TABLE-CAPTION" in text and "85.7 %" in text and "Page 1 of 1" in text
    assert "<script>alert('x')</script>" in text                 # shown as text in the PDF too
    assert "张伟" in pdf_text(pack / "pdf" / "10_agents.pdf")


def test_chinese_pack(fixture_packs, pdf_text):
    pack = fixture_packs("zh")
    assert pack.name == "2026-10-zh"
    html = (pack / "00_summary.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html and "需要关注" in html
    text = pdf_text(pack / "pdf" / "00_summary.pdf")
    for zh in ("核心指标", "示例呼叫中心", "2026年10月", "需要关注", "队列", "未达标", "第 1 页，共 1 页"):
        assert zh in text, zh
    assert "张伟" in pdf_text(pack / "pdf" / "10_agents.pdf")
    assert "运营分析报告 2026年10月" in (pack / "index.html").read_text(encoding="utf-8")


def test_charts_render_cjk_without_missing_glyphs(fixture_packs):
    for lang in ("en", "zh"):
        nb = nbformat.read(fixture_packs(lang) / "notebooks" / "00_summary.ipynb", as_version=4)
        chart = next(c for c in nb.cells if "plots.finish" in c.source)
        kinds = [(o.output_type, sorted(o.get("data", {}))) for o in chart.outputs]
        assert kinds == [("display_data", ["image/png", "text/plain"])], kinds      # one PNG, nothing else
        stderr = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                         if o.get("name") == "stderr")
        assert "missing from font" not in stderr and "Glyph" not in stderr
        assert "NOISY-WARNING" in stderr          # the kernel's stderr is kept for analysts


def test_rerun_replaces_the_pack(fixture_packs, fixture_notebooks, fixture_data):
    pack = fixture_packs("en")
    before = json.loads((pack / "run.json").read_text(encoding="utf-8"))["started"]
    lines = []
    again = report.run("2026-10", data=fixture_data, out=pack.parent, notebooks_dir=fixture_notebooks / "ok",
                       progress=lines.append)
    assert again == pack
    after = json.loads((pack / "run.json").read_text(encoding="utf-8"))["started"]
    assert after >= before and (pack / "index.html").is_file()
    assert leftovers(pack.parent) == []
    assert re.fullmatch(r"\[1/2\] 00_summary \.\.\. \d+ s", lines[1]) or \
        any(re.fullmatch(r"\[1/2\] 00_summary \.\.\. \d+ s", ln) for ln in lines)
    assert any(re.fullmatch(r"\[2/2\] 10_agents \.\.\. \d+ s", ln) for ln in lines)


# --------------------------------------------------------------------------- failures
def test_failing_notebook_keeps_previous_pack_intact(tmp_path, fixture_packs, fixture_notebooks, fixture_data):
    out = tmp_path / "reports"
    shutil.copytree(fixture_packs("en"), out / "2026-10")
    before = tree_digest(out / "2026-10")

    with pytest.raises(NotebookFailed) as err:
        report.run("2026-10", data=fixture_data, out=out, notebooks_dir=fixture_notebooks / "failing", progress=None)
    e = err.value
    msg = str(e)
    assert "10_boom.ipynb" in msg and "cell 5" in msg
    assert '`raise ValueError("boom: fixture failure")`' in msg and "ValueError: boom: fixture failure" in msg
    assert (e.notebook, e.cell, e.ename, e.evalue) == ("10_boom.ipynb", 5, "ValueError", "boom: fixture failure")

    assert tree_digest(out / "2026-10") == before              # previous pack byte-for-byte intact
    assert leftovers(out) == []                                # no temp folder left
    failed = e.failed_dir
    assert failed.parent == out / "_failed" and failed.name.startswith("2026-10-")
    kept = nbformat.read(failed / "10_boom.ipynb", as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"
    assert json.loads((failed / "run.json").read_text(encoding="utf-8"))["outcome"] == "failed"
    assert (failed / "kernel.log").is_file()


def test_cli_failure_exit_code_and_message(tmp_path, fixture_notebooks, fixture_data):
    out = tmp_path / "reports"
    r = subprocess.run([sys.executable, "-m", "ccnb", "report", "--month", "2026-10", "--data", str(fixture_data),
                        "--out", str(out), "--notebooks", str(fixture_notebooks / "failing")],
                       capture_output=True, text=True, env=dict(os.environ))
    assert r.returncode == 4, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert lines[0].startswith("ccnb: error: notebook 10_boom.ipynb failed in cell 5 (`raise ValueError(")
    assert "ValueError: boom: fixture failure; executed notebook kept in" in lines[0]
    assert "[1/2] 00_first ... " in r.stdout and "[2/2] 10_boom ... failed after" in r.stdout
    assert [p.name for p in out.iterdir()] == ["_failed"]      # nothing published, nothing left over


def test_everything_is_validated_before_anything_runs(tmp_path, fixture_notebooks, fixture_data):
    from ccnb.data import DataError
    from ccnb.params import ParamsError

    out = tmp_path / "reports"
    nbs = fixture_notebooks / "failing"          # would fail if it ever ran
    with pytest.raises(ReportError, match="YYYY-MM"):
        report.run("../../x", data=fixture_data, out=out, notebooks_dir=nbs, progress=None)
    with pytest.raises(DataError, match="no contacts in 2026-12"):
        report.run("2026-12", data=fixture_data, out=out, notebooks_dir=nbs, progress=None)
    bad = tmp_path / "p.yaml"
    bad.write_text("report:\n  lang: fr\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="report.lang"):
        report.run("2026-10", data=fixture_data, params=bad, out=out, notebooks_dir=nbs, progress=None)
    with pytest.raises(ReportError, match="not installed"):
        old = report.config.KERNEL_NAME
        report.config.KERNEL_NAME = "no-such-kernel-ccnb"
        try:
            report.run("2026-10", data=fixture_data, out=out, notebooks_dir=nbs, progress=None)
        finally:
            report.config.KERNEL_NAME = old
    assert not out.exists()


def test_a_dying_kernel_is_reported_with_its_cell(tmp_path, fixture_notebooks, fixture_data):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    nb = nbformat.read(fixture_notebooks / "failing" / "00_first.ipynb", as_version=4)
    nb.cells = nb.cells[:1] + [nbformat.v4.new_code_cell("import os\nos._exit(1)")]
    nbformat.write(nb, nbs / "00_dies.ipynb")
    out = tmp_path / "reports"
    with pytest.raises(NotebookFailed) as err:
        report.run("2026-10", data=fixture_data, out=out, notebooks_dir=nbs, progress=None)
    msg = str(err.value)
    assert "notebook 00_dies.ipynb failed in cell 2 (`import os`): DeadKernelError: the kernel died" in msg
    assert (err.value.failed_dir / "00_dies.ipynb").is_file() and (err.value.failed_dir / "kernel.log").is_file()
    assert [p.name for p in out.iterdir()] == ["_failed"]
