"""Computing registry KPIs inside the engine: one GROUP BY per fact, ratios in pandas.

Only aggregated rows leave the database, so this works on data far larger than
memory. The SQL is built from the registry's numerator/denominator expressions
and the facts in :mod:`ccnb.kpi.facts`; nothing here defines a KPI. The queries run
on the tables' engine (:mod:`ccnb.engine`: DuckDB by default, Spark when chosen), the
same text on both: written in DuckDB's dialect, transpiled for Spark.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ccnb import engine
from ccnb.catalog.kpis import LEVELS, REGISTRY, Kpi
from ccnb.catalog.needs import Need
from ccnb.core.months import parse_month
from ccnb.data import available as _available
from ccnb.kpi.facts import FACTS, SAMPLES, FactParams
from ccnb.params import load_params

_LEVEL_COL = {"center": None, "queue": "queue", "team": "team", "supervisor": "supervisor",
              "site": "site", "shift": "shift", "agent": "agent"}


def _month(month) -> pd.Period:
    return parse_month(month) if not isinstance(month, pd.Period) else month


def unavailable(tables) -> frozenset[str]:
    """Registry KPIs whose data the center did not supply (:mod:`ccnb.catalog.needs`): shown as
    "not available", left out of composites, on-target counts, alerts and actions."""
    return frozenset(k for k in REGISTRY if not _available.kpi_ok(tables, k))


def fcr_from_resolved(tables) -> bool:
    """True when the contacts carry a ``resolved`` mark; otherwise FCR counts repeat contacts alone."""
    return _available.met(tables, Need("interactions", ("resolved",)))


def aggregate_sql(fact: str, p: FactParams, level: str, kpis: list[Kpi], by_month: bool) -> str:
    """The GROUP BY query for one fact: numerators, denominators and sample counts per unit."""
    col = _LEVEL_COL[level]
    keys = (["period"] if by_month else []) + ([col] if col else [])
    sel = [f"{k}" for k in keys]
    for k in kpis:
        sel.append(f"sum({k.numerator}) AS {k.key}__num")
        sel.append(f"sum({k.denominator}) AS {k.key}__den")
    sel += [f"{expr} AS {name}" for name, expr in SAMPLES[fact].items()]
    where = f"WHERE {col} IS NOT NULL" if col else ""
    group = f"GROUP BY {', '.join(keys)}" if keys else ""
    return f"SELECT {', '.join(sel)} FROM ({FACTS[fact](p)}) f {where} {group}"


def _run(tables, sql: str, params=None) -> pd.DataFrame:
    """Run one aggregate query on the tables' engine (:func:`ccnb.engine.run`)."""
    return engine.run(tables, sql, params)


def _aggregate(tables, lo: pd.Timestamp, hi: pd.Timestamp, level: str, by_month: bool, params,
               keys: list[str] | None = None) -> pd.DataFrame:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if params is None:
        params = load_params()
    p = replace(FactParams.from_params(params, lo, hi), fcr_resolved=fcr_from_resolved(tables))
    wanted = [REGISTRY[k] for k in keys] if keys else list(REGISTRY.values())
    col = _LEVEL_COL[level] or "center"
    idx = (["month"] if by_month else []) + [col]
    out: pd.DataFrame | None = None
    for fact in FACTS:
        kpis = [k for k in wanted if k.fact == fact and level in k.levels]
        if not kpis and not (fact in ("contacts", "surveys", "qa") and not keys):
            continue
        df = _run(tables, aggregate_sql(fact, p, level, kpis, by_month), params)
        if level == "center":
            df["center"] = "center"
        if by_month:
            df["month"] = pd.PeriodIndex(pd.to_datetime(df.pop("period")), freq="M")
        for k in kpis:
            num, den = df.pop(f"{k.key}__num").astype(float), df.pop(f"{k.key}__den").astype(float)
            df[k.key] = np.where(den > 0, k.scale * num / den.where(den > 0, 1.0), np.nan)
        df = df.set_index(idx)
        out = df if out is None else out.join(df, how="outer")
    if out is None:
        return pd.DataFrame()
    for name in [n for s in SAMPLES.values() for n in s]:
        if name in out:
            out[name] = out[name].fillna(0).astype("int64")
    cols = [k.key for k in wanted if k.key in out] + [c for c in out.columns if c not in REGISTRY]
    return out[cols].sort_index()


def _attach_names(tables, df: pd.DataFrame, level: str) -> pd.DataFrame:
    if level != "agent" or df.empty:
        return df
    names = tables.sql("SELECT agent_id AS agent, agent_name, team, supervisor, shift FROM agents").set_index("agent")
    df = df.join(names, on="agent")
    front = ["agent_name", "team", "supervisor", "shift"]
    return df[front + [c for c in df.columns if c not in front]]


def compute(tables, month, level: str = "center", params=None, keys: list[str] | None = None) -> pd.DataFrame:
    """KPIs for ``month`` at ``level``: one row per unit, one column per KPI key.

    Levels: center, queue, team, supervisor, site, shift, agent. A KPI that does not
    apply at a level (answer rate of an agent) is absent; a KPI with no data for a unit
    is NaN. Sample-size columns (``offered``, ``handled``, ``surveys``, ``evaluations``,
    ``agent_days``, ``complaints``, ``headcount``, ``customers``, ``sales_handled``) tell how
    much data each value rests on. Units are the registry's: shares 0-1, seconds, QA
    points of 100, NPS points -100..100, attrition annualised share.
    """
    m = _month(month)
    df = _aggregate(tables, m.start_time, (m + 1).start_time, level, False, params, keys)
    return _attach_names(tables, df, level)


def trend(tables, month, months: int = 6, level: str = "center", params=None,
          keys: list[str] | None = None) -> pd.DataFrame:
    """KPIs per calendar month for the ``months`` months ending with ``month``.

    Index: (``month`` as pandas Period, unit). Each month is computed from the data
    known at the end of ``month`` (the tables' as-of view).
    """
    m = _month(month)
    first = m - (months - 1)
    return _aggregate(tables, first.start_time, (m + 1).start_time, level, True, params, keys)
