"""The bad-input catalogue at the command line: what a scheduler sees (exit code, one stderr line, nothing written).

Three kinds of cases, each stating the exact expected stderr line and exit code:

* ``tests/data/bad_cli/<case>.yaml``: ``argv`` (and ``env``) of a ``ccnb`` command line;
* ``tests/data/bad_params/<case>/``: a ``params.yaml`` given to ``ccnb report --params``;
* ``tests/data/bad/<case>/`` (the data layer's catalogue, ``test_data_catalogue.py``): each data
  folder through ``ccnb report --data``; bad ones must exit 3 with the data layer's problems on
  one line, valid ones must pass ``ccnb validate``.

Placeholders in ``argv``, ``env`` and ``stderr``: ``{tmp}`` (the test's folder), ``{out}`` (an
output folder that must never be created), ``{data}`` (``tests/fixtures/notebooks/data``),
``{notebooks}`` (``tests/fixtures/notebooks/failing``: would fail if it ever ran), ``{file}`` (an
existing file), ``{empty}`` (an empty folder), ``{params}`` (the case's params file).
No case may print a traceback, run a notebook or write anything.
"""
from __future__ import annotations

import pathlib
import shutil

import pytest
import yaml

from ccnb.core import errors as exit_codes
from ccnb.core import months
from ccnb.pipeline import cli

TESTS = pathlib.Path(__file__).resolve().parents[1]
DATA = TESTS / "data"
FIXTURES = TESTS / "fixtures" / "notebooks"
CLI_CASES = sorted(p.stem for p in (DATA / "bad_cli").glob("*.yaml"))
PARAMS_CASES = sorted(p.name for p in (DATA / "bad_params").iterdir() if (p / "case.yaml").is_file())
DATA_CASES = sorted(p.name for p in (DATA / "bad").iterdir() if (p / "case.yaml").is_file())


def _places(tmp_path: pathlib.Path, **extra) -> dict[str, str]:
    (tmp_path / "a-file.txt").write_text("not a folder\n")
    (tmp_path / "empty").mkdir(exist_ok=True)
    return {"tmp": str(tmp_path), "out": str(tmp_path / "out"), "data": str(FIXTURES / "data"),
            "notebooks": str(FIXTURES / "failing"), "file": str(tmp_path / "a-file.txt"),
            "empty": str(tmp_path / "empty"), **extra}


def _fill(value: str, places: dict[str, str]) -> str:
    for k, v in places.items():
        value = value.replace("{" + k + "}", v)
    return value


def _run(capsys, monkeypatch, argv, env=None):
    monkeypatch.delenv("CCNB_TODAY", raising=False)
    monkeypatch.delenv("CCNB_NOTEBOOKS", raising=False)
    for k, v in (env or {}).items():
        monkeypatch.setenv(k, v)
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _tree(root: pathlib.Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_catalogue_sizes():
    bad_data = [c for c in DATA_CASES if not yaml.safe_load((DATA / "bad" / c / "case.yaml").read_text()).get("ok")]
    assert len(CLI_CASES) >= 20 and len(PARAMS_CASES) >= 20 and len(bad_data) >= 30


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_case(name, tmp_path, capsys, monkeypatch):
    case = yaml.safe_load((DATA / "bad_cli" / f"{name}.yaml").read_text(encoding="utf-8"))
    places = _places(tmp_path)
    before = _tree(tmp_path)
    argv = [_fill(a, places) for a in case["argv"]]
    code, out, err = _run(capsys, monkeypatch, argv, {k: _fill(v, places) for k, v in case.get("env", {}).items()})
    assert "Traceback" not in err
    assert (code, err) == (case["exit"], _fill(case["stderr"], places) + "\n"), case["why"]
    assert out == ""
    assert _tree(tmp_path) == before                     # nothing written: no pack, no lock, no temp folder


@pytest.mark.parametrize("name", PARAMS_CASES)
def test_params_case(name, tmp_path, capsys, monkeypatch):
    folder = DATA / "bad_params" / name
    case = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    params = tmp_path / "center.yaml"
    shutil.copy(folder / "params.yaml", params)
    places = _places(tmp_path, params=str(params))
    before = _tree(tmp_path)
    argv = ["report", "--month", "2026-10", "--params", str(params), "--data", places["data"], "--out",
            places["out"], "--notebooks", places["notebooks"]]
    code, out, err = _run(capsys, monkeypatch, argv)
    assert "Traceback" not in err
    assert (code, err) == (case["exit"], _fill(case["stderr"], places) + "\n"), case["why"]
    assert out == "" and _tree(tmp_path) == before


@pytest.mark.parametrize("name", DATA_CASES)
def test_data_case_through_the_cli(name, tmp_path, capsys, monkeypatch):
    """Every data case of the data layer's catalogue, as ``ccnb report`` meets it: exit 3, one line, nothing built."""
    case_dir = DATA / "bad" / name
    meta = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    data = tmp_path / "data"
    shutil.copytree(DATA / "tiny", data)
    for r in meta.get("remove", []):
        (data / r).unlink()
    for f in case_dir.rglob("*"):
        if f.is_file() and f.name != "case.yaml":
            dst = data / f.relative_to(case_dir)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dst)
    params = tmp_path / "center.yaml"
    params.write_text(f"center:\n  timezone: {meta.get('timezone', 'Asia/Shanghai')}\n", encoding="utf-8")
    month = str(meta["month"])
    if meta.get("ok"):
        code, out, err = _run(capsys, monkeypatch, ["validate", "--data", str(data), "--month", month,
                                                    "--params", str(params)])
        assert (code, err) == (0, "") and "data: ok" in out
        return
    out_dir = tmp_path / "out"
    argv = ["report", "--month", month, "--data", str(data), "--params", str(params), "--out", str(out_dir),
            "--notebooks", str(FIXTURES / "failing")]
    code, out, err = _run(capsys, monkeypatch, argv)
    assert "Traceback" not in err and out == ""
    if not months.MONTH_RE.fullmatch(month):      # a bad month never reaches the data: a usage error
        assert code == exit_codes.EXIT_USAGE and err.startswith("ccnb report: error: argument --month: month must be")
    else:
        n = len(meta["expect"])
        head = f"invalid data in {data} ({n} problem{'s' if n != 1 else ''}):"
        assert (code, err) == (exit_codes.EXIT_DATA, f"ccnb: error: {head} " + " | ".join(meta["expect"]) + "\n")
    assert not out_dir.exists()
