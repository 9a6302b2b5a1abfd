"""How a run ends: the exit codes a scheduler acts on, and the errors that carry them.

One table (:data:`EXIT_CODES`) is the single source for ``ccnb --help``, the run record
(``run.json`` ``exit_code``) and ``docs/scheduling.md`` (a test keeps the document in step).

=====  =========  =====================================================================
code   name       meaning, and what a scheduler should do
=====  =========  =====================================================================
0      ok         the pack was published
1      internal   a bug in ccnb (the traceback is printed): report it, do not retry
2      usage      bad command line or setup (month, options, notebooks, kernel), or an output
                  folder that cannot be written (read-only, full, no permission): fix the job
3      data       the data breaks the contract, or the month has none: fix or wait for data
4      notebook   a notebook raised: read the kept notebook in ``<out>/_failed/``
5      render     HTML or PDF rendering failed: read the kept notebook in ``<out>/_failed/``
6      params     the parameters file is wrong (unknown key, weights that do not sum ...)
7      busy       another run is writing the same pack: retry later
130    interrupt  stopped by Ctrl-C / SIGINT
143    terminated stopped by SIGTERM (a scheduler's timeout): the previous pack is untouched
=====  =========  =====================================================================

Every expected failure prints exactly one line on stderr (``ccnb: error: <reason>``).
"""
from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_NOTEBOOK = 4
EXIT_RENDER = 5
EXIT_PARAMS = 6
EXIT_BUSY = 7
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

#: code -> (short name, one-line meaning for --help and the scheduling document)
EXIT_CODES: dict[int, tuple[str, str]] = {
    EXIT_OK: ("ok", "success: the pack was published"),
    EXIT_INTERNAL: ("internal", "internal error (a bug in ccnb: the traceback is printed)"),
    EXIT_USAGE: ("usage", "bad command line or setup (month, options, --out, notebooks, kernel), or an "
                          "output folder that cannot be written (read-only, full disk, no permission)"),
    EXIT_DATA: ("data", "bad data, or no data for the month (the message names table, file, column and rows)"),
    EXIT_NOTEBOOK: ("notebook", "a notebook failed (the message names notebook, cell and error; the executed "
                                "notebook is kept in <out>/_failed/)"),
    EXIT_RENDER: ("render", "rendering failed (HTML or PDF; kept in <out>/_failed/)"),
    EXIT_PARAMS: ("params", "bad parameters file (unknown key, wrong type, weights that do not sum ...)"),
    EXIT_BUSY: ("busy", "another run is writing the same pack (lock held); try again later"),
    EXIT_INTERRUPTED: ("interrupted", "interrupted (Ctrl-C)"),
    EXIT_TERMINATED: ("terminated", "terminated by SIGTERM (e.g. a scheduler's timeout); nothing was published"),
}


class Terminated(BaseException):
    """Raised by the ``ccnb`` command's SIGTERM handler, so that a stopped run cleans up like Ctrl-C."""


class ReportError(Exception):
    """A report could not be built; the message says what and where. Exit code 2 (bad request)."""

    exit_code = EXIT_USAGE


class NotebookFailed(ReportError):
    """A notebook raised: names the notebook, the cell (number, first line) and ``ename: evalue``."""

    exit_code = EXIT_NOTEBOOK

    def __init__(self, message: str, *, notebook: str = "", cell: int | None = None, source_line: str = "",
                 ename: str = "", evalue: str = "", failed_dir: Path | None = None):
        super().__init__(message)
        self.notebook, self.cell, self.source_line = notebook, cell, source_line
        self.ename, self.evalue, self.failed_dir = ename, evalue, failed_dir


class RenderFailed(ReportError):
    """HTML or PDF rendering of an executed notebook failed."""

    exit_code = EXIT_RENDER

    def __init__(self, message: str, *, notebook: str = "", failed_dir: Path | None = None):
        super().__init__(message)
        self.notebook, self.failed_dir = notebook, failed_dir


class LockBusy(ReportError):
    """Another live run holds the pack's lock; ``holder`` is what its lock file says (pid, host, started)."""

    exit_code = EXIT_BUSY

    def __init__(self, message: str, *, lock_path: Path | None = None, holder: dict | None = None):
        super().__init__(message)
        self.lock_path, self.holder = lock_path, holder or {}


def exit_code_of(error: BaseException) -> int:
    """The exit code for an exception: its ``exit_code`` (report, params and data errors carry one), else by kind."""
    code = getattr(error, "exit_code", None)
    if isinstance(code, int):
        return code
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, Terminated):
        return EXIT_TERMINATED
    return EXIT_INTERNAL


def one_line(message: str) -> str:
    """A message on one line: ``head:`` + ``- item`` lines become ``head: item | item``."""
    lines = [ln.strip() for ln in str(message).splitlines() if ln.strip()]
    if not lines:
        return ""
    head, items = lines[0], [ln.removeprefix("- ") for ln in lines[1:]]
    if not items:
        return head
    return f"{head.rstrip()} " + " | ".join(items)


__all__ = ["EXIT_BUSY", "EXIT_CODES", "EXIT_DATA", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_NOTEBOOK", "EXIT_OK",
           "EXIT_PARAMS", "EXIT_RENDER", "EXIT_TERMINATED", "EXIT_USAGE", "LockBusy", "NotebookFailed", "RenderFailed",
           "ReportError", "Terminated", "exit_code_of", "one_line"]
