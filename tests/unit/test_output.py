"""Issue 19: writing the output when the disk is full or read-only, and what a published notebook carries."""
from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest

from ccnb.core import errors
from ccnb.params import ParamsError, load_params
from ccnb.pipeline import cli, nbrun, output, report, runrecord

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures" / "notebooks"


class _ReadOnly:
    f_flag = os.ST_RDONLY


def test_read_only_output_folder_is_a_usage_error_before_anything_runs(tmp_path, monkeypatch, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    real = os.statvfs
    monkeypatch.setattr(os, "statvfs", lambda p: _ReadOnly() if Path(p) == out else real(p))
    argv = ["report", "--month", "2026-10", "--data", str(FIXTURES / "data"), "--notebooks", str(FIXTURES / "failing")]
    assert cli.main([*argv, "--out", str(out)]) == errors.EXIT_USAGE == 2
    assert capsys.readouterr().err == f"ccnb: error: cannot write {out} (the output folder): Read-only file system [Errno 30]\n"
    deeper = out / "sub" / "deeper"
    assert cli.main([*argv, "--out", str(deeper)]) == 2
    assert capsys.readouterr().err == (f"ccnb: error: cannot write {out} (the output folder {deeper}): Read-only file "
                                       f"system [Errno 30]\n")
    assert list(out.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permission bits")
def test_output_folder_without_write_permission(tmp_path):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(output.OutputError, match=r"cannot write .*locked \(the output folder\): Permission denied"):
            output.check_writable(out)
    finally:
        out.chmod(0o755)


def test_output_error_names_path_what_and_reason():
    e = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/srv/reports/.2026-10.lock")
    err = output.Stage().at("the run lock of 2026-10", Path("/elsewhere")).error(e)
    assert str(err) == "cannot write /srv/reports/.2026-10.lock (the run lock of 2026-10): No space left on device [Errno 28]"
    assert errors.exit_code_of(err) == errors.EXIT_USAGE
    bare = output.output_error(OSError(errno.EROFS, "Read-only file system"), "index.html", "/srv/reports/x/index.html")
    assert str(bare) == "cannot write /srv/reports/x/index.html (index.html): Read-only file system [Errno 30]"
    assert output.is_output_error(RuntimeError("wrapped")) is False
    wrapped = RuntimeError("HTML conversion failed")
    wrapped.__cause__ = OSError(errno.EDQUOT, "Disk quota exceeded")
    assert output.is_output_error(wrapped)


def test_keep_copy_is_whole_or_absent(tmp_path, monkeypatch):
    src = tmp_path / "nb.ipynb"
    src.write_text('{"cells": []}', encoding="utf-8")
    assert output.keep_copy(src, tmp_path / "kept.ipynb") is None
    assert (tmp_path / "kept.ipynb").read_text(encoding="utf-8") == '{"cells": []}'

    def half(a, b, *x, **k):
        Path(b).write_text('{"ce', encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(b))

    monkeypatch.setattr(output.shutil, "copyfile", half)
    d = tmp_path / "failed"
    d.mkdir()
    assert output.keep_copy(src, d / "nb.ipynb") == "No space left on device [Errno 28]"
    assert list(d.iterdir()) == []


def test_a_record_that_cannot_be_written_leaves_no_half_file(tmp_path, monkeypatch):
    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError):
        runrecord.write(tmp_path / "run.json", {"outcome": "failed"})
    assert list(tmp_path.iterdir()) == []


def test_finish_notebook_names_the_pack_and_fixes_new_cell_ids(tmp_path):
    source = tmp_path / "src.ipynb"
    shutil.copy(FIXTURES / "ok" / "00_summary.ipynb", source)
    nb = json.loads(source.read_text(encoding="utf-8"))
    tmp, final = tmp_path / "reports" / ".2026-10.tmp-4242", tmp_path / "reports" / "2026-10"
    injected = {"cell_type": "code", "id": "3f9a1c7e", "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
                "execution_count": 1, "source": f'out_dir = "{tmp}"\n'}
    nb["cells"].insert(1, injected)
    nb["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": [f"wrote {tmp}/files/a.csv\n"]}]
    nb["metadata"]["papermill"] = {"output_path": str(tmp / "notebooks" / "00_summary.ipynb")}
    executed = tmp_path / "executed.ipynb"
    executed.write_text(json.dumps(nb), encoding="utf-8")

    nbrun.finish_notebook(executed, source, tmp, final)
    done = json.loads(executed.read_text(encoding="utf-8"))
    text = executed.read_text(encoding="utf-8")
    assert ".tmp-4242" not in text and f'out_dir = \\"{final}\\"' in text
    assert done["cells"][2]["outputs"][0]["text"] == [f"wrote {final}/files/a.csv\n"]
    assert done["metadata"]["papermill"]["output_path"] == str(final / "notebooks" / "00_summary.ipynb")
    source_ids = [c["id"] for c in json.loads(source.read_text(encoding="utf-8"))["cells"]]
    assert [c["id"] for c in done["cells"]] == [source_ids[0], "injected-parameters", *source_ids[1:]]
    first = executed.read_bytes()
    executed.write_text(json.dumps(nb), encoding="utf-8")           # a rerun: the same ids, the same text
    nbrun.finish_notebook(executed, source, tmp, final)
    assert executed.read_bytes() == first


def test_run_refuses_a_timeout_that_is_no_limit(tmp_path):
    for bad in (-5, 0, float("nan"), float("inf")):
        with pytest.raises(errors.ReportError, match="timeout must be a number of seconds above 0"):
            report.run("2026-10", data=FIXTURES / "data", out=tmp_path / "out", timeout=bad, progress=None)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("section, key, value, words", [
    ("floors", "aht_s", -1, "aht_s must be seconds, at least 0, got -1"),
    ("targets", "qa_score", 120, "qa_score must be points between 0 and 100, got 120"),
    ("targets", "attrition", -0.1, "attrition must be a yearly rate, at least 0 (0.15 = 15 % a year), got -0.1"),
    ("targets", "fcr", 1.2, "fcr must be a share between 0 and 1 (0.8 = 80 %), got 1.2"),
])
def test_kpi_levels_outside_the_domain(section, key, value, words):
    with pytest.raises(ParamsError) as err:
        load_params(overrides={"kpi": {section: {key: value}}})
    assert f"kpi.{section}: {words}" in str(err.value)


def test_kpi_levels_at_the_domain_edges_are_accepted():
    p = load_params(overrides={"kpi": {"targets": {"asa_s": 0, "nps": -100, "csat": 1}, "floors": {"nps": -100}}})
    assert (p.kpi.targets["asa_s"], p.kpi.targets["nps"], p.kpi.targets["csat"]) == (0, -100, 1)
