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
from ccnb.core.errors import ReportError
from ccnb.core.months import parse_month
from ccnb.i18n.fmt import month_name
from ccnb.i18n.labels import LANGS, t
from ccnb.params import ParamsError, load_params
from ccnb.pipeline import intake, navigation, runrecord
from ccnb.pipeline.check import check_data
from ccnb.pipeline.failed import notebook_failure, render_failure
from ccnb.pipeline.lock import RunLock, lock_path
from ccnb.pipeline.nbrun import check_kernel, check_notebook, execute, finish_notebook, select_notebooks
from ccnb.pipeline.output import OUTPUT_ERRNOS, Stage, check_writable, is_output_error
from ccnb.pipeline.publish import publish, recover, recover_all, temp_name
from ccnb.pipeline.runrecord import versions
from ccnb.render import pages

#: Environment variable naming the notebooks folder when neither an argument nor ``--notebooks`` does.
NOTEBOOKS_ENV = "CCNB_NOTEBOOKS"
#: ``.tmp`` is the kernels' TMPDIR (openpyxl's temporary files ...): removed with the run's temporary folder.
PACK_DIRS = ("notebooks", "pdf", "files", "restricted", "summary", ".logs", ".tmp")
#: How long a run retries a held lock before giving up (exit 7): another run tidying up a
#: killed run's leftovers holds a pack's lock for a moment.
LOCK_WAIT_S = 3.0



# --------------------------------------------------------------------------- small helpers
def pack_name(month: str, lang: str) -> str:
    """``2026-10`` (English) or ``2026-10-zh`` (:func:`ccnb.pipeline.navigation.pack_folder`)."""
    return navigation.pack_folder(month, lang)


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
    check_writable(d)  # a read-only or foreign output folder: exit 2 now, not after validation
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

    cache_key = check_data(req.data_dir, req.month, prm.center.timezone, prm.data)
    fingerprint = runrecord.data_fingerprint(req.data_dir)

    final = out_dir / name
    stage = Stage("the output folder", out_dir)  # what is being written, for a full or read-only disk
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = RunLock(lock_path(out_dir, name), what=str(final))
        stage.at(f"the run lock of {name}", lock.path)
        lock.acquire(wait=LOCK_WAIT_S)
    except OSError as e:
        raise stage.error(e) from None
    tmp = out_dir / temp_name(name)
    notes: list[str] = []
    stack = contextlib.ExitStack()  # the PDF printer's child process, closed whatever happens
    try:
        stage.at("tidying up what a killed run left", out_dir)
        if lock.recovered is not None:
            notes.append(lock.recovered_message())
        notes += recover(out_dir, name)
        notes += recover_all(out_dir, skip=name)
        for n in notes:
            tell(n)
        stage.at("the pack's temporary folder", tmp)
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
        record["data"]["intake"] = intake.collect(req.data_dir, req.month, prm, tmp)
        parameters = {"month": req.month, "data_dir": str(req.data_dir), "params_path": str(req.params_path),
                      "lang": lang, "out_dir": str(tmp)}
        entries = []
        printer = stack.enter_context(pages.Printer()) if prm.report.pdf else None
        for i, nb in enumerate(req.notebooks, 1):
            stem = nb.stem
            executed = tmp / "notebooks" / nb.name
            t0 = time.time()
            stage.at(f"the executed notebook {nb.name}", executed)
            try:
                execute(nb, executed, parameters, cwd=req.nb_dir, log_path=tmp / ".logs" / f"{stem}.log",
                        timeout=timeout, temp_dir=tmp / ".tmp")
            except Exception as e:  # noqa: BLE001 - every way a notebook can fail is reported the same way
                say(f"[{i}/{len(req.notebooks)}] {stem} ... failed after {time.time() - t0:.0f} s")
                if isinstance(e, OSError) and e.errno in OUTPUT_ERRNOS:  # papermill could not save it
                    raise stage.error(e) from None
                raise notebook_failure(e, nb, executed, tmp, out_dir, name, record) from None
            finish_notebook(executed, nb, tmp, final)
            t1 = time.time()
            summary = read_summary(tmp, stem)
            title = summary.get("title") or pretty_name(stem)
            try:
                stage.at(f"the HTML page of {stem}", tmp / f"{stem}.html")
                pages.to_html(executed, tmp / f"{stem}.html", lang, title=title, subtitle=subtitle,
                              nav=navigation.links(out_dir, req.month, lang, f"{stem}.html"))
                t2 = time.time()
                pdf = None
                if prm.report.pdf:
                    stage.at(f"the PDF of {stem}", tmp / "pdf" / f"{stem}.pdf")
                    pdf = pages.to_pdf(tmp / f"{stem}.html", tmp / "pdf" / f"{stem}.pdf", printer=printer)
                t3 = time.time()
            except pages.RenderError as e:
                say(f"[{i}/{len(req.notebooks)}] {stem} ... rendering failed")
                if is_output_error(e):
                    raise stage.error(e) from None
                raise render_failure(e, nb, tmp, out_dir, name, record) from None
            record["notebooks"].append({"name": nb.name, "title": title, "seconds": round(t3 - t0, 2),
                                        "execute_s": round(t1 - t0, 2), "html_s": round(t2 - t1, 2),
                                        "pdf_s": round(t3 - t2, 2)})
            entries.append({"name": stem, "title": title, "html": f"{stem}.html",
                            "pdf": f"pdf/{stem}.pdf" if pdf else None})
            say(f"[{i}/{len(req.notebooks)}] {stem} ... {t3 - t0:.0f} s")

        finished = time.time()
        headline = [read_summary(tmp, nb.stem) for nb in req.notebooks]
        stage.at("index.html", tmp / "index.html")
        try:
            pages.index_html(tmp, req.month, lang, entries, headline, center=center, seconds=finished - started,
                              data_label=_shown_path(req.data_dir), params_label=_shown_path(req.params_path),
                              data_notes=intake.lines(record["data"]["intake"], lang),
                              nav=navigation.links(out_dir, req.month, lang))
        except Exception as e:  # noqa: BLE001
            if is_output_error(e):
                raise stage.error(e) from None
            raise render_failure(e, None, tmp, out_dir, name, record, what="index.html") from None
        record.update(outcome="ok", exit_code=0, finished=runrecord.iso(finished),
                      seconds=round(finished - started, 2))
        stage.at("the run record run.json", tmp / "run.json")
        runrecord.write(tmp / "run.json", record)
        shutil.rmtree(tmp / ".logs", ignore_errors=True)
        shutil.rmtree(tmp / ".tmp", ignore_errors=True)
        stage.at(f"publishing {name}", final)
        navigation.write_archive(out_dir)  # so that every published pack's "All months" link resolves, even if
        publish(tmp, final)                 # the run is killed between the swap and the update below
        try:
            navigation.write_archive(out_dir)
        except OSError as e:  # the pack is published; only the list of months is stale
            tell(f"the pack is published, but the list of months {out_dir / 'index.html'} was not updated: {e}")
    except OSError as e:
        if not is_output_error(e):
            raise
        raise stage.error(e) from None
    finally:
        stack.close()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        lock.release()
    say(f"pack ready: {final} ({time.time() - started:.0f} s)")
    return final


def _shown_path(p: Path) -> str:
    """A path as the index page shows it: relative to the project when inside it."""
    try:
        return p.resolve().relative_to(config.PROJECT_DIR).as_posix()
    except ValueError:
        return str(p)


__all__ = ["build", "pack_name", "prepare", "run", "run_months"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `ccnb report`")
