"""Cutoffs, training sets and the out-of-time validation of the churn model against the rules.

Cutoffs are month starts (the end of the previous month). A cutoff ``c`` is *usable*
when its label window ``[c, c + churn.label_days)`` lies within what the data shows
(``tables.end`` for a report month) and there are ``churn.min_history_days`` of contacts
before it (default: the longest lookback window; relaxed to the shortest window when
the data is too short, and ``Plan.short_history`` says so).

Out of time: the latest ``churn.validate_cutoffs`` usable cutoffs are held out; the model
is trained on the ``churn.train_cutoffs`` cutoffs before them whose label windows end by
the first held-out cutoff, so no training label overlaps the test period. The rules alone
are scored as the number of rules fired, turned into a probability by the churn rate per
number fired on the same training cutoffs (for the Brier score). Both are compared at the
outreach capacity ``k = churn.outreach_capacity`` per cutoff.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ccnb.churn import metrics as M
from ccnb.churn import model as _model
from ccnb.churn import rules as _rules


@dataclass
class Plan:
    train: list[pd.Timestamp]
    validate: list[pd.Timestamp]
    short_history: bool = False


def data_span(tables) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first contact, end of what is known): ``tables.end`` or the month after the last contact."""
    lo, hi = tables.sql("SELECT min(arrival_ts) AS lo, max(arrival_ts) AS hi FROM interactions").iloc[0]
    if pd.isna(lo):
        raise ValueError("no contacts in the data: cannot compute churn features")
    end = getattr(tables, "end", None)
    if end is None:
        end = (pd.Timestamp(hi).to_period("M") + 1).start_time
    return pd.Timestamp(lo), pd.Timestamp(end)


def usable_cutoffs(tables, params, until: pd.Timestamp | None = None) -> tuple[list[pd.Timestamp], bool]:
    """Month-start cutoffs whose label is observed by ``until`` (default: the data's end), oldest first."""
    cp = params.churn
    start, end = data_span(tables)
    until = min(until, end) if until is not None else end
    n = pd.Timedelta(days=int(cp.label_days))
    months = pd.period_range(start.to_period("M") + 1, (until - n).to_period("M"), freq="M")
    cands = [m.start_time for m in months if m.start_time + n <= until]

    def with_history(days: int) -> list[pd.Timestamp]:
        return [c for c in cands if c - pd.Timedelta(days=days) >= start.normalize()]

    need = cp.min_history_days if cp.min_history_days is not None else max(cp.lookback_days)
    out = with_history(need)
    if len(out) >= 2 or need <= min(cp.lookback_days):
        return out, False
    return with_history(min(cp.lookback_days)), True


def _before(cands: list[pd.Timestamp], first: pd.Timestamp, params) -> list[pd.Timestamp]:
    n = pd.Timedelta(days=int(params.churn.label_days))
    ok = [c for c in cands if c + n <= first]
    return ok[-int(params.churn.train_cutoffs):]


def plan(tables, params) -> Plan:
    """Training and held-out cutoffs for :func:`validate`."""
    cands, short = usable_cutoffs(tables, params)
    if len(cands) < 2:
        raise ValueError("not enough history to validate a churn model out of time: need at least two usable "
                         f"month-end cutoffs with a {params.churn.label_days}-day label, found {len(cands)}")
    val = cands[-int(params.churn.validate_cutoffs):]
    train = _before(cands, val[0], params)
    while not train and len(val) > 1:  # short data: hold out fewer cutoffs
        val = val[1:]
        train = _before(cands, val[0], params)
    if not train:
        raise ValueError("not enough history to train before the held-out cutoffs")
    return Plan(train=train, validate=val, short_history=short)


def training_cutoffs(tables, params, cutoff: pd.Timestamp) -> tuple[list[pd.Timestamp], bool]:
    """Cutoffs the scoring model for ``cutoff`` is trained on: labels observed by ``cutoff``."""
    cands, short = usable_cutoffs(tables, params, until=cutoff)
    train = _before(cands, cutoff, params)
    if not train:
        raise ValueError(f"not enough history before {cutoff:%Y-%m-%d} to train a churn model "
                         f"(a {params.churn.label_days}-day label needs earlier month ends)")
    return train, short


def frame(tables, cutoffs, params) -> pd.DataFrame:
    """Stacked features with ``cutoff`` and the label ``churned`` (bool) for each cutoff."""
    from ccnb.churn import features, labels

    parts = []
    for c in cutoffs:
        f = features(tables, c, params)
        lab = labels(tables, c, params)
        f = f.merge(lab, on="customer_id", how="left", validate="one_to_one")
        f["churned"] = f["churned"].fillna(False).astype(bool)
        f.insert(0, "cutoff", c)
        parts.append(f)
    return pd.concat(parts, ignore_index=True)


def model_features(params, history_days: float | None = None) -> list[str]:
    """``churn.model_features`` whose window fits in ``history_days`` (the history before the earliest
    training cutoff): on short data a 90-day count at the first cutoff would cover fewer days than
    the same count later, and the model would learn the wrong scale."""
    from ccnb.churn.features import split_name

    if history_days is None:
        return list(params.churn.model_features)
    return [f for f in params.churn.model_features if (split_name(f)[1] or 0) <= history_days]


def fit_model(train: pd.DataFrame, params, history_days: float | None = None) -> _model.Model:
    """The model on stacked training rows; features limited to the history (see :func:`model_features`)."""
    cp = params.churn
    return _model.fit(train, train["churned"].to_numpy(), model_features(params, history_days), cap=cp.count_cap,
                      penalty=cp.penalty)


def history_days(tables, cutoffs) -> float:
    """Days of data before the earliest of ``cutoffs``."""
    start, _ = data_span(tables)
    return (min(cutoffs) - start.normalize()) / pd.Timedelta(days=1)


def rule_rates(train: pd.DataFrame, params) -> pd.Series:
    """Training churn rate by number of rules fired (index 0..max); a count never seen takes the one below."""
    n = _rules.fired(train, params.churn.rules).sum(axis=1)
    top = int(n.max()) if len(n) else 0
    rates = train["churned"].groupby(n).mean().reindex(range(top + 1)).ffill().fillna(train["churned"].mean())
    return rates


def rule_probability(feats: pd.DataFrame, rates: pd.Series, params) -> tuple[np.ndarray, np.ndarray]:
    """(number of rules fired, its training churn rate) per row."""
    n = _rules.fired(feats, params.churn.rules).sum(axis=1).to_numpy()
    p = rates.reindex(np.minimum(n, rates.index.max())).to_numpy(dtype="float64")
    return n, p


@dataclass
class Validation:
    """Out-of-time validation. ``metrics``: index ``model`` / ``rules``, columns

    ``auc``, ``brier`` (pooled over held-out rows), ``precision_at_k`` (mean over held-out
    cutoffs of churners among the top ``k`` / ``k``), ``k``, ``lift_at_k`` (precision / base
    rate), ``base_rate``, ``rows``, ``churners``, ``n_flagged`` (customers the rules flag,
    per cutoff on average), ``precision_flagged`` (rules: churners among them; model: among
    its top ``n_flagged``).
    """

    metrics: pd.DataFrame
    per_cutoff: pd.DataFrame
    gains: pd.DataFrame          # method, share_contacted, share_churners (held-out rows pooled)
    calibration: pd.DataFrame    # method, bin, n, predicted, observed
    odds_ratios: pd.DataFrame
    plan: Plan
    model: _model.Model
    scored: pd.DataFrame = field(repr=False)  # cutoff, churned, score, rules_fired, rules_score
    capacity_share: float = float("nan")       # k / customers per held-out cutoff

    @property
    def beats_rules(self) -> bool:
        """The model's precision at capacity is above the rules' (out of time)."""
        m = self.metrics
        return bool(m.loc["model", "precision_at_k"] > m.loc["rules", "precision_at_k"])

    def __getitem__(self, key):
        """``v["auc"]`` -> Series by method (model, rules)."""
        return self.metrics[key]


def validate(tables, params=None) -> Validation:
    """Train on earlier cutoffs, test on the latest fully observed ones (see the module docstring)."""
    from ccnb.churn import _params

    params = _params(params)
    cp = params.churn
    p = plan(tables, params)
    train = frame(tables, p.train, params)
    mdl = fit_model(train, params, history_days(tables, p.train))
    rates = rule_rates(train, params)
    test = frame(tables, p.validate, params)
    score = mdl.predict(test)
    n_fired, r_prob = rule_probability(test, rates, params)
    y = test["churned"].to_numpy()
    k = int(cp.outreach_capacity)
    rows = []
    for i, c in enumerate(p.validate):
        m = (test["cutoff"] == c).to_numpy()
        yc = y[m]
        nf = int((n_fired[m] > 0).sum())
        for method, s in (("model", score[m]), ("rules", n_fired[m].astype(float))):
            seed = cp.seed + i
            rows.append({
                "cutoff": c, "method": method, "rows": int(m.sum()), "churners": int(yc.sum()),
                "auc": M.auc(yc, s), "precision_at_k": M.precision_at_k(yc, s, k, seed),
                "n_flagged": nf, "precision_flagged": M.precision_at_k(yc, s, nf, seed) if nf else np.nan,
            })
    per = pd.DataFrame(rows)
    base = float(y.mean()) if len(y) else float("nan")
    met = per.groupby("method").agg(precision_at_k=("precision_at_k", "mean"), n_flagged=("n_flagged", "mean"),
                                    precision_flagged=("precision_flagged", "mean"))
    met["auc"] = [M.auc(y, score), M.auc(y, n_fired)]
    met["brier"] = [M.brier(y, score), M.brier(y, r_prob)]
    met["k"] = k
    met["base_rate"] = base
    met["lift_at_k"] = met["precision_at_k"] / base if base else np.nan
    met["rows"] = len(y)
    met["churners"] = int(y.sum())
    met = met.loc[["model", "rules"], ["auc", "brier", "precision_at_k", "k", "lift_at_k", "base_rate", "rows",
                                        "churners", "n_flagged", "precision_flagged"]]
    gains = pd.concat([M.gains(y, score, cp.seed).assign(method="model"),
                       M.gains(y, n_fired.astype(float), cp.seed).assign(method="rules")], ignore_index=True)
    cal = pd.concat([M.calibration(y, score).assign(method="model"),
                     M.calibration(y, r_prob).assign(method="rules")], ignore_index=True)
    scored = pd.DataFrame({"cutoff": test["cutoff"], "churned": y, "score": score, "rules_fired": n_fired,
                           "rules_score": r_prob})
    share = k / (len(y) / len(p.validate)) if len(y) else float("nan")
    return Validation(metrics=met, per_cutoff=per, gains=gains, calibration=cal, odds_ratios=mdl.odds_ratios(),
                      plan=p, model=mdl, scored=scored, capacity_share=share)
