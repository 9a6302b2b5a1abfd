"""Validation metrics against hand computation and a brute-force pairwise AUC."""
import itertools

import numpy as np
import pytest

from ccnb.churn import metrics as M


def brute_auc(y, s):
    pos = [x for x, t in zip(s, y) if t]
    neg = [x for x, t in zip(s, y) if not t]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_auc_by_hand_with_ties():
    # pairs (churner, stayer): (.9,.8) win, (.9,.3) win, (.3,.8) loss, (.3,.3) tie -> 2.5 / 4
    assert M.auc([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.3]) == pytest.approx(0.625)
    assert M.auc([1, 1, 0], [0.2, 0.2, 0.2]) == pytest.approx(0.5)
    assert np.isnan(M.auc([0, 0], [0.1, 0.2]))


def test_auc_matches_pairwise_counting():
    rng = np.random.default_rng(3)
    y = rng.random(300) < 0.2
    s = np.round(rng.random(300) + 0.5 * y, 1)  # many ties
    assert M.auc(y, s) == pytest.approx(brute_auc(y, s), abs=1e-12)


def test_brier_by_hand():
    assert M.brier([1, 0, 0, 1], [0.8, 0.1, 0.4, 0.5]) == pytest.approx((0.04 + 0.01 + 0.16 + 0.25) / 4)
    r = 0.2  # a constant forecast at the base rate scores r (1 - r)
    assert M.brier([1, 0, 0, 0, 0], [r] * 5) == pytest.approx(r * (1 - r))


def test_precision_at_k_and_seeded_ties():
    y = [1, 0, 1, 0, 0, 1]
    s = [0.9, 0.8, 0.7, 0.1, 0.1, 0.1]
    assert M.precision_at_k(y, s, 3) == pytest.approx(2 / 3)
    assert M.precision_at_k(y, s, 10) == pytest.approx(3 / 6)  # k above the count: everyone
    # k = 4 cuts through the three tied 0.1s: the pick depends on the seed, and only on it
    picks = {M.precision_at_k(y, s, 4, seed) for seed in range(40)}
    assert picks == {2 / 4, 3 / 4}
    assert M.precision_at_k(y, s, 4, 5) == M.precision_at_k(y, s, 4, 5)
    assert list(M.order([0.1, 0.5, 0.3])) == [1, 2, 0]


def test_gains_curve():
    g = M.gains([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1], points=4)
    assert list(g["share_contacted"]) == [0, 0.25, 0.5, 0.75, 1.0]
    assert list(g["share_churners"]) == [0, 0.5, 0.5, 1.0, 1.0]


def test_calibration_bins():
    p = np.linspace(0.005, 0.995, 200)
    y = (np.arange(200) % 2 == 0).astype(float)
    c = M.calibration(y, p, bins=10, tail=(0.95, 0.99))
    assert list(c["n"]) == [20] * 9 + [10, 8, 2]  # the top tenth split at the 95th and 99th percentiles
    assert c["predicted"].iloc[0] == pytest.approx(p[:20].mean())
    assert c["observed"].sum() == pytest.approx(sum(y[i:j].mean() for i, j in
                                                    zip([0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 190, 198],
                                                        [20, 40, 60, 80, 100, 120, 140, 160, 180, 190, 198, 200])))
    r = M.calibration([1, 0, 0, 1, 0], [0.1, 0.1, 0.1, 0.5, 0.5])  # few distinct values: one bin each
    assert list(r["n"]) == [3, 2] and list(r["observed"]) == pytest.approx([1 / 3, 1 / 2])
