"""The month's forecasting and staffing run behind ``notebooks/10_forecast_staffing.ipynb``.

:func:`run` does everything once (the notebook's cells only show parts of it):

1. offered contacts per queue and interval, aggregated in the engine, up to the report
   month's end (:func:`~ccnb.forecast.series.interval_series`), and the calendar;
2. per queue and for the whole center: a rolling-origin backtest of the candidate models
   (``forecast.models``, ``forecast.backtest_origins`` weekly origins, ``forecast.backtest_horizon_days``)
   and the model with the lowest WAPE;
3. with that model: the forecast the center would have had for the report month (fitted on
   the data before it) against what happened, and the forecast for the ``horizon_days``
   after the month (the plan covers the next calendar month). Prediction intervals are
   calibrated on a backtest (:func:`~ccnb.forecast.backtest.interval_scale`: bounds moved
   so that they covered ``pi_level`` of the backtest's open intervals): the plan's on the
   model-choice backtest, the report month's on a backtest of the chosen model on the data
   before the month (the same origins and horizon, shifted to end there: nothing of the
   month is used);
4. staffing for the plan month: AHT per time of day, patience, shrinkage, required and
   scheduled agents per interval, FTE, the what-if table (:mod:`ccnb.staffing.plan`);
5. the report month: required (hindsight) vs staffed per desk (agents who share queues) and
   interval, and per queue as its share of the desk (:mod:`ccnb.staffing.actual`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ccnb.core import exports
from ccnb.forecast import forecast as _forecast
from ccnb.forecast.backtest import backtest, choose, interval_scale, rescale_intervals
from ccnb.forecast.calendar import day_features
from ccnb.forecast.history import Settings, truncate
from ccnb.forecast.series import aht_profile, calendar_table, interval_series, patience, series_of
from ccnb.staffing import actual as _actual
from ccnb.staffing import plan as _plan

#: Key of the whole-center series in the run's dictionaries.
CENTER = "all"


@dataclass
class MonthRun:
    """Results of :func:`run`; DataFrames documented at their producers."""

    month: pd.Period
    plan_month: pd.Period
    queues: list[str]
    channels: dict[str, str]
    series: pd.DataFrame                    # interval_series rows
    calendar: pd.DataFrame
    backtests: dict[str, pd.DataFrame]      # key (queue or CENTER) -> backtest table
    chosen: dict[str, str]                  # key -> model name
    forecasts: pd.DataFrame                 # key, ts, yhat, lo, hi, model (after the month)
    last_month: pd.DataFrame                # key, ts, yhat, lo, hi, model, y, naive (the report month)
    aht: pd.DataFrame                       # queue, time_of_day, aht_s
    patience: pd.Series                     # queue -> mean patience (s)
    shrinkage_measured: pd.DataFrame
    shrinkage_used: float | pd.Series
    plan: pd.DataFrame                      # requirements for the plan month
    fte: dict
    what_if: pd.DataFrame
    compare: _actual.Comparison             # last month required vs staffed, per desk and per queue
    notes: list[str] = field(default_factory=list)

    def daily(self, frame: str = "forecasts", key: str = CENTER) -> pd.DataFrame:
        """Daily sums of a forecast frame for ``key`` (``yhat``, ``lo``, ``hi`` summed; ``y`` if present).

        Daily bounds are the sums of interval bounds (wider than a true daily interval).
        """
        d = getattr(self, frame)
        d = d[d["key"] == key]
        cols = [c for c in ("yhat", "lo", "hi", "y") if c in d.columns]
        return d.groupby(d["ts"].dt.normalize())[cols].sum().rename_axis("date")


def _keys(series: pd.DataFrame, params) -> list[str]:
    order = list(params.center.queues)
    present = list(series["queue"].unique())
    return [q for q in order if q in present] + sorted(q for q in present if q not in order)


def run(tables, params, month=None, *, models=None, origins: int | None = None) -> MonthRun:
    """The month's run (see the module doc). ``month`` defaults to the tables' month."""
    m = pd.Period(str(month or tables.month), "M")
    nxt = m + 1
    st = Settings.from_params(params)
    freq = pd.Timedelta(minutes=params.center.interval_minutes)
    country = params.center.country
    f = params.forecast
    models = list(models or f.models)
    n_orig = int(origins or f.backtest_origins)
    series = interval_series(tables, params, end=(m + 1).start_time)
    cal = calendar_table(tables)
    queues = _keys(series, params)
    channels = series.drop_duplicates("queue").set_index("queue")["channel"].to_dict()
    horizon = pd.Timedelta(days=f.horizon_days)
    backtests, chosen, fcs, last = {}, {}, [], []
    for key in queues + [CENTER]:
        q = None if key == CENTER else key
        s = series_of(series, q)
        bt, bt_fc = backtest(s, freq, n_orig, f.backtest_horizon_days, models, calendar=cal, country=country,
                             queue=q, settings=st, return_forecasts=True)
        backtests[key] = bt
        chosen[key] = choose(bt)
        fc = _forecast(s, horizon, freq, cal, chosen[key], country=country, queue=q, settings=st)
        fc = rescale_intervals(fc, interval_scale(bt_fc, chosen[key], st.pi_level))
        fcs.append(fc.reset_index().assign(key=key))
        before = truncate(s, m.start_time)
        if len(before) > 0 and (m.start_time - before.index.min()).days >= 28:
            lm = _forecast(before, pd.Timedelta(days=m.days_in_month), freq, cal, chosen[key], country=country,
                           queue=q, settings=st)
            _, lm_bt = backtest(before, freq, n_orig, f.backtest_horizon_days, [chosen[key]], calendar=cal,
                                country=country, queue=q, settings=st, return_forecasts=True)
            lm = rescale_intervals(lm, interval_scale(lm_bt, chosen[key], st.pi_level))
            lm = lm.reset_index().assign(key=key)
            lm["y"] = s.reindex(pd.DatetimeIndex(lm["ts"])).fillna(0.0).to_numpy()
            # the baseline's forecast for the same month, for comparison
            nv = _forecast(before, pd.Timedelta(days=m.days_in_month), freq, cal, "seasonal_naive", country=country,
                           queue=q, settings=st)
            lm["naive"] = nv["yhat"].to_numpy()
            last.append(lm)
    forecasts = pd.concat(fcs, ignore_index=True)
    last_month = pd.concat(last, ignore_index=True) if last else pd.DataFrame(
        columns=["key", "ts", "yhat", "lo", "hi", "model", "y"])

    # --- staffing inputs
    aht = []
    for q in queues:
        a = aht_profile(series, q, weeks=params.staffing.aht_weeks, end=(m + 1).start_time)
        aht.append(pd.DataFrame({"queue": q, "time_of_day": a.index, "aht_s": a.to_numpy(),
                                 "queue_aht_s": a.attrs.get("queue_aht_s", np.nan)}))
    aht = pd.concat(aht, ignore_index=True)
    p_from = (m - (params.staffing.patience_months - 1)).start_time
    pat = patience(series[series["ts"] >= p_from])["patience_s"]
    if params.staffing.patience_s is not None:
        pat = pd.Series(float(params.staffing.patience_s), index=queues)
    use_pat = pat.dropna() if params.staffing.model == "erlang_a" else None
    if use_pat is not None and use_pat.empty:
        use_pat = None
    shr_m = _plan.measured_shrinkage(tables, m.start_time, (m + 1).start_time)
    if params.staffing.shrinkage_source == "measured" and not shr_m.empty:
        shr_used: float | pd.Series = shr_m["shrinkage"].drop(index="center", errors="ignore")
        shr_used = shr_used.reindex(queues).fillna(float(shr_m.loc["center", "shrinkage"]))
    else:
        shr_used = float(params.staffing.shrinkage)

    fq = forecasts[(forecasts["key"] != CENTER) & (forecasts["ts"] >= nxt.start_time) &
                   (forecasts["ts"] < (nxt + 1).start_time)].copy()
    plan_in = fq.rename(columns={"key": "queue", "yhat": "calls"})
    plan_in["channel"] = plan_in["queue"].map(channels)
    tod = plan_in["ts"] - plan_in["ts"].dt.normalize()
    plan_in = plan_in.assign(time_of_day=tod).merge(aht[["queue", "time_of_day", "aht_s"]], on=["queue", "time_of_day"],
                                                    how="left")
    qa = aht.drop_duplicates("queue").set_index("queue")["queue_aht_s"]
    plan_in["aht_s"] = plan_in["aht_s"].fillna(plan_in["queue"].map(qa)).fillna(float(qa.mean()))
    plan_in = plan_in[["queue", "channel", "ts", "calls", "lo", "hi", "aht_s", "model"]]
    pl = _plan.requirements(plan_in, params, patience=use_pat, shrinkage=shr_used)
    fte = _plan.fte(pl, params)
    wi = _plan.what_if(plan_in, params, patience=use_pat, shrinkage=shr_used)
    cmp = _actual.compare(tables, m, params, series, patience=pat.dropna() if pat.notna().any() else None)
    notes = []
    if params.staffing.model == "erlang_a" and use_pat is None:
        notes.append("no_patience")
    return MonthRun(month=m, plan_month=nxt, queues=queues, channels=channels, series=series, calendar=cal,
                    backtests=backtests, chosen=chosen, forecasts=forecasts, last_month=last_month, aht=aht,
                    patience=pat, shrinkage_measured=shr_m, shrinkage_used=shr_used, plan=pl, fte=fte, what_if=wi,
                    compare=cmp, notes=notes)


# --------------------------------------------------------------------------- what managers read
def peak_summary(r: MonthRun, params) -> dict:
    """Headline staffing figures for the plan month.

    ``mean_peak``: mean over the plan month's days of the day's highest interval of scheduled
    agents (all queues); ``normal_peak``: the same over days without events or holidays;
    ``event``: the calendar event whose day has the highest peak (name, date, peak, ``extra``
    = its peak - ``normal_peak``), or None; ``fte``: FTE for the month; ``calls``: forecast
    contacts in the month.
    """
    peaks = _plan.daily_peaks(r.plan, "scheduled")
    feats = day_features(peaks.index, r.calendar, params.center.country)
    ev_cols = [c for c in feats.columns if c.startswith("ev:") and not c.endswith(":*")]
    has_ev = feats[ev_cols].sum(axis=1) > 0 if ev_cols else pd.Series(False, index=feats.index)
    normal = ~has_ev & ~feats["holiday"] & ~feats["post1"] & ~feats["post2"]
    normal_peak = float(peaks.loc[normal, "peak"].mean()) if normal.any() else float(peaks["peak"].mean())
    event = None
    promo = [c for c in ev_cols if c.startswith("ev:promotion:")]
    cand = peaks[feats[promo].sum(axis=1) > 0] if promo else peaks.iloc[0:0]
    if len(cand):
        day = cand["peak"].idxmax()
        names = [c.split(":", 2)[2] for c in promo if feats.loc[day, c] > 0]
        event = {"name": names[0], "date": day, "peak": float(cand.loc[day, "peak"]),
                 "extra": float(cand.loc[day, "peak"] - normal_peak), "calls": float(cand.loc[day, "calls"]),
                 "peak_ts": cand.loc[day, "peak_ts"]}
    monthly = r.fte["monthly"]
    return {"mean_peak": float(peaks["peak"].mean()), "normal_peak": normal_peak, "event": event,
            "fte": float(monthly["fte"].iloc[0]) if len(monthly) else float("nan"),
            "calls": float(r.plan["calls"].sum()), "peaks": peaks}


def accuracy_table(r: MonthRun) -> pd.DataFrame:
    """Per series: chosen model and its backtest figures beside the seasonal naive's.

    Columns: ``key``, ``model``, ``wape``, ``mase``, ``bias``, ``pi_coverage``, ``wape_daily``,
    ``naive_wape``, ``naive_mase``, ``beats_naive`` (bool).
    """
    rows = []
    for key, bt in r.backtests.items():
        b = bt.set_index("model")
        c = r.chosen[key]
        nv = b.loc["seasonal_naive"] if "seasonal_naive" in b.index else None
        if c not in b.index:   # too little history to test any model: nothing measured
            b = b.reindex(list(b.index) + [c])
        rows.append({"key": key, "model": c, "wape": b.loc[c, "wape"], "mase": b.loc[c, "mase"],
                     "bias": b.loc[c, "bias"], "pi_coverage": b.loc[c, "pi_coverage"],
                     "wape_daily": b.loc[c, "wape_daily"],
                     "naive_wape": nv["wape"] if nv is not None else np.nan,
                     "naive_mase": nv["mase"] if nv is not None else np.nan})
    t = pd.DataFrame(rows)
    t["beats_naive"] = t["wape"] <= t["naive_wape"]
    return t


def last_month_accuracy(r: MonthRun) -> pd.DataFrame:
    """The report month's forecast (made before it) against actuals, per series: ``wape`` (interval),
    ``wape_daily``, ``naive_wape``, ``naive_wape_daily`` (the weekly seasonal naive's, same month),
    ``bias``, ``pi_coverage``, ``forecast``, ``actual`` (contacts)."""
    rows = []
    for key, g in r.last_month.groupby("key", sort=False):
        y, yh = g["y"].to_numpy(float), g["yhat"].to_numpy(float)
        dy = g.groupby(g["ts"].dt.normalize())[["y", "yhat"]].sum()
        open_i = (yh > 0) | (y > 0)
        nv = g["naive"].to_numpy(float) if "naive" in g else np.full(len(g), np.nan)
        dn = g.groupby(g["ts"].dt.normalize())["naive"].sum() if "naive" in g else dy["y"] * np.nan
        rows.append({"key": key, "model": g["model"].iloc[0], "wape": np.abs(y - yh).sum() / max(y.sum(), 1),
                     "wape_daily": (dy["y"] - dy["yhat"]).abs().sum() / max(dy["y"].sum(), 1),
                     "naive_wape": np.abs(y - nv).sum() / max(y.sum(), 1),
                     "naive_wape_daily": (dy["y"] - dn).abs().sum() / max(dy["y"].sum(), 1),
                     "bias": (yh.sum() - y.sum()) / max(y.sum(), 1),
                     "pi_coverage": float(((y >= g["lo"]) & (y <= g["hi"]))[open_i].mean()) if open_i.any() else np.nan,
                     "forecast": yh.sum(), "actual": y.sum()})
    return pd.DataFrame(rows, columns=["key", "model", "wape", "wape_daily", "naive_wape", "naive_wape_daily", "bias",
                                       "pi_coverage", "forecast", "actual"])


def planner_csv(r: MonthRun) -> pd.DataFrame:
    """The planners' file: one row per queue and interval of the plan month.

    ``queue``, ``date``, ``interval_start`` (HH:MM), ``forecast_contacts``, ``forecast_low``,
    ``forecast_high`` (prediction interval), ``aht_s``, ``traffic_erlangs``, ``required_agents``,
    ``scheduled_agents``, ``expected_service_level``, ``model``.
    """
    p = r.plan
    return pd.DataFrame({
        "queue": p["queue"], "date": p["ts"].dt.strftime("%Y-%m-%d"), "interval_start": p["ts"].dt.strftime("%H:%M"),
        "forecast_contacts": p["calls"].round(2), "forecast_low": p["lo"].round(0), "forecast_high": p["hi"].round(0),
        "aht_s": p["aht_s"].round(1), "traffic_erlangs": p["traffic"].round(3), "required_agents": p["required"],
        "scheduled_agents": p["scheduled"], "expected_service_level": p["service_level"].round(4),
        "model": p["model"],
    })


def write_planner_csv(r: MonthRun, folder) -> Path:
    """Write :func:`planner_csv` to ``folder/forecast_staffing_<plan month>.csv`` (UTF-8 with BOM, opens in Excel)."""

    path = Path(folder) / f"forecast_staffing_{r.plan_month}.csv"
    exports.write_csv(planner_csv(r), path)
    return path
