"""The daily level at long leads (persistence of the recent level), interval calibration on whole counts, and the
ramp of a long event: small series computed by hand."""
import numpy as np
import pandas as pd
import pytest

from ccnb.forecast import Settings, day_features, prepare
from ccnb.forecast.backtest import interval_scale, rescale_intervals
from ccnb.forecast.level import long_run_line, persistence
from ccnb.forecast.models import make


def dev_series(values, start="2026-03-02"):
    return pd.Series(np.asarray(values, float), index=pd.date_range(start, periods=len(values), freq="D"))


# --------------------------------------------------------------------------- persistence w(k)
def test_a_shift_that_persists_is_kept():
    # r = trailing 3-day median = 1 from the third day; every later deviation is 1: w = 3 / 3 = 1
    w = persistence(dev_series([1, 1, 1, 1, 1, 1]), window_days=3, max_lead=2, band=0, min_pairs=1)
    assert list(w) == [1.0, 1.0, 1.0]


def test_a_deviation_that_flips_is_dropped_and_w_never_comes_back():
    # alternating +1/-1: r_t = median(d_(t-2..t)) = d_t; lead 1: sum r d = -3 -> clipped to 0; lead 2: +1,
    # but w is non-increasing in the lead: 0
    w = persistence(dev_series([1, -1, 1, -1, 1, -1]), window_days=3, max_lead=2, band=0, min_pairs=1)
    assert list(w) == [1.0, 0.0, 0.0]


def test_half_of_a_deviation_persists():
    # r on the third day = median(2, 2, 2) = 2, the next day's deviation 1: w(1) = 2 x 1 / 2^2 = 0.5
    w = persistence(dev_series([2, 2, 2, 1]), window_days=3, max_lead=1, band=0, min_pairs=1)
    assert w[1] == pytest.approx(0.5)


def test_too_few_pairs_keep_the_recent_level_and_the_band_pools_leads():
    w = persistence(dev_series([2, 2, 2, 1]), window_days=3, max_lead=1, band=0, min_pairs=5)
    assert w[1] == 1.0
    # band 1 around lead 1: leads 1 and 2 pooled, pairs (r_2 = 2, d_3 = 1) and (r_2 = 2, d_4 = 0),
    # (r_3 = 2, d_4 = 0): (2 + 0 + 0) / (4 + 4 + 4) = 1/6
    w = persistence(dev_series([2, 2, 2, 1, 0]), window_days=3, max_lead=1, band=1, min_pairs=1)
    assert w[1] == pytest.approx(1 / 6)


def test_long_run_line_is_the_median_intercept():
    adj = pd.Series([1.0, 1.2, 5.0, 1.4])                 # t = -3..0, slope 0.1: adj - 0.1 t = 1.3, 1.4, 5.1, 1.4
    assert long_run_line(adj, np.array([-3.0, -2.0, -1.0, 0.0]), 0.1) == pytest.approx(1.4)


# --------------------------------------------------------------------------- the model at long leads
def daily_series(logdev, start="2026-01-05", level=2000.0):
    """Open every day 08:00-20:00, daily total level x exp(logdev), a fixed intraday hump."""
    idx = pd.date_range(start, periods=len(logdev) * 48, freq="30min")
    tod = (idx - idx.normalize()) / pd.Timedelta(hours=1)
    open_ = (tod >= 8) & (tod < 20)
    shape = np.where(open_, np.exp(-((tod - 13) ** 2) / 18), 0.0)
    shape = shape / shape[:48].sum()
    return pd.Series(np.round(np.repeat(level * np.exp(logdev), 48) * shape), index=idx)[open_]


def test_noise_around_a_stable_level_is_forecast_from_the_line_at_long_leads():
    rng = np.random.default_rng(3)
    h = prepare(daily_series(0.08 * rng.standard_normal(168)), "30min", settings=Settings(annual=False))
    m = make("daily_regression").fit(h)
    w = m.persistence([1, 7, 14, 28])
    assert w[0] < 0.3 and w[-1] == 0.0                    # iid days: two weeks' median says nothing of day 28
    fdays = pd.date_range(h.days.index[-1] + pd.Timedelta(days=1), periods=28, freq="D")
    feats = h.features(fdays)
    mu, _ = m._daily(fdays, feats)
    keep = make("daily_regression").fit(prepare(h.y[h.y > 0], "30min", settings=Settings(annual=False,
                                                                                         level_shrink=False)))
    mu0, _ = keep._daily(fdays, feats)
    # level(k) = recent + slope (t - tmid) - (1 - w(k)) x shift: the only difference from the unshrunk model
    lead = np.arange(1, 29)
    assert np.allclose(mu - mu0, -(1 - m.persistence(lead)) * m.shift)


def test_a_wandering_level_keeps_its_recent_value_at_short_leads():
    rng = np.random.default_rng(3)
    h = prepare(daily_series(np.cumsum(0.04 * rng.standard_normal(168))), "30min", settings=Settings(annual=False))
    w = make("daily_regression").fit(h).persistence(np.arange(0, 29))
    assert w[0] == 1.0 and w[1] > 0.5 and (np.diff(w) <= 0).all()


# --------------------------------------------------------------------------- intervals on whole counts
def test_interval_scale_and_rescale_by_hand():
    # yhat 10, interval 6..14 (half-width 4); r = beyond the one-count slack / 4: y = 10 -> 0, 13 -> 2/4,
    # 14 -> 3/4, 16 -> 5/4, 3 -> 6/4, 19 -> 8/4
    y = np.array([10, 13, 14, 16, 3, 19], float)
    f = pd.DataFrame({"model": "m", "open": True, "y": y, "yhat": 10.0, "lo": 6.0, "hi": 14.0})
    factor = interval_scale(f, "m", 0.5, prior_rows=0)
    assert factor == pytest.approx(0.75)                  # just above the 3rd smallest r (ceil(0.5 x 6) = 3)
    out = rescale_intervals(f, factor)
    # whole counts: floor(10 - 3.00..01) = 6, ceil(13.00..01) = 14 (the factor is just above 3/4)
    assert out["lo"].iloc[0] == 6 and out["hi"].iloc[0] == 14
    assert ((y >= out["lo"]) & (y <= out["hi"])).mean() == 0.5
    # shrunk towards 1 by the pseudo-rows: (6 x 0.75 + 6) / 12; kept in [0.5, 2]
    assert interval_scale(f, "m", 0.5, prior_rows=6) == pytest.approx(0.875)
    assert interval_scale(f.assign(y=10.0), "m", 0.5, prior_rows=0) == 0.5


def test_a_zero_count_under_a_zero_lower_bound_stays_covered_and_closed_rows_stay_zero():
    f = pd.DataFrame({"model": "m", "open": [True, True], "y": [0.0, 0.0], "yhat": [0.6, 0.0], "lo": [0.0, 0.0],
                      "hi": [2.0, 0.0]})
    assert interval_scale(f, "m", 0.8, prior_rows=0) == pytest.approx(0.5)   # r = 0: the smallest factor
    out = rescale_intervals(f, 0.5)
    assert list(out["lo"]) == [0.0, 0.0] and list(out["hi"]) == [2.0, 0.0]   # ceil(0.6 + 0.7) = 2; closed: 0


# --------------------------------------------------------------------------- a long event's ramp
def test_a_long_event_run_gets_a_centred_ramp():
    dates = list(pd.date_range("2026-10-20", periods=7)) + list(pd.date_range("2026-11-01", periods=3))
    cal = pd.DataFrame({"date": dates + [pd.Timestamp("2026-10-01") + pd.Timedelta(days=i) for i in range(6)],
                        "kind": "promotion", "name": ["Pre-sale"] * 10 + ["Short"] * 6, "queue": None})
    f = day_features(pd.date_range("2026-09-25", "2026-11-10"), cal, None)
    ramp = f["ramp:promotion:Pre-sale"]
    assert list(ramp.loc["2026-10-20":"2026-10-26"]) == pytest.approx([-0.5, -1 / 3, -1 / 6, 0, 1 / 6, 1 / 3, 0.5])
    assert (ramp.loc["2026-11-01":"2026-11-03"] == 0).all()      # a 3-day run: no ramp, its mean effect only
    assert ramp.abs().sum() == pytest.approx(2.0)
    assert "ramp:promotion:Short" not in f.columns             # 6 days: shorter than RAMP_MIN_DAYS


def test_interval_scale_without_a_backtest_leaves_intervals_alone():
    # one month of history: the backtest has no origin, so its long table is empty and has no columns
    assert interval_scale(pd.DataFrame(), "daily_regression", 0.8) == 1.0
