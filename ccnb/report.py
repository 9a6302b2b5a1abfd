"""The monthly report pipeline: validate, run the notebooks with papermill, render, publish the pack atomically.

``run("2026-10")`` builds ``reports/2026-10/`` (``reports/2026-10-zh/`` in Chinese)::

    index.html              headline figures, links to every report, files, run facts
    <notebook>.html         managers' HTML (no code)
    pdf/<notebook>.pdf      the same, printed
    notebooks/<nb>.ipynb    executed notebooks, for analysts
    files/                  exports a manager may open (CSV, Excel)
    restricted/             customer identifiers (never linked from HTML)
    summary/<nb>.json       headline figures each notebook recorded (ctx.summary)
    run.json                month, params digest, data fingerprint, versions, timings, outcome

Order of work, and why:

1. Everything is validated **before** any notebook runs: the month (``YYYY-MM`` only,
   it becomes a folder name), the params (``ParamsError``), the notebooks and the
   kernel, and the data (``DataError``). A bad input costs seconds, not a half-built pack.
2. The pack is built in a temporary sibling folder ``out/.<pack>.tmp-<pid>``; only when
   every notebook ran and rendered is it swapped in (old pack renamed away, new one
   renamed in, old one deleted). A failure leaves the previous pack byte-for-byte as it
   was, no temporary folder, and the failed executed notebook in
   ``out/_failed/<pack>-<stamp>/`` with the kernel's log.
3. Each notebook runs in a fresh ``ccnb`` kernel (``config.KERNEL_NAME``) with the
   parameters ``month, data_dir, params_path, lang, out_dir`` (absolute paths), in the
   notebooks folder; the kernel's own stderr goes to a log file, not the console.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import platform
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

from ccnb import __version__, config
from ccnb.i18n import LANGS, t

PARAMETERS = ("month", "data_dir", "params_path", "lang", "out_dir")
_STALE = re.compile(r"^\.(?P<pack>.+)\.(?:tmp|old)-(?P<pid>\d+)$")
_NB_NAME = re.compile(r"^[\w][\w.\- ]*$")
VERSIONED = ("pandas", "numpy", "scipy", "statsmodels", "duckdb", "pyarrow", "matplotlib", "seaborn",
             "pydantic", "papermill", "nbconvert", "nbclient", "ipykernel", "weasyprint")


class ReportError(Exception):
    """A report could not be built; the message says what and where. Exit code 2 (bad request)."""

    exit_code = 2


class NotebookFailed(ReportError):
    """A notebook raised: names the notebook, the cell (number, first line) and ``ename: evalue``."""

    exit_code = 4

    def __init__(self, message: str, *, notebook: str = "", cell: int | None = None, source_line: str = "",
                 ename: str = "", evalue: str = "", failed_dir: Path | None = None):
        super().__init__(message)
        self.notebook, self.cell, self.source_line = notebook, cell, source_line
        self.ename, self.evalue, self.failed_dir = ename, evalue, failed_dir


class RenderFailed(ReportError):
    """HTML or PDF rendering of an executed notebook failed."""

    exit_code = 5

    def __init__(self, message: str, *, notebook: str = "", failed_dir: Path | None = None):
        super().__init__(message)
        self.notebook, self.failed_dir = notebook, failed_dir


# --------------------------------------------------------------------------- validation
def check_month(month: Any) -> str:
    """``"2026-10"`` unchanged; anything else (``../x``, ``2026-1``) is a :class:`ReportError`."""
    from ccnb.display import parse_month

    try:
        return str(parse_month(month))
    except ValueError as e:
        raise ReportError(str(e)) from None


def pack_name(month: str, lang: str) -> str:
    """``2026-10`` (English) or ``2026-10-zh``."""
    return month if lang == "en" else f"{month}-{lang}"


def select_notebooks(notebooks_dir: Path, names: list[str] | None = None) -> list[Path]:
    """The notebooks to run: ``names`` (params ``report.notebooks``) in that order, else all ``*.ipynb`` by name."""
    notebooks_dir = Path(notebooks_dir)
    if not notebooks_dir.is_dir():
        raise ReportError(f"notebooks folder not found: {notebooks_dir}")
    if names:
        out = []
        for n in names:
            if not _NB_NAME.match(n) or ".." in n or "/" in n or "\\" in n:
                raise ReportError(f"report.notebooks: {n!r} is not a notebook file name")
            p = notebooks_dir / (n if n.endswith(".ipynb") else f"{n}.ipynb")
            if not p.is_file():
                raise ReportError(f"report.notebooks: {p.name} not found in {notebooks_dir}")
            out.append(p)
        return out
    found = sorted(p for p in notebooks_dir.glob("*.ipynb") if not p.name.startswith("."))
    if not found:
        raise ReportError(f"no notebooks (*.ipynb) in {notebooks_dir}")
    return found


def _check_notebook(path: Path) -> list[str]:
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


def _check_kernel(name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise ReportError(f"Jupyter kernel {name!r} is not installed; run `make setup` "
                          f"(or set CCNB_KERNEL to an installed kernel)") from None


def _load_data(data_dir: Path, month: str, timezone: str):
    import ccnb.data

    if not data_dir.is_dir():
        raise ccnb.data.DataError(f"data folder not found: {data_dir}")
    return ccnb.data.load(data_dir, month=month, timezone=timezone)


# --------------------------------------------------------------------------- running one notebook
def _kernel_manager(kernel_name: str, env: dict[str, str], log_path: Path):
    from jupyter_client.manager import AsyncKernelManager

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


def _first_line(source: str) -> str:
    for line in (source or "").splitlines():
        if line.strip():
            s = line.strip()
            return s if len(s) <= 80 else s[:77] + "..."
    return ""


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
            kernel_name: str | None = None, timeout: float | None = None) -> None:
    """Run one notebook with papermill into ``executed``; raises ``PapermillExecutionError`` (or kernel errors)."""
    import papermill as pm

    kernel_name = kernel_name or config.KERNEL_NAME
    env = {
        "CCNB_NOTEBOOK": notebook.stem,
        "CCNB_CACHE": str(config.CACHE_DIR),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
    }
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
        _close_log(km)


# --------------------------------------------------------------------------- pack helpers
def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out_dir: Path) -> list[Path]:
    """Remove ``.<pack>.tmp-<pid>`` / ``.old-<pid>`` folders left by runs that were killed."""
    removed = []
    for p in Path(out_dir).iterdir() if Path(out_dir).is_dir() else []:
        m = _STALE.match(p.name)
        if m and p.is_dir() and not _pid_alive(int(m["pid"])):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def publish(tmp: Path, final: Path) -> None:
    """Swap ``tmp`` in as ``final``: rename the old pack away, rename the new one in, delete the old."""
    old = None
    if final.exists() or final.is_symlink():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.rename(final, old)
    try:
        os.rename(tmp, final)
    except BaseException:
        if old is not None:
            os.rename(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def pretty_name(stem: str) -> str:
    """``10_forecast_staffing`` -> ``Forecast staffing`` (when a notebook recorded no title)."""
    s = re.sub(r"^\d+[_\- ]*", "", stem).replace("_", " ").strip()
    return (s[:1].upper() + s[1:]) if s else stem


def read_summary(pack: Path, stem: str) -> dict:
    p = pack / "summary" / f"{stem}.json"
    try:
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}
    except (OSError, ValueError):
        return {}


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "ccnb": __version__}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def _write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- the pipeline
def run(month: str, data: str | Path | None = None, params: str | Path | None = None, out: str | Path | None = None,
        lang: str | None = None, notebooks_dir: str | Path | None = None,
        progress: Callable[[str], Any] | None = print, *, timeout: float | None = None) -> Path:
    """Build the report pack for ``month`` and return its folder (``out/<month>`` or ``out/<month>-zh``).

    ``data``, ``params`` and ``out`` default to ``config.SAMPLE_DIR``, the default
    params and ``config.REPORTS_DIR``; ``lang`` to params ``report.lang``;
    ``notebooks_dir`` to ``config.NOTEBOOKS_DIR``. ``timeout`` limits each cell
    (seconds; default none). Raises :class:`ReportError` (bad month, notebooks, kernel),
    ``ccnb.params.ParamsError``, ``ccnb.data.DataError`` — all before anything runs —
    then :class:`NotebookFailed` or :class:`RenderFailed`.
    """
    from ccnb import render
    from ccnb.params import load_params

    say = progress or (lambda *_: None)
    started = time.time()

    # ---- 1. validate everything first ------------------------------------------------------
    month = check_month(month)
    params_path = Path(params).resolve() if params else config.DEFAULT_PARAMS
    prm = load_params(params_path)
    lang = lang or prm.report.lang
    if lang not in LANGS:
        raise ReportError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    nb_dir = Path(notebooks_dir or config.NOTEBOOKS_DIR).resolve()
    notebooks = select_notebooks(nb_dir, prm.report.notebooks)
    warnings = [w for nb in notebooks for w in _check_notebook(nb)]
    _check_kernel(config.KERNEL_NAME)
    data_dir = Path(data or config.SAMPLE_DIR).resolve()
    tables = _load_data(data_dir, month, prm.center.timezone)
    fingerprint = getattr(tables, "fingerprint", None)
    try:
        tables.con.close()
    except Exception:  # noqa: BLE001 - only frees memory
        pass
    del tables

    out_dir = Path(out or config.REPORTS_DIR).resolve()
    name = pack_name(month, lang)
    final = out_dir / name
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir)
    tmp = out_dir / f".{name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    for sub in ("notebooks", "pdf", "files", "restricted", "summary", ".logs"):
        (tmp / sub).mkdir(parents=True)

    say(f"ccnb report {name}: {len(notebooks)} notebook(s), data {data_dir}, params {params_path.name}")
    for w in warnings:
        say(f"  note: {w}")

    from ccnb.display import month_name, parse_month

    center = (prm.center.name_zh or prm.center.name) if lang == "zh" else prm.center.name
    mname = month_name(parse_month(month), lang)
    subtitle = t("report.center_month", lang, center=center, month=mname)
    record: dict[str, Any] = {
        "month": month, "lang": lang, "pack": name, "outcome": "running", "started": _iso(started),
        "params": {"sources": [str(s) for s in prm.sources], "digest": prm.digest()},
        "data": {"dir": str(data_dir), "fingerprint": fingerprint},
        "kernel": config.KERNEL_NAME, "versions": versions(), "notebooks": [],
    }
    parameters = {"month": month, "data_dir": str(data_dir), "params_path": str(params_path), "lang": lang,
                  "out_dir": str(tmp)}
    entries = []
    try:
        for i, nb in enumerate(notebooks, 1):
            stem = nb.stem
            executed = tmp / "notebooks" / nb.name
            t0 = time.time()
            try:
                execute(nb, executed, parameters, cwd=nb_dir, log_path=tmp / ".logs" / f"{stem}.log",
                        timeout=timeout)
            except Exception as e:  # noqa: BLE001 - every way a notebook can fail is reported the same way
                say(f"[{i}/{len(notebooks)}] {stem} ... failed after {time.time() - t0:.0f} s")
                raise _notebook_failure(e, nb, executed, tmp, out_dir, name, record) from None
            t1 = time.time()
            summary = read_summary(tmp, stem)
            title = summary.get("title") or pretty_name(stem)
            try:
                render.to_html(executed, tmp / f"{stem}.html", lang, title=title, subtitle=subtitle,
                               back_href="index.html", back_text=t("report.back_to_index", lang, month=mname))
                t2 = time.time()
                pdf = None
                if prm.report.pdf:
                    pdf = render.to_pdf(tmp / f"{stem}.html", tmp / "pdf" / f"{stem}.pdf")
                t3 = time.time()
            except render.RenderError as e:
                say(f"[{i}/{len(notebooks)}] {stem} ... rendering failed")
                raise _render_failure(e, nb, tmp, out_dir, name, record) from None
            record["notebooks"].append({"name": nb.name, "title": title, "seconds": round(t3 - t0, 2),
                                        "execute_s": round(t1 - t0, 2), "html_s": round(t2 - t1, 2),
                                        "pdf_s": round(t3 - t2, 2)})
            entries.append({"name": stem, "title": title, "html": f"{stem}.html",
                            "pdf": f"pdf/{stem}.pdf" if pdf else None})
            say(f"[{i}/{len(notebooks)}] {stem} ... {t3 - t0:.0f} s")

        finished = time.time()
        headline = [read_summary(tmp, nb.stem) for nb in notebooks]
        try:
            render.index_html(tmp, month, lang, entries, headline, center=center, seconds=finished - started,
                              data_label=_shown_path(data_dir), params_label=_shown_path(params_path))
        except Exception as e:  # noqa: BLE001
            raise RenderFailed(f"index.html: {type(e).__name__}: {e}") from e
        record.update(outcome="ok", finished=_iso(finished), seconds=round(finished - started, 2))
        _write_json(tmp / "run.json", record)
        shutil.rmtree(tmp / ".logs", ignore_errors=True)
        publish(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    say(f"pack ready: {final} ({time.time() - started:.0f} s)")
    return final


def _failed_dir(out_dir: Path, name: str) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    d = out_dir / "_failed" / f"{name}-{stamp}"
    n = 1
    while d.exists():
        n += 1
        d = out_dir / "_failed" / f"{name}-{stamp}-{n}"
    d.mkdir(parents=True)
    return d


def _keep_failed(tmp: Path, out_dir: Path, name: str, record: dict, files: list[Path], error: str) -> Path:
    d = _failed_dir(out_dir, name)
    for f in files:
        if f.is_file():
            shutil.copy2(f, d / f.name)
    record.update(outcome="failed", error=error, finished=_iso(time.time()))
    _write_json(d / "run.json", record)
    return d


def _shown_path(p: Path) -> str:
    """A path as the index page shows it: relative to the project when inside it."""
    try:
        return p.resolve().relative_to(config.PROJECT_DIR).as_posix()
    except ValueError:
        return str(p)


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def _notebook_failure(e: Exception, nb: Path, executed: Path, tmp: Path, out_dir: Path, name: str,
                      record: dict) -> NotebookFailed:
    from papermill.exceptions import PapermillExecutionError

    log = tmp / ".logs" / f"{nb.stem}.log"
    cell = None
    line = ename = evalue = ""
    if isinstance(e, PapermillExecutionError):
        cell = _cell_number(nb, executed, e.cell_index)
        line = _first_line(e.source)
        ename, evalue = e.ename, _first_line(str(e.evalue)) or str(e.evalue)
        where = f"cell {cell}" if cell else f"cell [{e.exec_count}]"
        what = f"{where} (`{line}`): {ename}: {evalue}"
    else:  # the kernel died, timed out or did not start: name the cell that was running, if any
        ename, evalue = type(e).__name__, _first_line(str(e))
        if "DeadKernel" in ename:
            evalue = "the kernel died (out of memory or a crash; see kernel.log)"
        elif "Timeout" in ename:
            evalue = f"a cell ran too long ({evalue})"
        running = _last_started_cell(executed)
        if running is not None:
            cell = _cell_number(nb, executed, running[0])
            line = _first_line(running[1])
            what = f"cell {cell} (`{line}`): {ename}: {evalue}"
        else:
            what = f"{ename}: {evalue}"
    error = f"notebook {nb.name} failed in {what}"
    d = _keep_failed(tmp, out_dir, name, record, [executed], error)
    if log.is_file():
        shutil.copy2(log, d / "kernel.log")
    kept = d / nb.name
    msg = error + (f"; executed notebook kept in {_rel(kept)}" if kept.exists() else f"; details in {_rel(d)}")
    return NotebookFailed(msg, notebook=nb.name, cell=cell, source_line=line, ename=ename, evalue=evalue,
                          failed_dir=d)


def _render_failure(e: Exception, nb: Path, tmp: Path, out_dir: Path, name: str, record: dict) -> RenderFailed:
    error = f"rendering {nb.stem} failed: {e}"
    d = _keep_failed(tmp, out_dir, name, record,
                     [tmp / "notebooks" / nb.name, tmp / f"{nb.stem}.html"], error)
    return RenderFailed(f"{error}; executed notebook kept in {_rel(d)}", notebook=nb.name, failed_dir=d)


__all__ = ["NotebookFailed", "ReportError", "RenderFailed", "check_month", "clean_stale", "execute", "pack_name",
           "publish", "run", "select_notebooks", "versions"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `ccnb report`")
