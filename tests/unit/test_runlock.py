"""ccnb.pipeline.lock: one run per pack; a live holder refuses, a dead one (even SIGKILLed) is taken over."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from ccnb.core.errors import EXIT_BUSY, LockBusy
from ccnb.pipeline.lock import RunLock, describe, lock_path, pid_alive

HOLD = textwrap.dedent("""
    import sys, time
    from ccnb.pipeline.lock import RunLock
    lock = RunLock(sys.argv[1]).acquire()
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    {release}
""")


def holder(path, seconds=60, release=True):
    """A subprocess that takes the lock, says "held" and sleeps."""
    code = HOLD.format(release="lock.release()" if release else "")
    p = subprocess.Popen([sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


def dead_pid() -> int:
    p = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(p.stdout)


def test_acquire_writes_who_holds_it_and_release_removes_it(tmp_path):
    path = lock_path(tmp_path, "2026-10")
    assert path == tmp_path / ".2026-10.lock"
    with RunLock(path) as lock:
        facts = json.loads(path.read_text())
        assert facts["pid"] == os.getpid() and facts["host"] == socket.gethostname()
        assert facts["started"][:4].isdigit() and "T" in facts["started"] and facts["argv"]
        assert lock.held and lock.recovered is None and lock.recovered_message() is None
    assert not path.exists() and not lock.held


def test_a_live_holder_makes_the_second_run_busy(tmp_path):
    path = tmp_path / ".2026-10.lock"
    p = holder(path)
    try:
        with pytest.raises(LockBusy) as err:
            RunLock(path, what="reports/2026-10").acquire()
        e = err.value
        assert e.exit_code == EXIT_BUSY == 7 and e.holder["pid"] == p.pid
        assert str(e).startswith(f"another ccnb run is writing reports/2026-10 (pid {p.pid} on "
                                 f"{socket.gethostname()}, started ")
        assert str(e).endswith(f"lock file {path}; try again when it has finished")
        assert json.loads(path.read_text())["pid"] == p.pid        # the refused run changed nothing
    finally:
        p.kill()
        p.wait()


def test_the_same_process_cannot_take_it_twice(tmp_path):
    path = tmp_path / ".x.lock"
    with RunLock(path):
        with pytest.raises(LockBusy):
            RunLock(path).acquire()


def test_a_sigkilled_holder_is_taken_over_with_a_message(tmp_path):
    path = tmp_path / ".2026-10.lock"
    p = holder(path, release=False)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not pid_alive(p.pid) and json.loads(path.read_text())["pid"] == p.pid    # the file stayed behind
    with RunLock(path, what="reports/2026-10") as lock:
        assert lock.recovered["pid"] == p.pid
        msg = lock.recovered_message()
        assert msg.startswith(f"recovered the lock of a run that did not finish (pid {p.pid} on ")
        assert "no longer running" in msg and "reports/2026-10 was left as it was" in msg
        assert json.loads(path.read_text())["pid"] == os.getpid()


def test_a_lock_file_left_by_a_dead_pid_is_taken_over(tmp_path):
    path = tmp_path / ".2026-10.lock"
    pid = dead_pid()
    path.write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "started": "2026-11-01T06:30:00+08:00"}))
    with RunLock(path) as lock:
        assert lock.recovered == {"pid": pid, "host": socket.gethostname(), "started": "2026-11-01T06:30:00+08:00"}
    path.write_text("not json")
    with RunLock(path) as lock:
        assert describe(lock.recovered) == "an unknown run (unreadable lock file)"


def test_a_holder_that_finished_leaves_no_message(tmp_path):
    path = tmp_path / ".l"
    p = holder(path, seconds=0.1)
    p.wait()
    assert not path.exists()
    with RunLock(path) as lock:
        assert lock.recovered is None


COUNT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from ccnb.core.errors import LockBusy
    from ccnb.pipeline.lock import RunLock
    lock_file, counter, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    done = 0
    while done < n:
        try:
            lock = RunLock(lock_file).acquire()
        except LockBusy:
            time.sleep(0.001)
            continue
        try:
            value = int(counter.read_text())      # read, pause, write: loses updates without mutual exclusion
            time.sleep(0.0005)
            counter.write_text(str(value + 1))
        finally:
            lock.release()
        done += 1
""")


def test_mutual_exclusion_under_contention(tmp_path):
    """Four processes increment a counter 40 times each under the lock: no update is lost.

    Exercises the release path (the file is removed while locked) against waiters that
    opened the old file: they must notice and start again, or two would hold the lock.
    """
    counter = tmp_path / "counter"
    counter.write_text("0")
    procs = [subprocess.Popen([sys.executable, "-c", COUNT, str(tmp_path / ".c.lock"), str(counter), "40"])
             for _ in range(4)]
    deadline = time.time() + 120
    for p in procs:
        assert p.wait(timeout=max(1, deadline - time.time())) == 0
    assert int(counter.read_text()) == 160
    assert not (tmp_path / ".c.lock").exists()


def test_a_lock_released_while_waiting_is_taken(tmp_path):
    """``acquire(wait=...)`` retries: a holder that finishes within the wait does not make the run busy."""
    path = tmp_path / ".2026-10.lock"
    p = holder(path, seconds=0.5)
    try:
        started = time.monotonic()
        with RunLock(path).acquire(wait=30) as lock:
            assert lock.held and lock.recovered is None
        assert time.monotonic() - started < 30
    finally:
        p.wait()
    p = holder(path, seconds=60)
    try:
        started = time.monotonic()
        with pytest.raises(LockBusy):
            RunLock(path).acquire(wait=0.5)
        assert time.monotonic() - started >= 0.5
    finally:
        p.kill()
        p.wait()
