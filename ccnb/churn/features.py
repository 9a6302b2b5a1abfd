"""Per-customer churn features as of a cutoff, computed in DuckDB from data strictly before it.

``features(tables, cutoff, params)`` runs one SQL query over the contract's views and
brings back one row per scored customer (never the contacts themselves), so it scales
with the engine, not with pandas.

The cutoff is an instant: events with a timestamp ``< cutoff`` (dates ``< cutoff's date``)
are used, nothing at or after it. A customer is *active* at the cutoff when they signed up
before it and had not churned before it (``churn_date`` empty or ``>= cutoff``).

Columns (``<w>`` is each lookback window of ``churn.lookback_days``, e.g. 30 and 90 days;
"in the window" means ``cutoff - w days <= ts < cutoff``):

=============================  =======  ==================================================================
column                         unit     definition
=============================  =======  ==================================================================
``customer_id``                         the customer (restricted: never shown in reports)
``segment``                             ``customers.segment``
``value``                      CNY/mo   ``customers.value`` (may be empty)
``tenure_days``                days     cutoff date - sign-up date
``last_contact_ts``                     last inbound contact before the cutoff (any time back)
``days_since_contact``         days     (cutoff - last_contact_ts) in days; empty if never
``contacts_<w>d``              count    inbound contacts (any channel, abandoned and self-served included)
``repeats_<w>d``               count    inbound contacts that repeat an earlier inbound contact of the
                                        same customer on the same reason within ``kpi.fcr_window_days``
                                        (the FCR definition of ``ccnb.kpi.facts.contacts``: a contact
                                        followed by one of these is not first-contact-resolved)
``unresolved_<w>d``            count    handled inbound contacts the agent marked not resolved
``transfers_<w>d``             count    inbound contacts transferred
``abandons_<w>d``              count    inbound contacts abandoned in queue
``long_waits_<w>d``            count    answered or abandoned after waiting ``>= kpi.long_wait_s``
``complaints_<w>d``            count    complaints opened
``complaints_unresolved_<w>d`` count    complaints opened in the window and not resolved before the cutoff
``complaint_days_<w>d``        days     mean resolution time of the window's complaints resolved before
                                        the cutoff (empty if none)
``surveys_<w>d``               count    survey answers on the window's contacts
``csat_mean_<w>d``             1-5      mean CSAT (empty without answers)
``low_csat_<w>d``              count    CSAT answers ``<= churn.low_csat_max``
``detractors_<w>d``            count    NPS answers 0-6 (detractors)
``ces_mean_<w>d``              1-7      mean CES
``high_effort_<w>d``           count    CES answers ``<= churn.high_effort_max``
``complaints_open``            count    complaints opened before the cutoff and still open at it (any age)
``open_complaint_days``        days     age of the oldest open complaint at the cutoff (empty if none)
``r_score`` ``f_score``        1-3      RFM recency (3 = most recent contact) and frequency (3 = most
                                        contacts in the longest window): thirds of the scored customers
``m_score``                    1-3      RFM monetary: thirds of ``value`` (empty when value is unknown)
``rfm``                                 ``"R3F2M1"`` (``M-`` when value is unknown)
``value_tier``                          ``high`` / ``medium`` / ``low``: from ``m_score`` when the value is
                                        known, else from contact history (mean of R and F rounded)
=============================  =======  ==================================================================

RFM thirds use ``cume_dist`` (ties share a score, so the result does not depend on row
order). The center has no orders table, so M is the customer's monthly value; F and R
come from contacts.

Population (``churn.population``): ``contacted`` (default) keeps active customers with an
inbound contact or a complaint in the longest window, or an open complaint; ``active``
keeps every active customer.
"""
from __future__ import annotations

import pandas as pd

from ccnb.catalog.churn_features import WINDOWED, kind_or_none


def to_cutoff(cutoff) -> pd.Timestamp:
    """The cutoff, a midnight, from a date (``"2026-11-01"``) or a month (``Period``: the next month's start).

    Data "before the cutoff" is everything timestamped before that midnight.
    """
    if isinstance(cutoff, pd.Period):
        return (cutoff + 1).start_time
    ts = pd.Timestamp(cutoff)
    if ts.tzinfo is not None:
        raise ValueError("cutoff must be the center's local wall-clock time (no time zone)")
    if ts != ts.normalize():
        raise ValueError(f"cutoff must be a date (midnight), got {ts}")
    return ts


def ts_sql(t: pd.Timestamp) -> str:
    return f"TIMESTAMP '{t:%Y-%m-%d %H:%M:%S}'"


def population_cte(cutoff: pd.Timestamp, sub: str = "") -> str:
    """The customers active at the cutoff (signed up before its day, not left before it)."""
    D = f"CAST({ts_sql(cutoff)} AS DATE)"
    return f"""
    SELECT customer_id, segment, value, signup_date, churn_date
    FROM customers
    WHERE signup_date < {D} AND (churn_date IS NULL OR churn_date >= {D}){sub}
"""


def complaints_cte(cutoff: pd.Timestamp, sub: str = "") -> str:
    """Complaints opened before the cutoff, ``resolved_before`` it or not."""
    C = ts_sql(cutoff)
    return f"""
    SELECT customer_id, opened_ts, resolved_ts,
           (resolved_ts IS NOT NULL AND resolved_ts < {C}) AS resolved_before
    FROM complaints WHERE opened_ts < {C}{sub}
"""


def keep_condition(W: int, population: str) -> str:
    """Population ``contacted``: an inbound contact or a complaint opened in the longest window
    ``W``, or a complaint open at the cutoff (over ``a`` and ``k``); ``active``: everyone."""
    if population == "active":
        return "true"
    return (f"(coalesce(a.contacts_{W}d, 0) > 0 OR coalesce(k.complaints_{W}d, 0) > 0 "
            f"OR coalesce(k.complaints_open, 0) > 0)")


def days_since_sql(cutoff: pd.Timestamp, col: str) -> str:
    return f"epoch({ts_sql(cutoff)} - {col}) / 86400.0"


def feature_ctes(cutoff: pd.Timestamp, windows, *, fcr_window_days: int, long_wait_s: float, low_csat_max: int,
          high_effort_max: int, population: str = "contacted", only: str | None = None,
          part: tuple[int, int] | None = None, churn_date: bool = False) -> str:
    """``WITH pop AS (...), ..., f AS (...)``: ``f`` has one row per customer of the population with
    every feature but the RFM scores. ``only`` (a subquery of ``customer_id`` s) and ``part =
    (i, p)`` (customers with ``hash(customer_id) % p = i``) restrict every source to some
    customers: a customer's features come from that customer's rows alone, so their rows of
    ``f`` do not change. ``churn_date``: ``f`` carries ``_churn_date`` for the label."""
    C = ts_sql(cutoff)
    D = f"CAST({C} AS DATE)"
    ws = sorted({int(w) for w in windows})
    W = ws[-1]
    F = int(fcr_window_days)
    sub = f" AND customer_id IN ({only})" if only else ""
    if part is not None:
        sub += f" AND hash(customer_id) % {int(part[1])} = {int(part[0])}"

    def inw(w: int, col: str = "arrival_ts") -> str:
        return f"{col} >= {C} - INTERVAL {w} DAY"

    contact_aggs, complaint_aggs = [], []
    for w in ws:
        i = inw(w)
        contact_aggs += [
            f"count(*) FILTER (WHERE {i}) AS contacts_{w}d",
            f"count(*) FILTER (WHERE {i} AND is_repeat) AS repeats_{w}d",
            f"count(*) FILTER (WHERE {i} AND handled AND resolved = false) AS unresolved_{w}d",
            f"count(*) FILTER (WHERE {i} AND transferred) AS transfers_{w}d",
            f"count(*) FILTER (WHERE {i} AND abandoned) AS abandons_{w}d",
            f"count(*) FILTER (WHERE {i} AND long_wait) AS long_waits_{w}d",
            f"count(*) FILTER (WHERE {i} AND answered_survey) AS surveys_{w}d",
            f"avg(csat) FILTER (WHERE {i}) AS csat_mean_{w}d",
            f"count(*) FILTER (WHERE {i} AND csat <= {int(low_csat_max)}) AS low_csat_{w}d",
            f"count(*) FILTER (WHERE {i} AND nps <= 6) AS detractors_{w}d",
            f"avg(ces) FILTER (WHERE {i}) AS ces_mean_{w}d",
            f"count(*) FILTER (WHERE {i} AND ces <= {int(high_effort_max)}) AS high_effort_{w}d",
        ]
        k = inw(w, "opened_ts")
        complaint_aggs += [
            f"count(*) FILTER (WHERE {k}) AS complaints_{w}d",
            f"count(*) FILTER (WHERE {k} AND NOT resolved_before) AS complaints_unresolved_{w}d",
            f"avg(epoch(resolved_ts - opened_ts) / 86400.0) FILTER (WHERE {k} AND resolved_before) "
            f"AS complaint_days_{w}d",
        ]
    counts = [f"{b}_{w}d" for w in ws for b, kd in WINDOWED.items() if kd == "count"]
    means = [f"{b}_{w}d" for w in ws for b, kd in WINDOWED.items() if kd != "count"]
    cols = ",\n       ".join([f"coalesce({c}, 0) AS {c}" for c in counts] + means)
    return f"""
WITH pop AS ({population_cte(cutoff, sub)}),
ib AS (  -- inbound contacts of known customers; the lag sees FCR-window days before the longest window
    SELECT contact_id, customer_id, arrival_ts, answer_ts, agent_id, abandoned, transferred, resolved, wait_s,
           lag(arrival_ts) OVER (PARTITION BY customer_id, coalesce(reason, '')
                                 ORDER BY arrival_ts, contact_id) AS prev_ts
    FROM interactions
    WHERE direction = 'inbound' AND customer_id IS NOT NULL
      AND arrival_ts >= {C} - INTERVAL {W + F} DAY AND arrival_ts < {C}{sub}
),
ct AS (
    SELECT ib.customer_id, ib.arrival_ts, ib.abandoned, ib.transferred, ib.resolved,
           (ib.prev_ts IS NOT NULL AND ib.arrival_ts <= ib.prev_ts + INTERVAL {F} DAY) AS is_repeat,
           (ib.answer_ts IS NOT NULL AND ib.agent_id IS NOT NULL) AS handled,
           ((ib.answer_ts IS NOT NULL OR ib.abandoned) AND ib.wait_s >= {float(long_wait_s)}) AS long_wait,
           s.contact_id IS NOT NULL AS answered_survey, s.csat, s.nps, s.ces
    FROM ib LEFT JOIN surveys s ON s.contact_id = ib.contact_id
    WHERE {inw(W)}
),
a AS (
    SELECT customer_id,
       {(',' + chr(10) + '       ').join(contact_aggs)}
    FROM ct GROUP BY customer_id
),
last AS (
    SELECT customer_id, max(arrival_ts) AS last_contact_ts
    FROM interactions
    WHERE direction = 'inbound' AND customer_id IS NOT NULL AND arrival_ts < {C}{sub}
    GROUP BY customer_id
),
kc AS ({complaints_cte(cutoff, sub)}),
k AS (
    SELECT customer_id,
       {(',' + chr(10) + '       ').join(complaint_aggs)},
       count(*) FILTER (WHERE NOT resolved_before) AS complaints_open,
       max(epoch({C} - opened_ts) / 86400.0) FILTER (WHERE NOT resolved_before) AS open_complaint_days
    FROM kc GROUP BY customer_id
),
f AS (
    SELECT p.customer_id, p.segment, p.value,
           date_diff('day', p.signup_date, {D}) AS tenure_days,
           l.last_contact_ts,
           {days_since_sql(cutoff, "l.last_contact_ts")} AS days_since_contact,
           {cols},
           coalesce(k.complaints_open, 0) AS complaints_open,
           k.open_complaint_days{", p.churn_date AS _churn_date" if churn_date else ""}
    FROM pop p
    LEFT JOIN a ON a.customer_id = p.customer_id
    LEFT JOIN k ON k.customer_id = p.customer_id
    LEFT JOIN last l ON l.customer_id = p.customer_id
    WHERE {keep_condition(W, population)}
)"""


def ranks_sql(W: int) -> str:
    """RFM thirds over the rows of ``f``, on a narrow projection (the windows sort 4 columns, not every feature)."""
    return f"""SELECT customer_id,
       1 + CAST(cume_dist() OVER (ORDER BY days_since_contact DESC NULLS FIRST) > 1/3 AS INT)
         + CAST(cume_dist() OVER (ORDER BY days_since_contact DESC NULLS FIRST) > 2/3 AS INT) AS r_score,
       1 + CAST(cume_dist() OVER (ORDER BY contacts_{W}d) > 1/3 AS INT)
         + CAST(cume_dist() OVER (ORDER BY contacts_{W}d) > 2/3 AS INT) AS f_score,
       CASE WHEN value IS NOT NULL THEN
         1 + CAST(cume_dist() OVER (PARTITION BY value IS NULL ORDER BY value) > 1/3 AS INT)
           + CAST(cume_dist() OVER (PARTITION BY value IS NULL ORDER BY value) > 2/3 AS INT) END AS m_score,
       row_number() OVER (ORDER BY customer_id) - 1 AS _row
    FROM (SELECT customer_id, days_since_contact, contacts_{W}d, value FROM f)"""


def label_sql(cutoff: pd.Timestamp, days: int, churn_date: str = "churn_date") -> str:
    """The label, one definition: ``churned`` (bool) = the customer left within ``days`` days after the
    cutoff (``churn_date`` before cutoff date + ``days``; no churn date: false)."""
    D = f"CAST({ts_sql(cutoff)} AS DATE)"
    return f"coalesce({churn_date} < {D} + INTERVAL {int(days)} DAY, false) AS churned"


def select_sql(cutoff: pd.Timestamp, label_days: int | None, row: bool) -> str:
    """The output columns over ``f JOIN rk``: the features, RFM, ``value_tier`` (and ``_row``, ``churned``)."""
    churned = f",\n       {label_sql(cutoff, label_days, 'f._churn_date')}" if label_days is not None else ""
    return f"""SELECT f.*{" EXCLUDE (_churn_date)" if label_days is not None else ""},
       rk.r_score, rk.f_score, rk.m_score{", rk._row" if row else ""},
       'R' || rk.r_score || 'F' || rk.f_score || 'M' || coalesce(CAST(rk.m_score AS VARCHAR), '-') AS rfm,
       CASE coalesce(rk.m_score, CAST(floor((rk.r_score + rk.f_score) / 2.0 + 0.5) AS INT))
            WHEN 3 THEN 'high' WHEN 2 THEN 'medium' ELSE 'low' END AS value_tier{churned}"""


def feature_sql(cutoff: pd.Timestamp, windows, *, fcr_window_days: int, long_wait_s: float, low_csat_max: int,
                high_effort_max: int, population: str = "contacted") -> str:
    """The SELECT computing :func:`features` in one statement, rows in ``customer_id`` order (DuckDB SQL
    over the contract's views): the definition. For millions of customers :func:`ccnb.churn.parts.rank_sql` and
    :func:`~ccnb.churn.parts.batch_sql` compute the same rows in parts (:mod:`ccnb.churn.stream`)."""
    W = max(int(w) for w in windows)
    return (feature_ctes(cutoff, windows, fcr_window_days=fcr_window_days, long_wait_s=long_wait_s,
                  low_csat_max=low_csat_max, high_effort_max=high_effort_max, population=population)
            + f",\nrk AS (\n    {ranks_sql(W)}\n)\n{select_sql(cutoff, None, False)}\n"
            "FROM f JOIN rk ON rk.customer_id = f.customer_id\nORDER BY f.customer_id\n")


def check_cutoff(tables, cutoff: pd.Timestamp) -> None:
    """A ``ValueError`` when ``cutoff`` lies after what ``tables`` shows (its month's end)."""
    end = getattr(tables, "end", None)
    if end is not None and cutoff > end:
        raise ValueError(f"cutoff {cutoff:%Y-%m-%d %H:%M} is after what the data shows (as of {end:%Y-%m-%d}); "
                         "load the data for a later month")


def typed(df: pd.DataFrame) -> pd.DataFrame:
    """Column types of :func:`features` (in place): counts ``int64``, ``m_score`` ``Int64``, days,
    scores and money ``float64``, texts ``string``."""
    ints = [c for c in df.columns if kind_or_none(c) == "count"] + ["tenure_days", "r_score", "f_score"]
    for c in ints:
        df[c] = df[c].astype("int64")
    df["m_score"] = df["m_score"].astype("Int64")
    for c in df.columns:
        if kind_or_none(c) in ("days", "score", "money") and c not in ints + ["m_score"]:
            df[c] = df[c].astype("float64")
    for c in ("customer_id", "segment", "rfm", "value_tier"):
        df[c] = df[c].astype("string")
    return df
