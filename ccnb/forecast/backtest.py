"""Rolling-origin backtest, accuracy metrics and model choice.

For each origin the models see **only the series before the origin** (the series is cut
with :func:`~ccnb.forecast.history.truncate` before anything is learned: opening hours,
profiles, parameters); the calendar's future rows and public holidays are allowed, as
they are known plans. Origins are instants ``step`` apart (a week by default), the last
one ``horizon`` before the end of the data (the first instant after its last interval):
the protocol of the peers in ``benchmarks/forecast_accuracy.py``, so that the last day is
tested (a series ending on Friday 21:00 has origins on Fridays at 21:30 for 30-minute
intervals; a series ending at midnight has midnight origins).

Scored rows: every interval of every day of the test window **on which the actuals have
contacts** (holidays and partial days included: a day with calls is always scored); a day
without any contact is missing data (or a closure) and is not scored. *Open* rows: scored
rows in the origin's learned opening hours, or with a count or a forecast above 0.

Metrics (pooled over origins; interval level unless ``_daily``):

``wape``
    sum |y - yhat| / sum y over the scored rows.
``mase``
    mean |y - yhat| over the open rows / the in-sample scale, averaged over origins. Scale:
    mean |y_t - y_(t - 7 days)| of the weekly seasonal naive over the open slots of the
    training days with contacts whose day a week earlier also had contacts (Hyndman &
    Koehler 2006; one definition for ccnb and every peer).
``bias``
    (sum yhat - sum y) / sum y: positive = over-forecast.
``pi_coverage``
    share of open rows whose count fell inside the prediction interval (nominal:
    ``settings.pi_level``).
``wape_daily``, ``mase_daily``
    the same on daily totals of the scored days (scale: daily totals, same pairs of days).
``fit_s``
    seconds to fit and forecast, mean over origins.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ccnb.forecast.calendar import day_features
from ccnb.forecast.history import History, Settings, prepare, to_grid, truncate
from ccnb.forecast.models import MODELS, Combination, fits_history, make

DEFAULT_MODELS = ("seasonal_naive", "daily_ets", "daily_regression", "mstl", "combination")


def as_timedelta(horizon, default_days: int = 7) -> pd.Timedelta:
    """``7`` (days), ``"7D"``, ``pd.Timedelta`` -> Timedelta; None -> ``default_days``."""
    if horizon is None:
        return pd.Timedelta(days=default_days)
    if isinstance(horizon, (int, np.integer)):
        return pd.Timedelta(days=int(horizon))
    return pd.Timedelta(horizon)


def origins_for(index: pd.DatetimeIndex, freq, origins: int, horizon: pd.Timedelta, step="7D") -> list[pd.Timestamp]:
    """``origins`` instants, ``step`` apart, the last one ``horizon`` before the end of the data (oldest first).

    End of the data: the first instant after its last interval, ``floor(last timestamp, freq) + freq``.
    """
    freq = pd.Timedelta(freq)
    end = pd.DatetimeIndex(index).max().floor(freq) + freq
    last = end - pd.Timedelta(horizon)
    return [last - k * pd.Timedelta(step) for k in range(int(origins) - 1, -1, -1)]


def snaive_scale(y: pd.Series, valid_days: pd.Series | None = None, daily: bool = False,
                 open_slots: pd.Series | None = None) -> float:
    """In-sample MAE of the weekly seasonal naive on a full-grid series (or daily totals with ``daily``).

    Pairs (t, t - 7 days) where both days had contacts (and are ``valid_days`` when given);
    interval level: only open slots (``open_slots`` at t, a bool Series on ``y``'s index, or
    either count above 0). Formula: mean |y_t - y_(t-7d)| over those pairs (count per interval
    or per day).
    """
    lag = pd.Timedelta(days=7)
    prev = y.copy()
    prev.index = prev.index + lag
    both = y.index.intersection(prev.index)
    a, b = y.reindex(both), prev.reindex(both)
    tot = y.groupby(y.index.normalize()).sum()
    day = both.normalize()
    ok = (tot.reindex(day).to_numpy() > 0) & (tot.reindex(day - lag).fillna(0.0).to_numpy() > 0)
    if not daily:
        is_open = (a > 0) | (b > 0)
        if open_slots is not None:
            is_open = is_open | open_slots.reindex(both).fillna(False).astype(bool)
        ok &= is_open.to_numpy(bool)
    if valid_days is not None:
        v = valid_days.reindex(day).fillna(False).to_numpy(bool)
        vp = valid_days.reindex(day - lag).fillna(False).to_numpy(bool)
        ok &= v & vp
    e = (a - b).abs()[ok]
    return float(e.mean()) if len(e) else float("nan")


def score(actual: pd.Series, fc: pd.DataFrame, scale: float, scale_daily: float,
          open_slots: np.ndarray | None = None) -> dict:
    """Sums for pooling one origin's forecast ``fc`` (yhat, lo, hi on a grid) against ``actual`` (same grid).

    Scored: the rows of days whose actual total is above 0. Open (MASE, coverage): scored rows
    in ``open_slots`` (bool per row of ``fc``: learned opening hours) or with a count or forecast above 0.
    """
    y = actual.reindex(fc.index).fillna(0.0).to_numpy()
    day = fc.index.normalize()
    tot = pd.Series(y).groupby(np.asarray(day)).transform("sum").to_numpy()
    keep = tot > 0
    op = np.zeros(len(y), bool) if open_slots is None else np.asarray(open_slots, bool)
    y, yh, lo, hi = y[keep], fc["yhat"].to_numpy()[keep], fc["lo"].to_numpy()[keep], fc["hi"].to_numpy()[keep]
    dk = np.asarray(day)[keep]
    open_i = (yh > 0) | (y > 0) | op[keep]
    dy = pd.Series(y).groupby(dk).sum()
    dyh = pd.Series(yh).groupby(dk).sum()
    return {
        "abs_err": float(np.abs(y - yh).sum()), "err": float((yh - y).sum()), "y": float(y.sum()),
        "mae": float(np.abs(y - yh)[open_i].mean()) if open_i.any() else np.nan, "scale": scale,
        "covered": int(((y >= lo) & (y <= hi) & open_i).sum()), "n_open": int(open_i.sum()),
        "abs_err_daily": float((dy - dyh).abs().sum()),
        "mae_daily": float((dy - dyh).abs().mean()) if len(dy) else np.nan, "scale_daily": scale_daily,
    }


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Pool per-origin sums (from :func:`score`) into one row per model."""
    g = rows.groupby("model", sort=False)
    out = pd.DataFrame({
        "wape": g["abs_err"].sum() / g["y"].sum(),
        "mase": g.apply(lambda x: float(np.nanmean(x["mae"] / x["scale"])), include_groups=False),
        "bias": g["err"].sum() / g["y"].sum(),
        "pi_coverage": g["covered"].sum() / g["n_open"].sum().where(g["n_open"].sum() > 0),
        "wape_daily": g["abs_err_daily"].sum() / g["y"].sum(),
        "mase_daily": g.apply(lambda x: float(np.nanmean(x["mae_daily"] / x["scale_daily"])), include_groups=False),
        "fit_s": g["fit_s"].mean(),
        "origins": g.size(),
    })
    return out.reset_index()


def day_class(full: History, days) -> np.ndarray:
    """``"holiday"``, ``"partial"`` or ``"normal"`` for each of ``days`` (from the whole data's history ``full``)."""
    d = full.days.reindex(pd.DatetimeIndex(days))
    hol = d["holiday"].fillna(False).to_numpy(bool)
    part = d["partial"].fillna(False).to_numpy(bool)
    return np.where(hol, "holiday", np.where(part, "partial", "normal"))


def window_of(grid: pd.Series, h: History, origin, horizon: pd.Timedelta):
    """What one origin is scored on: (index, actual, scored, open, scale, daily scale).

    ``index``: the intervals from ``origin`` for ``horizon``; ``actual``: the counts there (0
    where the data has none); ``scored``: the day has contacts; ``open``: scored and in the
    learned opening hours of ``h`` (the history before the origin); the scales of
    :func:`snaive_scale` on ``h`` (intervals: open slots; daily totals).
    """
    freq = h.freq
    index = pd.date_range(origin, pd.Timestamp(origin) + horizon - freq, freq=freq)
    actual = grid.reindex(index).fillna(0.0)
    vd = actual.groupby(index.normalize()).transform("sum").to_numpy() > 0   # every day with contacts is scored
    open_i = h.open_mask(index) & vd
    sc = snaive_scale(h.y, open_slots=pd.Series(h.open_mask(h.y.index), index=h.y.index))
    dy = h.y.groupby(h.y.index.normalize()).sum()
    return index, actual, vd, open_i, sc, snaive_scale(dy, daily=True)


def backtest(series: pd.Series, freq="30min", origins: int = 4, horizon=None, models=None, *,
             calendar: pd.DataFrame | None = None, country: str | None = None, queue: str | None = None,
             settings: Settings | None = None, step="7D", return_forecasts: bool = False, origin_list=None):
    """Rolling-origin backtest of ``models`` on ``series`` (counts indexed by interval start).

    ``horizon``: days (int), ``"7D"`` or a Timedelta; default one week. Origins from
    :func:`origins_for` (or ``origin_list``). Returns a DataFrame, one row per model:
    ``model``, ``wape``, ``mase``, ``bias``, ``pi_coverage``, ``fit_s``, and the daily-level
    ``wape_daily``, ``mase_daily``, with ``origins`` (count). Sorted as ``models``. With
    ``return_forecasts=True`` also the forecasts (long: ``origin``, ``model``, ``ts``, ``y``,
    ``yhat``, ``lo``, ``hi``, ``scored`` (the day had contacts), ``open``, ``dayclass``).
    """
    st = settings or Settings()
    freq = pd.Timedelta(freq)
    hz = as_timedelta(horizon)
    models = list(models or DEFAULT_MODELS)
    for m in models:
        if m not in MODELS:
            make(m)  # raises with the list of known models
    grid = to_grid(series, freq)
    span = pd.date_range(grid.index[0].normalize(), grid.index[-1].normalize() + hz + pd.Timedelta(days=2), freq="D")
    feats = day_features(span, calendar, country, queue, weekend=st.weekend_days)
    full = prepare(series, freq, calendar, country, queue, st, feats)
    rows, fcs = [], []
    olist = origin_list if origin_list is not None else origins_for(pd.DatetimeIndex(series.index), freq, origins, hz,
                                                                    step)
    for o in olist:
        train = truncate(series, o)
        if len(train) == 0:
            continue
        days = (pd.Timestamp(o) - pd.DatetimeIndex(train.index).min().normalize()) / pd.Timedelta(days=1)
        fitting = [m for m in models if fits_history(m, days)]   # a model is a candidate only with its weeks
        if not fitting:
            continue
        h = prepare(train, freq, calendar, country, queue, st, feats)
        index, actual, vd, open_i, sc, sc_d = window_of(grid, h, o, hz)
        done: dict[str, tuple[pd.DataFrame, float]] = {}
        # members first, so that a combination of models already run reuses their forecasts
        for m in sorted(fitting, key=lambda x: x == "combination"):
            t0 = time.perf_counter()
            members = [c.name for c in Combination.members]
            if m == "combination" and all(x in done for x in members):
                fc = sum(done[x][0] for x in members) / len(members)
                dt = sum(done[x][1] for x in members) + time.perf_counter() - t0
            else:
                fc = make(m).fit(h).predict(index)
                dt = time.perf_counter() - t0
            done[m] = (fc, dt)
            rows.append({"model": m, "origin": o, "fit_s": dt, **score(actual, fc, sc, sc_d, open_i)})
            if return_forecasts:
                fcs.append(fc.assign(y=actual.to_numpy(), model=m, origin=o, scored=vd, open=open_i,
                                     dayclass=day_class(full, index.normalize()))
                           .rename_axis("ts").reset_index())
    if not rows:   # too little history for any origin: no model was tested
        table = pd.DataFrame(columns=["model", "wape", "mase", "bias", "pi_coverage", "wape_daily", "mase_daily",
                                      "fit_s", "origins"])
        return (table, pd.DataFrame()) if return_forecasts else table
    table = summarise(pd.DataFrame(rows))
    table["model"] = pd.Categorical(table["model"], models, ordered=True)
    table = table.sort_values("model").reset_index(drop=True)
    table["model"] = table["model"].astype(str)
    if return_forecasts:
        return table, (pd.concat(fcs, ignore_index=True) if fcs else pd.DataFrame())
    return table


def interval_scale(forecasts: pd.DataFrame, model: str, level: float, prior_rows: float = 50.0) -> float:
    """Factor f that makes ``model``'s prediction intervals cover ``level`` of the open rows of a backtest.

    ``forecasts``: the long table of :func:`backtest` (``return_forecasts=True``). Counts are whole
    numbers and :func:`rescale_intervals` rounds the moved bounds outward (lo down, hi up), so a count y
    is covered at factor f exactly when r < f, with r per open row the distance beyond the one-count
    slack in units of the half-width on its side:

        r = max(y - yhat - 1, 0) / (hi - yhat)   above the forecast,
        r = max(yhat - y - 1, 0) / (yhat - lo)   below it.

    The factor is the smallest f with share(r < f) >= ``level`` (just above the m-th smallest r,
    m = ceil(level x n)), shrunk towards 1 by ``prior_rows`` pseudo-rows, kept in [0.5, 2]. Rows with
    a zero half-width on their side and an error beyond the slack cannot be covered and count as
    uncovered; 1.0 without rows.
    """
    if forecasts is None or forecasts.empty or "model" not in forecasts:  # no backtest (too little history)
        return 1.0
    f = forecasts[(forecasts["model"] == model) & forecasts["open"].astype(bool)]
    if f.empty:
        return 1.0
    y, yh, lo, hi = (f[c].to_numpy(float) for c in ("y", "yhat", "lo", "hi"))
    up = y >= yh
    width = np.where(up, hi - yh, yh - lo)
    beyond = np.maximum(np.where(up, y - yh, yh - y) - 1.0, 0.0)
    r = np.where(beyond == 0, 0.0, beyond / np.where(width > 0, width, np.nan))
    r = np.where(np.isnan(r), np.inf, r)
    n = len(r)
    m = int(np.ceil(level * n - 1e-9))
    q = float(np.sort(r)[min(max(m, 1), n) - 1])
    q = q * (1 + 1e-9) + 1e-9 if np.isfinite(q) else 2.0
    return float(np.clip((n * q + prior_rows) / (n + prior_rows), 0.5, 2.0))


def rescale_intervals(fc: pd.DataFrame, factor: float) -> pd.DataFrame:
    """``lo``/``hi`` moved ``factor`` times as far from ``yhat``, rounded outward to whole counts (``lo`` down,
    kept >= 0; ``hi`` up): lo' = floor(max(yhat - factor (yhat - lo), 0)), hi' = ceil(yhat + factor (hi - yhat)).
    Closed rows (``hi`` = 0) stay 0."""
    out = fc.copy()
    lo = np.floor(np.maximum(fc["yhat"] - factor * (fc["yhat"] - fc["lo"]), 0.0) + 1e-9)
    hi = np.ceil(fc["yhat"] + factor * (fc["hi"] - fc["yhat"]) - 1e-9)
    shut = (fc["hi"] <= 0) & (fc["yhat"] <= 0)
    out["lo"] = np.where(shut, 0.0, lo)
    out["hi"] = np.where(shut, 0.0, hi)
    return out


def choose(table: pd.DataFrame, metric: str = "wape") -> str:
    """The model with the lowest ``metric`` (ties: the first listed)."""
    t = table.dropna(subset=[metric]) if metric in table.columns else table.iloc[0:0]
    if t.empty:
        return "seasonal_naive"
    return str(t.loc[t[metric].idxmin(), "model"])
