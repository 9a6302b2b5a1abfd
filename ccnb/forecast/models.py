"""Candidate forecasting models. Each is fitted on a :class:`~ccnb.forecast.history.History`
and predicts a future grid: ``yhat`` (expected count), ``lo``/``hi`` (prediction interval
at ``settings.pi_level``). Closed intervals (learned opening hours, holidays when the
center closes on them) are 0.

``seasonal_naive``
    the same interval one week earlier (the last valid week: a closed, partial or
    holiday day is skipped). The baseline every result is compared with. Interval:
    empirical quantiles of past week-on-week changes, scaled by sqrt(count).
``daily_ets``
    daily totals by exponential smoothing (statsmodels ``ETSModel``: additive errors,
    damped trend, weekly season, on log volume; holidays and events are ignored) times
    the intraday profile.
``daily_regression``
    log daily volume = level + trend x days + weekday effect + holiday periods, catch-up
    days after them, make-up workdays, business events from the ``calendar`` table (one
    effect per event name and per kind, ridge-shrunk towards 0) + annual Fourier terms (two
    harmonics, when the history covers more than a year); times the intraday profile.
    Robust to outlier and missing days, from the whole history: weekday effects are the
    median, per weekday, of the log deviation from the centred one-week mean of plain days;
    event and holiday effects a ridge regression on the deviation from a centred 29-day
    median; the level the median of the adjusted log volume over the last ``level_weeks``
    weeks; the trend the Theil-Sen slope of the adjusted log volume over the whole history
    (Theil 1950, Sen 1968); with annual terms, their coefficients by least squares of the
    event-adjusted log volume on a constant, a linear trend and the harmonics over the whole
    history. At lead k days: level(k) = L + w(k) x (recent level - L), L the long-run line, w(k) the
    persistence the history shows (:mod:`ccnb.forecast.level`). Spread: 1.4826 x MAD of one-step errors.
``mstl``
    statsmodels ``MSTL`` with daily and weekly seasons on the last ``mstl_weeks`` weeks,
    the deseasonalised series forecast by ETS with damped trend (as statsforecast's
    MSTL with an ETS trend forecaster).
``combination``
    the mean of ``daily_regression`` and ``daily_ets`` (intervals: mean of the bounds).

The daily models share the intraday profile and the simulated interval uncertainty of
:mod:`ccnb.forecast.profile`.

Why statsmodels: ETS and MSTL are maintained there with forecast variances, and the
project already depends on it; statsforecast needs pandas < 3.
"""
from __future__ import annotations

import warnings
import zlib

import numpy as np
import pandas as pd
from scipy import stats

from ccnb.forecast.calendar import event_columns
from ccnb.forecast.history import History
from ccnb.forecast.level import long_run_line, persistence
from ccnb.forecast.profile import DAILY_T_DF, day_index, profiles, simulate

MODELS = ("seasonal_naive", "daily_ets", "daily_regression", "mstl", "combination")


def _quiet():
    w = warnings.catch_warnings()
    w.__enter__()
    warnings.simplefilter("ignore")
    return w


class Model:
    """Fit on a History, predict a future grid."""

    name = "model"
    #: Weeks of history the model needs to be a candidate (fewer: it is left out, not fitted).
    min_weeks = 1

    def fit(self, h: History) -> "Model":
        self.h = h
        return self

    def predict(self, index: pd.DatetimeIndex) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def _future_feats(self, index: pd.DatetimeIndex) -> tuple[pd.DataFrame, np.ndarray]:
        days = index.normalize().unique()
        feats = self.h.features(days)
        return feats, self.h.open_mask(index, feats)


# --------------------------------------------------------------------------- seasonal naive
class SeasonalNaive(Model):
    name = "seasonal_naive"

    def predict(self, index):
        h = self.h
        feats, open_m = self._future_feats(index)
        mat = h.matrix()
        d = h.days
        usable = d["valid"].to_numpy(bool) & ~d["holiday"].to_numpy(bool)
        first = d.index[0]
        day, slot = day_index(index, h.spd, h.freq)
        out = np.zeros(len(index))
        cache: dict[pd.Timestamp, int | None] = {}
        for i, (dd, s) in enumerate(zip(day, slot)):
            if dd not in cache:
                src = None
                k = 1
                while True:
                    cand = dd - pd.Timedelta(weeks=k)
                    if cand < first:
                        break
                    j = (cand - first).days
                    if j < len(usable) and usable[j]:
                        src = j
                        break
                    k += 1
                cache[dd] = src
            j = cache[dd]
            out[i] = mat[j, s] if j is not None else 0.0
        out = np.where(open_m, out, 0.0)
        # interval: past week-on-week changes, scaled by sqrt(count)
        y = h.y.to_numpy()
        lag = 7 * h.spd
        recent = slice(max(lag, len(y) - 8 * lag), len(y))
        prev = y[recent.start - lag: recent.stop - lag]
        cur = y[recent]
        ok = (prev > 0) & (cur > 0)
        r = (cur[ok] - prev[ok]) / np.sqrt(prev[ok] + 1)
        a = (1 - h.settings.pi_level) / 2
        qlo, qhi = (np.quantile(r, [a, 1 - a]) if len(r) > 20 else (-2.0, 2.0))
        sc = np.sqrt(out + 1)
        return pd.DataFrame({"yhat": out, "lo": np.where(open_m, np.maximum(out + qlo * sc, 0), 0.0),
                             "hi": np.where(open_m, out + qhi * sc, 0.0)}, index=index)


# --------------------------------------------------------------------------- daily models x profile
def _ets_forecast(x: np.ndarray, steps: int, **spec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit statsmodels ETSModel on ``x``; return (one-step fitted values, mean, sd) for ``steps`` ahead."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    w = _quiet()
    try:
        res = ETSModel(pd.Series(np.asarray(x, float)), error="add", **spec).fit(disp=False)
        fitted = np.asarray(res.fittedvalues)
        if steps <= 0:
            return fitted, np.zeros(0), np.zeros(0)
        pred = res.get_prediction(start=len(x), end=len(x) + steps - 1)
        sf = pred.summary_frame(alpha=0.3173)  # +-1 sd
        mean = sf["mean"].to_numpy()
        sd = (sf["pi_upper"].to_numpy() - mean)
    finally:
        w.__exit__(None, None, None)
    return fitted, mean, np.maximum(sd, 1e-6)


class _DailyProfile(Model):
    """Daily lognormal forecast x intraday profile. Subclasses: ``_fit_daily(h)``, ``_daily(days, feats)``.

    The daily spread is calibrated on the history itself: the daily model is refitted
    without the last ``calibration_days`` days and forecasts them, and again a further
    ``calibration_days`` back; the ``pi_level`` quantile of the absolute standardised errors
    over the same quantile of the Student t the daily volumes are drawn from (shrunk towards
    1 by ten pseudo-days, kept in [0.5, 3]) scales every forecast's standard deviation, so
    that the daily interval covers ``pi_level`` of the hold-out days. In-sample spreads are
    too narrow out of sample (parameters are estimated, many event effects rest on one day).
    """

    sd_scale = 1.0

    def fit(self, h):
        super().fit(h)
        self.prof = profiles(h)
        self._fit_daily(h)
        self.sd_scale = self._calibrate(h)
        return self

    def _fit_daily(self, h: History) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _daily(self, fdays: pd.DatetimeIndex, feats: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        raise NotImplementedError  # pragma: no cover

    def _calibrate(self, h: History) -> float:
        n_cal = int(h.settings.calibration_days)
        d = h.days
        zs: list[np.ndarray] = []
        for k in (1, 2):
            if n_cal <= 0 or len(d) < k * n_cal + 8 * 7:
                break
            cut = d.index[-1] - pd.Timedelta(days=k * n_cal - 1)
            test = d[(d.index >= cut) & (d.index < cut + pd.Timedelta(days=n_cal)) & d["valid"]]
            if len(test) < 5:
                continue
            sub = type(self)()
            sub.h = h.head(cut)
            try:
                sub._fit_daily(sub.h)
                mu, sd = sub._daily(pd.DatetimeIndex(test.index), d)
            except Exception:  # noqa: BLE001 - too little history for the shorter fit: skip it
                continue
            z = (np.log(test["total"].to_numpy(float)) - mu.to_numpy()) / sd.to_numpy()
            zs.append(z[np.isfinite(z)])
        if not zs:
            return 1.0
        z = np.concatenate(zs)
        # the daily interval at the nominal level: the hold-out days' |z| quantile over Student t's (the draws
        # of :func:`~ccnb.forecast.profile.simulate`), shrunk towards 1 by ten pseudo-days
        q = float(np.quantile(np.abs(z), h.settings.pi_level)) / stats.t.ppf(0.5 + h.settings.pi_level / 2, DAILY_T_DF)
        c = (len(z) * q + 10.0) / (len(z) + 10.0)
        return float(np.clip(c, 0.5, 3.0))

    def predict(self, index):
        feats, open_m = self._future_feats(index)
        day = index.normalize()
        open_days = pd.DatetimeIndex(pd.Series(day[open_m]).unique())
        mu, sd = self._daily(open_days, feats)
        return simulate(self.h, index, mu, sd * self.sd_scale, self.prof, feats, open_m,
                         seed_key=zlib.crc32(self.name.encode()))


class DailyETS(_DailyProfile):
    name = "daily_ets"
    min_weeks = 3

    def _fit_daily(self, h):
        pass

    def _daily(self, fdays, feats):
        d = self.h.days
        v = d[d["valid"] & ~d["holiday"]]
        x = np.log(v["total"].to_numpy(float))
        # weekday effects: mean log deviation of each weekday over the last profile_weeks weeks
        recent = v.index >= v.index[-1] - pd.Timedelta(weeks=self.h.settings.profile_weeks) if len(v) else []
        dev = pd.Series(x - pd.Series(x).rolling(7, min_periods=1, center=True).mean().to_numpy(), index=v.index)
        eff = dev[recent].groupby(v["dow"][recent]).mean() if len(v) else pd.Series(dtype=float)
        eff = eff - eff.mean() if len(eff) else eff
        adj = x - eff.reindex(v["dow"]).fillna(0.0).to_numpy()
        _, mean, sd = _ets_forecast(adj, len(fdays), trend="add", damped_trend=True)
        f = feats.reindex(fdays)
        back = eff.reindex(f["dow"]).fillna(0.0).to_numpy()
        wk = list(self.h.workdays)
        back = np.where(f["makeup"].to_numpy(bool), eff.reindex(wk).mean() if len(eff) else 0.0, back)
        return pd.Series(mean + back, index=fdays), pd.Series(sd, index=fdays)


def _effects(feats: pd.DataFrame, cols: list[str], fourier: bool) -> np.ndarray:
    """Regressors besides the weekday: holiday period, make-up day, catch-up days, holidays by name,
    events (``cols``), and two annual harmonics when ``fourier``; one row per day of ``feats``."""
    parts = [feats["holiday"].to_numpy(float)[:, None], feats["makeup"].to_numpy(float)[:, None],
             feats["post1"].to_numpy(float)[:, None], feats["post2"].to_numpy(float)[:, None]]
    names = [c for c in cols if c.startswith("hol:")]
    if names:
        hn = feats["holiday_name"].to_numpy()
        parts.append(np.stack([(hn == c[4:]).astype(float) for c in names], axis=1))
    ev = [c for c in cols if not c.startswith("hol:")]
    if ev:
        parts.append(feats.reindex(columns=ev).fillna(0.0).to_numpy(float))
    if fourier:
        doy = feats.index.day_of_year.to_numpy() / 365.25
        parts.append(np.stack([f(2 * np.pi * k * doy) for k in (1, 2) for f in (np.sin, np.cos)], axis=1))
    return np.hstack(parts)


class DailyRegression(_DailyProfile):
    name = "daily_regression"
    min_weeks = 3

    def _weekday(self, feats: pd.DataFrame) -> np.ndarray:
        """The weekday effect of each day (log scale): 0 in a holiday period, the workdays' mean on a make-up day."""
        w = self.dow_eff.reindex(feats["dow"].to_numpy()).fillna(0.0).to_numpy()
        wk = self.dow_eff.reindex(list(self.h.workdays)).dropna()
        w = np.where(feats["makeup"].to_numpy(bool), float(wk.mean()) if len(wk) else 0.0, w)
        return np.where(feats["holiday"].to_numpy(bool), 0.0, w)

    def _fit_daily(self, h):
        st = h.settings
        d = h.days
        v = d[d["valid"]]
        if len(v) == 0:
            raise ValueError("no valid day in the history")
        y = pd.Series(np.log(v["total"].to_numpy(float)), index=v.index)
        seen_ev = [c for c in event_columns(v) if np.abs(v[c].to_numpy()).sum() > 0]
        seen_hol = sorted({f"hol:{n}" for n in v.loc[v["holiday"], "holiday_name"] if n})
        self.cols = seen_hol + seen_ev
        span = (v.index[-1] - v.index[0]).days
        self.fourier = bool(st.annual and span >= st.annual_min_days)
        X = _effects(v, self.cols, self.fourier)
        n_f = 4 if self.fourier else 0
        plain = np.abs(X[:, :X.shape[1] - n_f]).sum(axis=1) == 0
        # weekday effects: median log deviation from the centred one-week mean of plain days
        wmean = y.where(plain).rolling("7D", center=True, min_periods=3).mean()
        dev = (y - wmean)[plain]
        self.dow_eff = dev.groupby(v["dow"][plain]).median().reindex(range(7))
        base = y - self._weekday(v)
        # event and holiday effects: ridge on the deviation from a centred 29-day median of plain days
        local = base.where(plain).rolling("29D", center=True, min_periods=5).median()
        local = local.interpolate(limit_direction="both").fillna(base.median())
        pen = np.r_[np.full(X.shape[1] - n_f, st.event_penalty), np.full(n_f, 1.0)]
        self.beta = np.linalg.solve(X.T @ X + np.diag(pen), X.T @ (base - local).to_numpy())
        if n_f:
            # the annual season from the whole history: least squares of the event-adjusted log volume on a
            # constant, a linear trend and the harmonics (the 29-day median above absorbs the season)
            k = X.shape[1] - n_f
            ev_adj = base - X[:, :k] @ self.beta[:k]
            tt = (v.index - v.index[0]).days.to_numpy(float)[:, None] / 365.25
            A = np.hstack([np.ones((len(v), 1)), tt, X[:, k:]])
            coef = np.linalg.lstsq(A, ev_adj.to_numpy(), rcond=None)[0]
            self.beta[k:] = coef[2:]
        adj = base - X @ self.beta
        # level (median of the last weeks), trend (Theil-Sen over the whole history), spread
        self.last = v.index[-1]
        t = (adj.index - self.last).days.to_numpy(float)
        win = t > -7 * st.level_weeks
        self.level = float(np.median(adj[win]))
        self.tmid = float(np.median(t[win]))
        self.slope = float(stats.theilslopes(adj.to_numpy(), t)[0]) if len(adj) >= 14 else 0.0
        # the long-run line and the recent level's deviation from it (shrunk at long leads in ``_daily``)
        self.line, self.w = long_run_line(adj, t, self.slope), np.ones(1)
        self.dev, self.shift = adj - (self.line + self.slope * t), self.level - self.slope * self.tmid - self.line
        prior = adj.rolling(f"{7 * st.level_weeks}D", closed="left", min_periods=3).median()
        e = (adj - prior).dropna().to_numpy()
        if len(e) >= 5:
            self.sd = float(1.4826 * np.median(np.abs(e - np.median(e))))
        else:
            self.sd = float(np.std(adj)) if len(adj) > 1 else 0.1
        self.sd = max(self.sd, 1e-3)

    def persistence(self, lead) -> np.ndarray:
        """w(lead) of :func:`~ccnb.forecast.level.persistence` for leads in days (1 without ``level_shrink``)."""
        st = self.h.settings
        k = np.clip(np.asarray(lead, float), 0, None).astype(int)
        if not st.level_shrink or len(k) == 0:
            return np.ones(len(k))
        if k.max() >= len(self.w):
            self.w = persistence(self.dev, 7 * st.level_weeks, int(k.max()), st.level_band_days, st.level_min_pairs)
        return self.w[k]

    def _daily(self, fdays, feats):
        f = feats.reindex(fdays)
        t = (fdays - self.last).days.to_numpy(float)
        w = self.persistence(t)
        mu = (self.level + self.slope * (t - self.tmid) - (1.0 - w) * self.shift + self._weekday(f)
              + _effects(f, self.cols, self.fourier) @ self.beta)
        return pd.Series(mu, index=fdays), pd.Series(self.sd, index=fdays)


# --------------------------------------------------------------------------- MSTL
class MSTLModel(Model):
    name = "mstl"
    min_weeks = 3

    def fit(self, h):
        from statsmodels.tsa.seasonal import MSTL

        super().fit(h)
        obs = h.y[h.y.index < h.origin]
        self.last_ts = obs.index[-1]
        n = min(len(obs), h.settings.mstl_weeks * 7 * h.spd)
        x = obs.to_numpy()[-n:]
        w = _quiet()
        try:
            # one inner loop, no robustness loop: 5x faster, same decomposition on call-center counts
            res = MSTL(x, periods=(h.spd, 7 * h.spd), stl_kwargs={"inner_iter": 1, "outer_iter": 0}).fit()
        finally:
            w.__exit__(None, None, None)
        seas = np.asarray(res.seasonal)
        self.seasonal = seas if seas.ndim == 2 else seas[:, None]
        self.deseason = x - self.seasonal.sum(axis=1)
        self.resid_sd = float(np.std(np.asarray(res.resid)))
        return self

    def predict(self, index):
        h = self.h
        feats, open_m = self._future_feats(index)
        steps = int((index[-1] - self.last_ts) / h.freq)
        _, mean, sd = _ets_forecast(self.deseason, steps, trend="add", damped_trend=True)
        pos = np.asarray((index - self.last_ts) / h.freq, dtype=int) - 1
        n = len(self.deseason)
        season = np.zeros(len(index))
        for j, period in enumerate((h.spd, 7 * h.spd)):
            comp = self.seasonal[:, j] if j < self.seasonal.shape[1] else np.zeros(n)
            last = comp[-period:]
            season += last[pos % period]  # the last whole cycle, repeated
        yhat = np.where(open_m, np.maximum(mean[pos] + season, 0.0), 0.0)
        z = stats.norm.ppf(0.5 + h.settings.pi_level / 2)
        s = np.sqrt(sd[pos] ** 2 + self.resid_sd ** 2)
        return pd.DataFrame({"yhat": yhat, "lo": np.where(open_m, np.maximum(yhat - z * s, 0), 0.0),
                             "hi": np.where(open_m, yhat + z * s, 0.0)}, index=index)


# --------------------------------------------------------------------------- combination
class Combination(Model):
    name = "combination"
    min_weeks = 3
    members = (DailyRegression, DailyETS)

    def fit(self, h):
        super().fit(h)
        self.fitted = [m().fit(h) for m in self.members]
        return self

    def predict(self, index):
        fc = [m.predict(index) for m in self.fitted]
        return sum(fc) / len(fc)


REGISTRY = {m.name: m for m in (SeasonalNaive, DailyETS, DailyRegression, MSTLModel, Combination)}


def min_weeks(name: str) -> int:
    """Weeks of history ``name`` needs to be a candidate (``Model.min_weeks``)."""
    make(name)
    return int(REGISTRY[name].min_weeks)


def fits_history(name: str, days: float) -> bool:
    """Whether ``days`` of history are enough for model ``name``."""
    return days >= 7 * min_weeks(name)


def make(name: str) -> Model:
    try:
        return REGISTRY[name]()
    except KeyError:
        raise ValueError(f"unknown forecasting model {name!r}; expected one of {', '.join(REGISTRY)}") from None
