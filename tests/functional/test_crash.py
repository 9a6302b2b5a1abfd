"""Killing a run at any moment (SIGKILL) leaves the last good pack untouched and nothing half-written visible.

One output folder goes through a sequence of runs of ``ccnb report`` (fixture notebooks), each
killed with SIGKILL at a different moment, then one run that completes:

1. during the first notebook (the real CLI, killed when its executed notebook appears);
2. while rendering the first notebook's PDF;
3. just after the atomic swap published the new pack, before the old one was deleted
   (the new pack is complete: that is the commit point);
4. between the two renames of the fallback publisher (file systems without
   ``RENAME_EXCHANGE``): the month is missing until the next run puts it back;
5. a run that completes: it recovers the lock, restores the month, deletes every leftover,
   says so on stderr, and builds the same tables as the runs before.

Moments 2-4 are reached by a small wrapper that replaces one function of ccnb with "announce,
then sleep" in the child process, so the kill lands exactly there. After every kill the
kernel the run had started must exit on its own (ipykernel watches its parent).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parents[1]
OK = TESTS / "fixtures" / "notebooks" / "ok"

WRAPPER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from ccnb.pipeline import cli
    from ccnb.pipeline import publish
    from ccnb.render import pages

    point, flag = sys.argv[1], Path(sys.argv[2])

    def stop(name):
        flag.write_text(name)
        time.sleep(600)

    if point == "render":
        def to_pdf(html_path, pdf_path, **kw):
            stop("render")
        pages.to_pdf = to_pdf
    elif point == "swapped":
        exchange = publish.exchange
        def swap(a, b):
            if not exchange(a, b):
                raise SystemExit("this file system cannot exchange names")
            stop("swapped")
        publish.exchange = swap
    elif point == "between-renames":
        publish.exchange = lambda a, b: False
        def move_in(tmp, final):
            stop("between-renames")
        publish.move_in = move_in
    sys.exit(cli.main(sys.argv[3:]))
""")


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def visible(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


def hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def tables(pack: Path) -> dict[str, str]:
    """The numbers of a pack: exports and headline summaries (HTML may differ in timestamps)."""
    return {k: v for k, v in digest(pack).items() if k.startswith(("files/", "summary/"))}


def complete(pack: Path) -> None:
    """A published pack is whole: its record says ok and every link of its index resolves."""
    import re

    assert json.loads((pack / "run.json").read_text(encoding="utf-8"))["outcome"] == "ok"
    index = (pack / "index.html").read_text(encoding="utf-8")
    for href in re.findall(r'href="([^"]+)"', index):
        assert (pack / href).is_file(), href
    assert (pack / "pdf" / "10_agents.pdf").stat().st_size > 0


class Run:
    """``ccnb report`` for 2026-10 in a child process, stopped at ``point`` (None: the plain CLI)."""

    def __init__(self, out: Path, data: Path, env: dict, point: str | None = None):
        self.flag = out.parent / f"flag-{point}"
        args = ["report", "--month", "2026-10", "--data", str(data), "--out", str(out), "--notebooks", str(OK)]
        cmd = [sys.executable, "-m", "ccnb", *args] if point is None else \
            [sys.executable, "-c", WRAPPER, point, str(self.flag), *args]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out = out

    def wait_for(self, ready, what: str, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while not ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"the run ended before {what}: {self.proc.communicate()}")
            assert time.time() < deadline, f"timed out waiting for {what}"
            time.sleep(0.05)

    def kill(self) -> str:
        """SIGKILL; wait until the kernels it started have exited too; return its stderr."""
        children = psutil.Process(self.proc.pid).children(recursive=True)
        self.proc.send_signal(signal.SIGKILL)
        _, err = self.proc.communicate(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL
        _, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"processes left running after the kill: {alive}"
        return err


@pytest.fixture()
def env(test_cache):
    e = dict(os.environ, CCNB_CACHE=str(test_cache))
    e.pop("CCNB_TODAY", None)
    return e


def test_kills_at_every_stage_never_expose_a_half_written_month(tmp_path, fixture_packs, fixture_data, env):
    out = tmp_path / "reports"
    out.mkdir()
    shutil.copytree(fixture_packs("en"), out / "2026-10")
    good = digest(out / "2026-10")

    # 1. during the first notebook
    run = Run(out, fixture_data, env)
    tmp = out / f".2026-10.tmp-{run.proc.pid}"
    run.wait_for(lambda: (tmp / "notebooks" / "00_summary.ipynb").exists(), "the first notebook started")
    run.kill()
    assert digest(out / "2026-10") == good and visible(out) == ["2026-10"]
    assert hidden(out) == [".2026-10.lock", tmp.name]
    first = run.proc.pid

    # 2. while rendering a PDF: this run recovers what run 1 left, then is killed
    run = Run(out, fixture_data, env, "render")
    run.wait_for(run.flag.exists, "rendering")
    err = run.kill()
    assert f"ccnb: note: recovered the lock of a run that did not finish (pid {first} on " in err
    assert f"ccnb: note: removed the temporary folder .2026-10.tmp-{first} of a run that did not finish" in err
    assert digest(out / "2026-10") == good and visible(out) == ["2026-10"]
    assert hidden(out) == [".2026-10.lock", f".2026-10.tmp-{run.proc.pid}"]
    assert (out / f".2026-10.tmp-{run.proc.pid}" / "00_summary.html").exists()    # killed mid-way, unseen

    # 3. right after the swap: the new pack is published whole, the old one awaits deletion
    run = Run(out, fixture_data, env, "swapped")
    run.wait_for(run.flag.exists, "the swap")
    run.kill()
    assert visible(out) == ["2026-10", "index.html"] and digest(out / "2026-10") != good
    complete(out / "2026-10")
    assert digest(out / f".2026-10.tmp-{run.proc.pid}") == good                    # the old pack, hidden
    new = digest(out / "2026-10")

    # 4. between the fallback's two renames: the month is missing until the next run
    run = Run(out, fixture_data, env, "between-renames")
    run.wait_for(run.flag.exists, "the first rename")
    run.kill()
    fourth = run.proc.pid
    assert visible(out) == ["index.html"]                  # the list of months, written before the swap
    assert digest(out / f".2026-10.old-{fourth}") == new
    complete(out / f".2026-10.tmp-{fourth}")

    # 5. the next run puts the month back, tidies up and completes
    run = Run(out, fixture_data, env)
    _, err = run.proc.communicate(timeout=600)
    assert run.proc.returncode == 0, err
    notes = err.splitlines()
    assert notes[0].startswith(f"ccnb: note: recovered the lock of a run that did not finish (pid {fourth} on ")
    assert notes[1] == (f"ccnb: note: restored {out / '2026-10'} from .2026-10.old-{fourth}: a run was killed "
                        f"while publishing it")
    assert notes[2] == (f"ccnb: note: removed the temporary folder .2026-10.tmp-{fourth} of a run that did not "
                        f"finish (pid {fourth})")
    assert len(notes) == 3
    assert visible(out) == ["2026-10", "index.html"] and hidden(out) == []
    complete(out / "2026-10")
    record = json.loads((out / "2026-10" / "run.json").read_text(encoding="utf-8"))
    assert record["notes"] == [n.removeprefix("ccnb: note: ") for n in notes]
    # same inputs, same tables: the good pack, the pack of run 3 and this one
    assert tables(out / "2026-10") == tables(fixture_packs("en")) and tables(out / "2026-10") == \
        {k: v for k, v in new.items() if k.startswith(("files/", "summary/"))}


def test_sigterm_stops_cleanly_with_exit_143(tmp_path, fixture_packs, fixture_data, env):
    out = tmp_path / "reports"
    out.mkdir()
    shutil.copytree(fixture_packs("en"), out / "2026-10")
    good = digest(out / "2026-10")
    run = Run(out, fixture_data, env)
    tmp = out / f".2026-10.tmp-{run.proc.pid}"
    run.wait_for(lambda: (tmp / "notebooks" / "00_summary.ipynb").exists(), "the first notebook started")
    children = psutil.Process(run.proc.pid).children(recursive=True)
    run.proc.send_signal(signal.SIGTERM)
    _, err = run.proc.communicate(timeout=120)
    assert run.proc.returncode == 143
    assert err.splitlines()[-1] == "ccnb: error: terminated (SIGTERM)" and "Traceback" not in err
    psutil.wait_procs(children, timeout=30)
    assert digest(out / "2026-10") == good
    assert visible(out) == ["2026-10"] and hidden(out) == []          # temporary folder and lock cleaned up
