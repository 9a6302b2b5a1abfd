"""Next month's schedule for the monthly pack: desk requirements -> shift plan -> roster -> service, and a what-if.

:func:`make` runs, for the plan month of the forecasting report:

1. **Requirement per desk** (:func:`desk_demand`): the forecast's contacts per queue and interval
   pooled per desk (``staffing.desks``, agents who share queues): calls = sum of the queues' calls,
   AHT = sum(calls x AHT) / sum(calls) (workload-weighted, s), patience = the queues' patience
   weighted by their abandons (:func:`ccnb.staffing.desks.pooled_patience`, s); required agents on
   the phones by :func:`ccnb.staffing.plan.requirements` (Erlang A, or C, the service goal and the
   occupancy cap, divided by the channel's concurrency), as last month's comparison does.
2. **Shift plan** (:func:`ccnb.staffing.schedule.plan_shifts`, cost mode) and **roster**
   (:func:`ccnb.staffing.roster.build_roster`, generated headcount "agent 1..N" per desk and contract);
   the roster's slots are then named (:func:`name_agents`): a desk's active agents (``agents`` with
   no ``leave_date`` before the plan month, desk from their ``queue``) take its full-time slots in
   ``agent_id`` order (the agents table carries no contract: they count as full-time), the remaining
   slots are planned hires ("new full_time 1", "new part_time 1", ...).
3. **Service** it delivers per interval (:func:`ccnb.staffing.coverage.interval_service`: Erlang A with
   the scheduled agents net of breaks) and the figures (:func:`ccnb.staffing.coverage.summary`).
4. **What-if** on the week shown (:func:`week_shown`: the Monday-Sunday week holding the month's
   highest requirement): each desk-day's paid hours cut by ``1 - cut_share`` (10 %) in budget mode
   (:func:`budget_cut`), the shortfall weighted by the interval's expected calls, so the cut falls
   where the fewest callers feel it; the service that leaves.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ccnb.staffing import coverage
from ccnb.staffing.desks import desk_map, pooled_patience
from ccnb.staffing.plan import concurrency_of, requirements
from ccnb.staffing.roster import Roster, build_roster
from ccnb.staffing.schedule import ShiftPlan, plan_shifts, schedule_params


@dataclass
class MonthSchedule:
    """Result of :func:`make`. ``demand``: :func:`desk_demand`; ``service``: per desk and interval
    (:func:`ccnb.staffing.coverage.interval_service`); ``summary``: per desk and ``all``
    (:func:`ccnb.staffing.coverage.summary`, plus ``unused_contract_h``); ``week``: the 7 days shown;
    ``cut`` / ``cut_service`` / ``cut_summary``: the what-if on that week; ``staff``: per desk,
    ``agents`` (rostered), ``known`` (from the agents table), ``hires``, ``not_needed`` (active agents
    beyond the roster's slots)."""

    demand: pd.DataFrame
    plan: ShiftPlan
    roster: Roster
    service: pd.DataFrame
    summary: pd.DataFrame
    week: pd.DatetimeIndex
    cut: ShiftPlan
    cut_service: pd.DataFrame
    cut_summary: pd.DataFrame
    week_summary: pd.DataFrame
    staff: pd.DataFrame
    cut_share: float
    notes: list[str] = field(default_factory=list)

    @property
    def desks(self) -> list[str]:
        return sorted(self.demand["desk"].unique())


def abandons_of(series: pd.DataFrame, month, params) -> pd.Series:
    """Abandons per queue in the patience window (``staffing.patience_months`` up to ``month``'s end), the
    weights of the desks' pooled patience. ``series``: interval series (``queue``, ``ts``, ``abandoned``)."""
    m = pd.Period(str(month), "M")
    lo = (m - (int(params.staffing.patience_months) - 1)).start_time
    w = series[(series["ts"] >= lo) & (series["ts"] < (m + 1).start_time)]
    return w.groupby("queue")["abandoned"].sum()


def desk_demand(plan: pd.DataFrame, params, patience: pd.Series | None = None,
                abandons: pd.Series | None = None) -> pd.DataFrame:
    """Per desk and interval (module doc, step 1): ``desk``, ``channel``, ``interval_start``, ``calls``,
    ``aht_s``, ``patience_s`` (NaN: Erlang C), ``concurrency``, ``required`` (agents on the phones),
    ``weight`` (= calls, the budget what-if's shortfall weight).

    ``plan``: the forecast's per-queue plan (``queue``, ``channel``, ``ts``, ``calls``, ``aht_s``);
    ``patience``: mean patience per queue (s); ``abandons``: abandons per queue behind it."""
    dm = desk_map(sorted(plan["queue"].unique()), params)
    s = plan.assign(desk=plan["queue"].map(dm), work=plan["calls"] * plan["aht_s"])
    g = s.groupby(["desk", "ts"], as_index=False).agg(calls=("calls", "sum"), work=("work", "sum"),
                                                      channel=("channel", "first"))
    fallback = float(s["aht_s"].mean()) if len(s) else 180.0
    g["aht_s"] = np.where(g["calls"] > 0, g["work"] / g["calls"].where(g["calls"] > 0), fallback)
    pat = None
    if patience is not None and params.staffing.model == "erlang_a":
        ab = abandons if abandons is not None else pd.Series(1.0, index=patience.index)
        pat = pooled_patience(patience, ab, dm)
    req = requirements(g.rename(columns={"desk": "queue"})[["queue", "channel", "ts", "calls", "aht_s"]], params,
                       patience=pat)
    return pd.DataFrame({
        "desk": g["desk"], "channel": g["channel"], "interval_start": g["ts"], "calls": g["calls"],
        "aht_s": g["aht_s"], "patience_s": g["desk"].map(pat if pat is not None else {}).astype(float),
        "concurrency": [concurrency_of(c, params) for c in g["channel"]],
        "required": req["required"].to_numpy(float), "weight": g["calls"].to_numpy(float)})


def active_agents(agents: pd.DataFrame | None, params, start) -> pd.DataFrame:
    """Agents employed on ``start`` (hired by then, no ``leave_date`` before it) with their desk (from
    ``queue``): ``desk``, ``agent_id``. Empty without an agents table or a ``queue`` column."""
    if agents is None or "queue" not in agents or agents.empty:
        return pd.DataFrame(columns=["desk", "agent_id"])
    a = agents.copy()
    start = pd.Timestamp(start)
    ok = pd.Series(True, index=a.index)
    if "leave_date" in a:
        ok &= pd.to_datetime(a["leave_date"]).isna() | (pd.to_datetime(a["leave_date"]) >= start)
    if "hire_date" in a:
        ok &= pd.to_datetime(a["hire_date"]).isna() | (pd.to_datetime(a["hire_date"]) <= start)
    a = a[ok & a["queue"].notna()]
    dm = desk_map(sorted(a["queue"].astype(str).unique()), params)
    return pd.DataFrame({"desk": a["queue"].astype(str).map(dm), "agent_id": a["agent_id"].astype(str)}) \
        .sort_values(["desk", "agent_id"], ignore_index=True)


def name_agents(roster: Roster, known: pd.DataFrame, full_time: str) -> tuple[Roster, pd.DataFrame]:
    """Rename the roster's generated slots (module doc, step 2). Returns the renamed roster and the
    per-desk staffing counts (:class:`MonthSchedule` ``staff``)."""
    names, rows = {}, []
    for desk, g in roster.agents.groupby("desk", sort=True):
        mine = known.loc[known["desk"] == desk, "agent_id"].tolist()
        k, hires = 0, {}
        for r in g.itertuples():
            if r.agent_type == full_time and k < len(mine):
                names[r.agent_id] = mine[k]
                k += 1
            else:
                hires[r.agent_type] = hires.get(r.agent_type, 0) + 1
                names[r.agent_id] = (f"{desk} " if roster.agents["desk"].nunique() > 1 else "") + \
                    f"new {r.agent_type} {hires[r.agent_type]}"
        rows.append({"desk": desk, "agents": len(g), "known": k, "hires": sum(hires.values()),
                     "not_needed": len(mine) - k})
    ren = Roster(days=roster.days.assign(agent_id=roster.days["agent_id"].map(names)),
                 breaks=roster.breaks.assign(agent_id=roster.breaks["agent_id"].map(names)),
                 agents=roster.agents.assign(agent_id=roster.agents["agent_id"].map(names)), stats=roster.stats)
    return ren, pd.DataFrame(rows)


def week_shown(demand: pd.DataFrame) -> pd.DatetimeIndex:
    """The Monday-Sunday week (7 days, inside the horizon when it can be) holding the highest requirement."""
    days = pd.DatetimeIndex(demand["interval_start"].dt.normalize().unique()).sort_values()
    tot = demand.groupby("interval_start")["required"].sum()
    peak = tot.idxmax().normalize()
    monday = peak - pd.Timedelta(days=peak.weekday())
    monday = min(max(monday, days[0]), days[-1] - pd.Timedelta(days=6))
    return pd.date_range(monday, periods=7, freq="D")


def budget_cut(plan: ShiftPlan, demand: pd.DataFrame, params, days: pd.DatetimeIndex, share: float) -> ShiftPlan:
    """The what-if: each desk-day of ``days`` planned in budget mode with ``share`` x the cost plan's paid hours
    that day (the shortfall weighted by expected calls). Returns one :class:`ShiftPlan` for those days."""
    parts = []
    for desk in sorted(demand["desk"].unique()):
        for d in days:
            req = demand[(demand["desk"] == desk) & (demand["interval_start"].dt.normalize() == d)]
            if req.empty:
                continue
            s = plan.shifts[(plan.shifts["desk"] == desk) & (plan.shifts["date"] == d)]
            paid = float((s["paid_h"] * s["agents"]).sum())
            if paid <= 0:
                continue
            parts.append(plan_shifts(req[["desk", "interval_start", "required", "weight"]], params, plan.interval_s,
                                     budget_hours=share * paid))
    shifts, breaks, offset = [], [], 0
    for p in parts:  # shift ids unique across the parts
        shifts.append(p.shifts.assign(shift_id=p.shifts["shift_id"] + offset))
        breaks.append(p.breaks.assign(shift_id=p.breaks["shift_id"] + offset))
        offset += int(p.shifts["shift_id"].max()) + 1 if len(p.shifts) else 0
    return ShiftPlan(pd.concat(shifts, ignore_index=True), pd.concat(breaks, ignore_index=True),
                     pd.concat([p.coverage for p in parts], ignore_index=True),
                     pd.concat([p.stats for p in parts], ignore_index=True), plan.interval_s, "budget",
                     sum(p.budget_hours for p in parts))


def _week(plan: ShiftPlan, days: pd.DatetimeIndex) -> ShiftPlan:
    """``plan`` restricted to ``days`` (shifts starting and intervals lying on them)."""
    cov = plan.coverage[plan.coverage["interval_start"].dt.normalize().isin(days)]
    sh = plan.shifts[plan.shifts["date"].isin(days)]
    return ShiftPlan(sh, plan.breaks[plan.breaks["shift_id"].isin(sh["shift_id"])], cov, plan.stats,
                     plan.interval_s, plan.mode)


def _with_unused(summary: pd.DataFrame, roster: Roster) -> pd.DataFrame:
    un = roster.stats.groupby("desk")["unused_contract_h"].sum() if "unused_contract_h" in roster.stats else {}
    out = summary.copy()
    out["unused_contract_h"] = [float(un.sum()) if d == "all" else float(un.get(d, 0.0)) for d in out["desk"]]
    return out


def make(plan: pd.DataFrame, params, *, agents: pd.DataFrame | None = None, patience: pd.Series | None = None,
         abandons: pd.Series | None = None, cut_share: float = 0.9) -> MonthSchedule:
    """The plan month's schedule (module doc). ``plan``: the forecast's per-queue plan for the month
    (``queue``, ``channel``, ``ts``, ``calls``, ``aht_s``); ``agents``: the agents table or None."""
    sched = schedule_params(params)
    iv = float(params.center.interval_minutes * 60)
    demand = desk_demand(plan, params, patience, abandons)
    sp = plan_shifts(demand[["desk", "interval_start", "required"]], params, iv)
    roster = build_roster(sp, params)
    start = demand["interval_start"].min().normalize()
    full = sched.agent_types[0].name
    roster, staff = name_agents(roster, active_agents(agents, params, start), full)
    svc = coverage.interval_service(sp, demand, params)
    summ = _with_unused(coverage.summary(sp, params, svc), roster)
    week = week_shown(demand)
    cut = budget_cut(sp, demand, params, week, cut_share)
    cut_svc = coverage.interval_service(cut, demand, params)
    wk = _week(sp, week)
    wk_svc = svc[svc["interval_start"].dt.normalize().isin(week)]
    notes = [f"{r.desk}: {r.status}" for r in sp.stats.itertuples() if r.status != "optimal"]
    return MonthSchedule(demand=demand, plan=sp, roster=roster, service=svc, summary=summ, week=week, cut=cut,
                         cut_service=cut_svc, cut_summary=coverage.summary(cut, params, cut_svc),
                         week_summary=coverage.summary(wk, params, wk_svc), staff=staff, cut_share=cut_share,
                         notes=notes)
