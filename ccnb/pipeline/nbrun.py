"""Running one notebook with papermill, and checking notebooks before any of them runs.

* :func:`select_notebooks`: which notebooks a run executes (params ``report.notebooks``
  or every ``*.ipynb`` of the folder, by name); file names are checked so that no name
  from params or a folder listing can point outside the notebooks folder or the pack.
* :func:`execute`: one notebook in a fresh kernel (``config.KERNEL_NAME``), its stderr
  in a log file, not on the console.
* :func:`describe_failure`: what went wrong, as one line naming the cell (number in the
  original notebook, first source line) and ``ename: evalue``; a dead or timed-out
  kernel names the cell that was running.
"""
from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

from ccnb.catalog.notebooks import plain_name
from ccnb.core import config
from ccnb.core.errors import ReportError

PARAMETERS = ("month", "data_dir", "params_path", "lang", "out_dir")
#: A notebook file stem: starts with a letter/digit/underscore; letters, digits, ``_ . -`` and spaces.


def check_stem(stem: str, where: str) -> str:
    """``stem`` when it is a plain notebook file name (it becomes ``<stem>.html`` in the pack)."""
    if not plain_name(stem):
        raise ReportError(f"{where}: {stem!r} is not a notebook file name (letters, digits, _ . - only)")
    return stem


def select_notebooks(notebooks_dir: Path, names: list[str] | None = None) -> list[Path]:
    """The notebooks to run: ``names`` (params ``report.notebooks``) in that order, else all ``*.ipynb`` by name."""
    notebooks_dir = Path(notebooks_dir)
    if not notebooks_dir.is_dir():
        raise ReportError(f"notebooks folder not found: {notebooks_dir}")
    if names:
        out = []
        for n in names:
            if not isinstance(n, str) or not plain_name(n) or "/" in n or "\\" in n:
                raise ReportError(f"report.notebooks: {n!r} is not a notebook file name")
            p = notebooks_dir / (n if n.endswith(".ipynb") else f"{n}.ipynb")
            if not p.is_file():
                raise ReportError(f"report.notebooks: {p.name} not found in {notebooks_dir}")
            out.append(p)
        return out
    found = sorted(p for p in notebooks_dir.glob("*.ipynb") if not p.name.startswith("."))
    for p in found:
        check_stem(p.stem, str(notebooks_dir))
    if not found:
        raise ReportError(f"no notebooks (*.ipynb) in {notebooks_dir}")
    return found


def check_notebook(path: Path) -> list[str]:
    """Read a notebook; returns warnings (missing parameters cell or names). Unreadable -> ReportError."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:  # noqa: BLE001
        raise ReportError(f"{path.name}: not a readable notebook: {e}") from None
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return [f"{path.name}: no cell tagged 'parameters'; papermill will inject them at the top"]
    missing = [p for p in PARAMETERS if not re.search(rf"^\s*{p}\s*=", cells[0].source, re.M)]
    return [f"{path.name}: parameters cell lacks {', '.join(missing)}"] if missing else []


def check_kernel(name: str) -> None:
    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise ReportError(f"Jupyter kernel {name!r} is not installed; run `make setup` "
                          f"(or set CCNB_KERNEL to an installed kernel)") from None



# --------------------------------------------------------------------------- running one notebook
def _kernel_manager(kernel_name: str, env: dict[str, str], log_path: Path):
    class _Km(AsyncKernelManager):
        """A kernel with extra environment and its process stderr in a log file (not our console)."""

        async def start_kernel(self, **kw):
            merged = dict(kw.pop("env", None) or os.environ)
            merged.update(env)
            kw["env"] = merged
            self._ccnb_log = open(log_path, "ab")  # noqa: SIM115 - closed in _close_log
            kw["stderr"] = self._ccnb_log
            kw["stdout"] = self._ccnb_log
            return await super().start_kernel(**kw)

    return _Km(kernel_name=kernel_name)


def _close_log(km) -> None:
    f = getattr(km, "_ccnb_log", None)
    if f is not None and not f.closed:
        f.close()


def first_line(source: str) -> str:
    for line in (source or "").splitlines():
        if line.strip():
            s = line.strip()
            return s if len(s) <= 80 else s[:77] + "..."
    return ""


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FRAME = re.compile(r"Cell In\[\d*\], line (\d+)")


def failing_line(source: str, traceback) -> str:
    """The line of the cell that raised: the cell's own frame in IPython's traceback
    (``Cell In[3], line 11``), whatever the call inside it that failed; the first line of
    code when the traceback does not say (a syntax error, an old kernel)."""
    tb = _ANSI.sub("", "\n".join(traceback or []) if not isinstance(traceback, str) else traceback)
    m = _CELL_FRAME.search(tb)
    lines = (source or "").splitlines()
    if m and 1 <= int(m.group(1)) <= len(lines) and lines[int(m.group(1)) - 1].strip():
        return lines[int(m.group(1)) - 1].strip()
    return first_line(source)


def full_message(text: str) -> str:
    """An error message on one line, whole (its lines joined, blank ones dropped)."""
    return " ".join(x.strip() for x in str(text or "").splitlines() if x.strip())


def _cell_number(source_nb: Path, executed_nb: Path, exec_index: int) -> int | None:
    """1-based position of the failing cell in the *original* notebook (the injected cell not counted)."""
    import nbformat

    try:
        src = nbformat.read(source_nb, as_version=4)
        done = nbformat.read(executed_nb, as_version=4)
        # papermill inserts error-marker cells after recording the index; skip them
        cells = [c for c in done.cells if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
        cell = cells[exec_index]
        ids = [c.get("id") for c in src.cells]
        if cell.get("id") in ids:
            return ids.index(cell.get("id")) + 1
        injected = sum(1 for c in cells[:exec_index] if "injected-parameters" in c.get("metadata", {}).get("tags", []))
        return exec_index - injected + 1
    except Exception:  # noqa: BLE001 - best effort; the message still names the source line
        return None


def _last_started_cell(executed: Path) -> tuple[int, str] | None:
    """(index, source) of the last cell papermill started, in the executed notebook."""
    import nbformat

    try:
        cells = nbformat.read(executed, as_version=4).cells
    except Exception:  # noqa: BLE001 - nothing was saved yet
        return None
    cells = [c for c in cells if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    started = [i for i, c in enumerate(cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    if not started or "injected-parameters" in cells[started[-1]].get("metadata", {}).get("tags", []):
        return None
    return started[-1], cells[started[-1]].source


def execute(notebook: Path, executed: Path, parameters: dict[str, Any], *, cwd: Path, log_path: Path,
            kernel_name: str | None = None, timeout: float | None = None, temp_dir: Path | None = None) -> None:
    """Run one notebook with papermill into ``executed``; raises ``PapermillExecutionError`` (or kernel errors).

    ``temp_dir`` becomes the kernel's ``TMPDIR`` (a folder the run owns and removes: openpyxl's
    temporary files of a killed or failed notebook go with it)."""
    import papermill as pm

    kernel_name = kernel_name or config.KERNEL_NAME
    env = {
        "CCNB_NOTEBOOK": notebook.stem,
        "CCNB_CACHE": str(config.CACHE_DIR),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    if temp_dir is not None:
        Path(temp_dir).mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(temp_dir)
    km = _kernel_manager(kernel_name, env, log_path)
    pm_log = logging.getLogger("papermill")
    level = pm_log.level
    pm_log.setLevel(logging.CRITICAL)  # warnings and errors are checked and reported by run() instead
    try:
        pm.execute_notebook(
            str(notebook), str(executed), parameters=parameters, kernel_name=kernel_name, language="python",
            cwd=str(cwd), progress_bar=False, log_output=False, request_save_on_cell_execute=True,
            execution_timeout=timeout, km=km,
        )
    finally:
        pm_log.setLevel(level)
        _shutdown(km)
        _close_log(km)


def finish_notebook(executed: Path, source: Path, tmp: Path, final: Path) -> None:
    """Make an executed notebook fit to publish: the run's temporary folder (``.2026-10.tmp-<pid>``, in the
    injected parameters and in any output that printed a path) becomes the pack's folder, and the cells
    papermill added get fixed ids instead of random ones, so that two runs differ only in timestamps."""
    nb = json.loads(Path(executed).read_text(encoding="utf-8"))
    try:
        source_ids = {c.get("id") for c in json.loads(Path(source).read_text(encoding="utf-8")).get("cells", [])}
    except (OSError, ValueError):
        source_ids = set()
    source_ids.discard(None)
    used = set()
    for i, cell in enumerate(nb.get("cells", [])):
        cid = cell.get("id")
        if cid is None or (cid in source_ids and cid not in used):
            used.add(cid)
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        base = "injected-parameters" if "injected-parameters" in tags else f"ccnb-cell-{i + 1}"
        new, n = base, 1
        while new in source_ids or new in used:
            n += 1
            new = f"{base}-{n}"
        cell["id"] = new
        used.add(new)
    nb = _replace_text(nb, Path(tmp).name, Path(final).name)
    part = Path(executed).with_name(f".{Path(executed).name}.part")
    part.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(part, executed)


def _replace_text(value: Any, old: str, new: str) -> Any:
    """``value`` (parsed JSON) with ``old`` replaced by ``new`` in every string, keys included."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_text(v, old, new) for v in value]
    if isinstance(value, dict):
        return {_replace_text(k, old, new): _replace_text(v, old, new) for k, v in value.items()}
    return value


def _shutdown(km) -> None:
    """Stop the notebook's kernel now: papermill (nbclient) leaves a kernel manager it was given running,
    so each finished notebook's kernel, with its data and DuckDB memory, would live until the run ends."""
    try:
        from jupyter_core.utils import run_sync

        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - best effort; the kernel also dies with the run
        pass


def describe_failure(e: Exception, nb: Path, executed: Path) -> dict[str, Any]:
    """``{what, cell, line, ename, evalue}`` for a notebook that failed with ``e``."""
    from papermill.exceptions import PapermillExecutionError

    cell = None
    line = ename = evalue = ""
    if isinstance(e, PapermillExecutionError):
        cell = _cell_number(nb, executed, e.cell_index)
        line = failing_line(e.source, e.traceback)
        ename, evalue = e.ename, full_message(e.evalue) or str(e.evalue)
        where = f"cell {cell}" if cell else f"cell [{e.exec_count}]"
        what = f"{where} (`{line}`): {ename}: {evalue}"
    else:  # the kernel died, timed out or did not start: name the cell that was running, if any
        ename, evalue = type(e).__name__, first_line(str(e))
        if "DeadKernel" in ename:
            evalue = "the kernel died (out of memory or a crash; see kernel.log)"
        elif "Timeout" in ename:
            evalue = f"a cell ran too long ({evalue})"
        running = _last_started_cell(executed)
        if running is not None:
            cell = _cell_number(nb, executed, running[0])
            line = first_line(running[1])
            what = f"cell {cell} (`{line}`): {ename}: {evalue}"
        else:
            what = f"{ename}: {evalue}"
    return {"what": what, "cell": cell, "line": line, "ename": ename, "evalue": evalue}


__all__ = ["PARAMETERS", "check_kernel", "check_notebook", "check_stem", "describe_failure", "execute",
           "failing_line", "finish_notebook", "first_line", "full_message", "select_notebooks"]
