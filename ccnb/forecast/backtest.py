"""Rolling-origin backtest, accuracy metrics and model choice.

For each origin the models see **only the series before the origin** (the series is cut
with :func:`~ccnb.forecast.history.truncate` before anything is learned: opening hours,
profiles, parameters); the calendar's future rows and public holidays are allowed, as
they are known plans. Origins are midnights, ``step`` apart (a week by default), the
last one ``horizon`` before the end of the data.

Metrics (pooled over origins; interval level unless ``_daily``):

``wape``
    sum |y - yhat| / sum y.
``mase``
    mean absolute error / in-sample mean absolute error of the weekly seasonal naive
    (same interval one week earlier) on that origin's training data; averaged over origins.
``bias``
    (sum yhat - sum y) / sum y: positive = over-forecast.
``pi_coverage``
    share of open intervals whose count fell inside the prediction interval (nominal:
    ``settings.pi_level``).
``fit_s``
    seconds to fit and forecast, mean over origins.

Days without any contact in the actuals are treated as missing data and not scored (a
closed day the model could not know about would otherwise count against every model).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ccnb.forecast.calendar import day_features
from ccnb.forecast.history import Settings, prepare, to_grid, truncate
from ccnb.forecast.models import MODELS, Combination, make

DEFAULT_MODELS = ("seasonal_naive", "daily_ets", "daily_regression", "mstl", "combination")


def as_timedelta(horizon, default_days: int = 7) -> pd.Timedelta:
    """``7`` (days), ``"7D"``, ``pd.Timedelta`` -> Timedelta; None -> ``default_days``."""
    if horizon is None:
        return pd.Timedelta(days=default_days)
    if isinstance(horizon, (int, np.integer)):
        return pd.Timedelta(days=int(horizon))
    return pd.Timedelta(horizon)


def origins_for(index: pd.DatetimeIndex, freq, origins: int, horizon: pd.Timedelta, step="7D") -> list[pd.Timestamp]:
    """``origins`` midnights, ``step`` apart, the last one ``horizon`` before the end of the data (oldest first)."""
    end = pd.DatetimeIndex(index).max() + pd.Timedelta(freq)
    last = (end - horizon).normalize()
    return [last - k * pd.Timedelta(step) for k in range(int(origins) - 1, -1, -1)]


def snaive_scale(y: pd.Series, valid_days: pd.Series | None = None, daily: bool = False) -> float:
    """In-sample MAE of the weekly seasonal naive on a full-grid series (or daily totals)."""
    lag = pd.Timedelta(days=7)
    prev = y.copy()
    prev.index = prev.index + lag
    both = y.index.intersection(prev.index)
    a, b = y.reindex(both), prev.reindex(both)
    ok = (a > 0) | (b > 0)
    if valid_days is not None:
        day = both.normalize()
        v = valid_days.reindex(day).fillna(False).to_numpy(bool)
        vp = valid_days.reindex(day - lag).fillna(False).to_numpy(bool)
        ok &= v & vp
    e = (a - b).abs()[ok]
    return float(e.mean()) if len(e) else float("nan")


def score(actual: pd.Series, fc: pd.DataFrame, scale: float, scale_daily: float) -> dict:
    """Sums for pooling one origin's forecast ``fc`` (yhat, lo, hi on a grid) against ``actual`` (same grid)."""
    y = actual.reindex(fc.index).fillna(0.0).to_numpy()
    day = fc.index.normalize()
    tot = pd.Series(y).groupby(np.asarray(day)).transform("sum").to_numpy()
    keep = tot > 0
    y, yh, lo, hi = y[keep], fc["yhat"].to_numpy()[keep], fc["lo"].to_numpy()[keep], fc["hi"].to_numpy()[keep]
    dk = np.asarray(day)[keep]
    open_i = (yh > 0) | (y > 0)
    dy = pd.Series(y).groupby(dk).sum()
    dyh = pd.Series(yh).groupby(dk).sum()
    return {
        "abs_err": float(np.abs(y - yh).sum()), "err": float((yh - y).sum()), "y": float(y.sum()),
        "mae": float(np.abs(y - yh).mean()) if len(y) else np.nan, "scale": scale,
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


def backtest(series: pd.Series, freq="30min", origins: int = 4, horizon=None, models=None, *,
             calendar: pd.DataFrame | None = None, country: str | None = None, queue: str | None = None,
             settings: Settings | None = None, step="7D", return_forecasts: bool = False):
    """Rolling-origin backtest of ``models`` on ``series`` (counts indexed by interval start).

    ``horizon``: days (int), ``"7D"`` or a Timedelta; default one week. Returns a DataFrame,
    one row per model: ``model``, ``wape``, ``mase``, ``bias``, ``pi_coverage``, ``fit_s``,
    and the daily-level ``wape_daily``, ``mase_daily``, with ``origins`` (count). Sorted as
    ``models``. With ``return_forecasts=True`` also the forecasts (long: ``origin``, ``model``,
    ``ts``, ``y``, ``yhat``, ``lo``, ``hi``).
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
    feats = day_features(span, calendar, country, queue)
    full = prepare(series, freq, calendar, country, queue, st, feats)
    valid_all = full.days["valid"]
    rows, fcs = [], []
    for o in origins_for(pd.DatetimeIndex(series.index), freq, origins, hz, step):
        train = truncate(series, o)
        if len(train) == 0:
            continue
        h = prepare(train, freq, calendar, country, queue, st, feats)
        index = pd.date_range(o, o + hz - freq, freq=freq)
        actual = grid.reindex(index).fillna(0.0)
        # score only days the full data shows as valid (not missing or partial)
        vd = valid_all.reindex(index.normalize()).fillna(False).to_numpy(bool)
        actual_scored = actual.where(vd, 0.0)
        sc = snaive_scale(h.y, h.days["valid"])
        dy = h.y.groupby(h.y.index.normalize()).sum()
        sc_d = snaive_scale(dy, h.days["valid"], daily=True)
        done: dict[str, tuple[pd.DataFrame, float]] = {}
        # members first, so that a combination of models already run reuses their forecasts
        for m in sorted(models, key=lambda x: x == "combination"):
            t0 = time.perf_counter()
            members = [c.name for c in Combination.members]
            if m == "combination" and all(x in done for x in members):
                fc = sum(done[x][0] for x in members) / len(members)
                dt = sum(done[x][1] for x in members) + time.perf_counter() - t0
            else:
                fc = make(m).fit(h).predict(index)
                dt = time.perf_counter() - t0
            done[m] = (fc, dt)
            fc_scored = fc.mul(vd.astype(float), axis=0)
            rows.append({"model": m, "origin": o, "fit_s": dt, **score(actual_scored, fc_scored, sc, sc_d)})
            if return_forecasts:
                fcs.append(fc.assign(y=actual.to_numpy(), model=m, origin=o, scored=vd).rename_axis("ts").reset_index())
    table = summarise(pd.DataFrame(rows))
    table["model"] = pd.Categorical(table["model"], models, ordered=True)
    table = table.sort_values("model").reset_index(drop=True)
    table["model"] = table["model"].astype(str)
    if return_forecasts:
        return table, (pd.concat(fcs, ignore_index=True) if fcs else pd.DataFrame())
    return table


def choose(table: pd.DataFrame, metric: str = "wape") -> str:
    """The model with the lowest ``metric`` (ties: the first listed)."""
    t = table.dropna(subset=[metric])
    if t.empty:
        return "seasonal_naive"
    return str(t.loc[t[metric].idxmin(), "model"])
