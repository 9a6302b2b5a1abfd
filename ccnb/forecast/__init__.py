"""Volume forecasting: interval and daily forecasts with prediction intervals, chosen by backtest.

>>> s = ccnb.forecast.interval_series(tables, params)            # offered per queue and interval, in DuckDB
>>> bt = ccnb.forecast.backtest(s_queue, freq="30min", origins=4) # WAPE, MASE, bias, PI coverage per model
>>> fc = ccnb.forecast.forecast(s_queue, horizon=31, calendar=cal, country="CN")   # model="auto"

Modules: :mod:`~ccnb.forecast.series` (extraction from the engine, opening hours, AHT, patience),
:mod:`~ccnb.forecast.calendar` (holiday and event features), :mod:`~ccnb.forecast.history`
(preparing a series), :mod:`~ccnb.forecast.models` (candidates), :mod:`~ccnb.forecast.profile`
(intraday profile, simulated intervals), :mod:`~ccnb.forecast.backtest` (rolling origin, metrics,
choice), :mod:`~ccnb.forecast.monthly` (the notebook's month run) and :mod:`~ccnb.forecast.views`
(what the notebook shows). Staffing: :mod:`ccnb.staffing`.

Accuracy (``benchmarks/forecast_accuracy.py``, 4 weekly origins, one week ahead, 30 minutes): on the
2003 bank series the default (``model="auto"``) has WAPE 0.076 / MASE 0.56 against 0.097 / 0.75 for
the weekly seasonal naive and 0.122 / 0.85 for statsforecast's MSTL with AutoETS trend; on the
sample center (October 2026) 0.131 / 0.50 against 0.289 / 1.10 and 0.252 / 0.96.
"""
from __future__ import annotations

import pandas as pd

from ccnb.forecast.backtest import DEFAULT_MODELS, as_timedelta, backtest, choose
from ccnb.forecast.calendar import day_features
from ccnb.forecast.history import Settings, prepare
from ccnb.forecast.models import MODELS, make
from ccnb.forecast import series as _s

__all__ = ["forecast", "backtest", "choose", "prepare", "day_features", "Settings", "MODELS", "DEFAULT_MODELS",
           "interval_series", "series_of", "aht_profile"]


def forecast(series: pd.Series, horizon, freq="30min", calendar: pd.DataFrame | None = None, model: str = "auto", *,
             country: str | None = None, queue: str | None = None, settings: Settings | None = None,
             params=None, origins: int | None = None, backtest_horizon=None, models=None) -> pd.DataFrame:
    """Forecast ``series`` (counts indexed by interval start) for ``horizon`` after its end.

    ``horizon``: days (int), ``"31D"`` or a Timedelta. ``calendar``: the contract's calendar
    table (events, holidays, make-up workdays; future rows are used); ``country``: public
    holidays (``holidays`` package). ``model="auto"`` runs a rolling-origin backtest of
    ``models`` (``origins`` weekly origins, ``backtest_horizon`` long; defaults from
    ``params.forecast`` or :class:`Settings`) and keeps the lowest WAPE.

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
        bt = backtest(series, freq, n_orig, bh, cands, calendar=calendar, country=country, queue=queue, settings=st)
        model = choose(bt)
    first = pd.DatetimeIndex(series.index).min().normalize()
    last = pd.DatetimeIndex(series.index).max().normalize()
    feats = day_features(pd.date_range(first, last + hz + pd.Timedelta(days=2), freq="D"), calendar, country, queue)
    h = prepare(series, freq, calendar, country, queue, st, feats)
    index = pd.date_range(h.end, h.end + hz - freq, freq=freq, name="ts")
    out = make(model).fit(h).predict(index)
    out.index.name = "ts"
    out["model"] = model
    out.attrs["model"] = model
    if bt is not None:
        out.attrs["backtest"] = bt
    return out


def __getattr__(name):  # the engine-facing helpers import DuckDB-side code lazily
    if name in ("interval_series", "series_of", "aht_profile"):
        return getattr(_s, name)
    raise AttributeError(name)
