"""Writing to the output folder when it fails: a full disk, a read-only mount, no permission.

* :func:`check_writable`: before anything runs, the output folder (or the folder it will be
  created in) must be writable; a read-only file system or a folder without write permission
  is a usage error (exit 2) naming the path, found in a second instead of after validation.
* :class:`OutputError` (exit 2, like every problem of the setup): what the run was writing,
  where, and the system's reason, e.g. ``cannot write /srv/reports/.2026-10.lock (the run
  lock): No space left on device [Errno 28]``. :class:`Stage` tracks what a run is writing,
  so that an ``OSError`` anywhere becomes that one line.
* :func:`keep_copy`: best-effort copies for ``<out>/_failed/`` (the failed notebook, its
  kernel log): written under a hidden name and renamed when complete, so a full disk never
  leaves a truncated notebook; a copy that fails is removed and reported, never raised over
  the error that came first.
"""
from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from ccnb.core.errors import ReportError

#: ``errno`` values that mean "the output cannot be written" rather than a bug.
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG,
                           errno.EIO, errno.ENAMETOOLONG, errno.ENOTDIR})


class OutputError(ReportError):
    """The output folder cannot be written: names the path, what was being written and why. Exit code 2."""

    def __init__(self, message: str, *, path: str | None = None, what: str = "", errno_: int | None = None):
        super().__init__(message)
        self.path, self.what, self.errno = path, what, errno_


def _with_errno(e: BaseException | None) -> BaseException | None:
    """The first exception of ``e``'s cause chain that carries an ``errno`` (an ``OSError``, or a
    ``RenderError`` from the printing child process, which keeps its cause's number)."""
    seen = 0
    while e is not None and seen < 5:
        if isinstance(getattr(e, "errno", None), int):
            return e
        e, seen = e.__cause__ or e.__context__, seen + 1
    return None


def is_output_error(e: BaseException) -> bool:
    """An error (or one in its cause chain) saying the disk is full, read-only or not ours to write."""
    found = _with_errno(e)
    return found is not None and found.errno in OUTPUT_ERRNOS


def reason(e: BaseException) -> str:
    """``No space left on device [Errno 28]`` (the system's words), else the exception's first line."""
    found = _with_errno(e)
    if found is not None:
        words = getattr(found, "strerror", None) or os.strerror(found.errno)
        return f"{words} [Errno {found.errno}]"
    return (str(e).splitlines() or [type(e).__name__])[0]


def output_error(e: BaseException, what: str, path: str | os.PathLike | None = None) -> OutputError:
    """The one-line error for ``e`` raised while writing ``what`` (at ``path``, or the file the system names)."""
    found = _with_errno(e)
    where = getattr(found, "filename", None) or path
    shown = f"cannot write {where} ({what})" if where else f"cannot write {what}"
    return OutputError(f"{shown}: {reason(e)}", path=str(where) if where else None, what=what,
                       errno_=found.errno if found is not None else None)


class Stage:
    """What a run is writing now (for :func:`output_error`): ``stage.at("the run lock", path)``."""

    def __init__(self, what: str = "", path: Path | None = None):
        self.what, self.path = what, path

    def at(self, what: str, path: Path | None = None) -> "Stage":
        self.what, self.path = what, path
        return self

    def error(self, e: BaseException) -> OutputError:
        return output_error(e, self.what, self.path)


def check_writable(out_dir: Path) -> None:
    """Raise :class:`OutputError` when ``out_dir`` (or the nearest existing folder it would be created in)
    is on a read-only file system or not writable by us. Writes nothing."""
    d = Path(out_dir)
    existing = next((p for p in (d, *d.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return  # the caller reports a file in the way
    read_only = False
    try:
        read_only = bool(os.statvfs(existing).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # pragma: no cover - no statvfs here
        pass
    what = "the output folder" if existing == d else f"the output folder {d}"
    if read_only:
        raise OutputError(f"cannot write {existing} ({what}): Read-only file system [Errno {errno.EROFS}]",
                          path=str(existing), what=what, errno_=errno.EROFS)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {existing} ({what}): Permission denied [Errno {errno.EACCES}]",
                          path=str(existing), what=what, errno_=errno.EACCES)


def keep_copy(src: Path, dst: Path) -> str | None:
    """Copy ``src`` to ``dst`` whole or not at all (hidden partial name, renamed when complete).
    Returns None, or why the copy could not be made (the partial file is removed)."""
    part = dst.with_name(f".{dst.name}.part")
    try:
        shutil.copyfile(src, part)
        shutil.copystat(src, part)
        os.replace(part, dst)
        return None
    except OSError as e:
        try:
            part.unlink(missing_ok=True)
        except OSError:
            pass
        return reason(e)


def remove_if_empty(*folders: Path) -> None:
    """Remove each folder that is empty (a ``_failed/`` entry nothing could be stored in), quietly."""
    for f in folders:
        try:
            f.rmdir()
        except OSError:
            pass


__all__ = ["OUTPUT_ERRNOS", "OutputError", "Stage", "check_writable", "is_output_error", "keep_copy",
           "output_error", "reason", "remove_if_empty"]
