"""The roster: the shift plan assigned to named agents under the weekly rules.

Per desk and calendar week (Monday-Sunday), weeks in order, each carrying the previous week's
last shift end and its trailing run of working days, in two steps:

1. **Working days** (an integer program): binary ``v[a, d, t]``: agent ``a`` works a shift of
   type ``t`` on day ``d`` (a type the agent's contract allows):

   * every day gets its plan's shifts of each type: ``sum_a v[a, d, t] = shifts(d, t)``;
   * at most one shift per agent and day; working days ``<= days - days_off`` (a partial week at
     the horizon's edge: ``days_off - (7 - days)`` days off at least);
   * ``consecutive_days_off`` (full weeks): binaries ``c[a, j] <= 1 - works(a, j), 1 - works(a, j+1)``
     with ``sum_j c[a, j] >= 1`` (two days off in a row inside the week);
   * ``max_consecutive_days``: every window of ``max + 1`` days (last week's run included) has
     at most ``max`` working days;
   * contracted hours: ``min_hours_week <= sum paid_h(t) v[a, d, t] <= max_hours_week`` (a partial week at
     the horizon's edge: no minimum, since its other days lie outside the plan); with ``min_hours: report``
     the minimum is soft: ``sum paid_h(t) v[a, d, t] + h[a] >= min_hours_week``, ``h[a] >= 0`` the agent's
     contracted hours left unused, and the program minimises ``sum_a h[a]`` (hours; a headcount sized for
     the month's busiest day has too few shifts for everyone's minimum in a quieter week);
   * ``min_rest_h`` where it is already decided by the types: a type on day ``d`` and one on
     ``d + 1`` whose every pair of starts leaves less than the rest are not both given to one agent
     (nor a type starting too soon after the agent's last shift of last week).

   A feasibility problem (objective zero; ``min_hours: report``: the unused hours) solved by HiGHS (:func:`scipy.optimize.milp`, as the
   plan; deterministic). Why not one program over agents x individual shifts: with 60+ identical
   agents and every start time it is highly symmetric and HiGHS found no roster for a week in
   60 s; per type and day it solves in seconds.
2. **Start times** per day, in order: the day's shifts of each type go to the agents step 1 put
   on it by a minimum-cost assignment (:func:`scipy.optimize.linear_sum_assignment`) that forbids a
   start before the agent's rest has passed, gives the latest ends to agents off the next day and
   keeps an agent's start time steady.

When step 1 is infeasible the rules are relaxed one at a time and the error names the first
whose relaxation makes the week feasible; when step 2 cannot respect the rest the error names
``weekly.min_rest_h``.

Agents come from ``agents`` (``agent_id``, ``agent_type``, optional ``desk``) or are
generated as "agent 1..N" per desk (planning hires): per agent type, the most any week needs
by its hours (over ``max_hours_week``), by its busiest day and by its shifts over its working days.
Breaks: the plan's break times of a shift are handed to its agents in agent order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp

from ccnb.staffing.schedule import ShiftPlan, schedule_params
from ccnb.staffing.shifts import ScheduleRuleError

_RELAX = ["weekly.min_rest_h", "weekly.consecutive_days_off", "weekly.max_consecutive_days", "weekly.days_off",
          "agent_types.min_hours_week", "agent_types.max_hours_week"]


@dataclass
class Roster:
    """Result of :func:`build_roster`.

    ``days``: one row per agent and day of the horizon: ``desk``, ``agent_id``, ``agent_type``,
    ``date``, ``activity`` (``work`` | ``off``), ``shift_id``, ``shift``, ``start``, ``end``,
    ``paid_h`` (0 off), ``breaks`` (``"HH:MM-HH:MM name"`` joined by ``"; "``).
    ``breaks``: ``desk``, ``agent_id``, ``date``, ``shift_id``, ``break``, ``start``, ``end``, ``paid``.
    ``agents``: ``desk``, ``agent_id``, ``agent_type``. ``stats``: ``desk``, ``week``, ``agents``,
    ``shifts``, ``status``, ``unused_contract_h`` (contracted minimum hours the week leaves unused, h;
    ``min_hours: report``).
    """

    days: pd.DataFrame
    breaks: pd.DataFrame
    agents: pd.DataFrame
    stats: pd.DataFrame


def _type_of_template(sched) -> dict[str, str]:
    out = {}
    for t in sched.shifts:
        for a in sched.agent_types:
            if not a.shifts or t.name in a.shifts:
                out[t.name] = a.name
                break
        else:
            raise ScheduleRuleError("agent_types.shifts", f"no agent type works shift type {t.name}")
    return out


def _weeks(days: pd.DatetimeIndex) -> list[pd.DatetimeIndex]:
    wk = days.to_period("W-SUN")
    return [days[wk == w] for w in wk.unique()]


def _off_needed(n_days: int, sched) -> int:
    return max(0, sched.weekly.days_off - (7 - n_days))


def generate_agents(plan: ShiftPlan, params) -> pd.DataFrame:
    """Headcount per desk and agent type to work ``plan`` ("agent 1..N"); columns ``desk``, ``agent_id``,
    ``agent_type``. Per type: max over weeks of ceil(hours / max hours), the busiest day's shifts and
    ceil(shifts / working days)."""
    sched = schedule_params(params)
    owner = _type_of_template(sched)
    types = {a.name: a for a in sched.agent_types}
    rows = []
    desks = sorted(plan.coverage["desk"].unique())
    for desk in desks:
        cov = plan.coverage[plan.coverage["desk"] == desk]
        days = pd.DatetimeIndex(cov["interval_start"].dt.normalize().unique())
        s = plan.shifts[plan.shifts["desk"] == desk].assign(owner=lambda f: f["shift"].map(owner))
        k = 0
        for tname in [a.name for a in sched.agent_types]:
            st = s[s["owner"] == tname]
            need = 0
            for wd in _weeks(days):
                w = st[st["date"].isin(wd)]
                if w.empty:
                    continue
                n = len(wd)
                hours = float((w["paid_h"] * w["agents"]).sum())
                work_days = max(n - _off_needed(n, sched), 1)
                need = max(need, math.ceil(hours / types[tname].max_hours_week - 1e-9),
                           int(w.groupby("date")["agents"].sum().max()),
                           math.ceil(w["agents"].sum() / work_days - 1e-9))
            for _ in range(need):
                k += 1
                rows.append((desk, f"agent {k}" if len(desks) == 1 else f"{desk} agent {k}", tname))
    return pd.DataFrame(rows, columns=["desk", "agent_id", "agent_type"])


def _week_model(ag: pd.DataFrame, counts: pd.DataFrame, wd: pd.DatetimeIndex, state: dict, sched, types,
                relax: str | None):
    """Step 1: variables [v (agent, day, template) | c (agent, pair) | h (agent: contracted hours unused, soft
    minimum only)]; returns the milp inputs, v's index and the number of h columns."""
    wr = sched.weekly
    n = len(wd)
    tpl = sorted(counts["shift"].unique())
    paid = counts.groupby("shift")["paid_h"].first().to_dict()
    need = {(r.d, r.shift): int(r.agents) for r in counts.itertuples()}
    idx = [(ai, d, t) for ai, a in enumerate(ag.itertuples()) for d in range(n) for t in tpl
           if (not types[a.agent_type].shifts or t in types[a.agent_type].shifts) and need.get((d, t), 0) > 0]
    idx = np.array(idx, dtype=object).reshape(-1, 3)
    nv = len(idx)
    cons_full = (relax not in ("weekly.consecutive_days_off", "weekly.days_off") and wr.consecutive_days_off
                 and wr.days_off >= 2 and n == 7)
    nc = len(ag) * 6 if cons_full else 0
    soft = sched.min_hours == "report" and relax is None
    nh = len(ag) if soft else 0
    rows, cols, vals, lo, hi = [], [], [], [], []
    # rest: template t on day d and t2 on d + 1 clash for every pair of their starts when the latest start of t2
    # comes less than the rest after the earliest end of t (a necessary condition; step 2 places the starts)
    rest = 0 if relax == "weekly.min_rest_h" else int(round(wr.min_rest_h * 60))
    span = counts.set_index(["d", "shift"])
    clash = [(d, t, t2) for (d, t) in need for (d2, t2) in need
             if rest and d2 == d + 1 and span.at[(d2, t2), "last_start"] < span.at[(d, t), "first_end"] + rest]

    def add(rc, lo_v: float, hi_v: float):
        r = len(lo)
        for c, v in rc:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lo.append(lo_v)
        hi.append(hi_v)

    frame = pd.DataFrame({"a": idx[:, 0], "d": idx[:, 1], "t": idx[:, 2]}) if nv else pd.DataFrame(columns=["a", "d", "t"])
    for (d, t), m in need.items():
        add([(j, 1.0) for j in frame.index[(frame["d"] == d) & (frame["t"] == t)]], m, m)
    off = 0 if relax == "weekly.days_off" else _off_needed(n, sched)
    by_a = frame.groupby("a").groups if nv else {}
    for ai, a in enumerate(ag.itertuples()):
        js = list(by_a.get(ai, []))
        per_day = {d: [j for j in js if frame["d"].iat[j] == d] for d in range(n)}
        for d in range(n):
            if len(per_day[d]) > 1:
                add([(j, 1.0) for j in per_day[d]], 0, 1)
        add([(j, 1.0) for j in js], 0, n - off)
        of = {(frame["d"].iat[j], frame["t"].iat[j]): j for j in js}
        for d, t, t2 in clash:
            if (d, t) in of and (d + 1, t2) in of:
                add([(of[(d, t)], 1.0), (of[(d + 1, t2)], 1.0)], 0, 1)
        last = state.get(a.agent_id, {}).get("end")
        for (d, t), j in of.items():  # from last week's last shift
            if rest and last is not None and span.at[(d, t), "last_start"] < last + rest:
                add([(j, 1.0)], 0, 0)
        t = types[a.agent_type]
        # a partial week at the horizon's edge: its other days lie outside the plan, so no minimum, and at
        # most the whole week's maximum
        lo_h = 0 if relax == "agent_types.min_hours_week" or n < 7 else t.min_hours_week
        hi_h = np.inf if relax == "agent_types.max_hours_week" else t.max_hours_week
        hours = [(j, paid[frame["t"].iat[j]]) for j in js]
        if soft:
            add(hours + [(nv + nc + ai, 1.0)], lo_h - 1e-6, np.inf)
            add(hours, -np.inf, hi_h + 1e-6)
        else:
            add(hours, lo_h - 1e-6, hi_h + 1e-6)
        if cons_full:
            base = nv + ai * 6
            for j in range(6):
                for d in (j, j + 1):
                    add([(base + j, 1.0)] + [(q, 1.0) for q in per_day[d]], 0, 1)
            add([(base + j, 1.0) for j in range(6)], 1, np.inf)
        if relax != "weekly.max_consecutive_days":
            mx = wr.max_consecutive_days
            run = min(state.get(a.agent_id, {}).get("run", 0), mx)
            seq = [None] * run + list(range(n))  # None: a worked day of last week
            for s0 in range(len(seq) - mx):
                win = seq[s0:s0 + mx + 1]
                fixed = sum(1 for v in win if v is None)
                add([(q, 1.0) for d in win if d is not None for q in per_day[d]], -np.inf, mx - fixed)
    mat = sparse.csr_matrix((vals, (rows, cols)), shape=(len(lo), nv + nc + nh))
    return mat, np.array(lo), np.array(hi), nv + nc, frame, nh


def _solve_week(ag, counts, wd, state, sched, types, relax=None):
    mat, lo, hi, nv, frame, nh = _week_model(ag, counts, wd, state, sched, types, relax)
    res = milp(np.concatenate([np.zeros(nv), np.ones(nh)]), constraints=[LinearConstraint(mat, lo, hi)],
               integrality=np.concatenate([np.ones(nv), np.zeros(nh)]),
               bounds=Bounds(np.zeros(nv + nh), np.concatenate([np.ones(nv), np.full(nh, np.inf)])),
               options={"time_limit": float(sched.time_limit_s), "mip_rel_gap": sched.mip_gap, "disp": False,
                        "presolve": True})
    res.unused_h = float(res.x[nv:].sum()) if res.x is not None and nh else 0.0
    return res, frame


def _week_error(desk, wd, ag, counts, state, sched, types, res) -> ScheduleRuleError:
    span = f"desk {desk}, week of {wd[0]:%Y-%m-%d}"
    shifts = int(counts["agents"].sum())
    if res.status == 1:
        return ScheduleRuleError("time_limit_s", f"{span}: no roster found within {sched.time_limit_s:g} s")
    for rule in _RELAX:
        r2, _ = _solve_week(ag, counts, wd, state, sched, types, relax=rule)
        if r2.x is not None:
            return ScheduleRuleError(rule, f"{span}: {len(ag)} agents cannot work the plan's {shifts} "
                                     f"shifts under this rule (the week is feasible without it)")
    return ScheduleRuleError("agents", f"{span}: {len(ag)} agents cannot work the plan's {shifts} "
                             "shifts even with any one weekly rule relaxed: too few agents or several rules together")


def _assign_day(agents: list[str], shifts: pd.DataFrame, avail: dict, tomorrow: set, prev_start: dict) -> list[int]:
    """Step 2: the day's shifts of one type (rows of ``shifts``) to ``agents`` (as many): a minimum-cost
    assignment forbidding starts before an agent's rest ends (``avail``, minutes), giving the latest ends
    to agents off tomorrow and keeping each agent's start time steady. Returns the shift row per agent."""
    st = shifts["start"].to_numpy("datetime64[m]").astype(np.int64)
    en = shifts["end"].to_numpy("datetime64[m]").astype(np.int64)
    cost = np.zeros((len(agents), len(shifts)))
    for i, a in enumerate(agents):
        cost[i] = np.where(st < avail.get(a, -np.inf), 1e9, 0.0)
        if a in tomorrow:
            cost[i] += (en - en.min()) * 1.0
        if a in prev_start:
            cost[i] += 0.01 * np.abs((st % 1440) - prev_start[a])
    r, c = linear_sum_assignment(cost)
    if (cost[r, c] >= 1e9).any():
        raise ScheduleRuleError("weekly.min_rest_h", f"{shifts['date'].iat[0]:%Y-%m-%d}: the agents working this "
                                "day cannot all rest the minimum between shifts")
    out = [0] * len(agents)
    for i, j in zip(r, c):
        out[i] = int(j)
    return out


def _fmt_breaks(b: pd.DataFrame) -> str:
    return "; ".join(f"{r.start:%H:%M}-{r.end:%H:%M} {r.brk}" for r in b.rename(columns={"break": "brk"}).itertuples())


def build_roster(plan: ShiftPlan, params, agents: pd.DataFrame | None = None, *, max_extra: float = 0.5) -> Roster:
    """Assign ``plan``'s shifts to ``agents`` (``agent_id``, ``agent_type``, optional ``desk``) or to
    generated agents (:func:`generate_agents`) under the weekly rules (module doc).

    Generated agents: when the first headcount cannot work the plan (days off must fall where the
    plan leaves room), each agent type grows by 5 % steps (at least one agent a step) up to ``max_extra``
    (0.5 = +50 %) before the error is raised (at once for ``min_hours_week``: more agents cannot help). Raises :class:`~ccnb.staffing.shifts.ScheduleRuleError`
    naming the rule that cannot be met."""
    if agents is not None:
        return _roster(plan, params, agents.copy())
    base = generate_agents(plan, params)
    size = base.groupby(["desk", "agent_type"], sort=False).size()
    step = 0
    while True:
        grow = {k: int(n + max(step, math.ceil(0.05 * step * n))) for k, n in size.items()}
        rows = [(d, t) for (d, t), n in grow.items() for _ in range(n)]
        ag = pd.DataFrame(rows, columns=["desk", "agent_type"])
        multi = ag["desk"].nunique() > 1
        ag["agent_id"] = [f"{d} agent {i + 1}" if multi else f"agent {i + 1}"
                          for d, g in ag.groupby("desk", sort=False) for i in range(len(g))]
        try:
            return _roster(plan, params, ag)
        except ScheduleRuleError as e:
            step += 1
            # more agents cannot help a minimum of hours nor a solver stopped by its time limit
            if e.rule in ("time_limit_s", "agent_types.min_hours_week") or 0.05 * step > max_extra + 1e-9:
                raise


def _roster(plan: ShiftPlan, params, ag_all: pd.DataFrame) -> Roster:
    sched = schedule_params(params)
    types = {a.name: a for a in sched.agent_types}
    if "desk" not in ag_all:
        desks = plan.coverage["desk"].unique()
        if len(desks) > 1:
            raise ValueError("agents need a desk column when the plan has several desks")
        ag_all["desk"] = desks[0]
    ag_all["agent_id"] = ag_all["agent_id"].astype(str)
    unknown = sorted(set(ag_all["agent_type"]) - set(types))
    if unknown:
        raise ScheduleRuleError("agent_types", f"unknown agent type(s) {', '.join(unknown)}")
    day_rows, brk_rows, stats = [], [], []
    rest = int(round(sched.weekly.min_rest_h * 60))
    for desk in sorted(plan.coverage["desk"].unique()):
        ag = ag_all[ag_all["desk"] == desk].reset_index(drop=True)
        days = pd.DatetimeIndex(plan.coverage.loc[plan.coverage["desk"] == desk, "interval_start"]
                                .dt.normalize().unique())
        sh = plan.shifts[plan.shifts["desk"] == desk]
        bk = plan.breaks[plan.breaks["desk"] == desk]
        if ag.empty and len(sh):
            raise ScheduleRuleError("agents", f"desk {desk}: no agents for {int(sh['agents'].sum())} shifts")
        state: dict = {}
        for wd in _weeks(days):
            ks = sh[sh["date"].isin(wd)].sort_values("shift_id").reset_index(drop=True)
            pos = {d: i for i, d in enumerate(wd)}
            mins = {c: ks[c].to_numpy("datetime64[m]").astype(np.int64) for c in ("start", "end")}
            counts = (ks.assign(d=ks["date"].map(pos), st=mins["start"], en=mins["end"])
                      .groupby(["d", "shift"], as_index=False)
                      .agg(agents=("agents", "sum"), paid_h=("paid_h", "first"), last_start=("st", "max"),
                           first_end=("en", "min")))
            res, frame = _solve_week(ag, counts, wd, state, sched, types)
            if res.x is None:
                raise _week_error(desk, wd, ag, counts, state, sched, types, res)
            on = frame[np.round(res.x[:len(frame)]) > 0.5]
            who = {(int(r.d), r.t): sorted(ag["agent_id"].iloc[list(g["a"])].tolist())
                   for (r_d, r_t), g in on.groupby(["d", "t"]) for r in [pd.Series({"d": r_d, "t": r_t})]}
            works = {d: set(ag["agent_id"].iloc[list(on.loc[on["d"] == d, "a"])]) for d in range(len(wd))}
            stats.append({"desk": desk, "week": wd[0], "agents": len(ag), "shifts": int(ks["agents"].sum()),
                          "status": "feasible", "unused_contract_h": res.unused_h})
            work = {}
            for d in range(len(wd)):
                avail = {a: v["end"] + rest for a, v in state.items() if "end" in v}
                prev = {a: v["start"] for a, v in state.items() if "start" in v}
                for (dd, t), ids in who.items():
                    if dd != d:
                        continue
                    rows_k = ks[(ks["date"] == wd[d]) & (ks["shift"] == t)]
                    rows_k = rows_k.loc[rows_k.index.repeat(rows_k["agents"])]
                    pick = _assign_day(ids, rows_k, avail, works.get(d + 1, set()), prev)
                    for aid, j in zip(ids, pick):
                        k = int(rows_k.index[j])
                        work[(aid, wd[d])] = k
                        state.setdefault(aid, {})["end"] = np.datetime64(ks["end"].iat[k], "m").astype(np.int64)
                        state[aid]["start"] = int(np.datetime64(ks["start"].iat[k], "m").astype(np.int64) % 1440)
            by_shift: dict[int, list[str]] = {}
            for (aid, _), k in sorted(work.items()):
                by_shift.setdefault(k, []).append(aid)
            for k, ids in by_shift.items():
                sid = ks["shift_id"].iat[k]
                for bname, bb in bk[bk["shift_id"] == sid].sort_values("start").groupby("break", sort=False):
                    starts = bb.loc[bb.index.repeat(bb["agents"])]
                    for aid, r in zip(sorted(ids), starts.itertuples()):
                        brk_rows.append((desk, aid, ks["date"].iat[k], sid, bname, r.start, r.end, r.paid))
            for a in ag.itertuples():
                run = state.get(a.agent_id, {}).get("run", 0)
                for d in wd:
                    k = work.get((a.agent_id, d))
                    if k is None:
                        day_rows.append((desk, a.agent_id, a.agent_type, d, "off", None, None, pd.NaT, pd.NaT, 0.0))
                        run = 0
                    else:
                        r = ks.iloc[k]
                        day_rows.append((desk, a.agent_id, a.agent_type, d, "work", int(r["shift_id"]), r["shift"],
                                         r["start"], r["end"], float(r["paid_h"])))
                        run += 1
                state.setdefault(a.agent_id, {})["run"] = run
    days_df = pd.DataFrame(day_rows, columns=["desk", "agent_id", "agent_type", "date", "activity", "shift_id",
                                              "shift", "start", "end", "paid_h"])
    breaks = pd.DataFrame(brk_rows, columns=["desk", "agent_id", "date", "shift_id", "break", "start", "end", "paid"])
    txt = {key: _fmt_breaks(g) for key, g in breaks.sort_values("start").groupby(["agent_id", "date"])}
    days_df["breaks"] = [txt.get((a, d), "") for a, d in zip(days_df["agent_id"], days_df["date"])]
    days_df["shift_id"] = days_df["shift_id"].astype("Int64")
    return Roster(days_df, breaks, ag_all[["desk", "agent_id", "agent_type"]].reset_index(drop=True),
                  pd.DataFrame(stats))
