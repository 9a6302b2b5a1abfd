"""Risk scores, bands and reasons for every customer as of a cutoff; the flagged ones.

``scores(tables, cutoff, params, lang)`` trains the model on the latest cutoffs whose
labels are fully observed by ``cutoff`` (:func:`ccnb.churn.out_of_time.training_cutoffs`; at
most ``churn.train_rows_max`` seeded random customers per cutoff, :mod:`ccnb.churn.stream`),
scores every customer of :func:`ccnb.churn.features` one batch at a time, keeps their
``KEEP`` columns (id, segment, value, value tier, RFM, tenure, last contact) and adds:

``score``
    probability (0-1) of churning within ``churn.label_days`` days after the cutoff;
``band``
    ``high`` (score >= ``churn.bands.high``), ``medium`` (>= ``churn.bands.medium``), ``low``;
``rules``
    codes of the rules fired, comma-separated (``""`` when none); ``n_rules`` how many;
``reason_codes``
    the rules fired, then up to ``churn.model_reasons`` model reasons ``M_<FEATURE>``:
    the features adding the most log-odds vs an average customer (at least
    ``churn.min_contribution``), leaving out features a fired rule already names;
``reasons``
    the same as readable text in ``lang``, separated by ``"; "`` (``"；"`` in Chinese);
``flagged``
    a rule fired or the band is high or medium;
``rank``
    1 = highest score (ties in a seeded random order); ``priority``: among the
    flagged, within the outreach capacity ``churn.outreach_capacity``.

``flags(...)`` keeps the flagged rows, highest score first. ``attrs``: ``cutoff``,
``train_cutoffs``, ``short_history``, ``method``, ``train_rows`` (training rows used) and
``train_population`` (before sampling).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.catalog.churn_features import split_name
from ccnb.churn import metrics as M
from ccnb.churn import rules as _rules
from ccnb.churn import stream
from ccnb.churn.cache import params_or_default
from ccnb.churn.features import check_cutoff, to_cutoff
from ccnb.churn.out_of_time import data_span, fit_model, history_days, training_cutoffs
from ccnb.churn.wording import model_reason_text

BANDS = ("high", "medium", "low")
#: Separator of reasons in the ``reasons`` text.
REASON_SEP = {"en": "; ", "zh": "；"}


def band_of(score, bands) -> np.ndarray:
    s = np.asarray(score, dtype="float64")
    return np.where(s >= bands.high, "high", np.where(s >= bands.medium, "medium", "low"))


#: Features that speak of the same thing, so that one reason covers them (base name -> topic).
TOPICS = {
    "complaints": "complaints", "complaints_unresolved": "complaints", "complaints_open": "complaints",
    "open_complaint_days": "complaints", "complaint_days": "complaints",
    "csat_mean": "satisfaction", "low_csat": "satisfaction", "ces_mean": "effort", "high_effort": "effort",
}


def topic(feature: str) -> str:
    """``complaints_unresolved_30d`` -> ``complaints``; ``repeats_90d`` -> ``repeats``."""
    base, _ = split_name(feature)
    return TOPICS.get(base, base)


def topic_contributions(mdl, feats: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Model contributions (log-odds vs an average customer) summed per topic, and per row and
    topic the feature contributing the most (whose value the reason shows)."""
    c = mdl.contributions(feats)
    tops = pd.Series({f: topic(f) for f in c.columns})
    summed = c.T.groupby(tops).sum().T
    lead = pd.DataFrame({tp: c[list(fs)].idxmax(axis=1) for tp, fs in tops.groupby(tops).groups.items()},
                        index=c.index)[summed.columns]
    return summed, lead


def default_cutoff(tables) -> pd.Timestamp:
    return data_span(tables)[1]


#: Feature columns kept beside the scores (what the report, its examples and the outreach list
#: show); the others are dropped, so that every customer's scores fit in memory at any scale
#: (join :func:`ccnb.churn.features` on ``customer_id`` for them).
KEEP = ("customer_id", "segment", "value", "value_tier", "rfm", "tenure_days", "last_contact_ts",
        "days_since_contact")


def score_batch(feats: pd.DataFrame, mdl, cp, lang: str = "en") -> pd.DataFrame:
    """``KEEP`` columns (and ``_row`` if present) of a batch of feature rows with ``score``, ``band``,
    ``n_rules``, ``flagged``, ``rules``, ``reason_codes`` and ``reasons`` (each row on its own: a
    batch gives the same rows as the whole population)."""
    out = feats[[c for c in (*KEEP, "_row") if c in feats.columns]].copy()
    out["score"] = mdl.predict(feats) if len(feats) else np.array([], dtype="float64")
    out["band"] = band_of(out["score"], cp.bands)
    fired = _rules.fired(feats, cp.rules)
    F = fired.to_numpy(dtype=bool)
    codes = np.array(fired.columns, dtype=object)
    out["n_rules"] = F.sum(axis=1).astype("int64")
    out["flagged"] = (out["n_rules"] > 0) | (out["band"] != "low")
    rules_txt = np.full(len(out), "", dtype=object)
    codes_txt = np.full(len(out), "", dtype=object)
    reasons_txt = np.full(len(out), "", dtype=object)
    for i in np.flatnonzero(F.any(axis=1)):
        rules_txt[i] = ", ".join(codes[F[i]])
    flagged = np.flatnonzero(out["flagged"].to_numpy())
    sep = REASON_SEP.get(lang, "; ")
    if len(flagged):
        sub = feats.iloc[flagged]
        contrib, lead = topic_contributions(mdl, sub)
        by_code = {r.code: r for r in cp.rules}
        rule_topics = {c: {topic(f) for f in _rules.rule_features(by_code[c])} for c in codes}
        records = sub.to_dict("records")
        cvals, ccols, leads = contrib.to_numpy(), list(contrib.columns), lead.to_numpy()
        for j, i in enumerate(flagged):
            row = records[j]
            fired_codes = list(codes[F[i]])
            texts = [_rules.reason_text(by_code[c], row, lang) for c in fired_codes]
            covered = set().union(*(rule_topics[c] for c in fired_codes))
            picked = []
            for m in np.argsort(-cvals[j], kind="stable"):
                if len(picked) >= cp.model_reasons or cvals[j, m] < cp.min_contribution:
                    break
                tp, feat = ccols[m], leads[j, m]
                if tp in covered:
                    continue
                covered.add(tp)
                picked.append(("M_" + tp.upper(), model_reason_text(feat, row.get(feat), lang)))
            codes_txt[i] = ", ".join(fired_codes + [c for c, _ in picked])
            reasons_txt[i] = sep.join(texts + [x for _, x in picked])
    out["rules"] = pd.array(rules_txt, dtype="string")
    out["reason_codes"] = pd.array(codes_txt, dtype="string")
    out["reasons"] = pd.array(reasons_txt, dtype="string")
    return out


def scores(tables, cutoff=None, params=None, lang: str = "en") -> pd.DataFrame:
    """Every scored customer with score, band, rules, reasons (see the module docstring)."""
    params = params_or_default(params)
    cp = params.churn
    cutoff = default_cutoff(tables) if cutoff is None else to_cutoff(cutoff)
    check_cutoff(tables, cutoff)
    train_at, short = training_cutoffs(tables, params, cutoff)
    train = stream.training_frame(tables, train_at, params)
    mdl = fit_model(train, params, history_days(tables, train_at))
    used = dict(train.attrs)
    del train
    parts = [score_batch(b, mdl, cp, lang) for b in stream.batches(tables, cutoff, cp, params.kpi)]
    out = stream.concat(parts)
    n = len(out)
    stream.remember_population(tables, cutoff, params, n)
    # ranks are given in customer_id order (``_row``: ties broken by the seed, whatever the
    # batches), then the rows are put in rank order with one take (millions of rows)
    row = out.pop("_row").to_numpy()
    by_row = np.empty(n, dtype="float64")
    by_row[row] = out["score"].to_numpy(dtype="float64")
    rank = np.empty(n, dtype="int64")
    rank[M.order(by_row, cp.seed)] = np.arange(1, n + 1)
    out["rank"] = rank[row]
    out = out.take(np.argsort(out["rank"].to_numpy())).reset_index(drop=True)
    flagged = out["flagged"].to_numpy(dtype=bool)
    out["priority"] = flagged & (np.cumsum(flagged) <= cp.outreach_capacity)
    out.attrs.update(cutoff=cutoff, train_cutoffs=list(train_at), short_history=short, method=mdl.method,
                     train_rows=used["rows"], train_population=used["population"])
    return out


def flags(tables, cutoff=None, params=None, lang: str = "en") -> pd.DataFrame:
    """The flagged customers as of ``cutoff`` (default: the end of what ``tables`` shows), highest score first."""
    sc = scores(tables, cutoff, params, lang)
    out = sc[sc["flagged"]].reset_index(drop=True)
    out.attrs.update(sc.attrs, scored=len(sc))
    return out
