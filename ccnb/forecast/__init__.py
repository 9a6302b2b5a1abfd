"""Volume forecasting: interval and daily forecasts with prediction intervals, chosen by backtest.

>>> s = ccnb.forecast.interval_series(tables, params)            # offered per queue and interval, in DuckDB
>>> bt = ccnb.forecast.backtest(s_queue, freq="30min", origins=4) # WAPE, MASE, bias, PI coverage per model
>>> fc = ccnb.forecast.forecast(s_queue, horizon=31, calendar=cal, country="CN")   # model="auto"
>>> rest = ccnb.forecast.reforecast(s_queue, now="2026-10-14 10:00")                # the rest of the day

Modules: :mod:`~ccnb.forecast.series` (extraction from the engine, opening hours, AHT, patience),
:mod:`~ccnb.forecast.calendar` (holiday and event features), :mod:`~ccnb.forecast.history`
(preparing a series), :mod:`~ccnb.forecast.models` (candidates), :mod:`~ccnb.forecast.profile`
(intraday profile, simulated intervals), :mod:`~ccnb.forecast.backtest` (rolling origin, metrics,
choice), :mod:`~ccnb.forecast.reforecast` (intraday update of the rest of the day), :mod:`~ccnb.forecast.monthly` (the notebook's month run) and :mod:`~ccnb.forecast.views`
(what the notebook shows). Staffing: :mod:`ccnb.staffing`.

Accuracy (``benchmarks/forecast_accuracy.py``, one protocol for ccnb and the peers: 4 weekly origins at
the series' end, one week ahead, 30 minutes, every day with calls scored): on the 2003 bank series (US
holidays) the default (``model="auto"``) has WAPE 0.057 / MASE 0.70 / 80 % coverage 0.77, against
0.061 / 0.75 for the historical average of the last 6 weeks, 0.080 / 1.00 for Prophet, 0.093 / 1.14 for
the weekly seasonal naive and 0.099 / 1.21 for statsforecast's MSTL with AutoETS trend.
"""
from __future__ import annotations

import pandas as pd

from ccnb.forecast.backtest import DEFAULT_MODELS, as_timedelta, backtest, choose, interval_scale, rescale_intervals
from ccnb.forecast.calendar import day_features
from ccnb.forecast.history import Settings, prepare
from ccnb.forecast.models import MODELS, make
from ccnb.forecast.reforecast import morning_forecast, reforecast
from ccnb.forecast.series import aht_profile, interval_series, series_of

__all__ = ["forecast", "backtest", "choose", "prepare", "day_features", "Settings", "MODELS", "DEFAULT_MODELS",
           "reforecast", "morning_forecast", "interval_series", "series_of", "aht_profile"]


def forecast(series: pd.Series, horizon, freq="30min", calendar: pd.DataFrame | None = None, model: str = "auto", *,
             country: str | None = None, queue: str | None = None, settings: Settings | None = None,
             params=None, origins: int | None = None, backtest_horizon=None, models=None) -> pd.DataFrame:
    """Forecast ``series`` (counts indexed by interval start) for ``horizon`` after its end: from
    the first interval after its last observation to ``horizon`` after the midnight ending its last day.

    ``horizon``: days (int), ``"31D"`` or a Timedelta. ``calendar``: the contract's calendar
    table (events, holidays, make-up workdays; future rows are used); ``country``: public
    holidays (``holidays`` package). ``model="auto"`` runs a rolling-origin backtest of
    ``models`` (``origins`` weekly origins, ``backtest_horizon`` long; defaults from
    ``params.forecast`` or :class:`Settings`), keeps the lowest WAPE, and calibrates its
    intervals on that backtest (:func:`~ccnb.forecast.backtest.interval_scale`: the bounds
    are widened or narrowed so that they covered ``pi_level`` of the backtest's open intervals).

    Returns a DataFrame indexed by interval start (``ts``): ``yhat`` (expected count),
    ``lo``, ``hi`` (prediction interval at ``settings.pi_level``), ``model``. With "auto",
    ``.attrs["backtest"]`` holds the backtest table.
    """
    st = settings or Settings.from_params(params)
    freq = pd.Timedelta(freq)
    hz = as_timedelta(horizon, 31)
    bt = None
    if model == "auto":
        f = getattr(params, "forecast", None)
        n_orig = origins or getattr(f, "backtest_origins", 4)
        bh = backtest_horizon or getattr(f, "backtest_horizon_days", 7)
        cands = models or getattr(f, "models", None) or DEFAULT_MODELS
        bt, bt_fc = backtest(series, freq, n_orig, bh, cands, calendar=calendar, country=country, queue=queue,
                             settings=st, return_forecasts=True)
        model = choose(bt)
    first = pd.DatetimeIndex(series.index).min().normalize()
    last = pd.DatetimeIndex(series.index).max().normalize()
    feats = day_features(pd.date_range(first, last + hz + pd.Timedelta(days=2), freq="D"), calendar, country, queue,
                         weekend=st.weekend_days)
    h = prepare(series, freq, calendar, country, queue, st, feats)
    # from the first interval after the data to ``horizon`` after the data's last midnight (a series
    # ending in the evening is forecast from then, and the horizon still ends on a whole day)
    index = pd.date_range(h.origin, h.end + hz - freq, freq=freq, name="ts")
    out = make(model).fit(h).predict(index)
    if bt is not None:
        factor = interval_scale(bt_fc, model, st.pi_level)
        out = rescale_intervals(out, factor)
        out.attrs["interval_scale"] = factor
    out.index.name = "ts"
    out["model"] = model
    out.attrs["model"] = model
    if bt is not None:
        out.attrs["backtest"] = bt
    return out
