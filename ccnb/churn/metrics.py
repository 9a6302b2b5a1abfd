"""Out-of-time metrics for risk scores: AUC, Brier score, precision at capacity, gains, calibration.

Pure functions on arrays (``y`` 0/1 outcomes, ``s`` scores or probabilities).

* **AUC** = P(score of a churner > score of a stayer), ties counting one half: the
  Mann-Whitney U statistic over ``n1 n0`` (ranks from ``scipy.stats.rankdata``, ties
  averaged), so tied rule counts are treated fairly.
* **Brier score** = mean((p - y)^2), lower is better; a constant forecast at the base
  rate ``r`` scores ``r (1 - r)``.
* **Precision at k** = churners among the ``k`` highest scores / ``k``; ties at the
  boundary are broken by a seeded random order (:func:`order`), as an outreach team
  working down a list of equal-priority customers would.
* **Gains**: share of all churners among the top ``x`` % of customers.
* **Calibration** (reliability): customers in bins of predicted probability (equal
  counts), mean predicted vs observed churn rate per bin.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata


def auc(y, s) -> float:
    """Area under the ROC curve (NaN when only one class is present)."""
    y = np.asarray(y, dtype=bool)
    s = np.asarray(s, dtype="float64")
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(s)
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def brier(y, p) -> float:
    y = np.asarray(y, dtype="float64")
    p = np.asarray(p, dtype="float64")
    return float(np.mean((p - y) ** 2)) if len(y) else float("nan")


def order(s, seed: int = 0) -> np.ndarray:
    """Indices from highest to lowest score; ties in a random order fixed by ``seed``."""
    s = np.asarray(s, dtype="float64")
    tb = np.random.default_rng(seed).random(len(s))
    return np.lexsort((tb, -s))


def precision_at_k(y, s, k: int, seed: int = 0) -> float:
    y = np.asarray(y, dtype="float64")
    k = min(int(k), len(y))
    if k <= 0:
        return float("nan")
    return float(y[order(s, seed)[:k]].mean())


def gains(y, s, seed: int = 0, points: int = 100) -> pd.DataFrame:
    """``share_contacted`` (0-1) and ``share_churners`` (0-1) at ``points`` steps (0 included)."""
    y = np.asarray(y, dtype="float64")
    n, pos = len(y), y.sum()
    cum = np.concatenate([[0.0], np.cumsum(y[order(s, seed)])])
    x = np.linspace(0, 1, points + 1)
    idx = np.round(x * n).astype(int)
    return pd.DataFrame({"share_contacted": x, "share_churners": cum[idx] / pos if pos else np.nan})


def calibration(y, p, bins: int = 10, tail: tuple[float, ...] = (0.95, 0.99)) -> pd.DataFrame:
    """Per bin of predicted probability: ``bin``, ``n``, ``predicted`` (mean), ``observed`` (rate).

    Bins are tenths of the customers by predicted probability (``bins``), the top one split
    further at the quantiles ``tail`` (where the high-risk customers are); ties may straddle
    bins. A scorer with at most ``bins`` distinct values (the rules: one probability per
    number of rules fired) gets one bin per value.
    """
    y = np.asarray(y, dtype="float64")
    p = np.asarray(p, dtype="float64")
    if len(y) == 0:
        return pd.DataFrame(columns=["bin", "n", "predicted", "observed"])
    values = np.unique(p)
    if len(values) <= bins:
        b = np.searchsorted(values, p)
    else:
        edges = np.array(sorted({i / bins for i in range(1, bins)} | {q for q in tail if 0 < q < 1}))
        rank = np.empty(len(p), dtype="float64")
        rank[np.argsort(p, kind="stable")] = (np.arange(len(p)) + 0.5) / len(p)
        b = np.searchsorted(edges, rank, side="right")
    df = pd.DataFrame({"bin": b + 1, "p": p, "y": y})
    out = df.groupby("bin").agg(n=("y", "size"), predicted=("p", "mean"), observed=("y", "mean")).reset_index()
    return out
