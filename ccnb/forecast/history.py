"""A count series made ready for the models: regular grid, opening hours, day table.

:func:`prepare` turns a pandas Series of counts indexed by interval start into a
:class:`History`:

* the series is summed to ``freq`` (5-minute data becomes 30-minute data) and put on
  the full regular grid from the first midnight to the last interval; timestamps the
  series does not have count 0;
* **opening hours are learned**: a slot of the week (weekday x time of day) is open
  when contacts arrived in it on at least ``open_min_share`` of that weekday's days
  in the last ``open_weeks`` weeks. Days whose slots are all closed (weekends of a
  weekday-only center) are closed days. **Holiday closure is learned per holiday**: a
  holiday (by name) is closed when fewer than half of its normally-open days in the history
  had any contact. A holiday the history does not cover is never forecast as closed: it
  follows the calendar's kind, i.e. the holiday day type (effects and profile learned from
  the holidays with calls) when the history has holidays with calls, else its weekday;
* the center's week: ``settings.weekend_days`` (0 = Monday; from ``center.weekend``) are the weekend days that
  form holiday periods and the weekend profile;
* the day table: total, ``closed``, ``partial`` and ``valid`` per day. A day is
  *partial* (data missing, not a quiet day) when it is the first or last day and
  the series starts after or ends before its opening hours, or when it carries less
  than ``partial_share`` of the median of its weekday in the surrounding weeks
  without a holiday or event to explain it. Partial and closed days are left out of
  model fitting; their intervals are still counted by the backtest.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ccnb.forecast.calendar import day_features, event_columns


@dataclass
class Settings:
    """Tuning of the forecaster (defaults mirror ``params/default.yaml`` ``forecast:``)."""

    open_weeks: int = 8
    open_min_share: float = 0.10
    partial_share: float = 0.30
    profile_weeks: int = 8
    profile_shrink: float = 2.0
    holiday_profile_days: int = 400
    event_penalty: float = 0.1
    annual: bool = True
    annual_min_days: int = 400
    mstl_weeks: int = 8
    pi_level: float = 0.80
    simulations: int = 400
    calibration_days: int = 28
    level_weeks: int = 2
    level_shrink: bool = True
    level_band_days: int = 3
    level_min_pairs: int = 30
    weekend_days: tuple[int, ...] = (5, 6)
    seed: int = 0

    @classmethod
    def from_params(cls, params=None, **overrides) -> "Settings":
        kw = {}
        if params is not None:
            f = params.forecast
            for name in cls.__dataclass_fields__:
                if hasattr(f, name):
                    kw[name] = getattr(f, name)
        if params is not None and getattr(params, "center", None) is not None:
            kw["weekend_days"] = params.center.weekend_days  # the center's week (center.weekend)
        kw.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kw)


@dataclass
class History:
    """A prepared series: see the module doc. ``y`` is on the full grid (float, >= 0)."""

    y: pd.Series
    freq: pd.Timedelta
    spd: int                       # slots per day
    open_sow: np.ndarray           # (7, spd) bool: slot of the week is open
    closed_holidays: frozenset     # holiday names the center is closed on (learned)
    days: pd.DataFrame             # index: day; total, closed, partial, valid + calendar features
    calendar: pd.DataFrame | None = None
    country: str | None = None
    queue: str | None = None
    settings: Settings = field(default_factory=Settings)
    feature_cache: pd.DataFrame | None = None
    data_end: pd.Timestamp | None = None  # first interval after the last observation (the forecast origin)
    seen_holidays: frozenset = frozenset()  # holiday names with contacts in the history

    @property
    def end(self) -> pd.Timestamp:
        """First midnight after the history (the grid ``y`` is whole days)."""
        return self.y.index[-1] + self.freq

    @property
    def origin(self) -> pd.Timestamp:
        """First interval after the last observation: forecasts start here."""
        return self.data_end if self.data_end is not None else self.end

    @property
    def holiday_closed(self) -> bool:
        """The center was closed on at least one holiday of the history."""
        return bool(self.closed_holidays)

    @property
    def workdays(self) -> tuple[int, ...]:
        """The weekdays (0 = Monday) that are not weekend days in the center's week."""
        return tuple(d for d in range(7) if d not in self.settings.weekend_days)

    def head(self, cut) -> "History":
        """The same history up to (not including) the midnight ``cut``; opening hours kept."""
        cut = pd.Timestamp(cut).normalize()
        return History(y=self.y[self.y.index < cut], freq=self.freq, spd=self.spd, open_sow=self.open_sow,
                       closed_holidays=self.closed_holidays, days=self.days[self.days.index < cut],
                       calendar=self.calendar, country=self.country, queue=self.queue, settings=self.settings,
                       feature_cache=self.feature_cache, data_end=min(self.origin, cut),
                       seen_holidays=self.seen_holidays)

    def matrix(self) -> np.ndarray:
        """Counts as a (days, slots per day) array."""
        return self.y.to_numpy().reshape(-1, self.spd)

    def features(self, days) -> pd.DataFrame:
        """Calendar features of ``days`` (from the cache given to :func:`prepare` when it covers them).

        A holiday the history does not cover (neither seen with contacts nor learned closed)
        follows the calendar's kind: it stays a ``holiday`` day type when the history has
        holidays with contacts (their effect and profile apply), else it becomes its weekday
        (``holiday`` False, ``daytype`` its weekday); ``holiday_unseen`` marks such days.
        """
        idx = pd.DatetimeIndex(days).normalize().unique().sort_values()
        fc = self.feature_cache
        if fc is not None and len(idx) and idx[0] >= fc.index[0] and idx[-1] <= fc.index[-1]:
            f = fc.reindex(idx)
        else:
            f = day_features(idx, self.calendar, self.country, self.queue, weekend=self.settings.weekend_days)
        return _unseen_holidays(f, self.seen_holidays, self.closed_holidays)

    def future_grid(self, horizon: pd.Timedelta) -> pd.DatetimeIndex:
        """The regular grid after the history for ``horizon`` (whole intervals)."""
        n = int(horizon / self.freq)
        return pd.date_range(self.end, periods=n, freq=self.freq)

    def open_mask(self, index: pd.DatetimeIndex, feats: pd.DataFrame | None = None) -> np.ndarray:
        """Which intervals of ``index`` are open: slot of the week open, and not a holiday when closed on holidays."""
        day = index.normalize()
        slot = ((index - day) / self.freq).astype(int)
        m = self.open_sow[index.day_of_week, slot]
        if self.closed_holidays:
            f = feats if feats is not None else self.features(day.unique())
            shut = pd.Series(f["holiday"].to_numpy(bool) & f["holiday_name"].isin(self.closed_holidays).to_numpy(),
                             index=f.index)
            m = m & ~shut.reindex(day).fillna(False).to_numpy(bool)
        return m


def _unseen_holidays(f: pd.DataFrame, seen: frozenset, closed: frozenset) -> pd.DataFrame:
    """Mark (and, without any holiday seen with contacts, turn into their weekday) the holidays not covered."""
    if "holiday" not in f.columns or len(f) == 0:
        return f
    hol = f["holiday"].to_numpy(bool)
    unseen = hol & ~f["holiday_name"].isin(list(seen | closed)).to_numpy()
    f = f.copy()
    f["holiday_unseen"] = unseen
    if unseen.any() and not seen:
        f.loc[unseen, "holiday"] = False
        f.loc[unseen, "daytype"] = f.loc[unseen, "dow"].astype(str)
    return f


def to_grid(series: pd.Series, freq) -> pd.Series:
    """Sum ``series`` to ``freq`` and put it on the full grid from its first midnight (missing = 0)."""
    freq = pd.Timedelta(freq)
    s = pd.Series(series, dtype=float).copy()
    s.index = pd.DatetimeIndex(s.index)
    if s.index.tz is not None:
        s.index = s.index.tz_localize(None)
    s = s.sort_index()
    s = s[~s.index.duplicated(keep="first")] if not s.index.is_unique else s
    b = s.index.floor(freq)
    s = s.groupby(b).sum()
    first = s.index[0].normalize()
    grid = pd.date_range(first, s.index[-1], freq=freq)
    return s.reindex(grid).fillna(0.0).clip(lower=0)


def prepare(series: pd.Series, freq="30min", calendar: pd.DataFrame | None = None, country: str | None = None,
            queue: str | None = None, settings: Settings | None = None,
            features: pd.DataFrame | None = None) -> History:
    """Prepare ``series`` (counts indexed by interval start) for the models; see the module doc.

    ``features``: precomputed :func:`~ccnb.forecast.calendar.day_features` for the same
    calendar, country and queue over a span of days (saves recomputing them per origin).
    """
    st = settings or Settings()
    freq = pd.Timedelta(freq)
    if pd.Timedelta(days=1) % freq != pd.Timedelta(0):
        raise ValueError(f"freq {freq} does not divide a day")
    raw_last = pd.DatetimeIndex(series.index).max()
    y = to_grid(series, freq)
    spd = int(pd.Timedelta(days=1) / freq)
    # complete the last day with zeros so the grid is whole days (the tail is marked partial below)
    full_end = y.index[-1].normalize() + pd.Timedelta(days=1)
    grid = pd.date_range(y.index[0], full_end - freq, freq=freq)
    y = y.reindex(grid).fillna(0.0)
    mat = y.to_numpy().reshape(-1, spd)
    day_idx = pd.date_range(y.index[0], periods=mat.shape[0], freq="D")
    dow = day_idx.day_of_week.to_numpy()

    covered = features is not None and day_idx[0] >= features.index[0] and day_idx[-1] <= features.index[-1]
    feats = (features.reindex(day_idx) if covered
             else day_features(day_idx, calendar, country, queue, weekend=st.weekend_days))
    hol = feats["holiday"].to_numpy(bool)
    # opening hours from the last weeks, holidays left out
    recent = day_idx >= day_idx[-1] - pd.Timedelta(weeks=st.open_weeks)
    open_sow = np.zeros((7, spd), bool)
    for d in range(7):
        rows = mat[(dow == d) & recent & ~hol]
        if len(rows) == 0:
            rows = mat[(dow == d) & ~hol]
        if len(rows):
            active = rows[rows.sum(axis=1) > 0]
            if len(active):
                share = (active > 0).mean(axis=0) * len(active) / len(rows)
                open_sow[d] = share >= st.open_min_share
                # an open day is open at least where it had contacts on most days
                open_sow[d] |= (active > 0).mean(axis=0) >= 0.5
    totals = mat.sum(axis=1)
    # holiday closure per holiday name, on the days its weekday is normally open
    normally_open = open_sow[dow].any(axis=1)
    hn = feats["holiday_name"].to_numpy()
    closed_names, seen_names = set(), set()
    for name in {n for n in hn[hol] if n}:
        sel = hol & (hn == name) & normally_open
        if sel.any():
            (seen_names if (totals[sel] > 0).mean() >= 0.5 else closed_names).add(name)
    # a day without contacts is closed (or missing: the data cannot tell); so is a day its week closes
    closed = ~normally_open | (totals == 0)
    partial = np.zeros(len(day_idx), bool)
    # the first/last day when the series starts after / ends before the day's opening hours
    first_ts = pd.DatetimeIndex(series.index).min()
    if len(day_idx):
        o = np.flatnonzero(open_sow[dow[0]])
        if len(o) and first_ts > day_idx[0] + o[0] * freq:
            partial[0] = True
        o = np.flatnonzero(open_sow[dow[-1]])
        if len(o) and raw_last < day_idx[-1] + o[-1] * freq:
            partial[-1] = True
    has_event = feats[event_columns(feats)].to_numpy().sum(axis=1) > 0 if event_columns(feats) else np.zeros(
        len(day_idx), bool)
    explained = hol | has_event | feats["post1"].to_numpy(bool) | feats["post2"].to_numpy(bool)
    med = pd.Series(np.where(~closed & ~explained & (totals > 0), totals, np.nan), index=day_idx)
    for d in range(7):
        sel = dow == d
        ref = med[sel].rolling(9, min_periods=3, center=True).median().bfill().ffill().to_numpy()
        low = sel.copy()
        low[sel] = (totals[sel] < st.partial_share * np.nan_to_num(ref, nan=0.0)) & ~explained[sel] & ~closed[sel]
        partial |= low
    valid = ~closed & ~partial & (totals > 0)
    days = feats.copy()
    days["total"] = totals
    days["closed"] = closed
    days["partial"] = partial
    days["valid"] = valid
    data_end = raw_last.floor(freq) + freq
    return History(y=y, freq=freq, spd=spd, open_sow=open_sow, closed_holidays=frozenset(closed_names), days=days,
                   calendar=calendar, country=country, queue=queue, settings=st,
                   feature_cache=features if features is not None else None, data_end=data_end,
                   seen_holidays=frozenset(seen_names))


def truncate(series: pd.Series, origin) -> pd.Series:
    """The part of ``series`` strictly before ``origin`` (what a forecast made at ``origin`` may see)."""
    origin = pd.Timestamp(origin)
    return series[pd.DatetimeIndex(series.index) < origin]
