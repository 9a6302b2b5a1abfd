"""The staffing plan: from an interval forecast to required and scheduled agents, FTE and what-if.

Per queue and interval (``staffing.*`` in params):

* **required agents**: the fewest agents answering ``service_level_target`` of calls within
  ``answer_s`` seconds with occupancy at most ``max_occupancy`` (:func:`agents_needed`),
  by Erlang C, or Erlang A with the queue's measured patience when ``model: erlang_a``.
  Calls = the forecast's expected count; AHT = the queue's recent handle time for that time
  of day (:func:`ccnb.forecast.series.aht_profile`). A chat agent holds ``concurrency.chat``
  conversations at once: the requirement is computed in conversation slots and divided by it
  (rounded up) — an approximation that treats parallel chats as independent servers.
* **scheduled agents** = required / (1 - shrinkage), rounded up. Shrinkage is the share of paid
  time an agent is not available for contacts (breaks, absence, training, meetings):
  ``staffing.shrinkage`` or, with ``shrinkage_source: measured``, measured from ``agent_days``
  (:func:`measured_shrinkage`).
* **FTE** = scheduled agent-hours / (``fte_hours_per_week`` x weeks): per ISO week and per month
  (a month's weeks = its days / 7).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.staffing.erlang import agents_needed, erlang_a, erlang_c


def measured_shrinkage(tables, start, end, by: str | None = "queue") -> pd.DataFrame:
    """Shrinkage measured from ``agent_days`` for days in [start, end), by agent queue (and ``center``).

    shrinkage = 1 - (talk + hold + ACW + idle) / scheduled time, summed over scheduled
    agent-days (an absent day adds its scheduled time and no available time). Components,
    as shares of scheduled time: ``absence`` (scheduled time of absent days), ``breaks``
    (break_s), ``other_aux`` (logged in but neither handling, idle nor on break: training,
    meetings, coaching), ``not_logged_in`` (present but not logged in for part of the
    scheduled time; negative when agents stayed longer). Columns also ``scheduled_h``.
    """
    lo, hi = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    grp = "a.queue" if by else "'center'"
    q = f"""
        SELECT {grp} AS unit,
               sum(d.scheduled_s) AS sched,
               sum(d.talk_s + d.hold_s + d.acw_s + d.idle_s) AS avail,
               sum(CASE WHEN NOT d.present THEN d.scheduled_s ELSE 0 END) AS absent,
               sum(d.break_s) AS brk,
               sum(d.logged_in_s - d.talk_s - d.hold_s - d.acw_s - d.idle_s - d.break_s) AS aux,
               sum(CASE WHEN d.present THEN d.scheduled_s - d.logged_in_s ELSE 0 END) AS notlog
        FROM agent_days d LEFT JOIN agents a ON a.agent_id = d.agent_id
        WHERE d.date >= DATE '{lo}' AND d.date < DATE '{hi}' AND d.scheduled_s > 0
        GROUP BY ALL"""
    r = tables.sql(q)
    if by:
        tot = r.drop(columns="unit").sum().to_frame().T.assign(unit="center")
        r = pd.concat([r, tot], ignore_index=True)
    s = r["sched"].where(r["sched"] > 0)
    out = pd.DataFrame({
        "unit": r["unit"],
        "shrinkage": 1 - r["avail"] / s,
        "absence": r["absent"] / s,
        "breaks": r["brk"] / s,
        "other_aux": r["aux"] / s,
        "not_logged_in": r["notlog"] / s,
        "scheduled_h": r["sched"] / 3600.0,
    })
    return out.set_index("unit")


def concurrency_of(channel: str | None, params) -> int:
    c = getattr(params.staffing, "concurrency", {}) or {}
    return max(1, int(c.get(channel or "", 1)))


def requirements(plan_in: pd.DataFrame, params, *, service_level: float | None = None, aht_factor: float = 1.0,
                 patience: pd.Series | None = None, shrinkage: float | pd.Series | None = None,
                 interval_s: float | None = None) -> pd.DataFrame:
    """Required and scheduled agents per queue and interval.

    ``plan_in`` columns: ``queue``, ``channel``, ``ts``, ``calls`` (expected contacts in the
    interval), ``aht_s``. Optional overrides: ``service_level`` target, ``aht_factor``
    (1.1 = AHT +10 %), ``patience`` (mean patience in s per queue: Erlang A; None: per
    ``staffing.model``), ``shrinkage`` (a share, or per queue). Adds: ``traffic`` (erlangs),
    ``required`` (agents on the phones), ``scheduled`` (agents to roster), ``service_level``
    and ``occupancy`` expected with the required agents, ``asa_s``.
    """
    st = params.staffing
    iv = float(interval_s or params.center.interval_minutes * 60)
    sl = float(service_level if service_level is not None else st.service_level_target)
    d = plan_in.copy()
    aht = d["aht_s"].to_numpy(float) * aht_factor
    calls = d["calls"].to_numpy(float)
    conc = np.array([concurrency_of(c, params) for c in d["channel"]], float)
    use_a = st.model == "erlang_a" and patience is not None
    pat = d["queue"].map(patience).to_numpy(float) if use_a else None
    servers = agents_needed(calls, aht, iv, service_level=sl, answer_s=st.answer_s,
                            max_occupancy=st.max_occupancy, patience_s=pat)
    servers = np.asarray(servers, float)
    if use_a:
        perf = erlang_a(calls, aht, pat, servers, iv, st.answer_s)
    else:
        perf = erlang_c(calls, aht, servers, iv, st.answer_s)
    d["aht_s"] = aht
    d["traffic"] = calls * aht / iv
    d["required"] = np.ceil(servers / conc).astype(int)
    d["service_level"] = np.asarray(perf["service_level"])
    d["occupancy"] = np.asarray(perf["occupancy"])
    d["asa_s"] = np.asarray(perf["asa_s"])
    shr = st.shrinkage if shrinkage is None else shrinkage
    shr_v = d["queue"].map(shr).to_numpy(float) if isinstance(shr, pd.Series) else np.full(len(d), float(shr))
    d["scheduled"] = np.ceil(d["required"] / (1 - shr_v) - 1e-9).astype(int)
    return d


def fte(plan: pd.DataFrame, params, column: str = "scheduled", interval_s: float | None = None) -> dict:
    """FTE needed: ``weekly`` (DataFrame: ``week`` start, ``hours``, ``fte``) and per ``month``
    (DataFrame: ``month``, ``hours``, ``fte``), from ``column`` agents per interval (all queues)."""
    iv_h = float(interval_s or params.center.interval_minutes * 60) / 3600.0
    hw = float(params.staffing.fte_hours_per_week)
    t = plan.groupby("ts")[column].sum()
    hours = t * iv_h
    wk = hours.groupby(hours.index.to_period("W-SUN")).agg(["sum", "size"])
    days = t.groupby(t.index.to_period("W-SUN")).apply(lambda s: s.index.normalize().nunique())
    weekly = pd.DataFrame({"week": [p.start_time for p in wk.index], "hours": wk["sum"].to_numpy(),
                           "days": days.to_numpy()})
    weekly["fte"] = weekly["hours"] / (hw * weekly["days"] / 7.0)
    mo = hours.groupby(hours.index.to_period("M")).sum()
    mdays = t.groupby(t.index.to_period("M")).apply(lambda s: s.index.normalize().nunique())
    monthly = pd.DataFrame({"month": mo.index.astype(str), "hours": mo.to_numpy(), "days": mdays.to_numpy()})
    monthly["fte"] = monthly["hours"] / (hw * monthly["days"] / 7.0)
    return {"weekly": weekly, "monthly": monthly}


def what_if(plan_in: pd.DataFrame, params, *, targets=None, aht_changes=None, patience=None, shrinkage=None) -> pd.DataFrame:
    """Agents and FTE across service-level targets x AHT changes (``staffing.what_if_*``).

    One row per (``target``, ``aht_change``): ``answer_s``, ``required_hours`` (agent-hours on
    the phones), ``scheduled_hours``, ``fte`` (scheduled hours over the plan's days),
    ``peak_scheduled`` (mean over days of the day's highest interval, all queues) and
    ``service_level`` (expected, volume-weighted).
    """
    st = params.staffing
    targets = list(targets if targets is not None else st.what_if_targets)
    aht_changes = list(aht_changes if aht_changes is not None else st.what_if_aht_changes)
    iv_h = params.center.interval_minutes / 60.0
    n_days = plan_in["ts"].dt.normalize().nunique()
    rows = []
    for tg in targets:
        for ch in aht_changes:
            r = requirements(plan_in, params, service_level=tg, aht_factor=1 + ch, patience=patience,
                             shrinkage=shrinkage)
            tot = r.groupby("ts")[["required", "scheduled"]].sum()
            peak = tot["scheduled"].groupby(tot.index.normalize()).max().mean()
            w = r["calls"].sum()
            rows.append({"target": tg, "answer_s": st.answer_s, "aht_change": ch,
                         "required_hours": float(tot["required"].sum() * iv_h),
                         "scheduled_hours": float(tot["scheduled"].sum() * iv_h),
                         "fte": float(tot["scheduled"].sum() * iv_h / (st.fte_hours_per_week * n_days / 7.0)),
                         "peak_scheduled": float(peak),
                         "service_level": float((r["service_level"] * r["calls"]).sum() / w) if w else np.nan})
    return pd.DataFrame(rows)


def daily_peaks(plan: pd.DataFrame, column: str = "scheduled") -> pd.DataFrame:
    """Per day: the highest interval of ``column`` summed over queues (``peak``), the interval
    it occurs in (``peak_ts``) and the day's calls (``calls``)."""
    tot = plan.groupby("ts")[[column, "calls"]].sum()
    day = tot.index.normalize()
    g = tot.groupby(day)
    out = pd.DataFrame({"peak": g[column].max(), "peak_ts": g[column].idxmax(), "calls": g["calls"].sum()})
    out.index.name = "date"
    return out
