"""Customer churn risk: transparent rule flags and a validated churn model, with reasons.

Public API (analysts call it; names are stable):

* ``features(tables, cutoff, params=None)`` -> one row per customer active at ``cutoff``
  (:mod:`ccnb.churn.features` documents every column), from data strictly before it.
* ``flags(tables, cutoff=None, params=None, lang="en")`` -> one row per flagged customer
  with ``score`` (churn probability within ``churn.label_days``), ``band`` (high / medium /
  low), ``reasons`` (readable, in ``lang``) and ``reason_codes`` (:mod:`ccnb.churn.score`).
* ``validate(tables, params=None)`` -> :class:`~ccnb.churn.out_of_time.Validation`: out-of-time
  metrics (``auc``, ``brier``, ``precision_at_k``) of the model and of the rules alone,
  gains, calibration and the odds-ratio table.

Modules: ``features`` (SQL), ``rules``, ``model`` (statsmodels logit), ``metrics``,
``stream`` (feature rows in batches, the sampled training rows), ``cache`` (results kept per
tables object), ``out_of_time`` (cutoffs, training, out-of-time test), ``score`` (scores, bands, reasons),
``export`` (masking, outreach CSV/Excel), ``views`` (tables for the manager report).
"""
from __future__ import annotations

import pandas as pd

from ccnb.churn import features as _features
from ccnb.churn import stream
from ccnb.churn.cache import cached, key, params_or_default
from ccnb.churn.out_of_time import Validation, history_check, validate
from ccnb.churn.score import flags, scores
from ccnb.churn.stream import check_label


def features(tables, cutoff, params=None) -> pd.DataFrame:
    """Per-customer features as of ``cutoff`` (an instant, a date, or a month ``Period``: its end).

    Only data strictly before ``cutoff`` is used. Computed in the engine; results up to
    ``CACHE_MAX_BYTES`` are cached per ``tables`` object, cutoff and feature parameters (a copy
    is returned).
    """
    params = params_or_default(params)
    cutoff = _features.to_cutoff(cutoff)
    return cached(tables, ("features", key(cutoff, params)),
                  lambda: stream.compute(tables, cutoff, params.churn, params.kpi))


def labels(tables, cutoff, params=None) -> pd.DataFrame:
    """``customer_id``, ``churned`` (bool): active at ``cutoff`` and left within ``churn.label_days`` after it.

    The label window ``[cutoff date, cutoff date + N days)`` must lie within what the data
    shows (as of its month end); otherwise a ``ValueError`` says so.
    """
    params = params_or_default(params)
    cutoff = _features.to_cutoff(cutoff)
    n = int(params.churn.label_days)
    check_label(tables, cutoff, n)
    D = f"DATE '{cutoff:%Y-%m-%d}'"
    return tables.sql(f"""
        SELECT customer_id, {_features.label_sql(cutoff, n)}
        FROM customers
        WHERE signup_date < {D} AND (churn_date IS NULL OR churn_date >= {D})
        ORDER BY customer_id""")


__all__ = ["features", "labels", "flags", "scores", "validate", "Validation", "history_check"]
