"""Cohort retention matrices: cohorts (by start period) x periods since start.

Two generic forms, both returning the same shape (index ``cohort`` as pandas Periods,
a ``size`` column, then columns ``0, 1, 2, ...`` = periods since the cohort's start,
values shares 0-1, NaN where the period is not over yet at the cutoff):

* :func:`cohort_matrix` -- from activity (entity, time): share of a cohort active again
  (any event) in the k-th period after its first one. Any event table works: contacts,
  purchases, log-ins.
* :func:`cohort_retention` -- from spells (entity, start, end-or-censored): share of a
  cohort still in (not churned, not left) at the end of the k-th period after the
  start period. Customers by sign-up or first contact, agents by hire month.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _periods(ts: pd.Series, freq: str) -> np.ndarray:
    """Period ordinals (integers, one per ``freq`` period)."""
    return pd.PeriodIndex(pd.to_datetime(ts), freq=freq).asi8


def _frame(counts: pd.DataFrame, sizes: pd.Series, freq: str, last: int, first_cohort: int | None) -> pd.DataFrame:
    cohorts = sorted(sizes.index)
    if first_cohort is not None:
        cohorts = [c for c in cohorts if c >= first_cohort]
    if not cohorts:
        return pd.DataFrame(columns=["size"], index=pd.PeriodIndex([], freq=freq, name="cohort"))
    width = last - min(cohorts) + 1
    out = pd.DataFrame(np.nan, index=cohorts, columns=range(width))
    for c in cohorts:
        n = sizes[c]
        for k in range(last - c + 1):
            out.loc[c, k] = counts.get((c, k), 0) / n
    out.insert(0, "size", sizes.loc[cohorts].astype("int64").to_numpy())
    out.index = pd.PeriodIndex.from_ordinals(cohorts, freq=freq)
    out.index.name = "cohort"
    return out


def cohort_matrix(events: pd.DataFrame, id_col: str, time_col: str, freq: str = "M", *, as_of=None,
                  first_cohort=None) -> pd.DataFrame:
    """Activity cohorts: share of each cohort active in each period since its first.

    ``events``: one row per activity (entity ``id_col``, timestamp ``time_col``). An
    entity's cohort is the period (``freq``: ``"M"`` months, ``"W"`` weeks, ``"Q"``) of its
    first event; cell (c, k) = entities of cohort c with at least one event in period c + k
    / entities of cohort c. Column 0 is 1 by construction.

    ``as_of``: cutoff (first instant after the data); periods that end after it are NaN
    (default: the period of the last event counts as complete). ``first_cohort``: drop
    earlier cohorts (e.g. those whose first event lies before the data began).
    """
    ev = events[[id_col, time_col]].dropna()
    if as_of is not None:
        ev = ev[(pd.to_datetime(ev[time_col]) < pd.Timestamp(as_of)).to_numpy()]
    p = _periods(ev[time_col], freq)
    df = pd.DataFrame({"id": ev[id_col].to_numpy(), "p": p}).drop_duplicates()
    first = df.groupby("id")["p"].min()
    df["c"] = df["id"].map(first)
    df["k"] = df["p"] - df["c"]
    counts = df.groupby(["c", "k"])["id"].nunique().to_dict()
    sizes = first.value_counts()
    last = _last_complete(as_of, freq) if as_of is not None else int(p.max()) if len(p) else 0
    fc = None if first_cohort is None else pd.Period(first_cohort, freq).ordinal
    return _frame(counts, sizes, freq, last, fc)


def cohort_retention(spells: pd.DataFrame, start: str, end: str, as_of, freq: str = "M", *,
                     id_col: str | None = None, first_cohort=None, weight: str | None = None) -> pd.DataFrame:
    """Spell cohorts: share of each start cohort still in at the end of each period.

    ``spells``: one row per entity with ``start`` and ``end`` dates (``end`` empty while
    the spell goes on). Cohort c = period of ``start``; cell (c, k) = entities of cohort c
    whose spell had not ended by the end of period c + k (end on or after the first day
    of period c + k + 1) / entities of cohort c. A period not over at ``as_of`` (the
    cutoff: first instant after the report month) is NaN, and ends on or after the
    cutoff are unknown, i.e. still in. ``weight``: a column counting the entities of each row
    (spells aggregated in the engine, e.g. per start and end month).
    """
    cut = pd.Timestamp(as_of)
    df = spells[[start, end] + ([id_col] if id_col else []) + ([weight] if weight else [])].copy()
    s = pd.to_datetime(df[start])
    df = df[(s < cut).to_numpy()]
    s = pd.to_datetime(df[start])
    e = pd.to_datetime(df[end])
    e = e.where(e < cut)
    c = _periods(s, freq)
    # the last period an entity is in at the period's end: the one before its end's period
    last_in = np.where(e.notna(), pd.PeriodIndex(e.fillna(cut), freq=freq).asi8 - 1, np.iinfo(np.int64).max // 2)
    last = _last_complete(cut, freq)
    w = df[weight].to_numpy(dtype="int64") if weight else np.ones(len(df), dtype="int64")
    sizes = pd.Series(w).groupby(c).sum()
    counts = {}
    for ci in np.unique(c):
        m = c == ci
        li, wi = last_in[m], w[m]
        for k in range(last - ci + 1):
            counts[(ci, k)] = int(wi[li >= ci + k].sum())
    fc = None if first_cohort is None else pd.Period(first_cohort, freq).ordinal
    return _frame(counts, sizes, freq, last, fc)


def _last_complete(as_of, freq: str) -> int:
    """Ordinal of the last period that is over at ``as_of`` (first instant after the data)."""
    return pd.Period(pd.Timestamp(as_of), freq).ordinal - 1


def cohort_average(matrix: pd.DataFrame) -> pd.Series:
    """Size-weighted average retention per period since start over the cohorts observed
    that long: index 0, 1, 2, ...; values shares 0-1."""
    m = matrix.drop(columns="size")
    w = matrix["size"].astype(float)
    out = {}
    for k in m.columns:
        ok = m[k].notna()
        out[k] = float((m.loc[ok, k] * w[ok]).sum() / w[ok].sum()) if ok.any() else np.nan
    return pd.Series(out, name="retention")


__all__ = ["cohort_average", "cohort_matrix", "cohort_retention"]
