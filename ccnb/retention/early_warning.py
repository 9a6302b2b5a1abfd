"""Early warnings for supervisors: agents whose recent weeks look like those of leavers.

Leavers often show it weeks before they go: attendance falls, breaks grow, QA scores
drop, and long stretches at high occupancy burn agents out. Each agent employed at the
month end is compared with *their own* usual level: the last ``recent_weeks`` weeks
before the cutoff against the ``baseline_weeks`` weeks before those
(``retention.early_warning`` in params). Weeks are counted back from the cutoff (week 0 =
the last 7 days of the month), so they do not depend on the weekday the month ends on.

Signals (reason codes), each with thresholds in params:

``attendance_fall``  attendance (days present / days scheduled) down by ``attendance_drop``
                     or more, with at least ``min_days`` scheduled days in both windows;
``breaks_rise``      break time per attended day up by ``breaks_rise`` (a fraction) or more;
``qa_fall``          mean QA score (calibration excluded, a critical fail scores 0 when
                     ``qa.critical_fail_scores_zero``, as the ``qa_score`` KPI) down by
                     ``qa_drop`` points or more, at least ``min_evaluations`` in both windows;
``high_occupancy``   weekly occupancy ((talk + hold + ACW) / (logged-in - breaks), as the
                     KPI) above the cap (``occupancy_cap``, default ``staffing.max_occupancy``)
                     for ``occupancy_weeks`` weeks in a row or more within both windows.

Aggregation runs in the engine: only agent-week rows come back.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.i18n.fmt import format_value
from ccnb.i18n.labels import t

SIGNALS = ("attendance_fall", "breaks_rise", "qa_fall", "high_occupancy")


def _ts(x) -> str:
    return f"TIMESTAMP '{pd.Timestamp(x):%Y-%m-%d %H:%M:%S}'"


def weekly_sql(cutoff, weeks: int, critical_zero: bool = True) -> str:
    """SQL: one row per agent and week back from ``cutoff`` (``week`` 0 = the last 7 days)
    over ``weeks`` weeks: ``scheduled_days``, ``present_days``, ``break_s`` (on attended
    days), ``handle_s`` (talk + hold + ACW), ``available_s`` (logged-in - breaks),
    ``evaluations``, ``qa_points`` (sum of scores)."""
    cut = _ts(cutoff)
    zero = "true" if critical_zero else "false"
    return f"""
WITH d AS (
    SELECT agent_id, (date_diff('day', date, CAST({cut} AS DATE)) - 1) // 7 AS week,
           CASE WHEN scheduled_s > 0 THEN 1 ELSE 0 END AS scheduled_days,
           CASE WHEN scheduled_s > 0 AND present THEN 1 ELSE 0 END AS present_days,
           CASE WHEN present THEN 1 ELSE 0 END AS worked_days,
           CASE WHEN present THEN break_s ELSE 0 END AS break_s,
           talk_s + hold_s + acw_s AS handle_s, logged_in_s - break_s AS available_s
    FROM agent_days
    WHERE date < CAST({cut} AS DATE) AND date >= CAST({cut} AS DATE) - INTERVAL {7 * weeks} DAY),
q AS (
    SELECT agent_id, (date_diff('day', eval_date, CAST({cut} AS DATE)) - 1) // 7 AS week,
           count(*) AS evaluations,
           sum(CASE WHEN critical_fail AND {zero} THEN 0.0 ELSE total_score END) AS qa_points
    FROM qa_evaluations
    WHERE NOT coalesce(calibration, false)
      AND eval_date < CAST({cut} AS DATE) AND eval_date >= CAST({cut} AS DATE) - INTERVAL {7 * weeks} DAY
    GROUP BY 1, 2),
dw AS (
    SELECT agent_id, week, sum(scheduled_days) AS scheduled_days, sum(present_days) AS present_days,
           sum(worked_days) AS worked_days, sum(break_s) AS break_s, sum(handle_s) AS handle_s,
           sum(available_s) AS available_s
    FROM d GROUP BY 1, 2)
SELECT coalesce(dw.agent_id, q.agent_id) AS agent_id, coalesce(dw.week, q.week) AS week,
       coalesce(dw.scheduled_days, 0) AS scheduled_days, coalesce(dw.present_days, 0) AS present_days,
       coalesce(dw.worked_days, 0) AS worked_days, coalesce(dw.break_s, 0) AS break_s,
       coalesce(dw.handle_s, 0) AS handle_s, coalesce(dw.available_s, 0) AS available_s,
       coalesce(q.evaluations, 0) AS evaluations, coalesce(q.qa_points, 0) AS qa_points
FROM dw FULL OUTER JOIN q ON q.agent_id = dw.agent_id AND q.week = dw.week
ORDER BY 1, 2
"""


def _longest_run(weeks: np.ndarray, above: np.ndarray) -> int:
    """Longest run of consecutive week numbers flagged ``above``."""
    best = run = 0
    prev = None
    for w, a in sorted(zip(weeks.tolist(), above.tolist())):
        if a and prev is not None and w == prev + 1 and run > 0:
            run += 1
        elif a:
            run = 1
        else:
            run = 0
        prev = w
        best = max(best, run)
    return best


def history_weeks(tables, month) -> float:
    """Weeks of workforce records up to the end of ``month`` (0 without any)."""
    end = (pd.Period(str(month), "M") + 1).start_time
    first = tables.sql(f"SELECT min(date) AS d FROM agent_days WHERE date < CAST({_ts(end)} AS DATE)")["d"].iloc[0]
    return 0.0 if pd.isna(first) else (end - pd.Timestamp(first)) / pd.Timedelta(weeks=1)


def agent_signals(tables, month, params) -> pd.DataFrame:
    """Every agent employed at the end of ``month`` with their recent and baseline figures
    and which signals fire.

    Columns: ``agent_id``, ``agent_name``, ``team``, ``supervisor``, ``shift``,
    ``tenure_days``; ``attendance_recent``/``_base`` (shares), ``breaks_recent``/``_base``
    (break minutes per attended day), ``qa_recent``/``_base`` (points of 100),
    ``occupancy_recent`` (share), ``occupancy_weeks`` (longest run of weeks above the
    cap); one bool column per :data:`SIGNALS`; ``signals`` (how many fired).
    """
    ew = params.retention.early_warning
    cap = ew.occupancy_cap if ew.occupancy_cap is not None else params.staffing.max_occupancy
    m = pd.Period(str(month), "M")
    cutoff = (m + 1).start_time
    weeks = ew.recent_weeks + ew.baseline_weeks
    wk = tables.sql(weekly_sql(cutoff, weeks, params.qa.critical_fail_scores_zero))
    roster = tables.sql(f"""
        SELECT agent_id, agent_name, team, supervisor, shift,
               date_diff('day', hire_date, CAST({_ts(cutoff)} AS DATE)) AS tenure_days
        FROM agents WHERE leave_date IS NULL AND hire_date < CAST({_ts(cutoff)} AS DATE)
        ORDER BY team, agent_id""")
    wk["recent"] = wk["week"] < ew.recent_weeks
    agg = wk.groupby(["agent_id", "recent"])[
        ["scheduled_days", "present_days", "worked_days", "break_s", "handle_s", "available_s", "evaluations",
         "qa_points"]].sum()

    def part(flag: bool) -> pd.DataFrame:
        idx = pd.MultiIndex.from_product([roster["agent_id"], [flag]])
        return agg.reindex(idx).droplevel(1).fillna(0)

    rec, base = part(True), part(False)
    out = roster.set_index("agent_id")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["attendance_recent"] = rec["present_days"] / rec["scheduled_days"].where(rec["scheduled_days"] > 0)
        out["attendance_base"] = base["present_days"] / base["scheduled_days"].where(base["scheduled_days"] > 0)
        out["breaks_recent"] = rec["break_s"] / 60 / rec["worked_days"].where(rec["worked_days"] > 0)
        out["breaks_base"] = base["break_s"] / 60 / base["worked_days"].where(base["worked_days"] > 0)
        out["qa_recent"] = rec["qa_points"] / rec["evaluations"].where(rec["evaluations"] > 0)
        out["qa_base"] = base["qa_points"] / base["evaluations"].where(base["evaluations"] > 0)
        out["occupancy_recent"] = rec["handle_s"] / rec["available_s"].where(rec["available_s"] > 0)
    wk["occ"] = wk["handle_s"] / wk["available_s"].where(wk["available_s"] > 0)
    runs = {a: _longest_run(g["week"].to_numpy(), (g["occ"] > cap).to_numpy())
            for a, g in wk.groupby("agent_id")}
    out["occupancy_weeks"] = [runs.get(a, 0) for a in out.index]

    days_ok = (rec["scheduled_days"] >= ew.min_days) & (base["scheduled_days"] >= ew.min_days)
    worked_ok = (rec["worked_days"] >= ew.min_days) & (base["worked_days"] >= ew.min_days)
    qa_ok = (rec["evaluations"] >= ew.min_evaluations) & (base["evaluations"] >= ew.min_evaluations)
    out["attendance_fall"] = days_ok & (out["attendance_base"] - out["attendance_recent"] >= ew.attendance_drop - 1e-12)
    out["breaks_rise"] = worked_ok & (out["breaks_recent"] >= out["breaks_base"] * (1 + ew.breaks_rise) - 1e-9)
    out["qa_fall"] = qa_ok & (out["qa_base"] - out["qa_recent"] >= ew.qa_drop - 1e-9)
    out["high_occupancy"] = out["occupancy_weeks"] >= ew.occupancy_weeks
    for s in SIGNALS:
        out[s] = out[s].fillna(False).astype(bool)
    out["signals"] = out[list(SIGNALS)].sum(axis=1).astype("int64")
    return out.reset_index()


def reasons(row: pd.Series, params, lang: str = "en") -> list[str]:
    """Readable reasons (one per fired signal) for an :func:`agent_signals` row."""
    ew = params.retention.early_warning
    cap = ew.occupancy_cap if ew.occupancy_cap is not None else params.staffing.max_occupancy
    pct = lambda v: format_value(v, "pct0", lang)  # noqa: E731
    out = []
    if row["attendance_fall"]:
        out.append(t("retention.reason.attendance_fall", lang, recent=pct(row["attendance_recent"]),
                     base=pct(row["attendance_base"]), weeks=ew.recent_weeks))
    if row["breaks_rise"]:
        out.append(t("retention.reason.breaks_rise", lang, recent=f"{row['breaks_recent']:.0f}",
                     base=f"{row['breaks_base']:.0f}"))
    if row["qa_fall"]:
        out.append(t("retention.reason.qa_fall", lang, recent=f"{row['qa_recent']:.1f}", base=f"{row['qa_base']:.1f}"))
    if row["high_occupancy"]:
        out.append(t("retention.reason.high_occupancy", lang, cap=pct(cap), n=int(row["occupancy_weeks"]),
                     recent=pct(row["occupancy_recent"]), weeks=ew.recent_weeks))
    return out


def early_warnings(tables, month, params, lang: str = "en") -> pd.DataFrame:
    """The supervisors' list: agents with at least ``min_signals`` signals, most signals
    first, then by team.

    Columns: ``agent_id``, ``agent_name``, ``team``, ``supervisor``, ``shift``,
    ``tenure_days``, ``signals`` (count), ``codes`` (reason codes joined by ``;``),
    ``reasons`` (readable, in ``lang``, joined by ``; `` / ``；``) and the figures of
    :func:`agent_signals`.
    """
    sig = agent_signals(tables, month, params)
    flagged = sig[sig["signals"] >= params.retention.early_warning.min_signals].copy()
    flagged["codes"] = [";".join(s for s in SIGNALS if r[s]) for _, r in flagged.iterrows()]
    sep = t("retention.reason_sep", lang)
    flagged["reasons"] = [sep.join(reasons(r, params, lang)) for _, r in flagged.iterrows()]
    flagged = flagged.sort_values(["signals", "team", "agent_id"], ascending=[False, True, True])
    front = ["agent_id", "agent_name", "team", "supervisor", "shift", "tenure_days", "signals", "codes", "reasons"]
    return flagged[front + [c for c in flagged.columns if c not in front]].reset_index(drop=True)


def backtest(tables, month, params, months: int = 6, horizon_days: int = 60) -> pd.DataFrame:
    """How well the list worked in past months, with what is known at the end of ``month``.

    For each of the ``months`` month ends ``b`` from which ``horizon_days`` have passed by
    the end of ``month``: agents employed at ``b``, those the list flagged then
    (``retention.early_warning.min_signals``), and how many of each group left within
    ``horizon_days`` after ``b``. Columns ``month``, ``agents``, ``flagged``,
    ``flagged_left``, ``others_left``; the ratio of the two leaving shares tells how much
    likelier a flagged agent was to leave.
    """
    m = pd.Period(str(month), "M")
    cutoff = (m + 1).start_time
    first = pd.Period(tables.sql("SELECT min(date) AS d FROM agent_days")["d"].iloc[0], "M")
    leave = tables.sql("SELECT agent_id, leave_date FROM agents").set_index("agent_id")["leave_date"]
    leave = pd.to_datetime(leave)
    rows = []
    ew = params.retention.early_warning
    need = pd.Timedelta(weeks=ew.recent_weeks + ew.baseline_weeks)
    for k in range(months + 6, 0, -1):
        b = m - k
        end = (b + 1).start_time
        if end + pd.Timedelta(days=horizon_days) > cutoff or end - need < first.start_time:
            continue
        sig = agent_signals(tables.for_month(str(b)) if hasattr(tables, "for_month") else tables, b, params)
        lv = leave.reindex(sig["agent_id"]).to_numpy()
        left = (lv >= np.datetime64(end)) & (lv < np.datetime64(end + pd.Timedelta(days=horizon_days)))
        fl = (sig["signals"] >= ew.min_signals).to_numpy()
        rows.append({"month": b, "agents": len(sig), "flagged": int(fl.sum()), "flagged_left": int((fl & left).sum()),
                     "others_left": int((~fl & left).sum())})
    return pd.DataFrame(rows[-months:], columns=["month", "agents", "flagged", "flagged_left", "others_left"])


__all__ = ["SIGNALS", "agent_signals", "backtest", "early_warnings", "reasons", "weekly_sql"]
