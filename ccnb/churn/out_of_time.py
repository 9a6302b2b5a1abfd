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

Memory: the training rows are capped by ``churn.train_rows_max`` per cutoff (a seeded
uniform random sample of customers, :mod:`ccnb.churn.stream`; ``Validation.train_rows`` says
how many were used); the held-out cutoffs are scored in batches and only the per-row scores
and labels are kept, so every held-out customer counts in the metrics.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ccnb.catalog.churn_features import split_name
from ccnb.churn import metrics as M
from ccnb.churn import model as _model
from ccnb.churn import rules as _rules
from ccnb.churn import stream
from ccnb.churn.cache import params_or_default
from ccnb.churn.stream import training_frame


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


def history_check(tables, params) -> tuple[bool, int, pd.Period]:
    """(enough history, months of contacts the analysis needs, first month of the data): the out-of-time validation needs two
    usable month-end cutoffs whose ``churn.label_days`` label is observed, a training cutoff a label
    before them, and ``min(churn.lookback_days)`` of contacts before each."""
    need = int(np.ceil(min(params.churn.lookback_days) / 30.0)) + 1 + int(np.ceil(params.churn.label_days / 31.0))
    start, end = data_span(tables)
    try:
        plan(tables, params)
        training_cutoffs(tables, params, end)
    except ValueError:
        return False, need, start.to_period("M")
    return True, need, start.to_period("M")


def training_cutoffs(tables, params, cutoff: pd.Timestamp) -> tuple[list[pd.Timestamp], bool]:
    """Cutoffs the scoring model for ``cutoff`` is trained on: labels observed by ``cutoff``."""
    cands, short = usable_cutoffs(tables, params, until=cutoff)
    train = _before(cands, cutoff, params)
    if not train:
        raise ValueError(f"not enough history before {cutoff:%Y-%m-%d} to train a churn model "
                         f"(a {params.churn.label_days}-day label needs earlier month ends)")
    return train, short


def evaluate(tables, cutoffs, params, mdl: _model.Model, rates: pd.Series) -> pd.DataFrame:
    """Every customer of each held-out cutoff scored by the model and the rules, one batch at a time.

    Columns: ``cutoff``, ``churned`` (bool), ``score`` (model probability), ``rules_fired``
    (count), ``rules_score`` (the training churn rate at that count); rows in ``cutoffs``
    order, then ``customer_id`` order (as :func:`ccnb.churn.features`). Only these columns
    are kept, never the features of the whole population.
    """
    cp = params.churn
    out = []
    for c in cutoffs:
        stream.check_label(tables, c, cp.label_days)
        parts = []
        for b in stream.batches(tables, c, cp, params.kpi, label_days=cp.label_days):
            n_fired, r_prob = rule_probability(b, rates, params)
            parts.append(pd.DataFrame({"_row": b["_row"].to_numpy(), "churned": b["churned"].to_numpy(dtype=bool),
                                       "score": mdl.predict(b), "rules_fired": n_fired, "rules_score": r_prob}))
        part = stream.ordered(parts)
        stream.remember_population(tables, c, params, len(part))
        part.insert(0, "cutoff", c)
        out.append(part)
    return pd.concat(out, ignore_index=True)


def model_features(params, history_days: float | None = None) -> list[str]:
    """``churn.model_features`` whose window fits in ``history_days`` (the history before the earliest
    training cutoff): on short data a 90-day count at the first cutoff would cover fewer days than
    the same count later, and the model would learn the wrong scale."""
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
    train_rows: int = 0                        # training rows the model learned from (after churn.train_rows_max)
    train_population: int = 0                  # training rows before sampling (customers summed over cutoffs)

    @property
    def train_sampled(self) -> bool:
        """The model learned from a seeded random share of the training customers (``churn.train_rows_max``)."""
        return self.train_rows < self.train_population

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
    params = params_or_default(params)
    cp = params.churn
    p = plan(tables, params)
    train = training_frame(tables, p.train, params)
    mdl = fit_model(train, params, history_days(tables, p.train))
    rates = rule_rates(train, params)
    used = dict(train.attrs)
    del train
    scored = evaluate(tables, p.validate, params, mdl, rates)
    score = scored["score"].to_numpy()
    n_fired = scored["rules_fired"].to_numpy()
    r_prob = scored["rules_score"].to_numpy()
    y = scored["churned"].to_numpy()
    k = int(cp.outreach_capacity)
    rows = []
    for i, c in enumerate(p.validate):
        m = (scored["cutoff"] == c).to_numpy()
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
    share = k / (len(y) / len(p.validate)) if len(y) else float("nan")
    return Validation(metrics=met, per_cutoff=per, gains=gains, calibration=cal, odds_ratios=mdl.odds_ratios(),
                      plan=p, model=mdl, scored=scored, capacity_share=share, train_rows=used["rows"],
                      train_population=used["population"])
