"""Day-level calendar features for the forecaster: weekdays, holidays, make-up workdays, events.

Two sources, combined:

* the ``holidays`` package (country from ``params.center.country``; ``None`` for none):
  public holidays, and for China the make-up working days it names ("Day off
  (substituted from 09/28/2025)" means 2025-09-28, a Sunday, was worked);
* the data's ``calendar`` table (contract: ``date, kind, name, queue``): holidays the
  center observes, make-up workdays (``kind='workday'``), promotions, billing runs,
  outages and other events. It covers the forecast horizon (plans are known ahead).

Why the ``holidays`` package: it is maintained per country and year (Chinese lunar
holidays and their substituted days included), so a center only lists what is its own.

Columns of :func:`day_features` (one row per date):

``dow``
    0 = Monday ... 6 = Sunday.
``holiday``
    the day lies in a *holiday period*: a run of non-working days (holidays, and weekend
    days that are not make-up workdays) containing at least one holiday. The weekend days
    are the center's (``weekend``: ``center.weekend``, Saturday and Sunday by default).
``holiday_name``
    the period's name (its most common holiday name, parentheses dropped), else ``""``.
``makeup``
    a weekend day worked in exchange for a holiday (behaves like a weekday); a make-up day
    named by the ``holidays`` package counts only when it falls on one of the center's weekend days.
``post1``, ``post2``
    first and second working day after a holiday period of three days or more (catch-up).
``daytype``
    which intraday profile the day follows: ``"0"``..``"6"`` (its weekday), ``"holiday"``,
    or ``"weekday"`` (a make-up workday follows the pooled Monday-Friday profile).
``ev:<kind>:<name>``, ``ev:<kind>:*``, ``after1:<kind>``, ``after2:<kind>``
    business events (1.0 on the day): one column per event name, one per kind (so an
    event never seen before borrows its kind's average effect), and the first/second day
    after an event of that kind (billing runs and outages echo for a few days).
``ramp:<kind>:<name>``
    on each run of ``RAMP_MIN_DAYS`` or more consecutive days of one event name (a pre-sale season,
    a campaign), the day's place in the run, i / (n - 1) - 0.5 for day i = 0 .. n - 1 (-0.5 on the
    first day, +0.5 on the last, 0 elsewhere): the effect may build up or fade over a long event, and
    the name's own column keeps its mean effect. The run is the calendar's (plans are known ahead).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import numpy as np
import pandas as pd

#: Calendar kinds that are events (regressors); ``holiday`` and ``workday`` shape the day type.
EVENT_KINDS = ("promotion", "billing", "outage", "other")
#: Shortest run of consecutive days of one event name that gets a ``ramp:`` column.
RAMP_MIN_DAYS = 7
_PAREN = re.compile(r"\s*\(.*?\)")
_SUBST = re.compile(r"substituted from (\d\d)/(\d\d)/(\d{4})")


@lru_cache(maxsize=32)
def _public(country: str, years: tuple[int, ...]) -> tuple[dict, frozenset]:
    import holidays

    hol = holidays.country_holidays(country, years=list(years))
    names: dict[pd.Timestamp, str] = {}
    workdays = set()
    for d, name in hol.items():
        names[pd.Timestamp(d)] = str(name)
        m = _SUBST.search(str(name))
        if m:
            workdays.add(pd.Timestamp(int(m.group(3)), int(m.group(1)), int(m.group(2))))
    return names, frozenset(workdays)


def _base_name(name: str) -> str:
    return _PAREN.sub("", name).strip()


def calendar_rows(calendar: pd.DataFrame | None, queue: str | None = None) -> pd.DataFrame:
    """The calendar rows that apply to ``queue`` (rows without a queue apply to all; ``None``: all rows).

    Columns ``date`` (Timestamp at midnight), ``kind``, ``name``.
    """
    if calendar is None or len(calendar) == 0:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[us]"), "kind": pd.Series(dtype=str),
                             "name": pd.Series(dtype=str)})
    c = calendar.copy()
    if queue is not None and "queue" in c.columns:
        c = c[c["queue"].isna() | (c["queue"] == queue)]
    c["date"] = pd.to_datetime(c["date"]).dt.normalize()
    return c[["date", "kind", "name"]].drop_duplicates().reset_index(drop=True)


def day_features(days, calendar: pd.DataFrame | None = None, country: str | None = None,
                 queue: str | None = None, weekend=(5, 6)) -> pd.DataFrame:
    """Calendar features for ``days`` (anything ``pd.DatetimeIndex`` accepts); see the module doc.

    ``calendar``: the contract's calendar table (or None); ``country``: ISO code for the
    ``holidays`` package (or None); ``queue``: keep only events for this queue (and all-queue
    events); ``weekend``: the center's weekend days (0 = Monday). Index: the days (midnight
    timestamps), sorted and unique.
    """
    idx = pd.DatetimeIndex(pd.to_datetime(days)).normalize().unique().sort_values()
    if len(idx) == 0:
        return pd.DataFrame(index=idx)
    # look beyond both ends so that holiday periods at the edges are whole
    lo, hi = idx[0] - pd.Timedelta(days=20), idx[-1] + pd.Timedelta(days=20)
    span = pd.date_range(lo, hi, freq="D")
    rows = calendar_rows(calendar, queue)
    hol_names: dict[pd.Timestamp, str] = {}
    workdays: set[pd.Timestamp] = set()
    if country:
        names, wd = _public(country, tuple(range(lo.year, hi.year + 1)))
        hol_names.update(names)
        workdays |= set(wd)
    for r in rows[rows["kind"] == "holiday"].itertuples():
        hol_names.setdefault(r.date, str(r.name))
    workdays |= set(rows.loc[rows["kind"] == "workday", "date"])
    workdays -= set(hol_names)

    dow = span.day_of_week.to_numpy()
    is_weekend = np.isin(dow, list(weekend))
    listed = np.array([d in hol_names for d in span])
    makeup = np.array([d in workdays for d in span]) & is_weekend
    off = listed | (is_weekend & ~makeup)
    holiday = np.zeros(len(span), bool)
    hname = np.array([""] * len(span), dtype=object)
    post1 = np.zeros(len(span), bool)
    post2 = np.zeros(len(span), bool)
    i, n = 0, len(span)
    while i < n:
        if not off[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and off[j + 1]:
            j += 1
        if listed[i:j + 1].any():
            names = [_base_name(hol_names[span[k]]) for k in range(i, j + 1) if listed[k]]
            real = [x for x in names if not x.lower().startswith("day off")] or names
            name = Counter(real).most_common(1)[0][0]
            holiday[i:j + 1] = True
            hname[i:j + 1] = name
            if j - i + 1 >= 3:
                k, m = j + 1, 0
                while k < n and m < 2:
                    if not off[k]:
                        (post1 if m == 0 else post2)[k] = True
                        m += 1
                    k += 1
        i = j + 1

    out = pd.DataFrame({"dow": dow, "holiday": holiday, "holiday_name": hname, "makeup": makeup,
                        "post1": post1, "post2": post2}, index=span)
    out["daytype"] = np.where(holiday, "holiday", np.where(makeup, "weekday", dow.astype(str)))
    ev = rows[rows["kind"].isin(EVENT_KINDS)]
    cols: dict[str, pd.Series] = {}
    for (kind, name), g in ev.groupby(["kind", "name"], sort=True):
        on = pd.DatetimeIndex(g["date"].unique()).sort_values()
        cols[f"ev:{kind}:{name}"] = pd.Series(1.0, index=on)
        ramp = _ramp(on)
        if ramp is not None:
            cols[f"ramp:{kind}:{name}"] = ramp
    for kind, g in ev.groupby("kind", sort=True):
        on = pd.DatetimeIndex(g["date"].unique())
        cols[f"ev:{kind}:*"] = pd.Series(1.0, index=on)
        onset = set(on)
        for lag in (1, 2):
            after = [d + pd.Timedelta(days=lag) for d in on if d + pd.Timedelta(days=lag) not in onset]
            cols[f"after{lag}:{kind}"] = pd.Series(1.0, index=pd.DatetimeIndex(sorted(set(after))))
    for c, s in cols.items():
        out[c] = s.reindex(span).fillna(0.0).to_numpy()
    return out.reindex(idx)


def _ramp(on: pd.DatetimeIndex) -> pd.Series | None:
    """The ``ramp:`` values on the sorted days ``on`` of one event name (see the module doc); None without a long run."""
    if len(on) < RAMP_MIN_DAYS:
        return None
    run_id = np.r_[0, np.cumsum(np.asarray(on[1:] - on[:-1]) != np.timedelta64(1, "D"))]
    val = np.zeros(len(on))
    long_run = False
    for r in np.unique(run_id):
        i = np.flatnonzero(run_id == r)
        if len(i) >= RAMP_MIN_DAYS:
            val[i] = np.arange(len(i)) / (len(i) - 1) - 0.5
            long_run = True
    return pd.Series(val, index=on) if long_run else None


def event_columns(features: pd.DataFrame) -> list[str]:
    """The regressor columns of :func:`day_features` (events, their ramps and echoes), in a stable order."""
    return [c for c in features.columns if c.startswith(("ev:", "ramp:", "after1:", "after2:"))]
