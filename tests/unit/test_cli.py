"""ccnb.pipeline.cli: expected errors are one line on stderr, no traceback, distinct exit codes."""
from __future__ import annotations

import subprocess
import sys

import pytest

from ccnb.core import errors as exit_codes
from ccnb.pipeline import cli


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("month", ["../../x", "2026-13", "2026-1", "October"])
def test_bad_month(capsys, tmp_path, month):
    code, out, err = run_cli(capsys, "report", "--month", month, "--out", str(tmp_path))
    assert code == exit_codes.EXIT_USAGE == 2
    line = one_line(err)
    assert line.startswith("ccnb report: error: argument --month:") and "YYYY-MM" in line
    assert list(tmp_path.iterdir()) == []          # nothing was created


def test_missing_month_and_unknown_command(capsys):
    code, _, err = run_cli(capsys, "report")
    assert code == 2 and "--month" in one_line(err)
    code, _, err = run_cli(capsys, "publish")
    assert code == 2 and "invalid choice" in one_line(err)


def test_missing_params_file(capsys, tmp_path):
    code, _, err = run_cli(capsys, "report", "--month", "2026-10", "--params", str(tmp_path / "center.yaml"),
                           "--out", str(tmp_path / "out"))
    assert code == exit_codes.EXIT_PARAMS == 6
    assert one_line(err) == f"ccnb: error: {tmp_path / 'center.yaml'}: parameters file not found"
    assert not (tmp_path / "out").exists()


def test_unknown_param_key(capsys, tmp_path):
    p = tmp_path / "center.yaml"
    p.write_text("kpi:\n  tragets:\n    csat: 0.9\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "validate", "--params", str(p))
    assert code == exit_codes.EXIT_PARAMS
    line = one_line(err)
    assert "kpi.tragets: unknown key" in line and str(p) in line


def test_bad_data_exit_code(capsys, tmp_path, fixture_data):
    code, out, err = run_cli(capsys, "validate", "--data", str(tmp_path / "nowhere"))
    assert code == exit_codes.EXIT_DATA == 3 and "data folder not found" in one_line(err)
    code, out, err = run_cli(capsys, "report", "--month", "2026-12", "--data", str(fixture_data),
                             "--out", str(tmp_path / "out"), "--notebooks", str(tmp_path))
    assert code == 2 and "no notebooks" in one_line(err)     # notebooks are checked before the data
    assert not (tmp_path / "out").exists()


def test_validate_prints_tables(capsys, fixture_data):
    code, out, err = run_cli(capsys, "validate", "--data", str(fixture_data), "--month", "2026-10")
    assert code == 0 and err == ""
    assert "params: ok" in out and "data: ok" in out
    assert "interactions               9 rows  from interactions.csv" in out and "calendar        not supplied" in out
    assert "mapped" not in out and "found" not in out       # files shaped like the contract: only what they lack
    assert "contacts in 2026-10: 2026-10-05 09:00 to 2026-10-20 11:00" in out


def test_help_documents_exit_codes(capsys):
    code, out, _ = run_cli(capsys, "report", "--help")
    assert code == 0
    for c in ("2 ", "3 ", "4 ", "5 ", "6 ", "7 "):
        assert f"\n  {c}" in out
    assert "bad data" in out and "a notebook failed" in out and "rendering failed" in out
    assert "bad parameters file" in out and "lock held" in out


def test_console_entry_point_runs(tmp_path):
    """`python -m ccnb` is the same program (the `ccnb` script calls ccnb.pipeline.cli:main)."""
    r = subprocess.run([sys.executable, "-m", "ccnb", "report", "--month", "../x"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert one_line(r.stderr).startswith("ccnb report: error: argument --month")


def test_sample_bad_months(capsys, tmp_path):
    pytest.importorskip("ccnb.sample", reason="the sample generator is not in this checkout yet")
    code, _, err = run_cli(capsys, "sample", "--out", str(tmp_path), "--months", "2026-13..2026-14")
    assert code == 2
    line = one_line(err)
    assert line.startswith("ccnb: error: sample:") and "2026-13" in line


def test_report_names_the_bad_row_though_checked_in_a_child(capsys, tmp_path, fixture_data):
    """`ccnb report` validates in a child process: its DataError (file, column, row, expected) reaches the user intact."""
    import pickle
    import shutil

    from ccnb.data import DataError
    from ccnb.data.errors import Problem

    e = DataError([Problem("interactions", "interactions.csv", "wait_s", [3], "a number >= 0", "'-3'")], "d")
    back = pickle.loads(pickle.dumps(e))
    assert str(back) == str(e) and back.problems == e.problems and back.source == "d"

    data = tmp_path / "data"
    shutil.copytree(fixture_data, data)
    lines = (data / "interactions.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[9] = "-3"                                  # wait_s of the first contact
    lines[1] = ",".join(cells)
    (data / "interactions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "report", "--month", "2026-10", "--data", str(data),
                             "--out", str(tmp_path / "out"))
    msg = one_line(err)
    assert code == exit_codes.EXIT_DATA == 3, msg
    assert "interactions.csv" in msg and "wait_s" in msg and "-3" in msg and "line 2" in msg, msg
    assert "invalid data" in msg and msg.count("invalid data") == 1, msg
    assert not (tmp_path / "out" / "2026-10").exists()
