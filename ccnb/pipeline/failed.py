"""What a failed run keeps: ``<out>/_failed/<pack>-<stamp>/`` (the failed executed notebook, the kernel's
log, the run record), and the error that names it.

Keeping is best effort: the error that stopped the run comes first. On a full or read-only disk a
file that cannot be copied is left out whole (never truncated: :func:`ccnb.pipeline.output.keep_copy`),
an entry nothing could be stored in is removed, and the message says what could not be kept and why.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from ccnb.core.errors import NotebookFailed, RenderFailed
from ccnb.pipeline import runrecord
from ccnb.pipeline.nbrun import describe_failure
from ccnb.pipeline.output import keep_copy, reason, remove_if_empty


def failed_dir(out_dir: Path, name: str) -> Path:
    """A new ``<out>/_failed/<pack>-<stamp>[-n]/`` folder (raises ``OSError`` when it cannot be made)."""
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


def keep_failed(out_dir: Path, name: str, record: dict, files: list[Path], error: str, code: int,
                notebook: str | None) -> tuple[Path | None, list[str]]:
    """Store ``files`` and the run record: ``(folder, or None when nothing could be stored; why files were not)``."""
    try:
        d = failed_dir(out_dir, name)
    except OSError as e:
        return None, [reason(e)]
    missed = [why for f in files if f.is_file() and (why := keep_copy(f, d / f.name))]
    record.update(outcome="failed", exit_code=code, error=error, failed_notebook=notebook, kept=str(d),
                  finished=runrecord.iso())
    try:
        runrecord.write(d / "run.json", record)
    except OSError as e:
        missed.append(reason(e))
    if not any(d.iterdir()):
        remove_if_empty(d, d.parent)
        return None, missed
    return d, missed


def rel(p: Path) -> str:
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def _not_kept(out_dir: Path, d: Path | None, missed: list[str], what: str) -> str:
    where = rel(d) if d is not None else rel(out_dir / "_failed")
    return f"; the {what} could not be kept in {where}" + (f" ({missed[0]})" if missed else "")


def notebook_failure(e: Exception, nb: Path, executed: Path, tmp: Path, out_dir: Path, name: str,
                     record: dict) -> NotebookFailed:
    f = describe_failure(e, nb, executed)
    error = f"notebook {nb.name} failed in {f['what']}"
    d, missed = keep_failed(out_dir, name, record, [executed], error, NotebookFailed.exit_code, nb.name)
    log = tmp / ".logs" / f"{nb.stem}.log"
    if d is not None and log.is_file():
        keep_copy(log, d / "kernel.log")
    if d is not None and (d / nb.name).exists():
        tail = f"; executed notebook kept in {rel(d / nb.name)}"
    elif d is not None and not missed:
        tail = f"; details in {rel(d)}"
    else:
        tail = _not_kept(out_dir, d, missed, "executed notebook")
    return NotebookFailed(error + tail, notebook=nb.name, cell=f["cell"], source_line=f["line"], ename=f["ename"],
                          evalue=f["evalue"], failed_dir=d)


def render_failure(e: Exception, nb: Path | None, tmp: Path, out_dir: Path, name: str, record: dict,
                   what: str | None = None) -> RenderFailed:
    if nb is None:
        error = f"rendering {what} failed: {type(e).__name__}: {e}"
        files: list[Path] = []
    else:
        error = f"rendering {nb.stem} failed: {e}"
        files = [tmp / "notebooks" / nb.name, tmp / f"{nb.stem}.html"]
    d, missed = keep_failed(out_dir, name, record, files, error, RenderFailed.exit_code, nb.name if nb else None)
    if d is not None and not missed:
        tail = f"; executed notebook kept in {rel(d)}" if nb else f"; record in {rel(d)}"
    else:
        tail = _not_kept(out_dir, d, missed, "executed notebook" if nb else "run record")
    return RenderFailed(error + tail, notebook=nb.name if nb else "", failed_dir=d)


__all__ = ["failed_dir", "keep_failed", "notebook_failure", "render_failure"]
