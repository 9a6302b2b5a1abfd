"""The monthly report pipeline: validate, lock, run the notebooks with papermill, pages, publish atomically.

``run("2026-10")`` builds ``reports/2026-10/`` (``reports/2026-10-zh/`` in Chinese)::

    index.html              headline figures, links to every report, files, run facts
    <notebook>.html         managers' HTML (no code)
    pdf/<notebook>.pdf      the same, printed
    notebooks/<nb>.ipynb    executed notebooks, for analysts
    files/                  exports a manager may open (CSV, Excel)
    restricted/             customer identifiers (never linked from HTML)
    summary/<nb>.json       headline figures each notebook recorded (ctx.summary)
    run.json                the run record (ccnb.pipeline.runrecord)

``run("last")`` reports on the month before today in the center's time zone;
:func:`run_months` builds one pack per month of a range (``"2026-01..2026-06"``).

Order of work, and why:

1. Everything is validated **before** anything is written: the month (it becomes a
   folder name), the params (``ParamsError``), the language, the notebooks and the
   kernel, the output folder, and the data (``DataError``). A bad input costs seconds,
   not a half-built pack.
2. The pack's lock is taken (:mod:`ccnb.pipeline.lock`; a live run of the same pack: exit 7),
   then whatever a killed run left is repaired (:func:`ccnb.pipeline.publish.recover`).
3. The pack is built in a hidden sibling folder ``out/.<pack>.tmp-<pid>`` and swapped in
   atomically only when every notebook ran and rendered (:mod:`ccnb.pipeline.publish`). A failure
   leaves the previous pack byte-for-byte as it was, no temporary folder, and the failed
   executed notebook with the kernel's log and the run record in
   ``out/_failed/<pack>-<stamp>/``. A kill (SIGKILL) at any moment leaves the previous
   pack as it was; the next run tidies up and completes.
4. Each notebook runs in a fresh ``ccnb`` kernel (``config.KERNEL_NAME``) with the
   parameters ``month, data_dir, params_path, lang, out_dir`` (absolute paths), in the
   notebooks folder; the kernel's own stderr goes to a log file, not the console.

The pieces live in :mod:`ccnb.pipeline.nbrun` (papermill), :mod:`ccnb.pipeline.publish`, :mod:`ccnb.pipeline.lock`,
:mod:`ccnb.pipeline.runrecord`, :mod:`ccnb.core.months` and :mod:`ccnb.core.errors` (errors, exit codes);
their public names stay importable from here.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

from ccnb.core import config, months
from ccnb.core.errors import NotebookFailed, RenderFailed, ReportError
from ccnb.core.months import parse_month
from ccnb.i18n.fmt import month_name
from ccnb.i18n.labels import LANGS, t
from ccnb.params import ParamsError, load_params
from ccnb.pipeline import runrecord
from ccnb.pipeline.check import check_data
from ccnb.pipeline.lock import RunLock, lock_path
from ccnb.pipeline.nbrun import check_kernel, check_notebook, describe_failure, execute, select_notebooks
from ccnb.pipeline.publish import publish, recover, recover_all, temp_name
from ccnb.pipeline.runrecord import versions
from ccnb.render import pages

#: Environment variable naming the notebooks folder when neither an argument nor ``--notebooks`` does.
NOTEBOOKS_ENV = "CCNB_NOTEBOOKS"
PACK_DIRS = ("notebooks", "pdf", "files", "restricted", "summary", ".logs")
#: How long a run retries a held lock before giving up (exit 7): another run tidying up a
#: killed run's leftovers holds a pack's lock for a moment.
LOCK_WAIT_S = 3.0



# --------------------------------------------------------------------------- small helpers
def pack_name(month: str, lang: str) -> str:
    """``2026-10`` (English) or ``2026-10-zh``."""
    return month if lang == "en" else f"{month}-{lang}"


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


def _stderr_notice(message: str) -> None:
    print(f"ccnb: note: {message}", file=sys.stderr, flush=True)


def _out_dir(out: str | Path | None) -> Path:
    """The output folder (absolute); an existing file there is a usage error."""
    d = Path(out or config.REPORTS_DIR).resolve()
    if d.exists() and not d.is_dir():
        raise ReportError(f"output folder {d} is a file, not a folder")
    for parent in d.parents:
        if parent.exists() and not parent.is_dir():
            raise ReportError(f"output folder {d}: {parent} is a file, not a folder")
        if parent.exists():
            break
    return d


def _check_timeout(timeout: float | None) -> None:
    """A cell timeout is a finite number of seconds above 0 (or None: no limit)."""
    if timeout is not None and not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ReportError(f"timeout must be a number of seconds above 0, got {timeout!r}")


class _Request:
    """Everything :func:`run` checked before writing anything."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def prepare(month: str, data: str | Path | None = None, params: str | Path | None = None,
            out: str | Path | None = None, lang: str | None = None, notebooks_dir: str | Path | None = None,
            *, today: str | _dt.date | None = None, multi: bool = False) -> list[_Request]:
    """Validate a request without writing anything; one :class:`_Request` per month.

    Raises :class:`ReportError` (month, language, notebooks, kernel, output folder) or
    ``ccnb.params.ParamsError``; the data is checked later, per month, by :func:`run`.
    """
    spec = months.check_spec(month)
    params_path = Path(params).resolve() if params else config.DEFAULT_PARAMS
    prm = load_params(params_path)
    lang = lang or prm.report.lang
    if lang not in LANGS:
        raise ReportError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    day = months.today(prm.center.timezone, today) if spec == months.LAST else None
    resolved = months.resolve(spec, prm.center.timezone, day)
    if len(resolved) > 1 and not multi:
        raise ReportError(f"{spec!r} is a range of months; use run_months() (or `ccnb report --month {spec}`)")
    nb_dir = Path(notebooks_dir or os.environ.get(NOTEBOOKS_ENV) or config.NOTEBOOKS_DIR).resolve()
    notebooks = select_notebooks(nb_dir, prm.report.notebooks)
    warnings = [w for nb in notebooks for w in check_notebook(nb)]
    check_kernel(config.KERNEL_NAME)
    out_dir = _out_dir(out)
    data_dir = Path(data or config.SAMPLE_DIR).resolve()
    return [_Request(month=m, spec=spec, today=day, lang=lang, prm=prm, params_path=params_path, nb_dir=nb_dir,
                     notebooks=notebooks, warnings=warnings, out_dir=out_dir, data_dir=data_dir,
                     name=pack_name(m, lang)) for m in resolved]


# --------------------------------------------------------------------------- the pipeline
def run(month: str, data: str | Path | None = None, params: str | Path | None = None, out: str | Path | None = None,
        lang: str | None = None, notebooks_dir: str | Path | None = None,
        progress: Callable[[str], Any] | None = print, *, timeout: float | None = None,
        notice: Callable[[str], Any] | None = None, today: str | _dt.date | None = None) -> Path:
    """Build the report pack for ``month`` (``YYYY-MM`` or ``last``) and return its folder.

    ``data``, ``params`` and ``out`` default to ``config.SAMPLE_DIR``, the default
    params and ``config.REPORTS_DIR``; ``lang`` to params ``report.lang``;
    ``notebooks_dir`` to ``$CCNB_NOTEBOOKS`` or ``config.NOTEBOOKS_DIR``. ``timeout``
    limits each cell (seconds; default none). ``today`` fixes the date ``last`` counts
    from (default ``$CCNB_TODAY``, else the clock). ``progress`` gets one line per step;
    ``notice`` what the run repaired first (default: stderr).

    Raises :class:`ReportError` (bad month, notebooks, kernel, output folder),
    ``ccnb.params.ParamsError``, ``ccnb.data.DataError`` — all before anything is
    written — then :class:`LockBusy`, :class:`NotebookFailed` or :class:`RenderFailed`.
    """
    _check_timeout(timeout)
    (req,) = prepare(month, data, params, out, lang, notebooks_dir, today=today)
    return build(req, progress=progress, notice=notice, timeout=timeout)


def run_months(spec: str, data: str | Path | None = None, params: str | Path | None = None,
               out: str | Path | None = None, lang: str | None = None, notebooks_dir: str | Path | None = None,
               progress: Callable[[str], Any] | None = print, *, timeout: float | None = None,
               notice: Callable[[str], Any] | None = None, today: str | _dt.date | None = None,
               ) -> list[tuple[str, Path | None, BaseException | None]]:
    """A backfill: one pack per month of ``spec`` (``2026-01..2026-06``, a month or ``last``), oldest first.

    A month that fails (its data, a notebook, rendering, a busy lock) does not stop the
    others; a bad request (params, notebooks, kernel) stops before any month runs.
    Returns ``(month, pack or None, error or None)`` per month.
    """
    _check_timeout(timeout)
    results: list[tuple[str, Path | None, BaseException | None]] = []
    for req in prepare(spec, data, params, out, lang, notebooks_dir, today=today, multi=True):
        try:
            results.append((req.month, build(req, progress=progress, notice=notice, timeout=timeout), None))
        except Exception as e:  # noqa: BLE001 - reported per month by the caller
            if isinstance(e, ParamsError):
                raise
            results.append((req.month, None, e))
    return results


def build(req: _Request, *, progress: Callable[[str], Any] | None = print,
          notice: Callable[[str], Any] | None = None, timeout: float | None = None) -> Path:
    """Check the month's data, take the lock, build and publish one pack (see :func:`run`)."""
    say = progress or (lambda *_: None)
    tell = notice or _stderr_notice
    started = time.time()
    prm, lang, name, out_dir = req.prm, req.lang, req.name, req.out_dir

    cache_key = check_data(req.data_dir, req.month, prm.center.timezone)
    fingerprint = runrecord.data_fingerprint(req.data_dir)

    final = out_dir / name
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = RunLock(lock_path(out_dir, name), what=str(final)).acquire(wait=LOCK_WAIT_S)
    tmp = out_dir / temp_name(name)
    notes: list[str] = []
    stack = contextlib.ExitStack()  # the PDF printer's child process, closed whatever happens
    try:
        if lock.recovered is not None:
            notes.append(lock.recovered_message())
        notes += recover(out_dir, name)
        notes += recover_all(out_dir, skip=name)
        for n in notes:
            tell(n)
        if tmp.exists():
            shutil.rmtree(tmp)
        for sub in PACK_DIRS:
            (tmp / sub).mkdir(parents=True)

        say(f"ccnb report {name}: {len(req.notebooks)} notebook(s), data {req.data_dir}, "
            f"params {req.params_path.name}")
        for w in req.warnings:
            say(f"  note: {w}")

        center = (prm.center.name_zh or prm.center.name) if lang == "zh" else prm.center.name
        mname = month_name(parse_month(req.month), lang)
        subtitle = t("report.center_month", lang, center=center, month=mname)
        record: dict[str, Any] = {
            "month": req.month, "lang": lang, "pack": name, "month_spec": req.spec,
            "today": req.today.isoformat() if req.today else None,
            "outcome": "running", "exit_code": None, "started": runrecord.iso(started),
            "command": runrecord.command(), "out": str(out_dir),
            "parameters": {"month": req.month, "lang": lang, "data_dir": str(req.data_dir),
                           "params_path": str(req.params_path), "notebooks_dir": str(req.nb_dir),
                           "notebooks": [nb.name for nb in req.notebooks], "timeout": timeout},
            "params": {"sources": [str(s) for s in prm.sources], "digest": prm.digest(),
                       "values": prm.model_dump(mode="json")},
            "data": {"dir": str(req.data_dir), "fingerprint": fingerprint["fingerprint"],
                     "cache_key": cache_key, "timezone": prm.center.timezone, "files": fingerprint["files"]},
            "kernel": config.KERNEL_NAME, "versions": versions(), "notebooks": [], "notes": notes,
        }
        parameters = {"month": req.month, "data_dir": str(req.data_dir), "params_path": str(req.params_path),
                      "lang": lang, "out_dir": str(tmp)}
        entries = []
        printer = stack.enter_context(pages.Printer()) if prm.report.pdf else None
        for i, nb in enumerate(req.notebooks, 1):
            stem = nb.stem
            executed = tmp / "notebooks" / nb.name
            t0 = time.time()
            try:
                execute(nb, executed, parameters, cwd=req.nb_dir, log_path=tmp / ".logs" / f"{stem}.log",
                        timeout=timeout)
            except Exception as e:  # noqa: BLE001 - every way a notebook can fail is reported the same way
                say(f"[{i}/{len(req.notebooks)}] {stem} ... failed after {time.time() - t0:.0f} s")
                raise _notebook_failure(e, nb, executed, tmp, out_dir, name, record) from None
            t1 = time.time()
            summary = read_summary(tmp, stem)
            title = summary.get("title") or pretty_name(stem)
            try:
                pages.to_html(executed, tmp / f"{stem}.html", lang, title=title, subtitle=subtitle,
                               back_href="index.html", back_text=t("report.back_to_index", lang, month=mname))
                t2 = time.time()
                pdf = None
                if prm.report.pdf:
                    pdf = pages.to_pdf(tmp / f"{stem}.html", tmp / "pdf" / f"{stem}.pdf", printer=printer)
                t3 = time.time()
            except pages.RenderError as e:
                say(f"[{i}/{len(req.notebooks)}] {stem} ... rendering failed")
                raise _render_failure(e, nb, tmp, out_dir, name, record) from None
            record["notebooks"].append({"name": nb.name, "title": title, "seconds": round(t3 - t0, 2),
                                        "execute_s": round(t1 - t0, 2), "html_s": round(t2 - t1, 2),
                                        "pdf_s": round(t3 - t2, 2)})
            entries.append({"name": stem, "title": title, "html": f"{stem}.html",
                            "pdf": f"pdf/{stem}.pdf" if pdf else None})
            say(f"[{i}/{len(req.notebooks)}] {stem} ... {t3 - t0:.0f} s")

        finished = time.time()
        headline = [read_summary(tmp, nb.stem) for nb in req.notebooks]
        try:
            pages.index_html(tmp, req.month, lang, entries, headline, center=center, seconds=finished - started,
                              data_label=_shown_path(req.data_dir), params_label=_shown_path(req.params_path))
        except Exception as e:  # noqa: BLE001
            raise _render_failure(e, None, tmp, out_dir, name, record, what="index.html") from None
        record.update(outcome="ok", exit_code=0, finished=runrecord.iso(finished),
                      seconds=round(finished - started, 2))
        runrecord.write(tmp / "run.json", record)
        shutil.rmtree(tmp / ".logs", ignore_errors=True)
        publish(tmp, final)
    finally:
        stack.close()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        lock.release()
    say(f"pack ready: {final} ({time.time() - started:.0f} s)")
    return final


# --------------------------------------------------------------------------- failures
def _failed_dir(out_dir: Path, name: str) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    d = out_dir / "_failed" / f"{name}-{stamp}"
    n = 1
    while True:
        try:
            d.mkdir(parents=True)
            return d
        except FileExistsError:
            n += 1
            d = out_dir / "_failed" / f"{name}-{stamp}-{n}"


def _keep_failed(out_dir: Path, name: str, record: dict, files: list[Path], error: str, code: int,
                 notebook: str | None) -> Path:
    d = _failed_dir(out_dir, name)
    for f in files:
        if f.is_file():
            shutil.copy2(f, d / f.name)
    record.update(outcome="failed", exit_code=code, error=error, failed_notebook=notebook, kept=str(d),
                  finished=runrecord.iso())
    runrecord.write(d / "run.json", record)
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
    f = describe_failure(e, nb, executed)
    error = f"notebook {nb.name} failed in {f['what']}"
    d = _keep_failed(out_dir, name, record, [executed], error, NotebookFailed.exit_code, nb.name)
    log = tmp / ".logs" / f"{nb.stem}.log"
    if log.is_file():
        shutil.copy2(log, d / "kernel.log")
    kept = d / nb.name
    msg = error + (f"; executed notebook kept in {_rel(kept)}" if kept.exists() else f"; details in {_rel(d)}")
    return NotebookFailed(msg, notebook=nb.name, cell=f["cell"], source_line=f["line"], ename=f["ename"],
                          evalue=f["evalue"], failed_dir=d)


def _render_failure(e: Exception, nb: Path | None, tmp: Path, out_dir: Path, name: str, record: dict,
                    what: str | None = None) -> RenderFailed:
    if nb is None:
        error = f"rendering {what} failed: {type(e).__name__}: {e}"
        files: list[Path] = []
    else:
        error = f"rendering {nb.stem} failed: {e}"
        files = [tmp / "notebooks" / nb.name, tmp / f"{nb.stem}.html"]
    d = _keep_failed(out_dir, name, record, files, error, RenderFailed.exit_code, nb.name if nb else None)
    return RenderFailed(f"{error}; executed notebook kept in {_rel(d)}" if nb else f"{error}; record in {_rel(d)}",
                        notebook=nb.name if nb else "", failed_dir=d)


__all__ = ["build", "pack_name", "prepare", "run", "run_months"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `ccnb report`")
