"""Agent attrition: headcount, hires, leavers and rates by team, supervisor, shift and
tenure band; tenure survival of agents (the new-hire curve).

Rates use the ``attrition`` KPI's definition from the registry, unchanged: per month,
leavers / average headcount ((start + end) / 2), summed over the months of a window and
x 12 to annualise (``REGISTRY["attrition"]``: its numerator, denominator and scale are
spliced into the SQL below, over the registry's own ``roster`` fact). So the center's
one-month rate here equals ``ccnb.kpi.compute(..., keys=["attrition"])``.

The roster only holds agents who worked in the data's period, so months before the
first month of data would show no leavers: windows are clipped to the data.
"""
from __future__ import annotations

import pandas as pd

from ccnb.catalog.kpis import REGISTRY
from ccnb.kpi.facts import FactParams, roster
from ccnb.kpi.scoring import light
from ccnb.params import load_params
from ccnb.retention import survival
from ccnb.retention.customers import observed_from

LEVELS = ("center", "team", "supervisor", "shift", "tenure_band")
DAYS_PER_MONTH = 365.25 / 12


def tenure_bands(bounds_months) -> list[str]:
    """Band codes from upper bounds in months: [3, 6, 12] -> ['0-3', '3-6', '6-12', '12+']."""
    b = [int(x) for x in bounds_months]
    return [f"{lo}-{hi}" for lo, hi in zip([0] + b[:-1], b)] + [f"{b[-1]}+"]


def _band_sql(days_expr: str, bounds_months) -> str:
    codes = tenure_bands(bounds_months)
    whens = " ".join(f"WHEN {days_expr} < {m * DAYS_PER_MONTH:.4f} THEN '{c}'"
                     for m, c in zip(bounds_months, codes))
    return f"CASE {whens} ELSE '{codes[-1]}' END"


def _window(tables, month, months: int) -> tuple[pd.Period, pd.Period]:
    m = pd.Period(str(month), "M")
    first = max(m - (months - 1), pd.Period(observed_from(tables), "M"))
    return first, m


def roster_sql(lo: pd.Timestamp, hi: pd.Timestamp, bounds_months) -> str:
    """The registry's ``roster`` fact (agent employed in each month of [lo, hi)) with
    ``tenure_band`` (tenure at the month start; hires of the month in the first band),
    ``hired`` (hired in the month) and ``leave_reason``."""
    att = REGISTRY["attrition"]
    band = _band_sql("date_diff('day', a.hire_date, CAST(r.period AS DATE))", bounds_months)
    return f"""
SELECT r.period, r.team, r.supervisor, r.shift, r.agent, r.at_start, r.at_end, r.left_in_period,
       {band} AS tenure_band,
       (a.hire_date >= CAST(r.period AS DATE) AND a.hire_date < CAST(r.period + INTERVAL 1 MONTH AS DATE)) AS hired,
       a.leave_reason,
       ({att.numerator}) AS att_num, ({att.denominator}) AS att_den
FROM ({roster(FactParams(lo=lo, hi=hi))}) r JOIN agents a ON a.agent_id = r.agent
"""


def _aggregate(tables, sql: str, keys: list[str], last: pd.Timestamp) -> pd.DataFrame:
    scale = REGISTRY["attrition"].scale
    k = ", ".join(keys)
    df = tables.sql(f"""
        SELECT {k},
               sum(CASE WHEN period = {_ts(last)} AND at_end THEN 1 ELSE 0 END) AS headcount,
               sum(att_den) AS agent_months,
               sum(CASE WHEN hired THEN 1 ELSE 0 END) AS hires,
               sum(att_num) AS leavers,
               sum(CASE WHEN left_in_period AND leave_reason = 'voluntary' THEN 1 ELSE 0 END) AS voluntary,
               sum(CASE WHEN left_in_period AND leave_reason = 'involuntary' THEN 1 ELSE 0 END) AS involuntary
        FROM ({sql}) x GROUP BY {k} ORDER BY {k}""")
    for c in ("headcount", "hires", "leavers", "voluntary", "involuntary"):
        df[c] = df[c].fillna(0).astype("int64")
    df["agent_months"] = df["agent_months"].astype(float)
    den = df["agent_months"].where(df["agent_months"] > 0)
    df["unknown_reason"] = df["leavers"] - df["voluntary"] - df["involuntary"]
    df["monthly_rate"] = df["leavers"] / den
    df["annualised"] = scale * df["leavers"] / den
    df["voluntary_annualised"] = scale * df["voluntary"] / den
    df["involuntary_annualised"] = scale * df["involuntary"] / den
    return df


def _ts(x) -> str:
    return f"TIMESTAMP '{pd.Timestamp(x):%Y-%m-%d %H:%M:%S}'"


def agent_attrition(tables, month, params=None, *, months: int | None = None) -> pd.DataFrame:
    """Agent attrition by team, supervisor, shift and tenure band (and the center) over the
    ``months`` months ending with ``month`` (default ``retention.attrition_window_months``,
    clipped to the data).

    One row per unit: ``level`` (center, team, supervisor, shift, tenure_band), ``unit``,
    ``headcount`` (agents at the month end), ``avg_headcount`` (agent-months / months),
    ``agent_months`` (sum of monthly average headcounts), ``hires``, ``leavers``,
    ``voluntary``, ``involuntary``, ``unknown_reason`` (counts in the window),
    ``monthly_rate`` (leavers / agent-months: share leaving per month), ``annualised``
    (x 12, the registry's ``attrition``), ``voluntary_annualised``,
    ``involuntary_annualised``, ``target`` (``retention.agent_attrition_target`` or
    ``kpi.targets.attrition``), ``light`` (grey below ``retention.min_agent_months``),
    ``months`` (window length). Tenure band: tenure at each month's start
    (``retention.tenure_bands_months``; codes such as ``"3-6"``, ``"24+"``).
    """
    params = params or load_params()
    r = params.retention
    first, m = _window(tables, month, months or r.attrition_window_months)
    n = (m - first).n + 1
    sql = roster_sql(first.start_time, (m + 1).start_time, r.tenure_bands_months)
    bands = tenure_bands(r.tenure_bands_months)
    parts = []
    for level in LEVELS:
        key = "'center'" if level == "center" else level
        df = _aggregate(tables, f"SELECT *, {key} AS unit FROM ({sql}) y", ["unit"], m.start_time)
        if level == "tenure_band":
            df = df.set_index("unit").reindex([b for b in bands if b in set(df["unit"])]).reset_index()
        df.insert(0, "level", level)
        parts.append(df)
    out = pd.concat(parts, ignore_index=True)
    target = r.targets(params)[1]
    out["avg_headcount"] = out["agent_months"] / n
    out["target"] = target
    out["light"] = [light(v, target, "lower", params.kpi.amber_band, enough=am >= r.min_agent_months)
                    for v, am in zip(out["annualised"], out["agent_months"])]
    out["months"] = n
    cols = ["level", "unit", "headcount", "avg_headcount", "agent_months", "hires", "leavers", "voluntary",
            "involuntary", "unknown_reason", "monthly_rate", "annualised", "voluntary_annualised",
            "involuntary_annualised", "target", "light", "months"]
    return out[cols]


def attrition_trend(tables, month, params, months: int = 12) -> pd.DataFrame:
    """The center month by month (inside the data): ``headcount`` (end of month), ``hires``,
    ``leavers``, ``voluntary``, ``involuntary``, ``monthly_rate`` (leavers / average
    headcount), ``annualised`` (x 12: the ``attrition`` KPI of that month). Index: month."""
    first, m = _window(tables, month, months)
    sql = roster_sql(first.start_time, (m + 1).start_time, params.retention.tenure_bands_months)
    scale = REGISTRY["attrition"].scale
    df = tables.sql(f"""
        SELECT period,
               sum(CASE WHEN at_end THEN 1 ELSE 0 END) AS headcount,
               sum(CASE WHEN hired THEN 1 ELSE 0 END) AS hires,
               sum(att_num) AS leavers, sum(att_den) AS avg_headcount,
               sum(CASE WHEN left_in_period AND leave_reason = 'voluntary' THEN 1 ELSE 0 END) AS voluntary,
               sum(CASE WHEN left_in_period AND leave_reason = 'involuntary' THEN 1 ELSE 0 END) AS involuntary
        FROM ({sql}) x GROUP BY 1 ORDER BY 1""")
    df["month"] = pd.PeriodIndex(pd.to_datetime(df.pop("period")), freq="M")
    for c in ("headcount", "hires", "leavers", "voluntary", "involuntary"):
        df[c] = df[c].astype("int64")
    den = df["avg_headcount"].where(df["avg_headcount"] > 0)
    df["monthly_rate"] = df["leavers"] / den
    df["annualised"] = scale * df["leavers"] / den
    return df.set_index("month")


# --------------------------------------------------------------------------- tenure survival
def agent_spells(tables, as_of=None) -> pd.DataFrame:
    """One row per agent: hire -> last working day (leave), censored at ``as_of`` (default
    the month end), left-truncated at the start of the data. Spell columns (see
    :func:`ccnb.retention.survival.spells`; ``duration`` days from hire to the day after
    the last working day) plus ``team``, ``supervisor``, ``shift``, ``hire_quarter``
    (e.g. ``2026Q1``)."""
    as_of = pd.Timestamp(as_of if as_of is not None else tables.end)
    df = tables.sql("SELECT agent_id, team, supervisor, shift, hire_date, leave_date FROM agents")
    df["hire_quarter"] = pd.PeriodIndex(pd.to_datetime(df["hire_date"]), freq="Q").astype(str)
    sp = survival.spells(df, "hire_date", "leave_date", as_of, observed_from=observed_from(tables),
                         groups=["team", "supervisor", "shift", "hire_quarter"], id_col="agent_id")
    sp["duration"] += sp["event"]  # the last working day is a day employed: gone the day after
    return sp


def new_hire_spells(tables, month) -> pd.DataFrame:
    """Agents hired inside the data (no left truncation): :func:`agent_spells` rows with
    ``entry`` 0."""
    sp = agent_spells(tables, (pd.Period(str(month), "M") + 1).start_time)
    return sp[sp["entry"] == 0].reset_index(drop=True)


def new_hire_curve(tables, month, params, by: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kaplan-Meier of agents hired inside the data since their first day, overall or ``by``
    a column (``hire_quarter``, ``team``...). Returns (curve, summary); the summary starts
    with the ``all`` row and has ``s_<d>`` = share still employed after d days for 30 days,
    ``retention.new_hire_days`` and a year (NaN when nobody has been followed that long)."""
    sp = new_hire_spells(tables, month)
    g = None if by is None else sp[by]
    days = params.retention.new_hire_days
    curve = survival.kaplan_meier(sp["duration"], sp["event"], g)
    summ = survival.survival_summary(sp["duration"], sp["event"], g, horizons=sorted({30, days, 365}),
                                     overall=True)
    return curve, summ


def tenure_curve(tables, month, by: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kaplan-Meier of all agents over tenure (left-truncated), overall or ``by`` a column;
    returns (curve, summary with median tenure and survival at 1 and 2 years)."""
    sp = agent_spells(tables, (pd.Period(str(month), "M") + 1).start_time)
    g = None if by is None else sp[by]
    curve = survival.kaplan_meier(sp["duration"], sp["event"], g, entry=sp["entry"])
    summ = survival.survival_summary(sp["duration"], sp["event"], g, entry=sp["entry"], horizons=(365, 730))
    return curve, summ


__all__ = ["LEVELS", "agent_attrition", "agent_spells", "attrition_trend", "new_hire_curve", "new_hire_spells",
           "roster_sql", "tenure_bands", "tenure_curve"]
