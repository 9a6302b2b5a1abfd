"""One run at a time per pack: a lock file next to the pack, ``<out>/.<pack>.lock``.

The lock is an exclusive ``flock`` on the file, which the kernel releases when the
holder dies in any way (SIGKILL and power loss of the process included), so a lock can
never be "held" by a dead run. The file also says who holds it, as JSON: ``pid``,
``host``, ``started`` (ISO time), ``argv``; a run that is refused prints that.

* Acquired: the file is rewritten with our facts. If it still held the facts of an
  earlier run, that run ended without releasing it (killed, crashed): the lock is
  taken over and :attr:`RunLock.recovered` describes the dead holder (a message for the
  log and the run record).
* Held by a live run: :class:`ccnb.core.errors.LockBusy` (exit code 7) naming the holder.
* Released: the file is removed while still locked, then closed. A waiter that opened
  the old file notices it is no longer the file at that path and starts again, so two
  runs can never both believe they hold the lock.

Where ``flock`` is not available (a file system without locks) the lock falls back to
the facts in the file: a holder whose pid is alive on this host is busy, anything else
is taken over.

Why one lock per pack and not per output folder: different months and the Chinese pack
(``2026-10-zh``) write different folders and may be built side by side (a backfill
in parallel, ``en`` and ``zh`` at the same time); two runs of the same pack may not.
"""
from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import socket
import sys
import time
from pathlib import Path

from ccnb.core.errors import LockBusy

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_path(out_dir: Path, pack: str) -> Path:
    return Path(out_dir) / f".{pack}.lock"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (ours counts)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _facts() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "started": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "argv": list(sys.argv)}


def _parse(text: str) -> dict:
    try:
        doc = json.loads(text) if text.strip() else {}
    except ValueError:
        return {"unreadable": text[:80]}
    return doc if isinstance(doc, dict) else {"unreadable": text[:80]}


def describe(holder: dict) -> str:
    """``pid 123 on host-a, started 2026-11-01T06:30:00+08:00``."""
    if not holder:
        return "an unknown run"
    if "unreadable" in holder:
        return "an unknown run (unreadable lock file)"
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started {holder.get('started', '?')}"


class RunLock:
    """``with RunLock(path, what="reports/2026-10"):`` — raises :class:`LockBusy` if a live run holds it."""

    def __init__(self, path: str | os.PathLike, what: str | None = None):
        self.path = Path(path)
        self.what = what or str(self.path)
        self.fd: int | None = None
        #: facts of a dead holder whose lock was taken over (None: the lock was free)
        self.recovered: dict | None = None

    # -- messages
    def busy_message(self, holder: dict) -> str:
        return (f"another ccnb run is writing {self.what} ({describe(holder)}); lock file {self.path}; "
                f"try again when it has finished")

    def recovered_message(self) -> str | None:
        if self.recovered is None:
            return None
        return (f"recovered the lock of a run that did not finish ({describe(self.recovered)}; no longer "
                f"running); {self.what} was left as it was before that run")

    # -- acquire / release
    def acquire(self, wait: float = 0.0) -> "RunLock":
        """Take the lock; a live holder makes it :class:`LockBusy` after ``wait`` seconds of retrying."""
        deadline = time.monotonic() + wait
        while True:
            try:
                return self._acquire()
            except LockBusy:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def _acquire(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(20):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if not self._lock(fd):
                    holder = _parse(self._read(fd))
                    raise LockBusy(self.busy_message(holder), lock_path=self.path, holder=holder)
                try:
                    same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if not same:          # released (removed) between our open and our lock: start again
                    os.close(fd)
                    continue
                previous = _parse(self._read(fd))
                if previous:
                    self.recovered = previous
                self._write(fd, json.dumps(_facts(), ensure_ascii=False) + "\n")
                self.fd = fd
                return self
            except BaseException:
                if self.fd != fd:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                raise
        raise LockBusy(f"could not take the lock {self.path} (it keeps changing)", lock_path=self.path)

    def _lock(self, fd: int) -> bool:
        """True when we hold the lock now; False when a live run holds it."""
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False
            except OSError as e:
                if e.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                    raise
        # no flock on this file system: trust the facts in the file
        holder = _parse(self._read(fd))
        pid = holder.get("pid")
        same_host = holder.get("host") == socket.gethostname()
        return not (isinstance(pid, int) and (not same_host or pid_alive(pid)))

    @staticmethod
    def _read(fd: int) -> str:
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks).decode("utf-8", "replace")

    @staticmethod
    def _write(fd: int, text: str) -> None:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)   # remove while still holding it (see the module docstring)
        except OSError:  # a disk gone read-only: the lock is still released (closed); the next run takes it over
            pass
        finally:
            os.close(self.fd)
            self.fd = None

    @property
    def held(self) -> bool:
        return self.fd is not None

    def __enter__(self) -> "RunLock":
        return self if self.held else self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


__all__ = ["RunLock", "describe", "lock_path", "pid_alive"]
