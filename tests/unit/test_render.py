"""ccnb.render.pages: managers' HTML without code or noise, offline; PDF with text (and Chinese); the pack index."""
from __future__ import annotations

import base64
import io
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ccnb.render import pages

PAYLOAD = "<script>alert('x')</script>"


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2))
    ax.plot([1, 2, 3])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def executed_notebook(path, lang_text="Monthly overview"):
    """A notebook as papermill leaves it: code, outputs of every kind, tags."""
    nb = new_notebook()
    nb.metadata = {"kernelspec": {"name": "ccnb", "display_name": "ccnb", "language": "python"},
                   "language_info": {"name": "python"}}
    params = new_code_cell('month = "2026-10"', execution_count=1)
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('month = "2026-10"\nout_dir = "/tmp/x"', execution_count=2)
    injected.metadata["tags"] = ["injected-parameters"]
    analyst = new_markdown_cell("ANALYST-ONLY explanation with `code`")
    analyst.metadata["tags"] = ["analyst"]
    removed = new_code_cell("SECRET_CODE = 1", execution_count=3, outputs=[
        new_output("stream", name="stdout", text="REMOVED-OUTPUT\n")])
    removed.metadata["tags"] = ["remove"]
    shown = new_code_cell("ctx.h2('x')\nctx.table(df)", execution_count=4, outputs=[
        new_output("display_data", data={"text/html": f"<h2>{lang_text}</h2><table class='ccnb-table'>"
                                                      "<tr><td>EXPECTED-TABLE-CELL</td></tr></table>",
                                         "text/plain": "fallback"}),
        new_output("stream", name="stderr", text="NOISY-STDERR /usr/lib/python3/warnings.py:1: UserWarning\n"),
        new_output("stream", name="stdout", text="PRINTED-LINE\n"),
        new_output("execute_result", data={"text/plain": "15"}, execution_count=4),
    ])
    chart = new_code_cell("plots.finish(fig)", execution_count=5, outputs=[
        new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure size 640x480 with 1 Axes>"}),
        new_output("display_data", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}),
        new_output("display_data", data={"application/javascript": "alert('js')", "text/plain": "<IPython...>"}),
    ])
    err = new_code_cell("1/0", execution_count=6, outputs=[
        new_output("error", ename="ZeroDivisionError", evalue="NOISY-ERROR", traceback=["NOISY-TRACEBACK"])])
    nb.cells = [params, injected, analyst, removed, shown, chart, err, new_code_cell("x = 1", execution_count=7)]
    nbformat.write(nb, path)
    return path


# --------------------------------------------------------------------------- outputs kept or dropped
@pytest.mark.parametrize("output, keep", [
    ({"output_type": "stream", "name": "stdout", "text": "hello"}, True),
    ({"output_type": "stream", "name": "stdout", "text": "  \n"}, False),
    ({"output_type": "stream", "name": "stderr", "text": "warning"}, False),
    ({"output_type": "error", "ename": "E", "evalue": "v", "traceback": []}, False),
    ({"output_type": "execute_result", "data": {"text/plain": "15"}}, False),
    ({"output_type": "display_data", "data": {"text/plain": "[<matplotlib.lines.Line2D at 0x7f>]"}}, False),
    ({"output_type": "display_data", "data": {"text/plain": "a plain line"}}, True),
    ({"output_type": "display_data", "data": {"application/javascript": "x"}}, False),
    ({"output_type": "display_data", "data": {"text/html": "<p>x</p>", "text/plain": "x"}}, True),
    ({"output_type": "execute_result", "data": {"image/png": "AAAA", "text/plain": "<Figure>"}}, True),
])
def test_keep_output(output, keep):
    assert pages.keep_output(output) is keep


# --------------------------------------------------------------------------- HTML
def test_html_has_no_code_prompts_noise_or_scripts(tmp_path):
    src = executed_notebook(tmp_path / "00_overview.ipynb")
    html = pages.to_html(src, tmp_path / "out" / "00_overview.html", "en", title="Monthly overview",
                          subtitle="Sample Center · October 2026",
                          nav=[("index.html", "All reports"), ("../2026-10-zh/00_overview.html", "中文", "zh")]
                          ).read_text(encoding="utf-8")
    assert "EXPECTED-TABLE-CELL" in html and "PRINTED-LINE" in html
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)
    for absent in ("ctx.table", "SECRET_CODE", "month = ", "ANALYST-ONLY", "REMOVED-OUTPUT", "NOISY-STDERR",
                   "NOISY-ERROR", "NOISY-TRACEBACK", "<Figure size", "alert('js')", "In&nbsp;[", "Out[",
                   "jp-InputArea", "highlight"):
        assert absent not in html, absent
    assert "<script" not in html.lower()
    # a well-formed standalone page: language, charset, title, back link, no network resources
    assert re.search(r'<html lang="en">', html) and '<meta charset="utf-8"' in html
    assert "<title>Monthly overview</title>" in html
    assert '<a href="index.html">All reports</a> · <a href="../2026-10-zh/00_overview.html" lang="zh">中文</a>' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@import" not in html and "url(http" not in html
    assert 'counter(pages)' in html and "size: A4" in html
    assert html.count("jp-Cell ") == 2       # the table cell and the chart cell; empty cells gone


def test_html_lang_zh(tmp_path):
    src = executed_notebook(tmp_path / "nb.ipynb", lang_text="核心指标")
    html = pages.to_html(src, tmp_path / "nb.html", "zh", title="核心指标").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html and "核心指标" in html and "第 " in html


def test_html_unreadable_notebook_is_a_render_error(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(pages.RenderError, match="bad.ipynb"):
        pages.to_html(bad, tmp_path / "bad.html", "en")


def test_css_strings_cannot_break_out():
    assert pages.css_string('a "b" </style> \\') == '"a \\22 b\\22  \\3c /style\\3e  \\5c "'
    assert pages._css_template("Page {page} of {pages}", page="counter(page)", pages="counter(pages)") == \
        '"Page " counter(page) " of " counter(pages)'


# --------------------------------------------------------------------------- PDF
def test_pdf_has_text_pages_and_chinese(tmp_path, pdf_text, pdf_pages):
    src = executed_notebook(tmp_path / "nb.ipynb", lang_text="核心指标 坐席 张伟")
    html = pages.to_html(src, tmp_path / "nb.html", "zh", title="核心指标", subtitle="示例呼叫中心 · 2026年10月")
    pdf = pages.to_pdf(html, tmp_path / "pdf" / "nb.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf_pages(pdf) == 1
    text = pdf_text(pdf)
    assert "核心指标 坐席 张伟" in text and "EXPECTED-TABLE-CELL" in text
    assert "示例呼叫中心" in text and "第 1 页，共 1 页" in text       # running header and page numbers
    assert not [w for w in pages.LAST_PDF_WARNINGS if "font" in w.lower() or "image" in w.lower()]


def test_pdf_refuses_network_resources(tmp_path, pdf_text):
    page = tmp_path / "p.html"
    page.write_text('<html><body><p>OFFLINE-TEXT</p><img src="http://example.invalid/x.png"></body></html>',
                    encoding="utf-8")
    pdf = pages.to_pdf(page, tmp_path / "p.pdf")
    assert "OFFLINE-TEXT" in pdf_text(pdf)
    assert any("example.invalid" in w for w in pages.LAST_PDF_WARNINGS)


# --------------------------------------------------------------------------- index.html
def test_index_links_reports_shows_headline_and_escapes(tmp_path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "outreach list.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / "restricted").mkdir()
    (tmp_path / "restricted" / "customers.csv").write_text("phone\n", encoding="utf-8")
    entries = [{"name": "00_overview", "title": "Monthly overview", "html": "00_overview.html",
                "pdf": "pdf/00_overview.pdf"},
               {"name": "10_x", "title": PAYLOAD, "html": "10_x.html", "pdf": None}]
    headline = [{"title": "Monthly overview", "items": [
        {"label": "Answer rate", "display": "91.2 %", "target_display": "90.0 %", "light": "green"},
        {"label": PAYLOAD, "display": "7", "target_display": None, "light": None}]}]
    html = pages.index_html(tmp_path, "2026-10", "en", entries, headline, center="Sample Center · October 2026",
                             seconds=42, data_label="data/sample", params_label="default.yaml"
                             ).read_text(encoding="utf-8")
    assert "<title>Operations report October 2026</title>" in html
    assert 'href="00_overview.html"' in html and 'href="pdf/00_overview.pdf"' in html
    assert "91.2 %" in html and "Target 90.0 %" in html and "on target" in html and "No target" in html
    assert 'href="files/outreach%20list.csv"' in html
    assert "restricted" not in html
    assert "<script" not in html and html.count("&lt;script&gt;") == 2
    assert "All 2 reports were built successfully." in html and "Run time 42 s" in html
    assert "Data: data/sample" in html


def test_index_zh(tmp_path):
    html = pages.index_html(tmp_path, "2026-10", "zh", [{"title": "总览", "html": "a.html", "pdf": "pdf/a.pdf"}],
                             []).read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html and "运营分析报告 2026年10月" in html and "本月没有记录核心指标。" in html


def test_wide_table_fits_the_a4_page(tmp_path):
    """Nine long-headed columns: every word of the PDF stays inside the page's text area."""
    import subprocess

    import pandas as pd

    from ccnb.present.display import table_html

    cols = {f"Average handle time of queue group {i} (seconds)": [123456.0 + i, 7.5] for i in range(9)}
    body = table_html(pd.DataFrame(cols), formats={c: "int" for c in cols})
    nb = new_notebook()
    nb.cells = [new_code_cell("ctx.table(wide)", outputs=[new_output("display_data", data={"text/html": body})])]
    nbformat.write(nb, tmp_path / "wide.ipynb")
    pdf = pages.to_pdf(pages.to_html(tmp_path / "wide.ipynb", tmp_path / "wide.html", "en", "Wide"),
                        tmp_path / "wide.pdf")
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page_w = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox))
    assert "123,464" in bbox                  # the last column made it onto the page
    assert right <= page_w - 16 / 25.4 * 72 + 1, (right, page_w)     # inside the 16 mm right margin


def test_printer_prints_each_page_in_a_child_and_brings_back_its_warnings(tmp_path, pdf_text):
    import psutil

    page = tmp_path / "p.html"
    page.write_text('<html><body><p>CHILD-TEXT</p><img src="http://example.invalid/x.png"></body></html>',
                    encoding="utf-8")
    me = psutil.Process()
    before = {c.pid for c in me.children()}        # e.g. a JVM another test left running
    with pages.Printer() as printer:
        pages.LAST_PDF_WARNINGS.clear()
        pdf = pages.to_pdf(page, tmp_path / "a.pdf", printer=printer)
        assert "CHILD-TEXT" in pdf_text(pdf)
        assert any("example.invalid" in w for w in pages.LAST_PDF_WARNINGS)   # from the child
        children = {c.pid for c in me.children()
                    if c.pid not in before and "resource_tracker" not in " ".join(c.cmdline())}
        assert children                                                        # a fresh printer waits
        pages.to_pdf(page, tmp_path / "b.pdf", printer=printer)
        assert (tmp_path / "b.pdf").read_bytes()[:5] == b"%PDF-"
    assert not [c for c in me.children() if c.pid in children and c.is_running() and c.status() != "zombie"]
