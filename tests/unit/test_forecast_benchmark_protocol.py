"""The benchmark's one protocol (issue 16), checked by hand on tiny series: holidays with calls are scored and
forecast, the peers' input invents no zeros, MASE's definition, the origins the peers get; and the intraday
reforecast (no leakage, the morning forecast at the day's start)."""
import importlib.util

import numpy as np
import pandas as pd
import pytest

from ccnb.forecast import backtest, prepare, reforecast
from ccnb.forecast.backtest import origins_for, score, snaive_scale, window_of
from ccnb.forecast.history import to_grid
from ccnb.forecast.reforecast import morning_forecast

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("forecast_accuracy", ROOT / "benchmarks" / "forecast_accuracy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def bank_like(start="2026-08-03", end="2026-10-23", drop=(), level=100.0, seed=0, day_sd=0.0):
    """Open Monday-Friday 07:00-21:00 in 30-minute rows (the bank's shape; the last row 20:30), Poisson counts around
    a day level with log-normal noise ``day_sd``; ``drop``: days with no rows."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, pd.Timestamp(end) + pd.Timedelta(hours=21), freq="30min")
    tod = (idx - idx.normalize()) / pd.Timedelta(hours=1)
    keep = (idx.day_of_week < 5) & (tod >= 7) & (tod < 21) & ~idx.normalize().isin(pd.DatetimeIndex(drop))
    idx = idx[keep]
    tod = (idx - idx.normalize()) / pd.Timedelta(hours=1)
    lam = level * np.exp(-((tod - 12) ** 2) / 20) * np.array([1.2, 1.0, 1.0, 1.0, 0.9, 1, 1])[idx.day_of_week]
    days, inv = np.unique(idx.normalize(), return_inverse=True)
    lam = lam * np.exp(rng.normal(0.0, day_sd, len(days)))[inv]
    return pd.Series(rng.poisson(lam).astype(float), index=idx)


# --------------------------------------------------------------------------- holidays with calls
def test_a_holiday_with_calls_is_scored_and_forecast_from_its_weekday():
    """US 2026: Labor Day (Mon 09-07) has no rows, Columbus Day (Mon 10-12) has calls. Labor Day is learned closed;
    Columbus Day, never seen, is forecast as a Monday (not closed) and scored."""
    s = bank_like(drop=["2026-09-07"])
    h = prepare(s[s.index < "2026-10-10"], "30min", country="US")
    assert h.closed_holidays == frozenset({"Labor Day"}) and h.seen_holidays == frozenset()
    f = h.features(pd.DatetimeIndex(["2026-10-12"]))
    assert bool(f["holiday_unseen"].iloc[0]) and not bool(f["holiday"].iloc[0]) and f["daytype"].iloc[0] == "0"
    o = origins_for(s.index, "30min", 2, pd.Timedelta(days=7))
    assert o == [pd.Timestamp("2026-10-09 21:00"), pd.Timestamp("2026-10-16 21:00")]
    t, fc = backtest(s, "30min", 2, 7, ["seasonal_naive", "daily_regression"], country="US", return_forecasts=True)
    col = fc[(fc["model"] == "daily_regression") & (pd.to_datetime(fc["ts"]).dt.normalize() == "2026-10-12")]
    assert col["scored"].all() and col["y"].sum() == s["2026-10-12"].sum() > 0
    assert col["yhat"].sum() == pytest.approx(s["2026-10-12"].sum(), rel=0.1)      # a Monday's volume, not 0
    assert set(col["dayclass"]) == {"holiday"}
    # every call of both windows is in the WAPE's denominator: sum |e| / sum y with sum y = all calls
    window = s[(s.index >= o[0]) & (s.index < o[1] + pd.Timedelta(days=7))]
    dr = fc[fc["model"] == "daily_regression"]
    assert dr.loc[dr["scored"], "y"].sum() == window.sum()
    wape = (dr["y"] - dr["yhat"]).abs()[dr["scored"]].sum() / window.sum()
    assert t.set_index("model").loc["daily_regression", "wape"] == pytest.approx(wape)


# --------------------------------------------------------------------------- peers' input
def test_peer_input_has_no_invented_zeros_and_seasons_from_open_slots():
    b = _bench()
    s = bank_like(start="2026-08-03", end="2026-08-28", drop=["2026-08-19"])        # a missing Wednesday
    grid = to_grid(s, "30min")
    h = prepare(s, "30min")
    seq, present, m_day, m_week = b.peer_input(grid, h.open_sow, pd.Timedelta("30min"), grid.index[-1])
    assert m_day == 28 and m_week == 140                                             # 07:00-20:30, five days
    assert len(present) == 19 * 28 and pd.Timestamp("2026-08-19 12:00") not in present.index
    # statsforecast's gap-free sequence: the missing Wednesday is last Wednesday's counts, not zeros
    assert len(seq) == 20 * 28
    wed = seq["2026-08-19"].to_numpy()
    assert (wed > 0).all() and np.array_equal(wed, grid["2026-08-12 07:00":"2026-08-12 20:30"].to_numpy())
    assert seq.attrs["imputed"].sum() == 28
    assert np.array_equal(present.to_numpy(), grid.reindex(present.index).to_numpy())


def test_origins_equal_the_peers():
    """Origins are the instants ``horizon`` before the end (Friday 21:00 for 30-minute rows whose last starts Friday
    20:30), the peers are trained on the sequence strictly before them (the whole last Friday) and forecast the next
    week."""
    b = _bench()
    s = bank_like(start="2026-08-03", end="2026-08-28")
    o = origins_for(s.index, "30min", 2, pd.Timedelta(days=7))
    assert o == [pd.Timestamp("2026-08-14 21:00"), pd.Timestamp("2026-08-21 21:00")]
    five = pd.Series(1.0, index=pd.date_range("2026-08-03 07:00", "2026-08-28 21:00", freq="5min"))
    assert origins_for(five.index, "30min", 1, pd.Timedelta(days=7)) == [pd.Timestamp("2026-08-21 21:30")]
    seq, present, m_day, _ = b.peer_input(to_grid(s, "30min"), prepare(s, "30min").open_sow, pd.Timedelta("30min"),
                                          pd.Timestamp("2026-08-28 21:00"))
    n_train = int((seq.index < o[1]).sum())
    assert n_train == 15 * m_day and seq.index[n_train - 1] == pd.Timestamp("2026-08-21 20:30")
    assert int(((seq.index >= o[1]) & (seq.index < o[1] + pd.Timedelta(days=7))).sum()) == 5 * m_day
    # ccnb's test window starts at the same instant and covers the same days
    h = prepare(s[s.index < o[1]], "30min")
    index, actual, scored, open_i, _, _ = window_of(to_grid(s, "30min"), h, o[1], pd.Timedelta(days=7))
    assert index[0] == o[1] and actual[scored].sum() == s[s.index >= o[1]].sum()


# --------------------------------------------------------------------------- MASE
def test_mase_open_slots_only_by_hand():
    """Two weeks x one day a week with calls, 4 slots a day (slot 3 closed). Scale: mean |y_t - y_(t-7d)| over the
    open slots of the second Monday (the first has no week before): |12-10|, |18-20|, |7-6| -> 5/3."""
    idx = pd.date_range("2026-01-05", periods=14 * 4, freq="6h")
    y = pd.Series(0.0, index=idx)
    y["2026-01-05 00:00"], y["2026-01-05 06:00"], y["2026-01-05 12:00"] = 10, 20, 6
    y["2026-01-12 00:00"], y["2026-01-12 06:00"], y["2026-01-12 12:00"] = 12, 18, 7
    open_slots = pd.Series((idx - idx.normalize()) < pd.Timedelta(hours=18), index=idx)
    sc = snaive_scale(y, open_slots=open_slots)
    assert sc == pytest.approx(5 / 3)
    # the test day: errors 1, 3, 0 on the open slots, the closed slot forecast and seen at 0 does not dilute
    day = pd.date_range("2026-01-19", periods=4, freq="6h")
    fc = pd.DataFrame({"yhat": [11.0, 18.0, 7.0, 0.0], "lo": 0.0, "hi": 100.0}, index=day)
    s = score(pd.Series([10.0, 21.0, 7.0, 0.0], index=day), fc, sc, 1.0, np.array([True, True, True, False]))
    assert s["mae"] / s["scale"] == pytest.approx((4 / 3) / (5 / 3))
    assert snaive_scale(y.groupby(y.index.normalize()).sum(), daily=True) == pytest.approx(abs(37 - 36))


# --------------------------------------------------------------------------- intraday reforecast
def test_reforecast_at_the_start_of_the_day_is_the_morning_forecast():
    s = bank_like(end="2026-09-25")
    m = morning_forecast(s, "2026-09-24")
    r = reforecast(s, "2026-09-24 00:00")
    pd.testing.assert_frame_equal(r[["yhat", "lo", "hi"]], m[["yhat", "lo", "hi"]], check_freq=False)
    assert r.attrs["weight"] == 0 and r.attrs["factor"] == 1


def test_reforecast_uses_nothing_after_now_and_follows_the_day_level():
    s = bank_like(end="2026-09-25", day_sd=0.1, seed=3)
    now = pd.Timestamp("2026-09-24 12:00")
    busy = s.copy()
    busy[busy.index.normalize() == "2026-09-24"] *= 1.3             # the day runs 30 % above normal
    a = reforecast(busy, now)
    altered = busy.copy()
    altered[altered.index >= now] *= 7                              # anything from now on changes
    b = reforecast(altered, now)
    pd.testing.assert_frame_equal(a, b)
    assert a.index[0] == now and a.index[-1] == pd.Timestamp("2026-09-24 23:30")
    # the update by hand from the morning forecast: O / E, w = s^2 / (s^2 + v), r = w O / E + 1 - w
    m = morning_forecast(busy, "2026-09-24")
    before = m[m.index < now]["yhat"]
    O, E = busy["2026-09-24 00:00":"2026-09-24 11:30"].sum(), before.sum()
    v = 1 / E + (before ** 2).sum() / E ** 2 / m.attrs["kappa"]
    w = m.attrs["level_sd"] ** 2 / (m.attrs["level_sd"] ** 2 + v)
    at = a.attrs
    assert at["observed"] == pytest.approx(O) and at["expected"] == pytest.approx(E)
    assert at["weight"] == pytest.approx(w) and 0.5 < w < 1                        # E is large by noon
    assert at["factor"] == pytest.approx(w * O / E + 1 - w)
    assert 1 < at["factor"] < at["ratio"]                                          # shrunk towards the morning
    assert np.allclose(a["yhat"], m.loc[m.index >= now, "yhat"] * at["factor"])


# --------------------------------------------------------------------------- the center's week
def test_weekend_days_come_from_the_center_week():
    """A company holiday on Thursday 2026-01-08: with a Friday-Saturday weekend the holiday period runs Thursday to
    Saturday (three days, so Sunday is the first catch-up day); with Saturday-Sunday it is the Thursday alone."""
    from ccnb.forecast import day_features

    cal = pd.DataFrame({"date": pd.to_datetime(["2026-01-08"]), "kind": ["holiday"], "name": ["Company day"],
                        "queue": [None]})
    days = pd.date_range("2026-01-05", "2026-01-14")
    fs = day_features(days, cal, None, weekend=(4, 5))
    assert list(fs.index[fs["holiday"]]) == list(pd.date_range("2026-01-08", "2026-01-10"))
    assert list(fs.index[fs["post1"]]) == [pd.Timestamp("2026-01-11")]
    ss = day_features(days, cal, None)
    assert list(ss.index[ss["holiday"]]) == [pd.Timestamp("2026-01-08")] and not ss["post1"].any()


def test_the_center_week_reaches_the_forecast_and_the_schedule():
    from ccnb.forecast.history import Settings
    from ccnb.params import ParamsError, load_params
    from ccnb.staffing.schedule import center_weekend

    prm = load_params(overrides={"center": {"weekend": ["sat", "fri"]}})
    assert prm.center.weekend == ["fri", "sat"]
    assert Settings.from_params(prm).weekend_days == (4, 5) == center_weekend(prm)
    assert Settings.from_params(load_params()).weekend_days == (5, 6)
    with pytest.raises(ParamsError, match="weekend"):
        load_params(overrides={"center": {"weekend": ["sat", "sat"]}})
    with pytest.raises(ParamsError, match="weekend"):
        load_params(overrides={"center": {"weekend": ["saturday"]}})
