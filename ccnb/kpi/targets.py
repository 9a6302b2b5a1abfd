"""Targets: fixed (the center's ``kpi.targets``) or derived by the domain brief's rule.

The rule (``kpi.target_setting``, applied to agents' and teams' scorecards):

    An agent target comes from last month's actual level, adjusted for season, set at the
    floor (whole-center) average minus 10 % so that most agents can reach it; it is reviewed
    quarterly in small steps, never large jumps.

Made precise, for each KPI in ``target_setting.keys`` and each review month ``r``
(``target_setting.review_months``, default January, April, July, October):

1. ``base`` = the center's value of the KPI in month ``r - 1`` (the whole-floor level,
   from the registry, :func:`ccnb.kpi.trend`).
2. ``season`` = last year's move between the same two months, ``v(r - 12) - v(r - 13)``
   (0 when either month is missing or ``season`` is off). Additive, so that it also works
   for NPS, which can be zero or negative.
3. ``proposed`` = ``(base + season) - slack * |base + season|`` when higher is better,
   ``+ slack * |...|`` when lower is better (AHT 210 s -> 231 s): "minus 10 %" means
   10 % *easier*. Clipped to the unit's range (shares 0-1, QA points 0-100, NPS -100..100).
4. Small steps: the new target is ``proposed`` clipped to the previous target
   ``* (1 -/+ max_step)``.

The first target in force is the fixed one (``kpi.targets``); the reviews are replayed from
the first month of data up to the report month, so the target a month uses is reproducible
from the data alone, and changes only in review months. The floor (0 attainment) moves with
the target (``floor + target - fixed target``) so that the scoring span stays the same.
The center itself (and queues) is always scored on the fixed targets.
"""
from __future__ import annotations

import math

import pandas as pd

from ccnb.catalog.kpis import REGISTRY
from ccnb.kpi.compute import trend

_RANGE = {"share": (0.0, 1.0), "points": (0.0, 100.0), "nps": (-100.0, 100.0), "s": (0.0, math.inf),
          "count": (0.0, math.inf), "rate/yr": (0.0, math.inf)}

COLUMNS = ["key", "direction", "unit", "fixed_target", "fixed_floor", "target", "floor", "source", "reviewed",
           "base_month", "base_value", "season", "proposed", "previous", "capped"]


def proposed_target(base: float, season: float, direction: str, slack: float, unit: str = "share") -> float:
    """Step 3 of the rule: last month's center level, adjusted for season, ``slack`` easier."""
    level = base + (season if not _nan(season) else 0.0)
    sign = -1.0 if direction == "higher" else 1.0
    lo, hi = _RANGE.get(unit, (-math.inf, math.inf))
    return float(min(max(level + sign * slack * abs(level), lo), hi))


def step_limit(previous: float, proposed: float, max_step: float) -> float:
    """Step 4: move from ``previous`` towards ``proposed`` by at most ``max_step * |previous|``."""
    d = max_step * abs(previous)
    return float(min(max(proposed, previous - d), previous + d))


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def replay(history: pd.DataFrame, month, params) -> pd.DataFrame:
    """Targets in force in ``month`` from the center's monthly KPI ``history``.

    ``history``: rows = months (``pandas.Period``), columns = KPI keys, center values (as
    :func:`ccnb.kpi.trend` gives them). Returns one row per KPI with a fixed target or derived
    rule, columns :data:`COLUMNS`: ``fixed_target``/``fixed_floor`` (params), ``target``/``floor``
    (what agents and teams are scored on), ``source`` (``fixed`` | ``derived``), ``reviewed``
    (month of the review that set it), ``base_month``, ``base_value``, ``season`` (additive),
    ``proposed`` (the rule's value before the step limit), ``previous`` (target before that
    review), ``capped`` (the step limit held it back). Units are the KPI's.
    """
    m = pd.Period(str(month), "M")
    ts = params.kpi.target_setting
    derived = set(ts.keys) if ts.method == "derived" else set()
    keys = [k for k in REGISTRY if k in params.kpi.targets or k in derived]
    hist = history.copy()
    hist.index = pd.PeriodIndex(hist.index, freq="M")

    def val(key, p):
        if key not in hist.columns or p not in hist.index:
            return float("nan")
        v = hist.at[p, key]
        return float(v) if pd.notna(v) else float("nan")

    rows = []
    for key in keys:
        k = REGISTRY[key]
        fixed = params.kpi.targets.get(key)
        ffloor = params.kpi.floors.get(key)
        row = dict(key=key, direction=k.direction, unit=k.unit, fixed_target=fixed, fixed_floor=ffloor,
                   target=fixed, floor=ffloor, source="fixed", reviewed=None, base_month=None,
                   base_value=float("nan"), season=float("nan"), proposed=float("nan"), previous=float("nan"),
                   capped=False)
        if key in derived and len(hist.index):
            prev = fixed
            months = pd.period_range(hist.index.min() + 1, m, freq="M")
            for r in months:
                if r.month not in ts.review_months:
                    continue
                base = val(key, r - 1)
                if _nan(base):
                    continue
                season = val(key, r - 12) - val(key, r - 13) if ts.season else float("nan")
                prop = proposed_target(base, season, k.direction, ts.slack, k.unit)
                new = prop if prev is None else step_limit(prev, prop, ts.max_step)
                row.update(reviewed=r, base_month=r - 1, base_value=base, season=season, proposed=prop,
                           previous=prev if prev is not None else float("nan"),
                           capped=not math.isclose(new, prop, rel_tol=1e-12, abs_tol=1e-12),
                           target=new, source="derived")
                prev = new
            if row["source"] == "derived" and fixed is not None and ffloor is not None:
                row["floor"] = ffloor + (row["target"] - fixed)
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def first_month(tables):
    """First month with contacts in the data (as the tables see it), or None."""
    lo = tables.sql("SELECT min(arrival_ts) AS lo FROM interactions")["lo"].iloc[0]
    return None if pd.isna(lo) else pd.Timestamp(lo).to_period("M")


def target_table(tables, month, params) -> pd.DataFrame:
    """Targets agents and teams are scored on in ``month``, and where they came from.

    Computes the center's monthly history of the derived KPIs with :func:`ccnb.kpi.trend`
    (inside the engine) from the first month of data, then :func:`replay`. Columns: see
    :func:`replay`. Pass it to :func:`ccnb.kpi.score` as ``targets=``.
    """
    m = pd.Period(str(month), "M")
    ts = params.kpi.target_setting
    keys = [k for k in ts.keys] if ts.method == "derived" else []
    history = pd.DataFrame()
    start = first_month(tables)
    if keys and start is not None and start <= m:
        n = (m - start).n + 1
        tr = trend(tables, m, months=n, level="center", params=params, keys=keys)
        if len(tr):
            history = tr.droplevel("center")[[k for k in keys if k in tr.columns]]
    return replay(history, m, params)


def targets_for(role: str, table: pd.DataFrame, params) -> pd.DataFrame | None:
    """The targets table to score ``role`` with: ``table`` for roles in ``target_setting.apply_to``, else None (fixed)."""
    return table if role in params.kpi.target_setting.apply_to else None
