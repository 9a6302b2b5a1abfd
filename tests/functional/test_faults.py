"""Issue 19, case 4: ``kill -9`` of ``ccnb report`` while its data check runs leaves no process and no file.

The check runs in a child process (:mod:`ccnb.pipeline.check`). A wrapper replaces the child's
command with one whose check writes a half-built cache file (as ``ccnb.data.load`` does) and
then waits, so the kill lands during validation. After the parent is killed, the child must
notice (its stdin pipe closes), remove its half-built cache and exit; no resource tracker or
other helper may remain, and the next run must not warn of leaked semaphores.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import psutil
import pytest

from ccnb.core import errors
from ccnb.pipeline import check, cli, nbrun, output
from ccnb.render import pages

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parents[1]
OK = TESTS / "fixtures" / "notebooks" / "ok"

SLOW_CHECK = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from ccnb.core import config
    from ccnb.pipeline import check

    def slow(data_dir, month, timezone, sources=None):
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


def _start_slow_check(argv: list[str], env: dict, flag: Path) -> subprocess.Popen:
    """``ccnb <argv>`` whose checking process (SLOW_CHECK) writes its pid to ``flag`` and then waits."""
    return subprocess.Popen([sys.executable, "-c", PARENT, SLOW_CHECK, *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _checking(proc: subprocess.Popen, flag: Path) -> tuple[int, list]:
    """Wait until the checking process runs: its pid and the run's child processes."""
    while not flag.exists():
        assert proc.poll() is None, proc.communicate()
        psutil.wait_procs([psutil.Process(proc.pid)], timeout=0.05)
    return int(flag.read_text()), psutil.Process(proc.pid).children(recursive=True)


def test_kill_9_during_validation_leaves_no_process_and_no_file(tmp_path, fixture_data, test_cache):
    flag = tmp_path / "checking"
    out = tmp_path / "reports"
    env = dict(os.environ, CCNB_CACHE=str(test_cache), CCNB_TEST_FLAG=str(flag))
    argv = ["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(out), "--notebooks", str(OK)]
    proc = _start_slow_check(argv, env, flag)
    try:
        worker, children = _checking(proc, flag)
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
    assert "leaked" not in err                                          # no semaphores, no resource tracker

    # the next run checks the same data without a word about leaked semaphores, and finds no problem
    done = subprocess.run([sys.executable, "-m", "ccnb", "validate", "--data", str(fixture_data), "--month", "2026-10"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.mark.parametrize("sig, code, line", [(signal.SIGTERM, 143, "ccnb: error: terminated (SIGTERM)"),
                                             (signal.SIGINT, 130, "ccnb: error: interrupted")])
def test_stopping_the_run_during_validation_stops_the_check(tmp_path, fixture_data, test_cache, sig, code, line):
    flag = tmp_path / "checking"
    env = dict(os.environ, CCNB_CACHE=str(test_cache), CCNB_TEST_FLAG=str(flag))
    argv = ["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(tmp_path / "out"),
            "--notebooks", str(OK)]
    proc = _start_slow_check(argv, env, flag)
    try:
        worker, children = _checking(proc, flag)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code and err.splitlines()[-1] == line and "Traceback" not in err, err
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive and not list(test_cache.glob(f"*.tmp-{worker}-*"))
    assert not (tmp_path / "out").exists()


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


# --------------------------------------------------------------------------- cases 2 and 3: a full or read-only disk
FAILING = TESTS / "fixtures" / "notebooks" / "failing"


def _enospc(path):
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_full_disk_while_keeping_the_failed_notebook_does_not_hide_the_failure(tmp_path, fixture_data, monkeypatch,
                                                                               capsys):
    """The notebook failure is the error; the copy into _failed/ hits a full disk half-way: no truncated notebook."""
    real = shutil.copyfile

    def half_then_full(src, dst, *a, **kw):
        if str(src).endswith(".ipynb"):
            Path(dst).write_bytes(Path(src).read_bytes()[:100])       # what a full disk leaves: a truncated file
            raise _enospc(dst)
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(output.shutil, "copyfile", half_then_full)
    out = tmp_path / "reports"
    code = cli.main(["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(out),
                     "--notebooks", str(FAILING), "--quiet"])
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert code == errors.EXIT_NOTEBOOK and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("ccnb: error: notebook 10_boom.ipynb failed in cell 5 (`raise ValueError(")
    assert "the executed notebook could not be kept in" in lines[0]
    assert lines[0].endswith("(No space left on device [Errno 28])")
    kept = _files(out / "_failed")
    assert not [f for f in kept if f.endswith((".ipynb", ".part"))]     # whole or absent, never truncated
    assert [f.split("/", 1)[1] for f in kept] == ["kernel.log", "run.json"]
    assert [p.name for p in out.iterdir()] == ["_failed"]              # no temporary folder, no lock


def test_full_disk_while_writing_the_pack_names_path_and_what(tmp_path, fixture_packs, fixture_data, monkeypatch,
                                                              capsys):
    out = tmp_path / "reports"
    shutil.copytree(fixture_packs("en"), out / "2026-10")
    before = {p: (out / "2026-10" / p).read_bytes() for p in _files(out / "2026-10")}

    def full(executed, html_path, *a, **kw):
        Path(html_path).write_text("<html><body>half", encoding="utf-8")
        raise _enospc(html_path)

    monkeypatch.setattr(pages, "to_html", full)
    code = cli.main(["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(out),
                     "--notebooks", str(OK), "--quiet"])
    err = capsys.readouterr().err
    pid = os.getpid()
    assert (code, err) == (errors.EXIT_USAGE,
                           f"ccnb: error: cannot write {out / f'.2026-10.tmp-{pid}' / '00_summary.html'} (the HTML "
                           f"page of 00_summary): No space left on device [Errno 28]\n")
    assert {p: (out / "2026-10" / p).read_bytes() for p in _files(out / "2026-10")} == before
    assert sorted(p.name for p in out.iterdir()) == ["2026-10"]          # no temporary folder, no lock


def test_read_only_lock_file_is_a_usage_error_naming_it(tmp_path, fixture_data, monkeypatch, capsys):
    """The folder looked writable, then the run lock could not be created (remounted read-only meanwhile)."""
    real = os.open

    def read_only(path, flags, *a, **kw):
        if str(path).endswith(".lock"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, flags, *a, **kw)

    monkeypatch.setattr(os, "open", read_only)
    out = tmp_path / "reports"
    code = cli.main(["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(out),
                     "--notebooks", str(FAILING), "--quiet"])
    err = capsys.readouterr().err
    assert (code, err) == (errors.EXIT_USAGE, f"ccnb: error: cannot write {out / '.2026-10.lock'} (the run lock of "
                                              f"2026-10): Read-only file system [Errno 30]\n")
    assert list(out.iterdir()) == []


@pytest.fixture()
def tmpfs(tmp_path):
    """A small tmpfs of our own (root only; skipped elsewhere)."""
    mounted = []

    def mount(name: str, size: str, *options: str) -> Path:
        where = tmp_path / name
        where.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join((f"size={size}", *options)), "tmpfs", str(where)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_read_only_mount_exits_2_before_validation(tmpfs, fixture_data, capsys):
    ro = tmpfs("ro", "1m", "ro")
    code = cli.main(["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(ro),
                     "--notebooks", str(FAILING)])
    assert (code, capsys.readouterr()) == (errors.EXIT_USAGE, ("", f"ccnb: error: cannot write {ro} (the output "
                                                                    f"folder): Read-only file system [Errno 30]\n"))
    deeper = ro / "sub" / "deeper"
    code = cli.main(["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(deeper),
                     "--notebooks", str(FAILING)])
    assert (code, capsys.readouterr().err) == (errors.EXIT_USAGE, f"ccnb: error: cannot write {ro} (the output folder "
                                                                  f"{deeper}): Read-only file system [Errno 30]\n")


@pytest.mark.parametrize("previous", [True, False], ids=["holding-a-pack", "empty"])
def test_full_tmpfs_keeps_the_previous_pack_and_leaves_no_partial_file(tmpfs, fixture_packs, fixture_data, capsys,
                                                                       previous):
    """A real full disk: the pack needs more than the space left. One line, exit 2 (or the notebook's
    own failure, exit 4, when a notebook hit the full disk first), the old pack intact, nothing half-written."""
    pack = fixture_packs("en")
    size = sum(p.stat().st_size for p in pack.rglob("*") if p.is_file())
    out = tmpfs("full", f"{size + 160 * 1024}" if previous else f"{size // 3}")
    if previous:
        shutil.copytree(pack, out / "2026-10")
    before = {p: (out / "2026-10" / p).read_bytes() for p in _files(out / "2026-10")} if previous else {}
    code = cli.main(["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(out),
                     "--notebooks", str(OK), "--quiet"])
    err = capsys.readouterr().err
    assert code in (errors.EXIT_USAGE, errors.EXIT_NOTEBOOK) and len(err.splitlines()) == 1, err
    if code == errors.EXIT_USAGE:                                            # ccnb was writing: it says what
        assert err.startswith(f"ccnb: error: cannot write {out}/.2026-10.tmp-{os.getpid()}/"), err
    assert err.startswith("ccnb: error: ") and "No space left on device" in err and "Traceback" not in err
    assert ({p: (out / "2026-10" / p).read_bytes() for p in _files(out / "2026-10")} if previous else {}) == before
    assert (out / "2026-10").exists() == previous                            # nothing half-built published
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []   # no temporary folder, no lock
    for f in (out / "_failed").rglob("*.ipynb") if (out / "_failed").exists() else ():
        json.loads(f.read_text(encoding="utf-8"))                            # kept notebooks are whole


def test_kernels_write_temporary_files_in_the_run_s_folder(tmp_path):
    """openpyxl (and anything using ``tempfile``) in a notebook writes under the run's temporary folder,
    which the run removes (and the next run does, after a kill), not in the system's /tmp."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import tempfile\nprint(tempfile.gettempdir())")]
    src = tmp_path / "t.ipynb"
    nbformat.write(nb, src)
    run_tmp = tmp_path / ".2026-10.tmp-1" / ".tmp"
    nbrun.execute(src, tmp_path / "done.ipynb", {}, cwd=tmp_path, log_path=tmp_path / "k.log", temp_dir=run_tmp)
    done = nbformat.read(tmp_path / "done.ipynb", as_version=4)
    assert done.cells[-1].outputs[0]["text"].strip() == str(run_tmp)
