"""ccnb.pipeline.publish: the swap is atomic (exchange) or recoverable (two renames), and recovery keeps the last good pack."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ccnb.pipeline import publish
from ccnb.pipeline.lock import RunLock, lock_path


def make(path, text):
    path.mkdir(parents=True)
    (path / "index.html").write_text(text)
    (path / "pdf").mkdir()
    (path / "pdf" / "a.pdf").write_text(text + " pdf")
    return path


def dead_pid() -> int:
    p = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(p.stdout)


def names(d):
    return sorted(p.name for p in d.iterdir())


@pytest.mark.parametrize("how", ["exchange", "renames"])
def test_publish_replaces_the_pack_and_leaves_nothing(tmp_path, monkeypatch, how):
    if how == "renames":
        monkeypatch.setattr(publish, "exchange", lambda a, b: False)
    final = make(tmp_path / "2026-10", "old")
    new = make(tmp_path / publish.temp_name("2026-10"), "new")
    inode = new.stat().st_ino
    publish.publish(new, final)
    assert (final / "index.html").read_text() == "new" and (final / "pdf" / "a.pdf").read_text() == "new pdf"
    assert final.stat().st_ino == inode                   # the built folder itself, renamed, not copied
    assert names(tmp_path) == ["2026-10"]


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    a, b = make(tmp_path / "a", "A"), make(tmp_path / "b", "B")
    if not publish.exchange(a, b):
        pytest.skip("this file system cannot exchange names (renameat2); publishing uses two renames")
    assert (a / "index.html").read_text() == "B" and (b / "index.html").read_text() == "A"


def test_first_publication_and_a_missing_build(tmp_path):
    publish.publish(make(tmp_path / ".2026-11.tmp-1", "new"), tmp_path / "2026-11")
    assert names(tmp_path) == ["2026-11"]
    with pytest.raises(FileNotFoundError):
        publish.publish(tmp_path / ".2026-12.tmp-1", tmp_path / "2026-11")
    assert (tmp_path / "2026-11" / "index.html").read_text() == "new"


def test_a_failed_second_rename_puts_the_old_pack_back(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "exchange", lambda a, b: False)

    def boom(tmp, final):
        raise OSError("disk on fire")

    monkeypatch.setattr(publish, "move_in", boom)
    final = make(tmp_path / "2026-10", "old")
    new = make(tmp_path / ".2026-10.tmp-1", "new")
    with pytest.raises(OSError, match="disk on fire"):
        publish.publish(new, final)
    assert (final / "index.html").read_text() == "old"
    assert names(tmp_path) == [".2026-10.tmp-1", "2026-10"]


def test_recover_after_a_kill_between_the_two_renames(tmp_path):
    """The state a SIGKILL leaves between "old pack away" and "new pack in": no 2026-10 at all."""
    pid = dead_pid()
    make(tmp_path / f".2026-10.old-{pid}", "last good")
    make(tmp_path / f".2026-10.tmp-{pid}", "complete but unpublished")
    make(tmp_path / "2026-09", "september")
    with RunLock(lock_path(tmp_path, "2026-10")):
        notes = publish.recover(tmp_path, "2026-10")
    assert notes == [f"restored {tmp_path / '2026-10'} from .2026-10.old-{pid}: a run was killed while publishing it",
                     f"removed the temporary folder .2026-10.tmp-{pid} of a run that did not finish (pid {pid})"]
    assert (tmp_path / "2026-10" / "index.html").read_text() == "last good"
    assert names(tmp_path) == ["2026-09", "2026-10"]


def test_recover_removes_leftovers_when_the_pack_is_there(tmp_path):
    pid = dead_pid()
    make(tmp_path / "2026-10", "current")
    make(tmp_path / f".2026-10.old-{pid}", "older")
    mine = make(tmp_path / publish.temp_name("2026-10"), "being built")
    notes = publish.recover(tmp_path, "2026-10", keep=mine)
    assert notes == [f"removed the old copy .2026-10.old-{pid} of a run that did not finish (pid {pid})"]
    assert names(tmp_path) == [mine.name, "2026-10"]
    assert (tmp_path / "2026-10" / "index.html").read_text() == "current"


def test_recover_all_repairs_other_packs_but_not_busy_ones(tmp_path):
    pid = dead_pid()
    make(tmp_path / f".2026-08.old-{pid}", "august")            # killed mid-publish, lock free
    make(tmp_path / f".2026-09.tmp-{pid}", "half")              # a live run of 2026-09 holds its lock
    lines = []
    with RunLock(lock_path(tmp_path, "2026-09")):
        notes = publish.recover_all(tmp_path, skip="2026-10", say=lines.append)
    assert notes == lines == [f"restored {tmp_path / '2026-08'} from .2026-08.old-{pid}: a run was killed while "
                              f"publishing it"]
    assert names(tmp_path) == [f".2026-09.tmp-{pid}", "2026-08"]


def test_stale_entries_match_only_our_hidden_names(tmp_path):
    for n in (".2026-10.tmp-12", ".2026-10-zh.old-3", ".2026-10.lock", ".gitkeep", "2026-10", ".x.tmp-abc"):
        (tmp_path / n).mkdir()
    got = [(p.name, pack, kind, pid) for p, pack, kind, pid in publish.stale_entries(tmp_path)]
    assert got == [(".2026-10-zh.old-3", "2026-10-zh", "old", 3), (".2026-10.tmp-12", "2026-10", "tmp", 12)]
    assert os.path.isdir(tmp_path / ".2026-10.lock")
