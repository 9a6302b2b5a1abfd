"""A failed notebook's message names the line of the cell that raised, and the whole error."""
from __future__ import annotations

from pathlib import Path

from papermill.exceptions import PapermillExecutionError

from ccnb.pipeline.nbrun import describe_failure, failing_line, full_message

SOURCE = ('import ccnb.present.display\n\nctx = setup(month)\n'
          'sc = scorecard.build(ctx.tables, ctx.month, ctx.params)\nprint("done")')
# as IPython sends it: ANSI colours, the cell's frame first, then the frames of the package
TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mKeyError\x1b[0m                                  Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[3], line 4\x1b[0m\n\x1b[1;32m      3\x1b[0m ctx = setup(month)\n"
    "\x1b[0;32m----> 4\x1b[0m sc \x1b[38;5;241m=\x1b[39m scorecard\x1b[38;5;241m.\x1b[39mbuild(...)",
    "File \x1b[0;32m/work/ccnb/kpi/views.py:61\x1b[0m, in \x1b[0;36mbuild\x1b[0;34m(tables, month, params)\x1b[0m\n"
    "\x1b[0;32m---> 61\x1b[0m teams = score(teams)  # Cell In[9], line 1 is not this cell",
    "\x1b[0;31mKeyError\x1b[0m: 'composite'",
]


def test_the_failing_line_is_the_cells_own_frame_not_its_first_line():
    assert failing_line(SOURCE, TRACEBACK) == "sc = scorecard.build(ctx.tables, ctx.month, ctx.params)"
    assert failing_line(SOURCE, "\n".join(TRACEBACK)) == "sc = scorecard.build(ctx.tables, ctx.month, ctx.params)"
    # no cell frame (a syntax error): the first line of code
    assert failing_line(SOURCE, ["SyntaxError: invalid syntax"]) == "import ccnb.present.display"
    assert failing_line(SOURCE, ["Cell In[3], line 99"]) == "import ccnb.present.display"


def test_the_message_is_whole():
    long = "no contacts in 2026-10 (the data covers 2026-01-01 to 2026-09-30)\n\nsee docs/data.md " + "x" * 120
    assert full_message(long) == "no contacts in 2026-10 (the data covers 2026-01-01 to 2026-09-30) see docs/data.md " + "x" * 120


def test_describe_failure_names_the_line_and_keeps_the_message(tmp_path):
    e = PapermillExecutionError(cell_index=3, exec_count=3, source=SOURCE, ename="KeyError",
                                evalue="'composite'\nwhile scoring the teams", traceback=TRACEBACK)
    d = describe_failure(e, Path(tmp_path / "missing.ipynb"), Path(tmp_path / "missing-out.ipynb"))
    assert d["line"] == "sc = scorecard.build(ctx.tables, ctx.month, ctx.params)"
    assert d["evalue"] == "'composite' while scoring the teams"
    assert d["what"] == ("cell [3] (`sc = scorecard.build(ctx.tables, ctx.month, ctx.params)`): "
                         "KeyError: 'composite' while scoring the teams")
