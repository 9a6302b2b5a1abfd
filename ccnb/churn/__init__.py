"""Customer churn risk: transparent rule flags and a validated churn model, with reasons.

Public API (analysts call it; names are stable):

* ``features(tables, cutoff, params=None)`` -> one row per customer active at ``cutoff``
  (:mod:`ccnb.churn.features` documents every column), from data strictly before it.
* ``flags(tables, cutoff=None, params=None, lang="en")`` -> one row per flagged customer
  with ``score`` (churn probability within ``churn.label_days``), ``band`` (high / medium /
  low), ``reasons`` (readable, in ``lang``) and ``reason_codes`` (:mod:`ccnb.churn.score`).
* ``validate(tables, params=None)`` -> :class:`~ccnb.churn.validate.Validation`: out-of-time
  metrics (``auc``, ``brier``, ``precision_at_k``) of the model and of the rules alone,
  gains, calibration and the odds-ratio table.

Modules: ``features`` (SQL), ``rules``, ``model`` (statsmodels logit), ``metrics``,
``stream`` (feature rows in batches, the sampled training rows), ``validate`` (cutoffs,
training, out-of-time test), ``score`` (scores, bands, reasons),
``export`` (masking, outreach CSV/Excel), ``report`` (tables for the manager report).
"""
from __future__ import annotations

import json
import weakref

import pandas as pd

from ccnb.churn import features as _features

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
#: Frames larger than this (bytes, pandas' deep memory usage) are not kept in the cache: one
#: cutoff of a 10M-contact month is ~1.5 GB, and even its 300,000-customer training sample is
#: ~120 MB; eight of those kept for the report's second model cost more memory (~1 GB beside
#: DuckDB's) than recomputing them costs time (~10 s each). A sample-sized center (~50,000
#: customers per cutoff, ~30 MB) keeps everything.
CACHE_MAX_BYTES = 64 * 2**20


def _params(params):
    if params is None:
        from ccnb.params import load_params

        return load_params()
    return params


def _key(cutoff: pd.Timestamp, params) -> str:
    k = params.kpi
    return json.dumps([str(cutoff), params.churn.model_dump(mode="json", include={
        "lookback_days", "low_csat_max", "high_effort_max", "population"}),
        k.fcr_window_days, k.long_wait_s], sort_keys=True)


def _cached(tables, key, make):
    """``make()``, remembered per ``tables`` object under ``key``; a DataFrame only when it is at most
    ``CACHE_MAX_BYTES`` (and a copy is returned, so that callers may change it)."""
    try:
        store = _CACHE.setdefault(tables, {})
    except TypeError:  # not weak-referenceable: no cache
        store = {}
    if key in store:
        v = store[key]
    else:
        v = make()
        if not isinstance(v, pd.DataFrame) or v.memory_usage(deep=True).sum() <= CACHE_MAX_BYTES:
            store[key] = v
        else:
            return v
    return v.copy() if isinstance(v, pd.DataFrame) else v


def features(tables, cutoff, params=None) -> pd.DataFrame:
    """Per-customer features as of ``cutoff`` (an instant, a date, or a month ``Period``: its end).

    Only data strictly before ``cutoff`` is used. Computed in the engine; results up to
    ``CACHE_MAX_BYTES`` are cached per ``tables`` object, cutoff and feature parameters (a copy
    is returned).
    """
    params = _params(params)
    cutoff = _features.to_cutoff(cutoff)
    return _cached(tables, ("features", _key(cutoff, params)),
                   lambda: _features.compute(tables, cutoff, params.churn, params.kpi))


def labels(tables, cutoff, params=None) -> pd.DataFrame:
    """``customer_id``, ``churned`` (bool): active at ``cutoff`` and left within ``churn.label_days`` after it.

    The label window ``[cutoff date, cutoff date + N days)`` must lie within what the data
    shows (as of its month end); otherwise a ``ValueError`` says so.
    """
    params = _params(params)
    cutoff = _features.to_cutoff(cutoff)
    n = int(params.churn.label_days)
    check_label(tables, cutoff, n)
    D = f"DATE '{cutoff:%Y-%m-%d}'"
    return tables.sql(f"""
        SELECT customer_id, {_features.label_sql(cutoff, n)}
        FROM customers
        WHERE signup_date < {D} AND (churn_date IS NULL OR churn_date >= {D})
        ORDER BY customer_id""")


from ccnb.churn.stream import check_label  # noqa: E402
from ccnb.churn.score import flags, scores  # noqa: E402
from ccnb.churn.validate import Validation, validate  # noqa: E402

__all__ = ["features", "labels", "flags", "scores", "validate", "Validation"]
