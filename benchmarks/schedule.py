"""Shift scheduling: ccnb's plan and roster against pyworkforce on the sample center's voice desk.

Prints figures (not a test). The requirement: the forecast plan ccnb makes from ``data/sample``
for the month after ``--month`` (``ccnb.forecast.monthly.run``, the notebook's run), agents needed
per 30-min interval summed over the voice desk's queues (``staffing.desks``); the first whole
Monday-Sunday week of it. Runs:

(a) the peer's own rules: 8-h shifts starting on any half hour 06:00-15:00, no breaks, on ccnb
    (``plan_shifts``, a large under-cover penalty) and on pyworkforce 0.5.1 ``MinRequiredResources``
    (fewest agent-shifts covering every interval) and ``MinAbsDifference`` (least absolute
    difference), both OR-Tools CP-SAT. The peers need every interval coverable, so intervals no
    shift can reach (the night) get 0 for them; that requirement is printed as "unreachable";
(b) ccnb with the default rules of ``params/default.yaml`` (8.5-h full-time and 4-h part-time
    shifts, two paid breaks and an unpaid meal in windows, days off, rest, contracted hours):
    plan and roster;
(c) the whole plan month (about 100 agents): plan and roster, with the time; when the default
    contracts (full-time 32-40 h) cannot be met by a headcount sized for the month's peak day, the
    error is printed and the roster made again with flex contracts (full-time 24-40 h, part-time 8-24 h).

pyworkforce 0.5.x needs pandas < 3, so it runs in its own environment
``benchmarks/.venv-peers-schedule`` (``--setup-peers`` creates it: ``python3 -m venv`` and
``pip install pyworkforce==0.5.1 "pandas<3"``); data passes through JSON files.

    .venv/bin/python benchmarks/schedule.py [--setup-peers] [--data data/sample --month 2026-10]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ccnb.data  # noqa: E402
from ccnb.params import load_params  # noqa: E402
from ccnb.params.schedule import Schedule, ShiftTemplate  # noqa: E402
from ccnb.staffing import coverage  # noqa: E402
from ccnb.staffing.roster import build_roster  # noqa: E402
from ccnb.staffing.schedule import plan_shifts  # noqa: E402

PEERS_VENV = ROOT / "benchmarks" / ".venv-peers-schedule"
IV = 1800

PEER_SCRIPT = r'''
import json, sys, time
from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources
spec = json.load(open(sys.argv[1]))
out = {}
for name, cls in [("MinRequiredResources", MinRequiredResources), ("MinAbsDifference", MinAbsDifference)]:
    t = time.perf_counter()
    s = cls(num_days=spec["days"], periods=spec["periods"], shifts_coverage=spec["coverage"],
            required_resources=spec["required"], max_period_concurrency=spec["max_period"],
            max_shift_concurrency=spec["max_shift"], max_search_time=spec["time_limit"], num_search_workers=2)
    sol = s.solve()
    out[name] = {"status": sol["status"], "shifts": sol["resources_shifts"], "secs": time.perf_counter() - t}
json.dump(out, open(sys.argv[2], "w"))
'''


def setup_peers() -> None:
    """Create ``benchmarks/.venv-peers-schedule`` with pyworkforce 0.5.1 and pandas < 3."""
    if not (PEERS_VENV / "bin" / "python").exists():
        subprocess.run(["python3", "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run([str(PEERS_VENV / "bin" / "pip"), "install", "-q", "pyworkforce==0.5.1", "pandas<3"], check=True)


def voice_requirement(data: str, month: str, params) -> pd.DataFrame:
    """Agents needed per interval (``interval_start``, ``required``) on the voice desk for the plan month."""
    from ccnb.forecast import monthly  # the notebook's run; the lead may move it

    run = monthly.run(ccnb.data.load(data, month=month), params)
    desks = params.staffing.desks
    p = run.plan[run.plan["queue"].map(lambda q: desks.get(q, q)) == "voice"]
    req = p.groupby("ts", as_index=False)["required"].sum().rename(columns={"ts": "interval_start"})
    return req.assign(desk="voice")


def first_week(req: pd.DataFrame) -> pd.DataFrame:
    ts = req["interval_start"]
    monday = ts.min().normalize() + pd.Timedelta(days=(7 - ts.min().weekday()) % 7)
    return req[(ts >= monday) & (ts < monday + pd.Timedelta(days=7))].reset_index(drop=True)


def figures(name: str, shifts_paid: float, n_shifts: int, cov: pd.DataFrame, secs: float) -> dict:
    """cov: ``required``, ``scheduled``, ``reachable`` per interval."""
    iv_h = IV / 3600
    req = cov["required"].sum() * iv_h
    short = np.maximum(cov["required"] - cov["scheduled"], 0)
    over = np.maximum(cov["scheduled"] - cov["required"], 0)
    return {"run": name, "agent_shifts": n_shifts, "paid_h": shifts_paid, "required_h": req,
            "over_h": over.sum() * iv_h, "over_%": 100 * over.sum() * iv_h / req,
            "under_h (reachable)": short[cov["reachable"]].sum() * iv_h,
            "short intervals": int((short[cov["reachable"]] > 1e-9).sum()),
            "unreachable_h": short[~cov["reachable"]].sum() * iv_h, "solve_s": secs}


def peer_rules() -> Schedule:
    return Schedule(shifts=[ShiftTemplate(name="s8", length_h=8, earliest_start="06:00", latest_start="15:00",
                                          start_step_min=30)],
                    breaks=[], opening_hours={"weekdays": ("00:00", "24:00"), "weekend": ("00:00", "24:00")},
                    under_cover_penalty=1000, mip_gap=0.0, mip_gap_hours=0.0, time_limit_s=120,
                    agent_types=[{"name": "any", "min_hours_week": 0, "max_hours_week": 40}])


def run_peers(week: pd.DataFrame, reach: np.ndarray, rows: list) -> None:
    py = PEERS_VENV / "bin" / "python"
    if not py.exists():
        print(f"(peers skipped: {PEERS_VENV} not found; run with --setup-peers)")
        return
    days = 7
    starts = [6 * 60 + 30 * k for k in range(19)]
    cover = {f"s{m // 60:02d}{m % 60:02d}": [1 if m <= p * 30 < m + 480 else 0 for p in range(48)] for m in starts}
    req = week["required"].to_numpy(float).reshape(days, 48)
    req_peer = np.where(reach.reshape(days, 48), np.ceil(req - 1e-9), 0).astype(int)
    spec = {"days": days, "periods": 48, "coverage": cover, "required": req_peer.tolist(),
            "max_period": int(req.max() * 3 + 10), "max_shift": int(req.max() * 2 + 10), "time_limit": 120.0}
    with tempfile.TemporaryDirectory() as tmp:
        sp, op = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        sp.write_text(json.dumps(spec))
        subprocess.run([str(py), "-c", PEER_SCRIPT, str(sp), str(op)], check=True)
        res = json.loads(op.read_text())
    for name, r in res.items():
        sched = np.zeros((days, 48))
        n = 0
        for s in r["shifts"]:
            if s["resources"] and s["day"] >= 0:
                sched[s["day"]] += s["resources"] * np.array(cover[s["shift"]])
                n += s["resources"]
        cov = pd.DataFrame({"required": req.reshape(-1), "scheduled": sched.reshape(-1), "reachable": reach})
        rows.append(figures(f"(a) pyworkforce {name} [{r['status']}]", 8.0 * n, n, cov, r["secs"]))


def ccnb_run(name: str, req: pd.DataFrame, params, rows: list, flex=None) -> None:
    """Plan and roster on ``params``; when the roster fails on a contract rule and ``flex`` is given, the
    roster again with ``flex`` (params with looser contracts) on the same plan."""
    t = time.perf_counter()
    plan = plan_shifts(req, params, IV)
    t_plan = time.perf_counter() - t
    rows.append(figures(f"{name} plan", plan.paid_hours, int(plan.shifts["agents"].sum()), plan.coverage, t_plan))
    print(f"{name}: plan {t_plan:.1f} s, status {plan.stats['status'].value_counts().to_dict()}, "
          f"worst gap {plan.stats['gap'].max():.4f}")
    for label, p in [("default contracts", params), ("flex contracts", flex)]:
        if p is None:
            break
        t = time.perf_counter()
        try:
            r = build_roster(plan, p)
        except ValueError as e:
            print(f"   roster, {label}: {e} ({time.perf_counter() - t:.1f} s)")
            continue
        t_roster = time.perf_counter() - t
        print(f"   roster, {label}: {len(r.agents)} agents ({r.agents['agent_type'].value_counts().to_dict()}), "
              f"{len(r.days)} agent-days, roster {t_roster:.1f} s, plan + roster {t_plan + t_roster:.1f} s")
        break
    s = coverage.summary(plan, params).set_index("desk").loc["voice"]
    print(f"   paid {s['paid_h']:.0f} h vs FTE plan required/(1-shrinkage) {s['fte_plan_h']:.0f} h "
          f"(x{s['paid_vs_fte_plan']:.2f}); {s['fte']:.1f} FTE")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "data" / "sample"))
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--requirement-csv", help="reuse a requirement written by an earlier run (--save-requirement)")
    ap.add_argument("--save-requirement", help="write the voice requirement to this CSV")
    ap.add_argument("--setup-peers", action="store_true")
    ap.add_argument("--skip-month", action="store_true")
    a = ap.parse_args(argv)
    if a.setup_peers:
        setup_peers()
    params = load_params()
    if a.requirement_csv:
        req = pd.read_csv(a.requirement_csv, parse_dates=["interval_start"])
    else:
        t = time.perf_counter()
        req = voice_requirement(a.data, a.month, params)
        print(f"requirement from ccnb.forecast.monthly.run in {time.perf_counter() - t:.0f} s")
    if a.save_requirement:
        req.to_csv(a.save_requirement, index=False)
    week = first_week(req)
    print(f"voice desk, {week['interval_start'].min():%Y-%m-%d} .. {week['interval_start'].max():%Y-%m-%d %H:%M}: "
          f"{week['required'].sum() * IV / 3600:,.0f} required agent-hours, peak {week['required'].max():.0f} agents")
    rows: list = []
    pr = params.model_copy(deep=True)
    pr.staffing.schedule = peer_rules()
    t = time.perf_counter()
    plan_a = plan_shifts(week, pr, IV)
    rows.append(figures("(a) ccnb, peer's rules", plan_a.paid_hours, int(plan_a.shifts["agents"].sum()),
                        plan_a.coverage, time.perf_counter() - t))
    run_peers(week, plan_a.coverage["reachable"].to_numpy(), rows)
    ccnb_run("(b) ccnb, breaks + days off", week, params, rows)
    if not a.skip_month:
        # the whole plan month (the sample's voice desk needs about 100 agents); flex contracts: full-time
        # 24-40 h, part-time 8-24 h, for when a headcount sized for the peak day cannot give everyone 32 h
        flex = params.model_copy(deep=True)
        flex.staffing.schedule.agent_types[0].min_hours_week = 24
        flex.staffing.schedule.agent_types[1].min_hours_week = 8
        print(f"(c) the whole plan month: {req['interval_start'].dt.normalize().nunique()} days, "
              f"{req['required'].sum() * IV / 3600:,.0f} required agent-hours")
        ccnb_run("(c) ccnb, month", req, params, rows, flex=flex)
    pd.set_option("display.width", 200)
    print(pd.DataFrame(rows).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
