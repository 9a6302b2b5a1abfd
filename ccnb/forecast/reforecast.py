"""Intraday reforecast: the rest of the day from the day's actuals so far.

Planners re-plan the rest of the day at mid-morning. The morning forecast (made at the
day's first instant from the history before it, :func:`morning_forecast`) fixes the day's
shape; the calls seen up to ``now`` tell how far the day's *level* is off. As in the
multiplicative day-effect model of Weinberg, Brown & Stroud (2007, JASA 102, "Bayesian
forecasting of an inhomogeneous Poisson process with applications to call center data"),
the day's volume is the morning forecast times an unknown factor r with prior mean 1, and
the counts so far update it:

* observed so far O = sum of counts in [day start, now); expected so far E = sum of the
  morning ``yhat`` over the same intervals;
* prior: r ~ (1, s^2), s = the daily model's log-scale standard deviation (``level_sd``);
* the observed ratio O / E has variance v = 1 / E + (sum of squared expected counts / E^2) / kappa
  (Poisson noise plus the negative-binomial over-dispersion kappa of the intervals);
* posterior mean (precision-weighted, normal approximation): r = w x O / E + (1 - w) x 1,
  w = s^2 / (s^2 + v): shrinkage towards the morning forecast, strong early in the day
  (small E) and weak once many calls have been seen.

The remaining intervals are the morning forecast times r (``yhat``, ``lo`` and ``hi`` alike:
the bounds keep their relative width, a conservative choice since some of the day's level
uncertainty is resolved). At ``now`` = the day's start, E = 0 and w = 0: the reforecast is the
morning forecast.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.forecast.calendar import day_features
from ccnb.forecast.history import Settings, prepare, to_grid, truncate
from ccnb.forecast.models import make
from ccnb.forecast.profile import dispersion

__all__ = ["morning_forecast", "reforecast"]


def morning_forecast(series: pd.Series, day, freq="30min", calendar: pd.DataFrame | None = None, *,
                     country: str | None = None, queue: str | None = None, settings: Settings | None = None,
                     model: str = "daily_regression") -> pd.DataFrame:
    """The forecast of ``day`` made at its first instant from ``series`` before it (``model``).

    Returns a DataFrame indexed by the day's intervals (``ts``): ``yhat``, ``lo``, ``hi``.
    ``.attrs``: ``level_sd`` (the daily model's log-scale standard deviation for the day; 0.1
    for a model without one), ``kappa`` (over-dispersion of the intervals, inf = Poisson), ``model``.
    """
    st = settings or Settings()
    freq = pd.Timedelta(freq)
    start = pd.Timestamp(day).normalize()
    hist = truncate(series, start)
    if len(hist) == 0:
        raise ValueError(f"no history before {start:%Y-%m-%d}")
    feats = day_features(pd.date_range(pd.DatetimeIndex(hist.index).min().normalize(), start + pd.Timedelta(days=2)),
                         calendar, country, queue, weekend=st.weekend_days)
    h = prepare(hist, freq, calendar, country, queue, st, feats)
    index = pd.date_range(start, start + pd.Timedelta(days=1) - freq, freq=freq, name="ts")
    m = make(model).fit(h)
    fc = m.predict(index)
    sd = np.nan
    if hasattr(m, "_daily"):
        f = h.features(index.normalize().unique())
        _, s = m._daily(pd.DatetimeIndex([start]), f)
        sd = float(s.iloc[0]) * float(getattr(m, "sd_scale", 1.0))
    fc.attrs.update(level_sd=sd if np.isfinite(sd) else 0.1, kappa=dispersion(h, getattr(m, "prof", None)),
                    model=model)
    return fc


def reforecast(series: pd.Series, now, freq="30min", calendar: pd.DataFrame | None = None, *,
               morning: pd.DataFrame | None = None, country: str | None = None, queue: str | None = None,
               settings: Settings | None = None, model: str = "daily_regression") -> pd.DataFrame:
    """Reforecast the rest of ``now``'s day from the counts of ``series`` before ``now`` (module doc).

    ``series``: counts indexed by interval start (anything at or after ``now`` is ignored);
    ``morning``: the day's :func:`morning_forecast` (computed when None). Returns a DataFrame
    indexed by the intervals from ``now`` to the day's end (``ts``): ``yhat``, ``lo``, ``hi``
    (reforecast, expected counts), ``morning`` (the morning ``yhat``), and in ``.attrs``:
    ``observed`` (O), ``expected`` (E), ``ratio`` (O / E), ``weight`` (w), ``factor`` (r).
    """
    freq = pd.Timedelta(freq)
    now = pd.Timestamp(now).floor(freq)
    start = now.normalize()
    if morning is None:
        morning = morning_forecast(series, start, freq, calendar, country=country, queue=queue, settings=settings,
                                   model=model)
    seen = series[(pd.DatetimeIndex(series.index) >= start) & (pd.DatetimeIndex(series.index) < now)]
    so_far = morning[(morning.index >= start) & (morning.index < now)]
    O = float(to_grid(seen, freq).sum()) if len(seen) else 0.0
    E = float(so_far["yhat"].sum())
    s2 = float(morning.attrs.get("level_sd", 0.1)) ** 2
    kappa = float(morning.attrs.get("kappa", np.inf))
    if E > 0:
        v = 1.0 / E + (float((so_far["yhat"] ** 2).sum()) / E ** 2) / kappa
        w = s2 / (s2 + v)
        ratio = O / E
    else:
        w, ratio = 0.0, 1.0
    r = w * ratio + (1.0 - w)
    rest = morning[morning.index >= now]
    out = pd.DataFrame({"yhat": rest["yhat"] * r, "lo": rest["lo"] * r, "hi": rest["hi"] * r,
                        "morning": rest["yhat"]}, index=rest.index.rename("ts"))
    out.attrs.update(observed=O, expected=E, ratio=ratio, weight=w, factor=r)
    return out
