"""The data check of ``ccnb report``: the month's data validated in a child process.

Why a child: validating a 10M-contact month takes DuckDB gigabytes, and a closed connection
does not give them back to the operating system; the report process would carry them while
every notebook's kernel runs beside it. The child builds the validated cache, exits and frees
them; the kernels then read that cache.

The child dies with its parent. It is a plain ``python -m ccnb.pipeline.check`` (no
multiprocessing pool: no resource tracker, no semaphores to leak) whose stdin is a pipe
from the parent that the parent never closes while it waits. A thread of the child reads
that pipe; end of file means the parent is gone (``kill -9`` included: the kernel closes
its end), and the child removes its half-built cache files and exits at once, instead of
finishing the check for nobody. A parent stopped by Ctrl-C or SIGTERM kills the child itself.
The request goes down the same pipe, the answer (the cache key, or the ``DataError`` with
file, column and rows) comes back pickled on the child's stdout.
"""
from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path

import ccnb.data
from ccnb.core import config
from ccnb.core.errors import ReportError
from ccnb.params.sources import DataSources

#: The command that starts the checking process (tests wrap it to make the check slow).
WORKER = [sys.executable, "-m", "ccnb.pipeline.check"]
_LEN = 8  # bytes of the length prefix of the request
#: How long a stopped run waits for the checking process to tidy up before killing it.
STOP_WAIT_S = 5.0


def _load_data(data_dir: Path, month: str, timezone: str, sources: DataSources | None = None):
    if not data_dir.is_dir():
        raise ccnb.data.DataError(f"data folder not found: {data_dir}")
    return ccnb.data.load(data_dir, month=month, timezone=timezone, sources=sources)


def _validate(data_dir: Path, month: str, timezone: str, sources: DataSources | None = None) -> str | None:
    """Validate the month's data (building the shared DuckDB cache); the cache key."""
    tables = _load_data(data_dir, month, timezone, sources)
    try:
        return getattr(tables, "fingerprint", None)
    finally:
        tables.con.close()


def check_data(data_dir: Path, month: str, timezone: str, sources: DataSources | None = None) -> str | None:
    """Validate the data in a child process (see the module doc); the cache key, or the child's
    ``DataError`` (file, column, rows, expected) re-raised here."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():  # the common mistake, answered without a process
        _load_data(data_dir, month, timezone)
    request = pickle.dumps((data_dir, month, timezone, sources))
    env = dict(os.environ, CCNB_CACHE=str(config.CACHE_DIR))  # the cache this process reads next
    proc = subprocess.Popen(WORKER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True, env=env)
    try:
        try:
            proc.stdin.write(len(request).to_bytes(_LEN, "big") + request)
            proc.stdin.flush()
        except BrokenPipeError:  # the child died at once; its exit code says so below
            pass
        answer = proc.stdout.read()  # until the child exits; stdin stays open: the child watches it
        code = proc.wait()
    finally:
        if proc.poll() is None:  # we are being stopped (Ctrl-C, SIGTERM, an error): the child goes too
            _stop(proc)
        for f in (proc.stdin, proc.stdout):
            try:
                f.close()
            except OSError:
                pass
    try:
        kind, value = pickle.loads(answer) if answer else (None, None)
    except Exception:  # noqa: BLE001 - a truncated answer: the child died while writing it
        kind, value = None, None
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    raise ReportError(f"checking the data in {data_dir} stopped: the checking process died (exit code {code}; "
                      "out of memory? see the system log)")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the checking process as our death would: close its pipe (it tidies up and exits), kill it
    if it does not, and remove whatever it left."""
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=STOP_WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for p in _leftovers(proc.pid):
        try:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        except OSError:
            pass


# --------------------------------------------------------------------------- the child
def _leftovers(pid: int) -> list[Path]:
    """What a check by process ``pid`` writes until it completes (``ccnb.data.load``'s temporary cache files)."""
    cache = Path(config.CACHE_DIR)
    return sorted(cache.glob(f"*.tmp-{pid}-*")) + sorted(cache.glob(f"*.work-{pid}"))


def _read(fd: int, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _watch_parent(fd: int) -> None:
    """Block on the parent's pipe; at end of file the parent is gone: tidy up and exit now."""
    try:
        while os.read(fd, 1 << 16):
            pass
    except OSError:
        pass
    for p in _leftovers(os.getpid()):
        try:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        except OSError:
            pass
    os._exit(1)


def _answer(data_dir: Path, month: str, timezone: str, sources: DataSources | None = None) -> bytes:
    try:
        return pickle.dumps(("ok", _validate(data_dir, month, timezone, sources)))
    except (ccnb.data.DataError, ReportError) as e:
        return pickle.dumps(("error", e))
    except Exception as e:  # noqa: BLE001 - a bug: re-raised in the parent, with this traceback if need be
        try:
            return pickle.dumps(("error", e))
        except Exception:  # noqa: BLE001 - not picklable
            return pickle.dumps(("error", RuntimeError(traceback.format_exc())))


def main() -> int:
    """The checking process: read the request on stdin, answer on stdout, die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent stops us
    fd = sys.stdin.fileno()  # raw reads: a daemon thread must not hold a buffered reader's lock at exit
    head = _read(fd, _LEN)
    if len(head) < _LEN:
        return 1
    data_dir, month, timezone, sources = pickle.loads(_read(fd, int.from_bytes(head, "big")))  # noqa: S301 - our parent's
    answer_to = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything printed goes to stderr, not into the answer
    threading.Thread(target=_watch_parent, args=(fd,), daemon=True, name="ccnb-watch-parent").start()
    answer = _answer(data_dir, month, timezone, sources)
    answer_to.write(answer)
    answer_to.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
