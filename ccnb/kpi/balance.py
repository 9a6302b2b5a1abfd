"""Where KPIs pull against each other: rank correlations across agents.

A single KPI pushed alone does harm (AHT cut until problems stay unsolved), so the
scorecard shows, for the pairs in ``kpi.balance_pairs``, whether agents who do well on
one KPI tend to do worse on the other.

Values are first *oriented* so that higher is always better (``-value`` for lower-is-better
KPIs such as AHT; band KPIs such as occupancy keep their raw value). The correlation is
Spearman's rank correlation (``scipy.stats.spearmanr``: robust to the skew of AHT and to
outliers, which matter with ~90 agents) over the agents whose values of both KPIs rest
on enough data. A pair is a **tension** when the oriented correlation is at most
``-kpi.balance_min_corr`` with p < 0.05, **together** when at least ``+balance_min_corr``
with p < 0.05, else **independent**. The KPI values come from the registry
(:func:`ccnb.kpi.compute`); only their correlation is computed here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ccnb.catalog.kpis import REGISTRY
from ccnb.kpi.scoring import enough_data

ALPHA = 0.05


def oriented(kpis: pd.DataFrame, params, keys: list[str]) -> pd.DataFrame:
    """KPI values with higher = better (lower-is-better KPIs negated); NaN where data is too thin."""
    out = {}
    for key in keys:
        if key not in kpis.columns:
            continue
        ok = kpis.apply(lambda r: enough_data(r, key, params), axis=1).astype(bool)
        v = kpis[key].astype(float).where(ok)
        out[key] = -v if REGISTRY[key].direction == "lower" else v
    return pd.DataFrame(out, index=kpis.index)


def correlations(kpis: pd.DataFrame, params, keys: list[str]) -> pd.DataFrame:
    """Spearman correlation matrix of the oriented KPIs across units (pairwise complete)."""
    o = oriented(kpis, params, keys)
    o = o.loc[:, o.notna().sum() >= 3]
    return o.rank().corr(method="pearson", min_periods=3)


def balance(kpis: pd.DataFrame, params, pairs: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """One row per KPI pair: ``a``, ``b``, ``n`` (agents with both), ``rho`` (oriented Spearman
    correlation, -1..1; negative = doing well on one goes with doing badly on the other),
    ``p_value``, ``verdict`` (``tension`` | ``together`` | ``independent`` | ``too_few``).
    """
    pairs = [tuple(p) for p in (pairs if pairs is not None else params.kpi.balance_pairs)]
    keys = list(dict.fromkeys(k for p in pairs for k in p))
    o = oriented(kpis, params, keys)
    cut = params.kpi.balance_min_corr
    rows = []
    for a, b in pairs:
        if a not in o.columns or b not in o.columns:
            rows.append(dict(a=a, b=b, n=0, rho=np.nan, p_value=np.nan, verdict="too_few"))
            continue
        both = o[[a, b]].dropna()
        n = len(both)
        if n < 5 or both[a].nunique() < 2 or both[b].nunique() < 2:
            rows.append(dict(a=a, b=b, n=n, rho=np.nan, p_value=np.nan, verdict="too_few"))
            continue
        res = stats.spearmanr(both[a], both[b])
        rho, p = float(res.statistic), float(res.pvalue)
        verdict = ("tension" if rho <= -cut and p < ALPHA else "together" if rho >= cut and p < ALPHA
                   else "independent")
        rows.append(dict(a=a, b=b, n=n, rho=rho, p_value=p, verdict=verdict))
    return pd.DataFrame(rows, columns=["a", "b", "n", "rho", "p_value", "verdict"])
