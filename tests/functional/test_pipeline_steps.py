"""Pieces of ccnb.pipeline.report that need no kernel: month checks, notebook selection, the atomic swap, stale cleanup."""
from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest

from ccnb.core import months
from ccnb.core.errors import ReportError
from ccnb.pipeline import nbrun, publish, report, runrecord


@pytest.mark.parametrize("month", ["2026-10", "1999-01"])
def test_check_month_accepts(month):
    assert str(months.parse_month(month)) == month


@pytest.mark.parametrize("month", ["../../x", "2026-10/../..", "2026-00", "26-10", "", None, "2026-10 "])
def test_check_month_rejects(month):
    with pytest.raises(ReportError, match="YYYY-MM"):
        months.parse_month(month)


def test_pack_names():
    assert report.pack_name("2026-10", "en") == "2026-10"
    assert report.pack_name("2026-10", "zh") == "2026-10-zh"
    assert report.pretty_name("10_forecast_staffing") == "Forecast staffing"


def _nb(path, params=True):
    nb = nbformat.v4.new_notebook()
    c = nbformat.v4.new_code_cell('month = "2026-10"\ndata_dir = None\nparams_path = None\nlang = "en"\nout_dir = None')
    if params:
        c.metadata["tags"] = ["parameters"]
    nb.cells = [c]
    nbformat.write(nb, path)


def test_select_notebooks(tmp_path):
    for n in ("20_b.ipynb", "00_a.ipynb", ".hidden.ipynb", "notes.txt"):
        _nb(tmp_path / n) if n.endswith(".ipynb") else (tmp_path / n).write_text("x")
    assert [p.name for p in nbrun.select_notebooks(tmp_path)] == ["00_a.ipynb", "20_b.ipynb"]
    assert [p.name for p in nbrun.select_notebooks(tmp_path, ["20_b", "00_a.ipynb"])] == ["20_b.ipynb", "00_a.ipynb"]
    for bad in (["../x"], ["sub/x.ipynb"], ["missing"]):
        with pytest.raises(ReportError, match="report.notebooks"):
            nbrun.select_notebooks(tmp_path, bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ReportError, match="no notebooks"):
        nbrun.select_notebooks(empty)
    with pytest.raises(ReportError, match="not found"):
        nbrun.select_notebooks(tmp_path / "nowhere")


def test_notebook_checks(tmp_path):
    _nb(tmp_path / "a.ipynb")
    _nb(tmp_path / "b.ipynb", params=False)
    (tmp_path / "c.ipynb").write_text("{", encoding="utf-8")
    assert nbrun.check_notebook(tmp_path / "a.ipynb") == []
    assert "no cell tagged 'parameters'" in nbrun.check_notebook(tmp_path / "b.ipynb")[0]
    with pytest.raises(ReportError, match="c.ipynb: not a readable notebook"):
        nbrun.check_notebook(tmp_path / "c.ipynb")


def test_publish_swaps_in_and_removes_the_old_pack(tmp_path):
    final = tmp_path / "2026-10"
    final.mkdir()
    (final / "index.html").write_text("old")
    tmp = tmp_path / f".2026-10.tmp-{os.getpid()}"
    tmp.mkdir()
    (tmp / "index.html").write_text("new")
    publish.publish(tmp, final)
    assert (final / "index.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-10"]
    # first publication: nothing to move away
    tmp.mkdir()
    publish.publish(tmp, tmp_path / "2026-11")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-10", "2026-11"]


def test_publish_restores_the_old_pack_when_the_swap_fails(tmp_path):
    final = tmp_path / "2026-10"
    final.mkdir()
    (final / "index.html").write_text("old")
    with pytest.raises(OSError):
        publish.publish(tmp_path / ".2026-10.tmp-missing", final)
    assert (final / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-10"]


def test_clean_stale_removes_only_dead_runs_and_keeps_the_last_good_pack(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (tmp_path / f".2026-10.tmp-{dead}").mkdir()
    (tmp_path / f".2026-10.old-{dead}").mkdir()             # old copy of a pack that is published: rubbish
    (tmp_path / f".2026-09.old-{dead}").mkdir()             # killed between the renames: the last good 2026-09
    (tmp_path / f".2026-09.old-{dead}" / "index.html").write_text("good")
    (tmp_path / f".2026-10.tmp-{os.getpid()}").mkdir()      # a live run (this process)
    (tmp_path / "2026-10").mkdir()
    (tmp_path / ".keep").mkdir()
    removed = publish.clean_stale(tmp_path)
    assert sorted(p.name for p in removed) == [f".2026-10.old-{dead}", f".2026-10.tmp-{dead}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".2026-10.tmp-" + str(os.getpid()), ".keep", "2026-09",
                                                          "2026-10"]
    assert (tmp_path / "2026-09" / "index.html").read_text() == "good"


def test_versions_record():
    v = runrecord.versions()
    assert v["ccnb"] and v["python"].count(".") == 2 and "papermill" in v and "weasyprint" in v


def test_notebook_names_from_a_folder_are_plain_file_names(tmp_path):
    """Notebook stems become file names in the pack (``<stem>.html``, ``pdf/<stem>.pdf``): nothing else gets through."""
    _nb(tmp_path / "00_ok.ipynb")
    _nb(tmp_path / "10_bad\nname.ipynb")
    with pytest.raises(ReportError, match=r"'10_bad\\nname' is not a notebook file name"):
        nbrun.select_notebooks(tmp_path)
    (tmp_path / "10_bad\nname.ipynb").unlink()
    _nb(tmp_path / "报告 月度.ipynb")                       # letters of any script and spaces are fine
    assert [p.stem for p in nbrun.select_notebooks(tmp_path)] == ["00_ok", "报告 月度"]
