"""The churn logit against closed forms: a single binary sign's odds ratio is ad/bc with Woolf's interval."""
import math

import numpy as np
import pandas as pd
import pytest

from ccnb.churn import model


def two_by_two(a, b, c, d):
    """a churners and b stayers with the sign, c churners and d stayers without it."""
    x = [1] * (a + b) + [0] * (c + d)
    y = [1] * a + [0] * b + [1] * c + [0] * d
    return pd.DataFrame({"complaints_open": x, "segment": "consumer"}), np.array(y)


def test_single_binary_sign_odds_ratio_is_the_cross_product():
    feats, y = two_by_two(30, 70, 50, 950)
    m = model.fit(feats, y, ["complaints_open"])
    o = m.odds_ratios().set_index("column").loc["complaints_open"]
    assert o["odds_ratio"] == pytest.approx((30 * 950) / (70 * 50), rel=1e-6)
    se = math.sqrt(1 / 30 + 1 / 70 + 1 / 50 + 1 / 950)  # Woolf's standard error of log OR
    z = 1.959963984540054
    assert o["or_low"] == pytest.approx(math.exp(math.log(30 * 950 / (70 * 50)) - z * se), rel=1e-5)
    assert o["or_high"] == pytest.approx(math.exp(math.log(30 * 950 / (70 * 50)) + z * se), rel=1e-5)
    assert m.coef["const"] == pytest.approx(math.log(50 / 950), rel=1e-6)
    # the fitted probabilities are the two groups' churn rates
    assert m.predict(pd.DataFrame({"complaints_open": [1, 0], "segment": "consumer"})) == pytest.approx([0.3, 50 / 1000])
    assert m.unit["complaints_open"] == "per_event" and m.method == "logit"


def test_contributions_add_up_to_the_linear_predictor():
    rng = np.random.default_rng(1)
    n = 3000
    feats = pd.DataFrame({
        "abandons_30d": rng.poisson(0.5, n), "days_since_contact": rng.uniform(0, 400, n),
        "tenure_days": rng.integers(1, 4000, n), "value": np.where(rng.random(n) < 0.05, np.nan, rng.lognormal(4, 1, n)),
        "segment": rng.choice(["consumer", "vip", "small_business"], n, p=[0.8, 0.1, 0.1]),
    })
    lin = -3 + 0.4 * np.minimum(feats["abandons_30d"], 5) - 0.3 * (feats["segment"] == "vip")
    y = rng.random(n) < 1 / (1 + np.exp(-lin))
    feats_list = ["abandons_30d", "days_since_contact", "tenure_days", "value", "segment"]
    m = model.fit(feats, y, feats_list)
    c = m.contributions(feats)
    assert list(c.columns) == feats_list
    base = m.coef["const"] + float((m.means * m.coef[m.columns]).sum())
    assert np.allclose(base + c.sum(axis=1), m.linear(feats))
    assert m.reference_segment == "consumer" and m.segments == ["small_business", "vip"]
    assert set(m.columns) >= {"value", "value_missing", "segment=vip", "segment=small_business"}
    # natural units: days since contact per 30 days (capped at 365), tenure and value per doubling
    X = m.design(pd.DataFrame({"abandons_30d": [9], "days_since_contact": [np.nan], "tenure_days": [730],
                               "value": [64.0], "segment": ["vip"]}))
    assert X.iloc[0]["abandons_30d"] == 5 and X.iloc[0]["days_since_contact"] == pytest.approx(365 / 30)
    assert X.iloc[0]["tenure_days"] == pytest.approx(1.0) and X.iloc[0]["value"] == pytest.approx(6.0)
    assert X.iloc[0]["segment=vip"] == 1 and X.iloc[0]["value_missing"] == 0


def test_separation_falls_back_to_ridge_and_penalty_is_honoured():
    feats = pd.DataFrame({"complaints_open": [1] * 20 + [0] * 80, "segment": "consumer"})
    y = np.array([1] * 20 + [0] * 80)  # the sign separates perfectly: no finite MLE
    m = model.fit(feats, y, ["complaints_open"])
    assert m.method == "ridge (fallback)" and m.conf_int is None
    assert m.predict(feats[:1])[0] > 0.5 > m.predict(feats[-1:])[0]
    feats2, y2 = two_by_two(30, 70, 50, 950)
    ridge = model.fit(feats2, y2, ["complaints_open"], penalty=0.05)
    plain = model.fit(feats2, y2, ["complaints_open"])
    assert ridge.method == "ridge" and 0 < ridge.coef["complaints_open"] < plain.coef["complaints_open"]


def test_training_needs_both_outcomes():
    feats, _ = two_by_two(3, 7, 5, 9)
    with pytest.raises(ValueError, match="0 churners"):
        model.fit(feats, np.zeros(len(feats)), ["complaints_open"])
