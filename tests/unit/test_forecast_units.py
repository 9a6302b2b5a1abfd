"""Forecasting building blocks on small hand-made series: calendar, opening hours, metrics, models,
leakage and determinism."""
import numpy as np
import pandas as pd
import pytest

from ccnb.forecast import Settings, backtest, day_features, forecast, prepare
from ccnb.forecast.backtest import origins_for, score, snaive_scale
from ccnb.forecast.models import make


# --------------------------------------------------------------------------- synthetic series
def weekday_center(days=84, start="2026-01-05", level=100.0, noise=0.0, seed=0, freq="30min"):
    """Open Monday-Friday 08:00-20:00; daily volume by weekday x a fixed intraday hump."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, periods=days * 48, freq=freq)
    tod = (idx - idx.normalize()) / pd.Timedelta(hours=1)
    open_ = (idx.day_of_week < 5) & (tod >= 8) & (tod < 20)
    shape = np.exp(-((tod - 13) ** 2) / 18)
    wd = np.array([1.2, 1.0, 0.95, 0.95, 0.9, 0, 0])[idx.day_of_week]
    lam = level * wd * shape * open_
    y = rng.poisson(lam) if noise else lam
    return pd.Series(np.asarray(y, float), index=idx)[open_]  # closed intervals absent, as in real exports


# --------------------------------------------------------------------------- calendar
def test_day_features_chinese_national_day_2025():
    f = day_features(pd.date_range("2025-09-26", "2025-10-14"), None, "CN")
    hol = f.index[f["holiday"]]
    assert list(hol) == list(pd.date_range("2025-10-01", "2025-10-08"))
    assert set(f.loc[hol, "holiday_name"]) == {"National Day"}
    # the weekends worked in exchange (holidays package: "substituted from 09/28/2025", "10/11/2025")
    assert list(f.index[f["makeup"]]) == [pd.Timestamp("2025-09-28"), pd.Timestamp("2025-10-11")]
    assert f.loc["2025-09-28", "daytype"] == "weekday" and f.loc["2025-10-03", "daytype"] == "holiday"
    assert list(f.index[f["post1"]]) == [pd.Timestamp("2025-10-09")]
    assert list(f.index[f["post2"]]) == [pd.Timestamp("2025-10-10")]


def test_day_features_events_from_the_calendar_table_and_queue_filter():
    cal = pd.DataFrame({"date": pd.to_datetime(["2026-11-11", "2026-11-01", "2026-11-02", "2026-11-05"]),
                        "kind": ["promotion", "billing", "outage", "holiday"],
                        "name": ["Singles Day 11.11", "Monthly billing run", "Network outage", "Company day"],
                        "queue": [None, "billing", "tech_support", None]})
    f = day_features(pd.date_range("2026-10-30", "2026-11-13"), cal, None, queue="billing")
    assert f.loc["2026-11-11", "ev:promotion:Singles Day 11.11"] == 1.0
    assert f["ev:promotion:Singles Day 11.11"].sum() == 1.0
    assert f.loc["2026-11-01", "ev:billing:*"] == 1.0
    assert f.loc["2026-11-02", "after1:billing"] == 1.0 and f.loc["2026-11-03", "after2:billing"] == 1.0
    assert not any(c.startswith("ev:outage") for c in f.columns)        # tech_support's outage left out
    assert f.loc["2026-11-05", "holiday"] and f.loc["2026-11-05", "holiday_name"] == "Company day"


# --------------------------------------------------------------------------- preparing a series
def test_opening_hours_and_closed_days_are_learned():
    h = prepare(weekday_center(), "30min")
    assert h.spd == 48
    assert not h.open_sow[5:].any()                         # weekends closed
    slots = np.flatnonzero(h.open_sow[0])
    assert slots[0] == 16 and slots[-1] == 39               # 08:00 .. 19:30
    assert h.days.index[-1] == pd.Timestamp("2026-03-27")  # the series ends on the last Friday
    assert h.days["closed"].sum() == 22                     # the 11 weekends inside it
    assert h.days["valid"].sum() == 60


def test_partial_days_are_left_out():
    s = weekday_center()
    cut = s[(s.index.normalize() == "2026-02-11") & (s.index.hour >= 11)]
    s = s.drop(cut.index)                                   # a data gap from 11:00 on a Wednesday
    s = s[s.index < "2026-03-20 12:00"]                     # and a last day cut at noon
    h = prepare(s, "30min")
    assert h.days.loc["2026-02-11", "partial"] and not h.days.loc["2026-02-11", "valid"]
    assert h.days.loc["2026-03-20", "partial"]
    assert h.days["partial"].sum() == 2


def test_five_minute_data_is_summed_to_the_interval():
    idx = pd.date_range("2026-01-05 08:00", periods=12, freq="5min")
    h = prepare(pd.Series(1.0, index=idx), "30min")
    assert h.y["2026-01-05 08:00"] == 6 and h.y["2026-01-05 08:30"] == 6 and h.y.sum() == 12


# --------------------------------------------------------------------------- metrics
def test_score_and_scale_by_hand():
    idx = pd.date_range("2026-01-05", periods=4, freq="30min")
    actual = pd.Series([10.0, 20.0, 0.0, 30.0], index=idx)
    fc = pd.DataFrame({"yhat": [12.0, 15.0, 0.0, 30.0], "lo": [9.0, 16.0, 0.0, 20.0], "hi": [14.0, 19.0, 0.0, 40.0]},
                      index=idx)
    s = score(actual, fc, scale=2.0, scale_daily=4.0)
    assert s["abs_err"] == 7 and s["y"] == 60 and s["err"] == -3
    assert s["mae"] == pytest.approx(7 / 3)                 # MASE's error: open intervals only (not the closed one)
    assert s["covered"] == 2 and s["n_open"] == 3            # the closed interval is not counted
    assert s["abs_err_daily"] == 3
    week = pd.date_range("2026-01-05", periods=14, freq="D")
    y = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 2, 2, 3, 4, 5, 6, 9], index=week)
    assert snaive_scale(y) == pytest.approx((1 + 0 + 0 + 0 + 0 + 0 + 2) / 7)


def test_origins_are_weekly_midnights_before_the_end():
    idx = pd.date_range("2026-01-05", "2026-03-01 23:30", freq="30min")
    o = origins_for(idx, "30min", 3, pd.Timedelta(days=7))
    assert o == [pd.Timestamp("2026-02-09"), pd.Timestamp("2026-02-16"), pd.Timestamp("2026-02-23")]


# --------------------------------------------------------------------------- models
@pytest.mark.parametrize("model", ["seasonal_naive", "daily_regression", "daily_ets", "combination"])
def test_models_reproduce_a_noiseless_weekly_pattern(model):
    s = weekday_center()
    h = prepare(s, "30min")
    idx = pd.date_range(h.end, periods=7 * 48, freq="30min")
    fc = make(model).fit(h).predict(idx)
    truth = weekday_center(days=91).reindex(idx).fillna(0.0)
    wape = (fc["yhat"] - truth).abs().sum() / truth.sum()
    assert wape < (1e-9 if model == "seasonal_naive" else 0.02), wape
    closed = truth == 0
    assert (fc.loc[closed, ["yhat", "lo", "hi"]] == 0).all().all()       # closed intervals are zero
    assert (fc["lo"] <= fc["hi"]).all()


def test_forecast_is_deterministic_and_the_seed_matters():
    s = weekday_center(noise=1, level=60)
    a = forecast(s, 7, model="daily_regression")
    b = forecast(s, 7, model="daily_regression")
    pd.testing.assert_frame_equal(a, b)
    c = forecast(s, 7, model="daily_regression", settings=Settings(seed=1))
    assert (a["yhat"] == c["yhat"]).all() and not (a["hi"] == c["hi"]).all()
    assert list(a.columns) == ["yhat", "lo", "hi", "model"] and a.index.name == "ts"


def test_backtest_sees_nothing_after_its_origins():
    """Changing the data after the first origin leaves that origin's forecasts unchanged."""
    s = weekday_center(days=112, noise=1, level=80)
    o = origins_for(s.index, "30min", 3, pd.Timedelta(days=7))
    altered = s.copy()
    altered[altered.index >= o[0]] *= 5
    models = ["seasonal_naive", "daily_regression", "daily_ets", "mstl"]
    _, f1 = backtest(s, "30min", 3, 7, models, return_forecasts=True)
    _, f2 = backtest(altered, "30min", 3, 7, models, return_forecasts=True)
    first1, first2 = f1[f1["origin"] == o[0]], f2[f2["origin"] == o[0]]
    assert len(first1) == 4 * 7 * 48
    pd.testing.assert_frame_equal(first1[["ts", "model", "yhat", "lo", "hi"]].reset_index(drop=True),
                                  first2[["ts", "model", "yhat", "lo", "hi"]].reset_index(drop=True))
    later1 = f1[f1["origin"] == o[2]]
    later2 = f2[f2["origin"] == o[2]]
    assert not np.allclose(later1["yhat"], later2["yhat"])                # later origins do see it


def test_backtest_table_shape_and_the_auto_choice():
    s = weekday_center(days=112, noise=1, level=80)
    t = backtest(s, "30min", 2, 7, ["seasonal_naive", "daily_regression"])
    assert list(t.columns) == ["model", "wape", "mase", "bias", "pi_coverage", "wape_daily", "mase_daily", "fit_s",
                               "origins"]
    assert list(t["model"]) == ["seasonal_naive", "daily_regression"] and (t["origins"] == 2).all()
    # Poisson noise only: the regression's pooled profile beats last week's noisy copy
    assert t.loc[1, "wape"] < t.loc[0, "wape"]
    fc = forecast(s, 7, models=["seasonal_naive", "daily_regression"], origins=2)
    assert fc.attrs["model"] == "daily_regression" and "backtest" in fc.attrs
