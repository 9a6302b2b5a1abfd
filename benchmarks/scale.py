"""Scale: KPIs and interval series inside the engine on 10M+ contacts, against a hand-written floor.

    python benchmarks/scale.py --data /tmp/ccnb-big --month 2026-10            # DuckDB + floor
    python benchmarks/scale.py --data /tmp/ccnb-big --month 2026-10 --spark    # + Spark local[2]
    python benchmarks/scale.py --data /tmp/ccnb-year --month 2026-10 --year    # a year of KPIs (trend, 12 months)
    python benchmarks/scale.py --generate 10000000 --months 2026-10 --data /tmp/ccnb-10m   # generate first
    python benchmarks/scale.py --data /tmp/ccnb-big --month 2026-10 --pack     # the whole report pack's peak RSS
    python benchmarks/scale.py --tile-from /tmp/ccnb-big --data /tmp/ccnb-year --year   # 100M: 3 months x 4

Each operation runs in a fresh Python process (so one operation's memory does not hide
another's); the table gives its wall time (the operation only: imports and attaching the
cached database excluded) and the peak RSS of the whole process tree (Python, DuckDB's
threads, Spark's JVM), sampled every 20 ms with psutil. Operations:

* ``load``: ``ccnb.data.load`` validating the folder into a fresh DuckDB cache (once per data);
* ``kpi <level>``: ``ccnb.kpi.compute`` at center, team and agent level (``--year``:
  ``ccnb.kpi.trend`` over 12 months) on the chosen engine;
* ``intervals``: the forecaster's interval series (``interval_series(fill=False)``, the
  extraction); ``intervals+fill`` adds the zero-filling within learned opening hours;
* ``floor``: the same figures as **one hand-written DuckDB statement** per operation (one
  GROUP BY per fact, joined), checked to give the same values, and the ratio ccnb / floor
  (goal: at most 1.5);
* ``spark stage``: exporting the validated tables to Parquet for Spark (once per data).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve()
LEVEL_KEY = {"center": "'center'", "team": "a.team", "agent": "i.agent_id"}


# --------------------------------------------------------------------------- the hand-written floor
def floor_sql(level: str, lo: str, hi: str, by_month: bool, answer_s=20.0, long_s=120.0, fcr_days=7,
              sales=("sales",), csat_min=4, ces_min=5, pass_mark=80.0, retention_months=12) -> str:
    """Every KPI of ``level`` in one statement, written by hand for DuckDB (the floor)."""
    per = "date_trunc('month', {})"
    k = {"center": "'center'", "team": "team", "agent": "agent"}[level]
    pk = ", period" if by_month else ""
    sl = ", ".join(f"'{q}'" for q in sales) or "NULL"
    lo_t, hi_t = f"TIMESTAMP '{lo}'", f"TIMESTAMP '{hi}'"
    need_agent = level == "team"
    join_a = "LEFT JOIN agents a ON a.agent_id = i.agent_id" if need_agent else ""
    team = "a.team" if need_agent else "NULL"
    pmon = lambda col: f", {per.format(col)} AS period" if by_month else ""  # noqa: E731
    gb = "GROUP BY ALL"
    return f"""
WITH ci AS (
  SELECT i.*, {team} AS team, i.agent_id AS agent,
         CASE WHEN i.direction = 'inbound' AND i.customer_id IS NOT NULL THEN
           lead(i.arrival_ts) OVER (PARTITION BY i.customer_id, coalesce(i.reason, ''),
                                    i.direction = 'inbound' AND i.customer_id IS NOT NULL
                                    ORDER BY i.arrival_ts, i.contact_id) END AS next_ts
  FROM interactions i {join_a}
  WHERE i.arrival_ts >= {lo_t} AND i.arrival_ts < {hi_t} + INTERVAL {fcr_days} DAY
),
c AS (
  SELECT {k} AS k{pmon('arrival_ts')},
    count(*) FILTER (rt AND (ans OR abandoned)) AS offered,
    count(*) FILTER (rt AND ans) / nullif(count(*) FILTER (rt AND (ans OR abandoned)), 0) AS answer_rate,
    count(*) FILTER (rt AND abandoned) / nullif(count(*) FILTER (rt AND (ans OR abandoned)), 0) AS abandon_rate,
    count(*) FILTER (rt AND ans AND wait_s <= {answer_s}) / nullif(count(*) FILTER (rt AND (ans OR abandoned)), 0) AS service_level,
    avg(wait_s) FILTER (rt AND ans) AS asa_s,
    count(*) FILTER (rt AND (ans OR abandoned) AND wait_s >= {long_s}) / nullif(count(*) FILTER (rt AND (ans OR abandoned)), 0) AS long_wait_rate,
    count(*) FILTER (direction = 'inbound' AND self_served) / nullif(count(*) FILTER (direction = 'inbound'), 0) AS self_service_rate,
    count(*) FILTER (hd) AS handled,
    avg(talk_s + hold_s + acw_s) FILTER (hd) AS aht_s,
    count(*) FILTER (hd AND transferred) / nullif(count(*) FILTER (hd), 0) AS transfer_rate,
    count(*) FILTER (fb AND coalesce(resolved, false) AND (next_ts IS NULL OR next_ts > arrival_ts + INTERVAL {fcr_days} DAY))
      / nullif(count(*) FILTER (fb), 0) AS fcr,
    count(*) FILTER (hd AND queue IN ({sl}) AND converted) / nullif(count(*) FILTER (hd AND queue IN ({sl})), 0) AS conversion
  FROM (SELECT *, direction = 'inbound' AND channel IN ('voice', 'chat') AND NOT self_served AS rt,
               answer_ts IS NOT NULL AS ans, answer_ts IS NOT NULL AND agent_id IS NOT NULL AS hd,
               direction = 'inbound' AND answer_ts IS NOT NULL AND agent_id IS NOT NULL AND customer_id IS NOT NULL AS fb
        FROM ci WHERE arrival_ts >= {lo_t} AND arrival_ts < {hi_t})
  WHERE {k} IS NOT NULL {gb}
),
s AS (
  SELECT {k} AS k{pmon('i.arrival_ts')}, count(*) AS surveys,
    count(*) FILTER (csat >= {csat_min}) / nullif(count(csat), 0) AS csat,
    100.0 * (count(*) FILTER (nps >= 9) - count(*) FILTER (nps <= 6)) / nullif(count(nps), 0) AS nps,
    count(*) FILTER (ces >= {ces_min}) / nullif(count(ces), 0) AS ces
  FROM surveys sv JOIN (SELECT i.contact_id, i.arrival_ts, {team} AS team, i.agent_id AS agent
                        FROM interactions i {join_a}) i ON i.contact_id = sv.contact_id
  WHERE i.arrival_ts >= {lo_t} AND i.arrival_ts < {hi_t} AND {k} IS NOT NULL {gb}
),
d AS (
  SELECT {k} AS k{pmon('CAST(d.date AS TIMESTAMP)')},
    sum(talk_s + hold_s + acw_s) / nullif(sum(logged_in_s - break_s), 0) AS occupancy,
    sum(talk_s + hold_s + acw_s + idle_s) / nullif(sum(logged_in_s), 0) AS utilization,
    sum(break_count) FILTER (present) / nullif(count(*) FILTER (present), 0) AS break_count,
    count(*) FILTER (scheduled_s > 0 AND present) / nullif(count(*) FILTER (scheduled_s > 0), 0) AS attendance,
    sum(training_completed) / nullif(sum(training_assigned), 0) AS training_completion
  FROM (SELECT d.*, {('a.team' if need_agent else 'NULL')} AS team, d.agent_id AS agent FROM agent_days d
        {'LEFT JOIN agents a ON a.agent_id = d.agent_id' if need_agent else ''}) d
  WHERE d.date >= CAST({lo_t} AS DATE) AND d.date < CAST({hi_t} AS DATE) AND {k} IS NOT NULL {gb}
),
q AS (
  SELECT {k} AS k{pmon('CAST(e.eval_date AS TIMESTAMP)')}, count(*) AS evaluations,
    avg(CASE WHEN critical_fail THEN 0.0 ELSE total_score END) AS qa_score,
    avg(CASE WHEN NOT critical_fail AND total_score >= {pass_mark} THEN 1.0 ELSE 0.0 END) AS qa_pass_rate,
    avg(CASE WHEN critical_fail THEN 1.0 ELSE 0.0 END) AS qa_critical_rate
  FROM (SELECT e.*, {('a.team' if need_agent else 'NULL')} AS team, e.agent_id AS agent FROM qa_evaluations e
        {'LEFT JOIN agents a ON a.agent_id = e.agent_id' if need_agent else ''}) e
  WHERE e.eval_date >= CAST({lo_t} AS DATE) AND e.eval_date < CAST({hi_t} AS DATE)
    AND NOT coalesce(e.calibration, false) AND {k} IS NOT NULL {gb}
),
k AS (
  SELECT {k} AS k{pmon('c.opened_ts')},
    avg(CASE WHEN c.resolved_ts < date_trunc('month', c.opened_ts) + INTERVAL 1 MONTH THEN 1.0 ELSE 0.0 END)
      AS complaint_resolution
  FROM complaints c LEFT JOIN (SELECT i.contact_id, {team} AS team, i.agent_id AS agent
                               FROM interactions i {join_a}) i ON i.contact_id = c.contact_id
  WHERE c.opened_ts >= {lo_t} AND c.opened_ts < {hi_t} AND {k} IS NOT NULL {gb}
)
{_roster(level, lo_t, hi_t, by_month, retention_months)}
SELECT * FROM c FULL JOIN s USING (k{pk}) FULL JOIN d USING (k{pk}) FULL JOIN q USING (k{pk})
  FULL JOIN k USING (k{pk}) {'' if level == 'agent' else f'FULL JOIN r USING (k{pk})'}
  {'FULL JOIN cu USING (k' + pk + ')' if level == 'center' else ''}
"""


def _roster(level, lo_t, hi_t, by_month, r) -> str:
    if level == "agent":
        return ""
    k = "'center'" if level == "center" else "a.team"
    months = f"SELECT unnest(generate_series({lo_t}, {hi_t} - INTERVAL 1 MONTH, INTERVAL 1 MONTH)) AS period"
    pk = ", period" if by_month else ""
    start, end = "CAST(m.period AS DATE)", "CAST(m.period + INTERVAL 1 MONTH AS DATE)"
    out = f""",
r AS (
  SELECT {k} AS k{pk},
    12.0 * count(*) FILTER (a.leave_date >= {start} AND a.leave_date < {end})
      / nullif(0.5 * count(*) FILTER (a.hire_date < {start} AND (a.leave_date IS NULL OR a.leave_date >= {start}))
             + 0.5 * count(*) FILTER (a.hire_date < {end} AND (a.leave_date IS NULL OR a.leave_date >= {end})), 0)
      AS attrition
  FROM agents a CROSS JOIN ({months}) m
  WHERE a.hire_date < {end} AND (a.leave_date IS NULL OR a.leave_date >= {start}) GROUP BY ALL
)"""
    if level == "center":
        base = f"CAST(m.period + INTERVAL 1 MONTH - INTERVAL {r} MONTH AS DATE)"
        out += f""",
cu AS (
  SELECT 'center' AS k{pk},
    avg(CASE WHEN c.churn_date IS NULL OR c.churn_date >= {end} THEN 1.0 ELSE 0.0 END) AS customer_retention
  FROM customers c CROSS JOIN ({months}) m
  WHERE c.signup_date < {base} AND (c.churn_date IS NULL OR c.churn_date >= {base}) GROUP BY ALL
)"""
    return out


def floor_intervals_sql(minutes: int = 30, answer_s: float = 20.0) -> str:
    """The interval series' figures as one hand-written GROUP BY (no channel, no zero-fill)."""
    return f"""
SELECT queue, time_bucket(INTERVAL {minutes} MINUTE, arrival_ts, TIMESTAMP '2000-01-03') AS ts,
       count(*) AS offered, count(answer_ts) AS answered, count(*) FILTER (abandoned) AS abandoned,
       count(*) FILTER (answer_ts IS NOT NULL AND wait_s <= {answer_s}) AS in_sl,
       count(*) FILTER (answer_ts IS NOT NULL AND agent_id IS NOT NULL) AS handled,
       coalesce(sum(talk_s + hold_s + acw_s) FILTER (answer_ts IS NOT NULL AND agent_id IS NOT NULL), 0) AS handle_s,
       coalesce(sum(wait_s) FILTER (answer_ts IS NOT NULL), 0) AS wait_answered_s,
       coalesce(sum(wait_s) FILTER (abandoned), 0) AS wait_abandoned_s
FROM interactions
WHERE direction = 'inbound' AND channel IN ('voice', 'chat') AND NOT self_served AND (answer_ts IS NOT NULL OR abandoned)
GROUP BY ALL"""


# --------------------------------------------------------------------------- one operation (child process)
def child(a: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    import ccnb.data
    import ccnb.kpi
    from ccnb import engine
    from ccnb.params import load_params

    params = load_params()
    op = a.child
    t0 = time.perf_counter()
    tables = ccnb.data.load(a.data, month=a.month, timezone=params.center.timezone)
    load_s = time.perf_counter() - t0
    if op == "load":
        print(json.dumps({"seconds": load_s, "rows": tables.counts()["interactions"]}))
        return 0
    if a.engine == "spark":
        eng = engine.use(tables, "spark", master=a.spark_master)
        if op == "stage":
            from ccnb.engine.spark import stage

            t0 = time.perf_counter()
            stage(tables, eng.settings)
            print(json.dumps({"seconds": time.perf_counter() - t0, "rows": 0}))
            return 0
        eng.register(tables)            # staging and the JVM's start are not the operation
        eng.spark.sql("SELECT 1").collect()
    m = pd.Period(a.month, "M")
    months = 12 if a.year else 1
    lo, hi = (m - (months - 1)).start_time, (m + 1).start_time
    t0 = time.perf_counter()
    if op.startswith("kpi:"):
        level = op.split(":")[1]
        if a.year:
            res = ccnb.kpi.trend(tables, m, months=12, level=level, params=params)
        else:
            res = ccnb.kpi.compute(tables, m, level=level, params=params)
        out = {"rows": len(res)}
    elif op == "floor:intervals":
        res = tables.sql(floor_intervals_sql(params.center.interval_minutes, params.kpi.service_level_answer_s))
        out = {"rows": len(res)}
    elif op.startswith("floor:"):
        level = op.split(":")[1]
        res = tables.sql(floor_sql(level, f"{lo:%Y-%m-%d}", f"{hi:%Y-%m-%d}", a.year))
        out = {"rows": len(res)}
    elif op in ("intervals", "intervals+fill"):
        from ccnb.forecast.series import interval_series

        res = interval_series(tables, params, fill=op == "intervals+fill")
        out = {"rows": len(res)}
    else:
        raise SystemExit(f"unknown operation {op}")
    out["seconds"] = time.perf_counter() - t0
    if a.check and op.startswith("floor:") and op != "floor:intervals":
        level = op.split(":")[1]
        ref = (ccnb.kpi.trend(tables, m, months=12, level=level, params=params) if a.year else
               ccnb.kpi.compute(tables, m, level=level, params=params))
        idx = ["k", "period"] if a.year else ["k"]
        f = res.copy()
        if a.year:
            f["period"] = pd.PeriodIndex(pd.to_datetime(f["period"]), freq="M")
        f = f.set_index(idx).sort_index()
        ref.index = ref.index.set_names(idx[::-1] if a.year else idx)
        if a.year:
            ref = ref.reorder_levels(idx)
        bad = []
        for c in [c for c in f.columns if c in ccnb.kpi.REGISTRY and c in ref.columns]:
            x, y = ref[c].reindex(f.index).astype(float), f[c].astype(float)
            if not np.allclose(x, y, rtol=1e-9, equal_nan=True):
                bad.append(c)
        out["agrees"] = not bad
        out["disagree"] = bad
    print(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- the runner
def run_op(a: argparse.Namespace, op: str, engine_name: str = "duckdb", env: dict | None = None) -> dict:
    cmd = [sys.executable, str(HERE), "--child", op, "--data", str(a.data), "--month", a.month,
           "--engine", engine_name, "--spark-master", a.spark_master] + (["--year"] if a.year else []) + \
          (["--check"] if a.check else [])
    p = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                     env={**os.environ, **(env or {})})
    peak = 0
    while p.poll() is None:
        try:
            procs = [p] + p.children(recursive=True)
            peak = max(peak, sum(x.memory_info().rss for x in procs if x.is_running()))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
        time.sleep(0.02)
    out, err = p.communicate()
    if p.returncode != 0:
        raise SystemExit(f"{op} ({engine_name}) failed:\n{err[-3000:]}")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak"] = peak
    return res


def _short(p) -> str:
    """A process as the peak line names it: ``ccnb report``, ``kernel``, ``printer/checker`` ..."""
    cmd = " ".join(p.cmdline())
    for needle, name in (("ipykernel", "kernel"), ("spawn_main", "child (printer or data check)"),
                         ("resource_tracker", "resource tracker"), ("ccnb report", "ccnb report")):
        if needle in cmd:
            return name
    return cmd[:40]


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, int, int, str]:
    """Run ``cmd``; (wall seconds, peak RSS of its process tree, exit code, stderr tail)."""
    t0 = time.perf_counter()
    p = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                     env={**os.environ, **(env or {})})
    peak, peak_at = 0, ""
    import threading

    err: list[str] = []
    t = threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)
    t.start()
    while p.poll() is None:
        try:
            procs = [p] + p.children(recursive=True)
            rss = sum(x.memory_info().rss for x in procs if x.is_running())
            if rss > peak:
                peak = rss
                peak_at = "; ".join(f"{_short(x)} {x.memory_info().rss / 2**30:.2f} GiB" for x in procs
                                    if x.is_running())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
        time.sleep(0.05)
    t.join()
    return time.perf_counter() - t0, peak, p.returncode, (err[0][-2000:] if err else "") + f"\npeak while: {peak_at}"


def pack(a: argparse.Namespace) -> int:
    """``ccnb report`` on the data, cold cache: wall time and peak RSS of the whole process tree."""
    out = Path(tempfile.mkdtemp(prefix="ccnb-scale-pack-"))
    cmd = [str(Path(sys.executable).parent / "ccnb"), "report", "--month", a.month, "--data", str(a.data),
           "--out", str(out), "-q"] + (["--engine", a.pack_engine] if a.pack_engine else [])
    print("running:", " ".join(cmd), flush=True)
    secs, peak, code, err = measure(cmd)
    print(f"ccnb report: exit {code}, {secs:,.0f} s, peak RSS of the process tree {peak / 2**30:.2f} GiB")
    print(err.strip())
    return code


def tile(src: Path, dst: Path, copies: int, days: int) -> None:
    """A longer data set from a generated one: the event tables repeated ``copies`` times, copy ``k``
    moved ``k * days`` days earlier (ids prefixed ``T<k>``); agents, customers and calendar as they are.

    For the 100M-contact year: three generated 10M months tiled four times, 92 days apart
    (Oct 2025 to Oct 2026). Keys stay unique and every row stays valid (same agents,
    customers); the figures are about size, not realism.
    """
    import duckdb

    dst.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    q = lambda p: "'" + str(p).replace("'", "''") + "'"  # noqa: E731
    for name in ("agents", "customers", "complaints", "calendar"):
        if name != "complaints" and (src / f"{name}.parquet").exists():
            con.execute(f"COPY (SELECT * FROM read_parquet({q(src / (name + '.parquet'))})) "
                        f"TO {q(dst / (name + '.parquet'))} (FORMAT parquet)")
    moves = {  # table -> (id columns to prefix, time columns to move)
        "interactions": (["contact_id"], ["arrival_ts", "answer_ts", "end_ts"]),
        "surveys": (["contact_id"], []),
        "qa_evaluations": (["evaluation_id", "contact_id"], ["eval_date"]),
        "agent_days": ([], ["date"]),
        "complaints": (["complaint_id", "contact_id"], ["opened_ts", "resolved_ts"]),
    }
    for name, (idc, tc) in moves.items():
        srcs = sorted((src / name).glob("*.parquet")) if (src / name).is_dir() else [src / f"{name}.parquet"]
        (dst / name).mkdir(exist_ok=True)
        for k in range(copies):
            dates = ("date", "eval_date")
            rep = [f"'T{k}' || {c} AS {c}" for c in idc] + [
                (f"CAST({c} - INTERVAL {k * days} DAY AS DATE) AS {c}" if c in dates else
                 f"{c} - INTERVAL {k * days} DAY AS {c}") for c in tc]
            sel = f"SELECT * REPLACE ({', '.join(rep)})" if rep else "SELECT *"
            files = "[" + ", ".join(q(p) for p in srcs) + "]"
            con.execute(f"COPY ({sel} FROM read_parquet({files})) TO {q(dst / name / f'copy{k}.parquet')} "
                        "(FORMAT parquet, COMPRESSION zstd)")
        print(f"tiled {name}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="data folder (generated with --generate or ccnb sample)")
    ap.add_argument("--month", default="2026-10", help="report month (YYYY-MM)")
    ap.add_argument("--generate", type=int, metavar="N", help="first generate N contacts over --months into --data")
    ap.add_argument("--months", default="2026-10", help="months to generate (with --generate)")
    ap.add_argument("--year", action="store_true", help="KPIs of the 12 months ending with --month (kpi.trend)")
    ap.add_argument("--spark", action="store_true", help="also run on Spark local mode")
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--levels", default="center,team,agent")
    ap.add_argument("--no-intervals", action="store_true")
    ap.add_argument("--check", action="store_true", help="check the floor's values against ccnb's (runs ccnb again)")
    ap.add_argument("--pack", action="store_true", help="measure `ccnb report` on the data instead (whole pack)")
    ap.add_argument("--pack-engine", choices=("duckdb", "spark"), help="--engine for the --pack run")
    ap.add_argument("--tile-from", type=Path, metavar="DIR", help="first write --data as DIR's events tiled "
                    "--copies times, --days apart (the 100M-contact year from three generated 10M months)")
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--days", type=int, default=92)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="duckdb", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        return child(a)
    if a.tile_from:
        t0 = time.perf_counter()
        tile(a.tile_from, a.data, a.copies, a.days)
        print(f"tiled in {time.perf_counter() - t0:,.0f} s")
    if a.generate:
        from ccnb.sample import write_sample

        t0 = time.perf_counter()
        write_sample(a.data, contacts=a.generate, months=a.months, progress=print)
        print(f"generated in {time.perf_counter() - t0:,.0f} s")
    cache = os.environ.get("CCNB_CACHE") or tempfile.mkdtemp(prefix="ccnb-scale-cache-")
    os.environ["CCNB_CACHE"] = cache
    if a.pack:
        return pack(a)
    rows: list[tuple] = []

    def show(op, eng, r, floor=None):
        ratio = f"{r['seconds'] / floor['seconds']:.2f}x" if floor else ""
        agrees = {True: "yes", False: "NO " + ",".join(r.get("disagree", []))}.get(r.get("agrees"), "")
        rows.append((op, eng, r["seconds"], r["peak"], r.get("rows", ""), ratio, agrees))
        print(f"  {op:<16} {eng:<8} {r['seconds']:9.2f} s  {r['peak'] / 2**30:6.2f} GiB  rows {r.get('rows', '')}"
              f"  {ratio} {agrees}", flush=True)

    print(f"data {a.data}, month {a.month}{' (12 months: kpi.trend)' if a.year else ''}, cache {cache}", flush=True)
    show("load (validate)", "duckdb", run_op(a, "load"))
    levels = [x for x in a.levels.split(",") if x]
    ops = [f"kpi:{lv}" for lv in levels] + ([] if a.no_intervals or a.year else ["intervals"])
    results = {}
    for op in ops:
        fl = run_op(a, "floor:" + op.split(":")[-1] if op.startswith("kpi:") else "floor:intervals")
        r = run_op(a, op)
        results[op] = (r, fl)
        show("floor " + op.split(":")[-1], "duckdb", fl)
        show(op, "duckdb", r, fl)
    if not (a.no_intervals or a.year):
        show("intervals+fill", "duckdb", run_op(a, "intervals+fill"))
    if a.spark:
        show("spark stage", "spark", run_op(a, "stage", "spark"))
        for op in ops:
            show(op, "spark", run_op(a, op, "spark"), results[op][1])
    print()
    print("| operation | engine | time (s) | peak RSS (GiB) | vs floor |")
    print("| --- | --- | ---: | ---: | ---: |")
    for op, eng, s, peak, n, ratio, agrees in rows:
        print(f"| {op} | {eng} | {s:,.2f} | {peak / 2**30:.2f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
