"""The churn features of millions of customers, in parts: SQL for :mod:`ccnb.churn.stream`.

:func:`ccnb.churn.features.feature_sql` is the definition (one statement, every customer).
At 10M contacts a month its population (~5M customers at one cutoff) does not fit DuckDB's
memory in one query, so the same rows are computed in two steps: :func:`rank_sql` (the RFM
thirds of the whole population, from only the columns they need) and :func:`batch_sql` (the
features of a part of the customers, joined to their ranks). :func:`population_sql` counts
the population without computing features. The pieces (population, complaints, the
``contacted`` rule, recency) come from :mod:`ccnb.churn.features`, so each is written once.
"""
from __future__ import annotations

import pandas as pd

from ccnb.churn.features import (
    complaints_cte,
    days_since_sql,
    feature_ctes,
    feature_sql,
    keep_condition,
    population_cte,
    ranks_sql,
    select_sql,
    ts_sql,
)


def _rank_ctes(cutoff: pd.Timestamp, W: int, population: str) -> str:
    """``WITH ..., f AS (...)`` with only what the RFM ranks and the population need (``customer_id``,
    ``value``, ``days_since_contact``, ``contacts_<W>d``): the same definitions as :func:`feature_ctes`
    (shared pieces; the smoke tests hold both to the same rows), without the lag window, the surveys
    join and the other aggregates, and the last contact and window count in one pass. On a
    10M-contact month this fits DuckDB in 0.75 GB where the full chain needed 2 GB."""
    C = ts_sql(cutoff)
    return f"""
WITH pop AS ({population_cte(cutoff)}),
a AS (
    SELECT customer_id, max(arrival_ts) AS last_contact_ts,
           count(*) FILTER (WHERE arrival_ts >= {C} - INTERVAL {W} DAY) AS contacts_{W}d
    FROM interactions
    WHERE direction = 'inbound' AND customer_id IS NOT NULL AND arrival_ts < {C}
    GROUP BY customer_id
),
kc AS ({complaints_cte(cutoff)}),
k AS (
    SELECT customer_id, count(*) FILTER (WHERE opened_ts >= {C} - INTERVAL {W} DAY) AS complaints_{W}d,
           count(*) FILTER (WHERE NOT resolved_before) AS complaints_open
    FROM kc GROUP BY customer_id
),
f AS (
    SELECT p.customer_id, p.value, {days_since_sql(cutoff, "a.last_contact_ts")} AS days_since_contact,
           coalesce(a.contacts_{W}d, 0) AS contacts_{W}d
    FROM pop p
    LEFT JOIN a ON a.customer_id = p.customer_id
    LEFT JOIN k ON k.customer_id = p.customer_id
    WHERE {keep_condition(W, population)}
)"""


def rank_sql(cutoff: pd.Timestamp, windows, *, fcr_window_days: int, long_wait_s: float, low_csat_max: int,
             high_effort_max: int, population: str = "contacted", sample: int | None = None, seed: int = 0) -> str:
    """``customer_id``, ``r_score``, ``f_score``, ``m_score`` (RFM thirds of the whole population)
    and ``_row`` (0-based position in ``customer_id`` order), one row per customer of the population.

    ``sample``: only the ``sample`` customers with the smallest
    ``md5("<seed>:<cutoff date>:<customer_id>")`` (a seeded uniform random subset, ranked
    within the whole population all the same). Only the columns the ranks and the population
    need are computed (:func:`_rank_ctes`); the other arguments are those of :func:`feature_sql`.
    """
    W = max(int(w) for w in windows)
    q = _rank_ctes(cutoff, W, population) + f",\nrk AS (\n    {ranks_sql(W)}\n)\nSELECT * FROM rk"
    if sample is not None:
        q += (f"\nORDER BY md5_number('{int(seed)}:{cutoff:%Y-%m-%d}:' || customer_id), customer_id "
              f"LIMIT {int(sample)}")
    return q + "\n"


def batch_sql(cutoff: pd.Timestamp, windows, *, fcr_window_days: int, long_wait_s: float, low_csat_max: int,
              high_effort_max: int, population: str = "contacted", ranks: str, sampled: bool = False,
              part: tuple[int, int] | None = None, label_days: int | None = None) -> str:
    """The rows of :func:`feature_sql` for the customers of the table ``ranks`` (made by :func:`rank_sql`),
    unsorted, with ``_row``. ``sampled``: ``ranks`` holds a sample, and only its customers' rows
    are read; ``part = (i, p)``: only customers with ``hash(customer_id) % p = i`` (a hash, not a
    join, so that a part costs no memory to select). ``label_days`` adds ``churned`` (bool): the
    customer left within that many days after the cutoff (as :func:`ccnb.churn.labels`)."""
    return (feature_ctes(cutoff, windows, fcr_window_days=fcr_window_days, long_wait_s=long_wait_s,
                  low_csat_max=low_csat_max, high_effort_max=high_effort_max, population=population,
                  only=f"SELECT customer_id FROM {ranks}" if sampled else None, part=part,
                  churn_date=label_days is not None)
            + f"\n{select_sql(cutoff, label_days, True)}\nFROM f JOIN {ranks} rk ON rk.customer_id = f.customer_id\n")


def population_sql(cutoff: pd.Timestamp, windows, population: str = "contacted") -> str:
    """``SELECT count(*)`` of the customers :func:`feature_sql` returns, without computing their features.

    Same population: active at the cutoff and (``contacted``) with an inbound contact or a
    complaint opened in the longest window, or a complaint open at the cutoff.
    """
    C = ts_sql(cutoff)
    D = f"CAST({C} AS DATE)"
    W = max(int(w) for w in windows)
    active = f"signup_date < {D} AND (churn_date IS NULL OR churn_date >= {D})"
    if population == "active":
        return f"SELECT count(*) AS n FROM customers WHERE {active}"
    return f"""
SELECT count(*) AS n FROM customers p
WHERE {active} AND (
    p.customer_id IN (SELECT customer_id FROM interactions
                      WHERE direction = 'inbound' AND customer_id IS NOT NULL
                        AND arrival_ts >= {C} - INTERVAL {W} DAY AND arrival_ts < {C})
    OR p.customer_id IN (SELECT customer_id FROM complaints
                         WHERE customer_id IS NOT NULL AND opened_ts < {C} AND (opened_ts >= {C} - INTERVAL {W} DAY
                                                    OR resolved_ts IS NULL OR resolved_ts >= {C})))
"""


def sql_for(kind: str, cutoff: pd.Timestamp, cp, kp, **kw) -> str:
    """``feature_sql`` / ``rank_sql`` / ``batch_sql`` (``kind``) with ``cp`` = ``params.churn``, ``kp`` = ``params.kpi``."""
    f = {"features": feature_sql, "rank": rank_sql, "batch": batch_sql}[kind]
    return f(cutoff, cp.lookback_days, fcr_window_days=kp.fcr_window_days, long_wait_s=kp.long_wait_s,
             low_csat_max=cp.low_csat_max, high_effort_max=cp.high_effort_max, population=cp.population, **kw)
