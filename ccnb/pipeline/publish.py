"""Publishing a pack atomically, and repairing what a killed run left behind.

A pack is built in a hidden sibling folder ``<out>/.<pack>.tmp-<pid>`` and only then
published as ``<out>/<pack>``. Readers (a manager, the scheduler filing PDFs) see the
old pack or the new one, never a mixture and never a half-written month:

* **Exchange** (Linux ``renameat2(RENAME_EXCHANGE)``, ext4/xfs/btrfs/tmpfs): the built
  folder and the published one swap names in one step; the old pack, now under the
  hidden name, is deleted. There is no moment without ``<out>/<pack>``.
* **Two renames** (other systems, NFS): the old pack is renamed to
  ``.<pack>.old-<pid>``, the new one renamed in, the old one deleted. A run killed
  between the two renames leaves no ``<out>/<pack>`` for a moment; the next run of
  any pack in that folder puts the old pack back (:func:`recover`) before doing anything
  else, and says so.

:func:`recover` runs while the pack's lock (:mod:`ccnb.pipeline.lock`) is held, so every
``.<pack>.tmp-*``/``.<pack>.old-*`` folder it finds belongs to a run that is dead: it
restores a missing pack from ``.old-*`` and deletes the rest.
"""
from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Callable

from ccnb.core.errors import LockBusy
from ccnb.pipeline.lock import RunLock, lock_path, pid_alive

STALE = re.compile(r"^\.(?P<pack>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)$")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def temp_name(pack: str, kind: str = "tmp", pid: int | None = None) -> str:
    return f".{pack}.{kind}-{os.getpid() if pid is None else pid}"


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap the names of two existing paths; False when the system cannot (then nothing changed)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def move_away(final: Path) -> Path:
    """Two-rename publishing, step 1: the published pack to ``.<pack>.old-<pid>``."""
    old = final.with_name(temp_name(final.name, "old"))
    if old.exists():
        shutil.rmtree(old)
    os.rename(final, old)
    return old


def move_in(tmp: Path, final: Path) -> None:
    """Two-rename publishing, step 2: the built pack to its public name."""
    os.rename(tmp, final)


def publish(tmp: Path, final: Path) -> None:
    """Swap ``tmp`` in as ``final`` atomically (see the module docstring), then delete the old pack."""
    tmp, final = Path(tmp), Path(final)
    if not tmp.is_dir():
        raise FileNotFoundError(errno.ENOENT, "built pack not found", str(tmp))
    if final.is_dir() and not final.is_symlink() and exchange(tmp, final):
        _fsync_dir(final.parent)
        shutil.rmtree(tmp, ignore_errors=True)     # tmp now holds the old pack
        return
    old = None
    if final.exists() or final.is_symlink():
        old = move_away(final)
    try:
        move_in(tmp, final)
    except BaseException:
        if old is not None:
            os.rename(old, final)
        raise
    _fsync_dir(final.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def stale_entries(out_dir: Path, pack: str | None = None) -> list[tuple[Path, str, str, int]]:
    """``(path, pack, kind, pid)`` of hidden ``.tmp-``/``.old-`` folders in ``out_dir`` (of one pack, or all)."""
    out = []
    if not Path(out_dir).is_dir():
        return out
    for p in sorted(Path(out_dir).iterdir()):
        m = STALE.match(p.name)
        if m and (pack is None or m["pack"] == pack) and (p.is_dir() or p.is_symlink()):
            out.append((p, m["pack"], m["kind"], int(m["pid"])))
    return out


def recover(out_dir: Path, pack: str, *, keep: Path | None = None) -> list[str]:
    """Repair ``<out>/<pack>`` after killed runs; call only while holding the pack's lock.

    Restores the pack from a ``.<pack>.old-<pid>`` folder when the pack itself is missing
    (a run killed between the two renames), and deletes every other ``.tmp-``/``.old-``
    folder of that pack except ``keep`` (our own). Returns messages for the log.
    """
    out_dir = Path(out_dir)
    final = out_dir / pack
    notes = []
    entries = [e for e in stale_entries(out_dir, pack) if keep is None or e[0] != keep]
    if not final.exists():
        olds = sorted((e for e in entries if e[2] == "old"), key=lambda e: e[0].stat().st_mtime, reverse=True)
        if olds:
            os.rename(olds[0][0], final)
            _fsync_dir(out_dir)
            notes.append(f"restored {final} from {olds[0][0].name}: a run was killed while publishing it")
            entries = [e for e in entries if e[0] != olds[0][0]]
    for path, _, kind, pid in entries:
        shutil.rmtree(path, ignore_errors=True)
        if path.exists():  # a dying kernel was still writing into it: once more
            shutil.rmtree(path, ignore_errors=True)
        what = "temporary folder" if kind == "tmp" else "old copy"
        notes.append(f"removed the {what} {path.name} of a run that did not finish (pid {pid})")
    return notes


def recover_all(out_dir: Path, *, skip: str | None = None, say: Callable[[str], object] | None = None) -> list[str]:
    """:func:`recover` every other pack in ``out_dir`` with leftovers whose lock is free; busy ones are left alone."""
    notes: list[str] = []
    packs = sorted({e[1] for e in stale_entries(out_dir)} - {skip})
    for pack in packs:
        lock = RunLock(lock_path(out_dir, pack), what=str(Path(out_dir) / pack))
        try:
            lock.acquire()
        except LockBusy:
            continue
        try:
            msg = lock.recovered_message()
            notes += ([msg] if msg else []) + recover(out_dir, pack)
        finally:
            lock.release()
    for n in notes:
        if say:
            say(n)
    return notes


def clean_stale(out_dir: Path) -> list[Path]:
    """Tidy ``.<pack>.tmp-<pid>`` / ``.old-<pid>`` folders whose pid is dead on this host; returns what was removed.

    An ``.old-`` folder whose pack is missing is put back instead (it is the last good
    pack). Kept for callers of the first version; runs use :func:`recover` under the
    pack's lock, which is also safe when several hosts share the folder.
    """
    removed = []
    for p, pack, kind, pid in stale_entries(out_dir):
        if pid_alive(pid):
            continue
        final = Path(out_dir) / pack
        if kind == "old" and not final.exists():
            os.rename(p, final)
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


__all__ = ["STALE", "clean_stale", "exchange", "move_away", "move_in", "publish", "recover", "recover_all",
           "stale_entries", "temp_name"]
