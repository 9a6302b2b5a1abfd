"""Results remembered per ``Tables`` object, and the parameters churn functions fall back to.

A churn report asks for the same features, labels and population sizes several times (flags,
validation, the report's second model): :func:`cached` keeps each result per ``tables`` object
(weakly: it goes with the tables) under a key of the cutoff and the feature parameters
(:func:`key`), up to :data:`CACHE_MAX_BYTES` per DataFrame.
"""
from __future__ import annotations

import json
import weakref

import pandas as pd

from ccnb.params import Params, load_params

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
#: Frames larger than this (bytes, pandas' deep memory usage) are not kept in the cache: one
#: cutoff of a 10M-contact month is ~1.5 GB, and even its 300,000-customer training sample is
#: ~120 MB; eight of those kept for the report's second model cost more memory (~1 GB beside
#: DuckDB's) than recomputing them costs time (~10 s each). A sample-sized center (~50,000
#: customers per cutoff, ~30 MB) keeps everything.
CACHE_MAX_BYTES = 64 * 2**20


def params_or_default(params: Params | None) -> Params:
    """``params``, or the validated defaults (``params/default.yaml``) when None."""
    return load_params() if params is None else params


def key(cutoff: pd.Timestamp, params: Params) -> str:
    """The cache key of a cutoff and the parameters that change churn features."""
    k = params.kpi
    return json.dumps([str(cutoff), params.churn.model_dump(mode="json", include={
        "lookback_days", "low_csat_max", "high_effort_max", "population"}),
        k.fcr_window_days, k.long_wait_s], sort_keys=True)


def cached(tables, name, make):
    """``make()``, remembered per ``tables`` object under ``name``; a DataFrame only when it is at most
    ``CACHE_MAX_BYTES`` (and a copy is returned, so that callers may change it)."""
    try:
        store = _CACHE.setdefault(tables, {})
    except TypeError:  # not weak-referenceable: no cache
        store = {}
    if name in store:
        v = store[name]
    else:
        v = make()
        if not isinstance(v, pd.DataFrame) or v.memory_usage(deep=True).sum() <= CACHE_MAX_BYTES:
            store[name] = v
        else:
            return v
    return v.copy() if isinstance(v, pd.DataFrame) else v
