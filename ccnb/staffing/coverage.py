"""What a shift plan means for service and cost: coverage, Erlang A per interval, paid hours vs the FTE plan.

Per interval the schedule puts ``scheduled`` agents on the phones (net of breaks, possibly a
fraction: a 15-minute break in a 30-minute interval leaves half an agent). With the interval's
expected ``calls``, ``aht_s`` and mean caller ``patience_s`` the service it delivers is Erlang A
(:func:`ccnb.staffing.erlang.erlang_a`; Erlang C when patience is absent or infinite) with
``servers = scheduled x concurrency``; a fractional server count is interpolated linearly between
the two whole counts around it (agents on the phones part of the interval).

Figures (agent-hours, ``L`` = interval length in hours):

* required = ``L sum_t required_t``; on the phones = ``L sum_t scheduled_t``;
* over = ``L sum_t max(scheduled_t - required_t, 0)``, under = ``L sum_t max(required_t - scheduled_t, 0)``,
  both also as a share of required; ``unreachable``: the under-coverage in intervals no shift type
  can cover (outside the opening hours or the shift types' starts);
* paid hours = ``sum paid_h x agents`` over the plan's shifts;
* the FTE plan it replaces: ``required / (1 - shrinkage)`` agent-hours (``staffing.shrinkage``),
  and in FTE: hours over ``fte_hours_per_week x days / 7``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.staffing.erlang import erlang_a
from ccnb.staffing.schedule import ShiftPlan


def _interp_erlang(calls, aht, patience, servers, interval_s, answer_s) -> pd.DataFrame:
    lo = np.floor(servers + 1e-9)
    frac = np.clip(servers - lo, 0.0, 1.0)
    a = erlang_a(calls, aht, patience, lo, interval_s, answer_s)
    b = erlang_a(calls, aht, patience, lo + 1, interval_s, answer_s)
    out = {}
    for col in ("service_level", "asa_s", "p_abandon", "occupancy"):
        va, vb = np.asarray(a[col], float), np.asarray(b[col], float)
        out[col] = np.where(frac > 0, va + frac * (vb - va), va)
    return pd.DataFrame(out)


def interval_service(plan: ShiftPlan, demand: pd.DataFrame, params) -> pd.DataFrame:
    """Per desk and interval: the plan's coverage with the service it delivers.

    ``demand``: ``desk``, ``interval_start``, ``calls`` (expected in the interval), ``aht_s`` and
    optional ``patience_s`` (mean, s; missing or NaN: Erlang C) and ``concurrency`` (contacts an
    agent handles at once, default 1). Returns ``plan.coverage``'s columns with ``calls``,
    ``service_level`` (share answered within ``staffing.answer_s``), ``asa_s``, ``p_abandon``,
    ``occupancy`` and ``meets_target`` (service level >= ``staffing.service_level_target``).
    Intervals without calls have service level 1.
    """
    st = params.staffing
    d = demand.copy()
    d["interval_start"] = pd.to_datetime(d["interval_start"])
    d["desk"] = d["desk"].astype(str)
    keep = ["desk", "interval_start", "calls", "aht_s"] + [c for c in ("patience_s", "concurrency") if c in d]
    cov = plan.coverage.merge(d[keep], on=["desk", "interval_start"], how="left")
    cov["calls"] = cov["calls"].fillna(0.0)
    aht = cov["aht_s"].fillna(cov["aht_s"].median() if cov["aht_s"].notna().any() else 1.0).to_numpy(float)
    pat = cov["patience_s"].fillna(np.inf).to_numpy(float) if "patience_s" in cov else np.full(len(cov), np.inf)
    conc = cov["concurrency"].fillna(1).to_numpy(float) if "concurrency" in cov else np.ones(len(cov))
    perf = _interp_erlang(cov["calls"].to_numpy(float), aht, pat, cov["scheduled"].to_numpy(float) * conc,
                          plan.interval_s, st.answer_s)
    for c in perf:
        cov[c] = perf[c].to_numpy()
    quiet = cov["calls"] <= 0
    cov.loc[quiet, ["service_level", "asa_s", "p_abandon", "occupancy"]] = [1.0, 0.0, 0.0, 0.0]
    cov["meets_target"] = cov["service_level"] >= st.service_level_target - 1e-12
    return cov.drop(columns=["aht_s"])


def summary(plan: ShiftPlan, params, service: pd.DataFrame | None = None,
            shrinkage: float | None = None) -> pd.DataFrame:
    """One row per desk (and ``all``): ``agent_shifts``, ``paid_h``, ``required_h``, ``on_phone_h``,
    ``over_h``, ``over_pct``, ``under_h``, ``under_pct``, ``unreachable_h``, ``short_intervals`` (reachable
    intervals more than 0.01 agent short), ``fte_plan_h`` (required / (1 - shrinkage)), ``paid_vs_fte_plan``
    (paid / FTE-plan hours), ``fte`` (paid hours in full-time equivalents) and, with ``service``
    (:func:`interval_service`), ``service_level`` (call-weighted), ``asa_s`` (answered-weighted),
    ``p_abandon`` (call-weighted) and ``intervals_below_target``."""
    st = params.staffing
    shr = float(st.shrinkage if shrinkage is None else shrinkage)
    iv_h = plan.interval_s / 3600.0
    cov = plan.coverage if service is None else service
    rows = []
    for desk, g in [*cov.groupby("desk"), ("all", cov)]:
        s = plan.shifts if desk == "all" else plan.shifts[plan.shifts["desk"] == desk]
        req = float(g["required"].sum() * iv_h)
        days = g["interval_start"].dt.normalize().nunique()
        paid = float((s["paid_h"] * s["agents"]).sum())
        r = {"desk": desk, "agent_shifts": int(s["agents"].sum()), "paid_h": paid, "required_h": req,
             "on_phone_h": float(g["scheduled"].sum() * iv_h),
             "over_h": float(g["over"].sum() * iv_h), "under_h": float(g["short"].sum() * iv_h),
             "unreachable_h": float(g.loc[~g["reachable"], "short"].sum() * iv_h),
             "short_intervals": int(((g["short"] > 0.01) & g["reachable"]).sum()),
             "fte_plan_h": req / (1 - shr), "fte": paid / (st.fte_hours_per_week * days / 7.0) if days else np.nan}
        r["over_pct"] = r["over_h"] / req if req else np.nan
        r["under_pct"] = r["under_h"] / req if req else np.nan
        r["paid_vs_fte_plan"] = paid / r["fte_plan_h"] if req else np.nan
        if service is not None:
            w = g["calls"].to_numpy(float)
            tot = w.sum()
            ans = w * (1 - g["p_abandon"].to_numpy(float))
            r["service_level"] = float((g["service_level"] * w).sum() / tot) if tot else np.nan
            r["asa_s"] = float((g["asa_s"].fillna(0) * ans).sum() / ans.sum()) if ans.sum() else np.nan
            r["p_abandon"] = float((g["p_abandon"] * w).sum() / tot) if tot else np.nan
            r["intervals_below_target"] = int((~g["meets_target"] & (g["calls"] > 0)).sum())
        rows.append(r)
    return pd.DataFrame(rows)
