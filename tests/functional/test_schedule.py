"""What a scheduler relies on: --month last and backfills, the lock, exit codes, the run record, docs/scheduling.md.

The cron line of ``docs/scheduling.md`` is run as written (``env -i`` + ``sh -c``, the crontab's own
variables pointed at test folders) and its Airflow DAG is executed against stand-in ``airflow``
and ``pendulum`` modules, its Jinja template rendered for October 2026.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from ccnb.core import config
from ccnb.core import errors as exit_codes
from ccnb.core.errors import EXIT_CODES, ReportError
from ccnb.pipeline import cli, report, runrecord

pytestmark = pytest.mark.slow
DOC = config.DOCS_DIR / "scheduling.md"
OK_NOTEBOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "notebooks" / "ok"


def doc_block(lang: str) -> str:
    blocks = re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, f"docs/scheduling.md should hold one ```{lang} block"
    return blocks[0]


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


# --------------------------------------------------------------------------- cron, as written
def crontab() -> tuple[dict[str, str], str, str]:
    """``(variables, schedule, command)`` of the crontab block."""
    env, lines = {}, []
    for line in doc_block("crontab").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.fullmatch(r"([A-Z_]+)=(.*)", line.strip())
        if m:
            env[m[1]] = m[2]
        else:
            lines.append(line)
    assert len(lines) == 1, lines
    fields = lines[0].split(None, 5)
    return env, " ".join(fields[:5]), fields[5]


def test_the_cron_line_runs_as_written(tmp_path, fixture_data, test_cache):
    variables, schedule, command = crontab()
    assert re.fullmatch(r"\d+ \d+ 1 \* \*", schedule)              # first day of each month
    assert "%" not in command                                       # cron would cut the line there
    assert {"CCNB", "CCNB_DATA", "CCNB_PARAMS", "CCNB_OUT"} <= set(variables)
    params = tmp_path / "center.yaml"
    params.write_text("center:\n  name: Cron Center\n", encoding="utf-8")
    site = {"CCNB": str(config.PROJECT_DIR), "CCNB_DATA": str(fixture_data), "CCNB_PARAMS": str(params),
            "CCNB_OUT": str(tmp_path / "reports")}
    env = {**variables, **site, "HOME": str(tmp_path), "LOGNAME": os.environ.get("USER", "cron"),
           # what the test adds: "today", the fast fixture notebooks, the session's data cache
           "CCNB_TODAY": "2026-11-01", "CCNB_NOTEBOOKS": str(OK_NOTEBOOKS), "CCNB_CACHE": str(test_cache)}
    r = subprocess.run(["/bin/sh", "-c", command], env=env, cwd=tmp_path, capture_output=True, text=True,
                       timeout=600)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")        # --quiet: cron has nothing to mail
    pack = tmp_path / "reports" / "2026-10"
    record = runrecord.read(pack / "run.json")
    assert (record["month"], record["month_spec"], record["today"], record["outcome"]) == \
        ("2026-10", "last", "2026-11-01", "ok")
    assert record["params"]["sources"][-1] == str(params)
    assert "Cron Center" in (pack / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["2026-10", "index.html"]  # the pack, the list of months


# --------------------------------------------------------------------------- Airflow
class _Recorder:
    def __init__(self):
        self.dags, self.tasks = [], []


def _airflow_stubs(rec: _Recorder) -> dict[str, types.ModuleType]:
    class DAG:
        def __init__(self, dag_id, **kw):
            self.dag_id, self.kw = dag_id, kw
            rec.dags.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    class BashOperator:
        def __init__(self, task_id, bash_command, **kw):
            self.task_id, self.bash_command, self.kw = task_id, bash_command, kw
            rec.tasks.append(self)

    airflow = types.ModuleType("airflow")
    airflow.DAG = DAG
    operators = types.ModuleType("airflow.operators")
    bash = types.ModuleType("airflow.operators.bash")
    bash.BashOperator = BashOperator
    pendulum = types.ModuleType("pendulum")
    pendulum.datetime = lambda *a, tz=None, **k: dt.datetime(*a, **k)
    pendulum.duration = lambda **k: dt.timedelta(**k)
    return {"airflow": airflow, "airflow.operators": operators, "airflow.operators.bash": bash, "pendulum": pendulum}


class _Interval:
    """Enough of pendulum's DateTime for the template: Airflow's interval start, 1 Oct 2026 in Shanghai (UTC)."""

    def __init__(self, when: dt.datetime):
        self.when = when

    def in_timezone(self, tz: str) -> dt.datetime:
        from zoneinfo import ZoneInfo

        return self.when.astimezone(ZoneInfo(tz))


def test_the_airflow_dag_is_valid_and_asks_for_the_interval_month(monkeypatch):
    import jinja2

    source = doc_block("python")
    code = compile(source, "docs/scheduling.md (Airflow DAG)", "exec")       # valid Python
    rec = _Recorder()
    for name, module in _airflow_stubs(rec).items():
        monkeypatch.setitem(sys.modules, name, module)
    exec(code, {"__name__": "ccnb_dag"})
    assert [d.dag_id for d in rec.dags] == ["ccnb_monthly_report"]
    assert rec.dags[0].kw["schedule"] == "@monthly" and rec.dags[0].kw["catchup"] is True
    assert [t.task_id for t in rec.tasks] == ["report_en", "report_zh"]
    start = _Interval(dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.timezone.utc))     # 2026-10-01 00:00 +08:00
    for task, lang in zip(rec.tasks, ("en", "zh")):
        cmd = jinja2.Template(task.bash_command).render(data_interval_start=start)
        assert cmd == (f"cd /srv/ccnb && .venv/bin/ccnb report --month 2026-10 --data /srv/exports/callcenter "
                       f"--params /srv/ccnb/params/center.yaml --out /srv/reports/callcenter --lang {lang} --quiet")
        args = cmd.split("ccnb report ", 1)[1].split()
        assert cli.build_parser().parse_args(["report", *args]).month == "2026-10"   # the CLI accepts it


def test_the_document_lists_every_exit_code():
    text = DOC.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d+) \| (\w+) \|", text, re.M))
    assert rows == {str(code): name for code, (name, _) in EXIT_CODES.items()}


# --------------------------------------------------------------------------- months
def test_last_resolves_in_the_centers_zone_before_anything_runs(tmp_path, fixture_data):
    params = tmp_path / "ny.yaml"
    params.write_text("center:\n  timezone: America/New_York\n", encoding="utf-8")
    sh = dt.datetime(2026, 11, 1, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))   # 31 Oct 13:30 in New York
    (req,) = report.prepare("last", data=fixture_data, out=tmp_path / "out", notebooks_dir=OK_NOTEBOOKS, today=sh)
    assert (req.month, req.name, req.today) == ("2026-10", "2026-10", dt.date(2026, 11, 1))
    (req,) = report.prepare("last", data=fixture_data, params=params, out=tmp_path / "out",
                            notebooks_dir=OK_NOTEBOOKS, today=sh)
    assert (req.month, req.today) == ("2026-09", dt.date(2026, 10, 31))
    reqs = report.prepare("2026-08..2026-10", lang="zh", notebooks_dir=OK_NOTEBOOKS, multi=True)
    assert [r.name for r in reqs] == ["2026-08-zh", "2026-09-zh", "2026-10-zh"]
    with pytest.raises(ReportError, match="is a range of months; use run_months"):
        report.prepare("2026-08..2026-10", notebooks_dir=OK_NOTEBOOKS)
    assert not (tmp_path / "out").exists()


def test_a_backfill_builds_each_month_and_reports_the_one_without_data(tmp_path, fixture_data, capsys):
    out = tmp_path / "reports"
    code = cli.main(["report", "--month", "2026-09..2026-11", "--data", str(fixture_data), "--out", str(out),
                     "--notebooks", str(OK_NOTEBOOKS)])
    stdout, stderr = capsys.readouterr()
    assert code == exit_codes.EXIT_DATA
    assert stderr == (f"ccnb: error: 2026-11: invalid data in {fixture_data.resolve()} (1 problem): interactions "
                      f"(interactions.csv), column arrival_ts: no contacts in 2026-11 (the data covers 2026-09-10 to "
                      f"2026-10-20); expected contacts arriving in 2026-11\n")
    assert stdout.splitlines()[-1] == "backfill 2026-09..2026-11: 2 pack(s) built, 1 failed (2026-11)"
    assert sorted(p.name for p in out.iterdir()) == ["2026-09", "2026-10", "index.html"]
    for month in ("2026-09", "2026-10"):
        record = runrecord.read(out / month / "run.json")
        assert (record["month"], record["month_spec"], record["outcome"], record["exit_code"]) == \
            (month, "2026-09..2026-11", "ok", 0)
    sep = (out / "2026-09" / "files" / "queues.csv").read_text(encoding="utf-8")
    octo = (out / "2026-10" / "files" / "queues.csv").read_text(encoding="utf-8")
    assert sep != octo and sep.startswith("queue,contacts,answer_rate,aht_s")     # each month its own numbers


# --------------------------------------------------------------------------- the lock
HOLD = textwrap.dedent("""
    import sys, time
    from ccnb.pipeline.lock import RunLock
    RunLock(sys.argv[1]).acquire()
    print("held", flush=True)
    time.sleep(120)
""")


def test_a_second_run_of_the_same_pack_exits_7_naming_the_holder(tmp_path, fixture_data, capsys):
    out = tmp_path / "reports"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out / ".2026-10.lock")], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        code = cli.main(["report", "--month", "2026-10", "--data", str(fixture_data), "--out", str(out),
                         "--notebooks", str(OK_NOTEBOOKS), "--quiet"])
        stdout, stderr = capsys.readouterr()
        assert (code, stdout) == (exit_codes.EXIT_BUSY, "")
        assert re.fullmatch(
            rf"ccnb: error: another ccnb run is writing {re.escape(str(out / '2026-10'))} \(pid {holder.pid} on "
            rf"{re.escape(socket.gethostname())}, started \d{{4}}-\d\d-\d\dT[\d:]+[+-]\d\d:\d\d\); lock file "
            rf"{re.escape(str(out / '.2026-10.lock'))}; try again when it has finished\n", stderr), stderr
        assert tree(out) == [".2026-10.lock"]                       # the refused run wrote nothing
    finally:
        holder.kill()
        holder.wait()


# --------------------------------------------------------------------------- the run record
def test_the_run_record_says_what_ran_on_what(fixture_packs, fixture_data, fixture_notebooks):
    pack = fixture_packs("en")
    rec = runrecord.read(pack / "run.json")
    assert (rec["month"], rec["lang"], rec["pack"], rec["outcome"], rec["exit_code"]) == \
        ("2026-10", "en", "2026-10", "ok", 0)
    assert rec["parameters"] == {"month": "2026-10", "lang": "en", "data_dir": str(fixture_data.resolve()),
                                 "params_path": str(config.DEFAULT_PARAMS), "notebooks_dir":
                                 str((fixture_notebooks / "ok").resolve()),
                                 "notebooks": ["00_summary.ipynb", "10_agents.ipynb"], "timeout": None}
    from ccnb.params import load_params

    prm = load_params()
    assert rec["params"]["digest"] == prm.digest() and rec["params"]["values"] == prm.model_dump(mode="json")
    # the fingerprint is over the bytes of every data file: recompute it independently
    files = sorted(p for p in fixture_data.iterdir() if p.suffix == ".csv")
    assert [f["path"] for f in rec["data"]["files"]] == [p.name for p in files]
    for f, p in zip(rec["data"]["files"], files):
        assert (f["bytes"], f["sha256"]) == (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
    h = hashlib.sha256()
    for p in files:
        h.update(f"{p.name}\0{p.stat().st_size}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\n".encode())
    assert rec["data"]["fingerprint"] == h.hexdigest() and rec["data"]["timezone"] == "Asia/Shanghai"
    assert rec["command"]["pid"] > 0 and rec["command"]["host"] == socket.gethostname()
    assert {"python", "ccnb", "pandas", "duckdb", "papermill", "nbconvert", "weasyprint"} <= set(rec["versions"])
    assert rec["started"] <= rec["finished"] and rec["seconds"] > 0 and rec["notes"] == []
    assert [n["name"] for n in rec["notebooks"]] == ["00_summary.ipynb", "10_agents.ipynb"]
    for n in rec["notebooks"]:
        assert n["seconds"] >= n["execute_s"] > 0 and n["html_s"] > 0 and n["pdf_s"] > 0
    json.dumps(rec)        # plain JSON all the way down
