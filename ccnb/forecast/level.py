"""The daily level of :class:`~ccnb.forecast.models.DailyRegression` at each lead: the recent level, shrunk
toward the long-run line by as much as the history shows recent deviations fade.

All quantities are on the log daily volume adjusted for weekday, holiday, event and annual effects
(``adj``, one value per valid day; t in days).

``long-run line``
    L(t) = a + b t: b the Theil-Sen slope over the whole history, a = median(adj_t - b t).
``recent deviation``
    r_t = median of (adj_s - L(s)) over the trailing window t - ``window`` < s <= t (at least 3 days):
    what the last ``level_weeks`` weeks say about the level, as a deviation from the line.
``persistence``
    w(k) for lead k days: the least-squares slope, without intercept, of the deviation k days later on
    the recent deviation, over every pair of history days (t, t + k), pooled over the leads
    k - ``band`` .. k + ``band`` (a week's band averages out weekday noise):
    w(k) = sum r_t (adj_(t+k) - L(t+k)) / sum r_t^2, kept in [0, 1] and made non-increasing in k
    (a deviation does not come back at longer leads). w(k) = 1 (the recent level kept) while fewer than
    ``min_pairs`` pairs exist.
``level at lead k``
    L(t) + w(k) x D, D = the recent level's deviation from the line at the window's middle day. A level
    that moves like a random walk (w near 1) keeps its recent value; a level that wanders around a
    stable line (w near 0) is forecast from the line at long leads, where two weeks' median is mostly noise.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def long_run_line(adj: pd.Series, t: np.ndarray, slope: float) -> float:
    """Intercept a of the long-run line L(t) = a + slope x t: median of adj_t - slope x t (log volume)."""
    return float(np.median(adj.to_numpy(float) - slope * np.asarray(t, float)))


def persistence(dev: pd.Series, window_days: int, max_lead: int, band: int = 3, min_pairs: int = 30) -> np.ndarray:
    """w(0..max_lead) (see the module doc) from ``dev``: adj - L per valid day (DatetimeIndex of days).

    w[0] = 1. Formula per lead k: sum r_t d_(t+j) / sum r_t^2 over j in [k - band, k + band], j >= 1,
    r the trailing ``window_days`` median of ``dev`` (>= 3 days), d = ``dev``; clipped to [0, 1], then
    the running minimum over k. Deterministic; O(max_lead x days).
    """
    w = np.ones(max_lead + 1)
    if len(dev) == 0 or max_lead < 1:
        return w
    dev = dev.sort_index()
    r = dev.rolling(f"{int(window_days)}D", min_periods=3).median()
    days = pd.date_range(dev.index[0], dev.index[-1], freq="D")
    d = dev.reindex(days).to_numpy(float)
    rr = r.reindex(days).to_numpy(float)
    n = len(days)
    top = max_lead + band
    num, den, cnt = np.zeros(top + 1), np.zeros(top + 1), np.zeros(top + 1)
    for j in range(1, min(top, n - 1) + 1):
        x, y = rr[:-j], d[j:]
        ok = np.isfinite(x) & np.isfinite(y)
        num[j], den[j], cnt[j] = float((x[ok] * y[ok]).sum()), float((x[ok] ** 2).sum()), int(ok.sum())
    for k in range(1, max_lead + 1):
        sl = slice(max(1, k - band), k + band + 1)
        if cnt[sl].sum() >= min_pairs and den[sl].sum() > 0:
            w[k] = float(np.clip(num[sl].sum() / den[sl].sum(), 0.0, 1.0))
    return np.minimum.accumulate(w)
