"""Issue 19, case 4: ``kill -9`` of ``ccnb report`` while its data check runs leaves no process and no file.

The check runs in a child process (:mod:`ccnb.pipeline.check`). A wrapper replaces the child's
command with one whose check writes a half-built cache file (as ``ccnb.data.load`` does) and
then waits, so the kill lands during validation. After the parent is killed, the child must
notice (its stdin pipe closes), remove its half-built cache and exit; no resource tracker or
other helper may remain, and the next run must not warn of leaked semaphores.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from ccnb.pipeline import check, cli

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parents[1]
OK = TESTS / "fixtures" / "notebooks" / "ok"

SLOW_CHECK = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from ccnb.core import config
    from ccnb.pipeline import check

    def slow(data_dir, month, timezone):
        half_built = Path(config.CACHE_DIR) / f"0123abcd.tmp-{os.getpid()}-1.duckdb"
        half_built.write_bytes(b"half a cache")
        Path(os.environ["CCNB_TEST_FLAG"]).write_text(str(os.getpid()))
        time.sleep(600)

    check._validate = slow
    sys.exit(check.main())
""")

PARENT = textwrap.dedent("""
    import sys
    from ccnb.pipeline import check, cli

    check.WORKER = [sys.executable, "-c", sys.argv[1]]
    sys.exit(cli.main(sys.argv[2:]))
""")


def test_kill_9_during_validation_leaves_no_process_and_no_file(tmp_path, fixture_data, test_cache):
    flag = tmp_path / "checking"
    out = tmp_path / "reports"
    env = dict(os.environ, CCNB_CACHE=str(test_cache), CCNB_TEST_FLAG=str(flag))
    argv = ["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(out), "--notebooks", str(OK)]
    proc = subprocess.Popen([sys.executable, "-c", PARENT, SLOW_CHECK, *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not flag.exists():
            assert proc.poll() is None, proc.communicate()
            psutil.wait_procs([psutil.Process(proc.pid)], timeout=0.05)
        worker = int(flag.read_text())
        children = psutil.Process(proc.pid).children(recursive=True)
        assert worker in [c.pid for c in children]
        assert list(test_cache.glob(f"*.tmp-{worker}-*"))          # the check is half-way
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"processes left running after the kill: {alive}"
    assert not list(test_cache.glob(f"*.tmp-{worker}-*")) and not list(test_cache.glob(f"*.work-{worker}"))
    assert not out.exists() and "Traceback" not in err                # killed before anything was written

    # the next run checks the same data without a word about leaked semaphores, and finds no problem
    done = subprocess.run([sys.executable, "-m", "ccnb", "validate", "--data", str(fixture_data), "--month", "2026-10"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_a_check_that_dies_is_a_named_error(tmp_path, fixture_data, test_cache, monkeypatch, capsys):
    """The checking process killed by the system (out of memory): one line naming the data folder, not a hang."""
    monkeypatch.setattr(check, "WORKER", [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
    code = cli.main(["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(tmp_path / "out"),
                     "--notebooks", str(OK)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (f"ccnb: error: checking the data in {fixture_data} stopped: the checking process died "
                   f"(exit code -9; out of memory? see the system log)\n")
    assert not (tmp_path / "out").exists()
