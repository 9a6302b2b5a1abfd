"""Customer retention: cohorts, survival by segment and by contact-center experience, and
a Cox model of churn on service experience.

Time origin and censoring: a customer's spell runs from sign-up (or first contact) to the
churn date; as of the report month a later churn is unknown, so the spell is censored at
the month end. The data only holds customers still present when it begins (the observed
window starts with the first month of contacts), so older customers are *left-truncated*:
they enter the risk set at their tenure on that day (see :mod:`ccnb.retention.survival`).

Experience is measured in the engine (:func:`experience`): for each month start ``s`` and
each customer active then, flags over the ``retention.experience_days`` before ``s``, so a
customer's experience always precedes the month whose churn it explains (no look-ahead;
the cancellation call on the churn day is never a predictor).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb import kpi
from ccnb.kpi.facts import FactParams
from ccnb.kpi.scoring import light
from ccnb.retention import survival
from ccnb.retention.cohorts import cohort_retention

#: Experience flags (0/1 per customer and month start), in the order reports show them.
FLAGS = ("open_complaint", "resolved_complaint", "fcr_miss", "long_wait", "abandoned", "low_csat", "contacted")
#: Experience groups for survival curves, worst first.
GROUPS = ("open_complaint", "bad_experience", "good_experience", "no_contact")
DAYS_PER_MONTH = 365.25 / 12


def _ts(x) -> str:
    return f"TIMESTAMP '{pd.Timestamp(x):%Y-%m-%d %H:%M:%S}'"


def observed_from(tables) -> pd.Timestamp:
    """First day of the first month with contacts: customers (and agents) who left before it
    are not in the data, so earlier starts are left-truncated there."""
    v = tables.sql("SELECT min(arrival_ts) AS t FROM interactions")["t"].iloc[0]
    if pd.isna(v):
        return pd.Timestamp(tables.start) if tables.start is not None else pd.Timestamp("1970-01-01")
    return pd.Period(pd.Timestamp(v), "M").start_time


def customer_spells(tables, by: str = "signup", as_of=None) -> pd.DataFrame:
    """One row per customer: spell from sign-up (``by="signup"``, left-truncated at the start
    of the data) or first contact (``by="first_contact"``, customers who contacted the
    center) to churn, censored at ``as_of`` (default: the tables' month end).

    Columns as :func:`ccnb.retention.survival.spells` plus ``segment``; ``entity`` is the
    customer id (restricted: never shown in reports).
    """
    as_of = pd.Timestamp(as_of if as_of is not None else tables.end)
    df = tables.sql(_spell_source(by))
    obs = observed_from(tables) if by == "signup" else None
    return survival.spells(df, "start", "stop", as_of, observed_from=obs, groups="segment", id_col="customer_id")


def _spell_source(by: str) -> str:
    """SQL of one row per customer: ``customer_id``, ``segment``, ``start`` (sign-up, or first contact:
    customers who contacted the center, their churn not before it), ``stop`` (churn date)."""
    if by == "signup":
        return "SELECT customer_id, segment, signup_date AS start, churn_date AS stop FROM customers"
    if by == "first_contact":
        return """
            SELECT c.customer_id, c.segment, f.first AS start, c.churn_date AS stop
            FROM customers c
            JOIN (SELECT customer_id, CAST(min(arrival_ts) AS DATE) AS first FROM interactions
                  WHERE customer_id IS NOT NULL GROUP BY 1) f USING (customer_id)
            WHERE c.churn_date IS NULL OR c.churn_date >= f.first"""
    raise ValueError(f"by must be 'signup' or 'first_contact', got {by!r}")


def spells_sql(by: str, as_of, observed_from=None) -> str:
    """SQL of :func:`customer_spells` without the id, computed in the engine (the same rules as
    :func:`ccnb.retention.survival.spells`): ``segment``, ``start``, ``end`` (churn date before
    ``as_of``, else NULL: censored), ``event`` (1/0), ``duration`` and ``entry`` (days, DOUBLE)."""
    cut = f"CAST({_ts(pd.Timestamp(as_of).normalize())} AS DATE)"
    entry = "0.0"
    drop = ""
    if observed_from is not None:
        obs = f"CAST({_ts(pd.Timestamp(observed_from).normalize())} AS DATE)"
        entry = f"CAST(greatest(date_diff('day', start, {obs}), 0) AS DOUBLE)"
        drop = f" AND NOT coalesce(stop < {cut} AND stop < {obs}, false)"
    return f"""
SELECT segment, start, "end", CASE WHEN "end" IS NULL THEN 0 ELSE 1 END AS event,
       CAST(date_diff('day', start, coalesce("end", {cut})) AS DOUBLE) AS duration, {entry} AS entry
FROM (SELECT segment, CAST(start AS DATE) AS start, CAST(stop AS DATE) AS stop,
             CASE WHEN CAST(stop AS DATE) < {cut} THEN CAST(stop AS DATE) END AS "end"
      FROM ({_spell_source(by)}) src) s
WHERE start < {cut}{drop}"""


# --------------------------------------------------------------------------- cohorts and the KPI
def cohorts(tables, month, params) -> pd.DataFrame:
    """Cohort matrix of the latest ``retention.cohort_months`` monthly cohorts (by
    ``retention.cohort_by``) that started inside the data: share still customers at the
    end of each month since the cohort's month (see :func:`cohort_retention`). Customers are
    counted per start and end month in the engine (millions of customers never reach pandas)."""
    r = params.retention
    m = pd.Period(str(month), "M")
    first = max(pd.Period(observed_from(tables), "M"), m - (r.cohort_months - 1))
    counts = tables.sql(f"""
        SELECT date_trunc('month', start) AS start, date_trunc('month', "end") AS stop, count(*) AS n
        FROM ({spells_sql(r.cohort_by, (m + 1).start_time)}) sp
        WHERE start >= CAST({_ts(first.start_time)} AS DATE)
        GROUP BY ALL ORDER BY ALL""")
    return cohort_retention(counts, "start", "stop", (m + 1).start_time, first_cohort=first, weight="n")


def retention_rate(tables, month, params) -> dict:
    """The ``customer_retention`` KPI (registry definition) for ``month`` against target.

    Returns ``value`` (share), ``target``, ``light``, ``customers`` (base), ``months``
    (the KPI's retention period), ``covered`` (False when the data starts inside that
    period: churn before the data is unknown, so the value is too high) and ``trend``
    (Series by month of the KPI over the months the data fully covers, up to
    ``report.trend_months``).
    """
    m = pd.Period(str(month), "M")
    target = params.retention.targets(params)[0]
    period = FactParams.from_params(params, m.start_time, (m + 1).start_time).retention_months
    first = pd.Period(observed_from(tables), "M") + (period - 1)
    n = max(1, min(params.report.trend_months, (m - first).n + 1))
    tr = kpi.trend(tables, m, months=n, level="center", params=params, keys=["customer_retention"])
    tr = tr.droplevel("center")
    series = tr["customer_retention"]
    value = float(series.get(m, np.nan))
    base = int(tr["customers"].get(m, 0)) if "customers" in tr else 0
    return {"value": value, "target": target, "customers": base, "months": period, "covered": m >= first,
            "light": light(value, target, "higher", params.kpi.amber_band) if base else "grey",
            "trend": series[[p for p in series.index if p >= first]]}


def monthly_retention(tables, month, months: int = 12) -> pd.DataFrame:
    """Month by month: customers active at the month start (``base``), of whom still active
    at its end (``retained``), ``retention`` = retained / base (share), for the ``months``
    months ending with ``month`` that lie inside the data."""
    m = pd.Period(str(month), "M")
    first = max(m - (months - 1), pd.Period(observed_from(tables), "M"))
    lo, hi = first.start_time, (m + 1).start_time
    df = tables.sql(f"""
        WITH ms AS (SELECT unnest(generate_series({_ts(lo)}, {_ts(hi)} - INTERVAL 1 MONTH, INTERVAL 1 MONTH)) AS s)
        SELECT ms.s AS month_start, count(*) AS base,
               sum(CASE WHEN c.churn_date IS NULL OR c.churn_date >= CAST(ms.s + INTERVAL 1 MONTH AS DATE)
                        THEN 1 ELSE 0 END) AS retained
        FROM customers c JOIN ms ON c.signup_date < CAST(ms.s AS DATE)
             AND (c.churn_date IS NULL OR c.churn_date >= CAST(ms.s AS DATE))
        GROUP BY 1 ORDER BY 1""")
    df["month"] = pd.PeriodIndex(pd.to_datetime(df.pop("month_start")), freq="M")
    df["retention"] = df["retained"] / df["base"]
    return df.set_index("month")[["base", "retained", "retention"]]


# --------------------------------------------------------------------------- experience (engine)
def experience_sql(starts, params) -> str:
    """SQL: one row per customer active at each month start ``s`` in ``starts`` with the
    :data:`FLAGS` over the ``retention.experience_days`` before ``s``:

    ``open_complaint`` a complaint opened before s still open at s; ``resolved_complaint``
    complained in the window, all resolved by s; ``fcr_miss`` a handled inbound contact not
    resolved first time (marked unresolved, or a repeat on the same reason within
    ``kpi.fcr_window_days`` known by s); ``long_wait`` waited ``kpi.long_wait_s`` or more
    (answered or abandoned); ``abandoned`` hung up in the queue; ``low_csat`` a CSAT answer
    <= ``retention.low_csat_max``; ``contacted`` any inbound contact. Plus ``segment``,
    ``signup_date``, ``churn_date``.
    """
    days = int(params.retention.experience_days)
    fcr = int(params.kpi.fcr_window_days)
    wait = float(params.kpi.long_wait_s)
    low = int(params.retention.low_csat_max)
    ms = ", ".join(_ts(s) for s in starts)
    return f"""
WITH ms AS (SELECT unnest([{ms}]) AS s),
base AS (
    SELECT c.customer_id, c.segment, c.signup_date, c.churn_date, ms.s
    FROM customers c JOIN ms ON c.signup_date < CAST(ms.s AS DATE)
         AND (c.churn_date IS NULL OR c.churn_date >= CAST(ms.s AS DATE))),
ic AS (
    SELECT i.customer_id, i.arrival_ts, i.wait_s, i.abandoned, i.answer_ts, i.agent_id, i.resolved,
           lead(i.arrival_ts) OVER (PARTITION BY i.customer_id, coalesce(i.reason, '')
                                    ORDER BY i.arrival_ts, i.contact_id) AS next_ts,
           s.csat
    FROM interactions i LEFT JOIN surveys s ON s.contact_id = i.contact_id
    WHERE i.direction = 'inbound' AND i.customer_id IS NOT NULL
      AND i.arrival_ts >= {_ts(min(starts))} - INTERVAL {days} DAY AND i.arrival_ts < {_ts(max(starts))}),
ct AS (
    SELECT ic.customer_id, ms.s,
           max(CASE WHEN ic.answer_ts IS NOT NULL AND ic.agent_id IS NOT NULL
                     AND (NOT coalesce(ic.resolved, false)
                          OR (ic.next_ts < ms.s AND ic.next_ts <= ic.arrival_ts + INTERVAL {fcr} DAY))
                    THEN 1 ELSE 0 END) AS fcr_miss,
           max(CASE WHEN (ic.answer_ts IS NOT NULL OR ic.abandoned) AND ic.wait_s >= {wait} THEN 1 ELSE 0 END)
               AS long_wait,
           max(CASE WHEN ic.abandoned THEN 1 ELSE 0 END) AS abandoned,
           max(CASE WHEN ic.csat <= {low} THEN 1 ELSE 0 END) AS low_csat,
           1 AS contacted
    FROM ic JOIN ms ON ic.arrival_ts >= ms.s - INTERVAL {days} DAY AND ic.arrival_ts < ms.s
    GROUP BY 1, 2),
cp AS (
    SELECT k.customer_id, ms.s,
           max(CASE WHEN k.resolved_ts IS NULL OR k.resolved_ts >= ms.s THEN 1 ELSE 0 END) AS open_complaint,
           max(CASE WHEN k.opened_ts >= ms.s - INTERVAL {days} DAY THEN 1 ELSE 0 END) AS complained
    FROM complaints k JOIN ms ON k.opened_ts < ms.s
         AND (k.resolved_ts IS NULL OR k.resolved_ts >= ms.s OR k.opened_ts >= ms.s - INTERVAL {days} DAY)
    GROUP BY 1, 2)
SELECT b.customer_id, b.segment, b.signup_date, b.churn_date, b.s,
       coalesce(cp.open_complaint, 0) AS open_complaint,
       CASE WHEN coalesce(cp.complained, 0) = 1 AND coalesce(cp.open_complaint, 0) = 0 THEN 1 ELSE 0 END
           AS resolved_complaint,
       coalesce(ct.fcr_miss, 0) AS fcr_miss, coalesce(ct.long_wait, 0) AS long_wait,
       coalesce(ct.abandoned, 0) AS abandoned, coalesce(ct.low_csat, 0) AS low_csat,
       coalesce(ct.contacted, 0) AS contacted
FROM base b
LEFT JOIN ct ON ct.customer_id = b.customer_id AND ct.s = b.s
LEFT JOIN cp ON cp.customer_id = b.customer_id AND cp.s = b.s
"""


def experience(tables, starts, params) -> pd.DataFrame:
    """Run :func:`experience_sql` in the engine; flags as small integers."""
    df = tables.sql(experience_sql(list(starts), params))
    for f in FLAGS:
        df[f] = df[f].astype("int8")
    df["s"] = pd.to_datetime(df["s"])
    return df


#: SQL of the :data:`GROUPS` label over :func:`experience_sql`'s flags: an open complaint, else a bad
#: experience (any of resolved complaint, FCR miss, long wait, abandon, low CSAT), else contacted
#: with none, else no contact.
GROUP_SQL = """CASE WHEN open_complaint > 0 THEN 'open_complaint'
     WHEN greatest(resolved_complaint, fcr_miss, long_wait, abandoned, low_csat) > 0 THEN 'bad_experience'
     WHEN contacted > 0 THEN 'good_experience' ELSE 'no_contact' END"""


# --------------------------------------------------------------------------- survival
def model_window(tables, month, params, months: int) -> list[pd.Timestamp]:
    """Month starts from ``months`` months back to ``month`` whose experience window lies
    inside the data (at least one, the report month)."""
    m = pd.Period(str(month), "M")
    earliest = observed_from(tables) + pd.Timedelta(days=int(params.retention.experience_days))
    starts = [(m - k).start_time for k in range(months - 1, -1, -1)]
    ok = [s for s in starts if s >= earliest]
    return ok or [m.start_time]


def by_experience(tables, month, params) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Landmark spells for survival by experience: customers active at the landmark (the
    start of the month ``retention.followup_months`` before the month end, or the earliest
    with a full experience window), grouped by their experience before it (:data:`GROUP_SQL`),
    followed to the month end; counted in the engine.

    Returns (one row per ``group``, ``duration`` (days since the landmark to the churn day, or
    to the month end when still a customer), ``event`` (1 churned) with ``customers`` =
    how many customers share them; the landmark).
    """
    m = pd.Period(str(month), "M")
    landmark = model_window(tables, month, params, params.retention.followup_months)[0]
    end = f"CAST({_ts((m + 1).start_time)} AS DATE)"
    df = tables.sql(f"""
        SELECT "group", duration, event, count(*) AS customers FROM (
            SELECT {GROUP_SQL} AS "group",
                   CASE WHEN churn_date < {end} THEN 1 ELSE 0 END AS event,
                   CAST(date_diff('day', CAST({_ts(landmark)} AS DATE),
                                  CASE WHEN churn_date < {end} THEN churn_date ELSE {end} END) AS DOUBLE) AS duration
            FROM ({experience_sql([landmark], params)}) e) x
        GROUP BY ALL ORDER BY ALL""")
    return df, landmark


def counting_process_sql(starts, cutoff, params, share: float = 1.0) -> str:
    """SQL for :func:`counting_process`: customer-months from :func:`experience_sql`, runs of
    equal flags merged with window functions, a ``share`` of customers (whole customers,
    chosen by a seeded hash of the id) kept."""
    cut = _ts(cutoff)
    seed = int(params.retention.seed)
    code = " + ".join(f"{f} * {2 ** i}" for i, f in enumerate(FLAGS))
    keep = "" if share >= 1 else f"WHERE hash(customer_id || '|{seed}') % 1000000 < {int(share * 1_000_000)}"
    return f"""
WITH p AS (SELECT * FROM ({experience_sql(starts, params)}) e {keep}),
x AS (
    SELECT customer_id, segment, s, ({code}) AS flags,
           CAST(date_diff('day', signup_date, CAST(s AS DATE)) AS DOUBLE) AS entry,
           (churn_date IS NOT NULL AND churn_date < CAST(least(s + INTERVAL 1 MONTH, {cut}) AS DATE)) AS ev,
           CASE WHEN churn_date IS NOT NULL AND churn_date < CAST(least(s + INTERVAL 1 MONTH, {cut}) AS DATE)
                THEN date_diff('day', signup_date, churn_date) + 0.5
                ELSE CAST(date_diff('day', signup_date, CAST(least(s + INTERVAL 1 MONTH, {cut}) AS DATE)) AS DOUBLE)
           END AS duration
    FROM p),
y AS (
    SELECT *, CASE WHEN lag(flags) OVER w = flags AND lag(duration) OVER w = entry THEN 0 ELSE 1 END AS new_run
    FROM x WINDOW w AS (PARTITION BY customer_id ORDER BY s)),
z AS (SELECT *, sum(new_run) OVER (PARTITION BY customer_id ORDER BY s ROWS UNBOUNDED PRECEDING) AS run FROM y)
SELECT hash(customer_id) AS customer, any_value(segment) AS segment, min(entry) AS entry,
       max(duration) AS duration, max(CASE WHEN ev THEN 1 ELSE 0 END) AS event, any_value(flags) AS flags
FROM z GROUP BY customer_id, run
"""


def counting_process(tables, month, params, share: float | None = None) -> pd.DataFrame:
    """Customer-months in counting-process form for a Cox model with monthly experience.

    One row per customer and run of consecutive months (of the model window, see
    :func:`model_window`) with the same flags (merging such months leaves the partial
    likelihood unchanged): time scale tenure in days, ``entry`` (days from sign-up to the
    run's start), ``duration`` (to the run's end, or the churn day + 0.5 for a churn: event times
    on half days never tie with interval bounds, which PHReg would count twice),
    ``event`` (1 churned), ``segment``, ``customer`` (a hash of the id) and the
    :data:`FLAGS` (0/1). ``share`` (default: enough customers for
    ``retention.cox_max_customers``) keeps a seeded random sample of whole customers.
    """
    m = pd.Period(str(month), "M")
    starts = model_window(tables, month, params, params.retention.model_months)
    if share is None:
        n = tables.sql(f"""SELECT count(*) AS n FROM customers WHERE signup_date < CAST({_ts((m + 1).start_time)} AS DATE)
                           AND (churn_date IS NULL OR churn_date >= CAST({_ts(starts[0])} AS DATE))""")["n"].iloc[0]
        share = min(1.0, params.retention.cox_max_customers / max(int(n), 1))
    df = tables.sql(counting_process_sql(starts, (m + 1).start_time, params, share))
    code = df.pop("flags").to_numpy().astype("int64")
    for i, f in enumerate(FLAGS):
        df[f] = ((code >> i) & 1).astype("int8")
    df["event"] = df["event"].astype("int64")
    return df.sort_values(["customer", "entry"], kind="stable").reset_index(drop=True)


def cox_experience(tables, month, params) -> survival.CoxResult:
    """Cox model of churn on the month's service experience (:data:`FLAGS`), stratified by
    segment, on tenure (left-truncated counting process). Standard errors are the model's
    (valid for a counting-process partial likelihood; cluster-robust ones cost a second
    pass, see :func:`ccnb.retention.hazards.cox`). With more customers than
    ``retention.cox_max_customers`` a seeded random sample of whole customers is used:
    estimates stay unbiased, intervals widen.

    ``hr`` of a flag: how many times faster customers with it leave than customers
    without it, the other flags held equal.
    """
    cp = counting_process(tables, month, params)
    return survival.cox(cp, list(FLAGS), entry="entry", strata="segment", entity="customer", ties="breslow")


def segment_survival(tables, month, params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Survival over tenure since sign-up by segment (left-truncated): (Kaplan-Meier curves,
    summary with median stay and ``s_<n>m`` = share still customers after n months for
    ``retention.survival_horizons_months``). Times in days. Customers are counted per segment,
    duration, event and entry in the engine, then weighted (the same curves as one row each)."""
    cut = (pd.Period(str(month), "M") + 1).start_time
    sp = tables.sql(f"""
        SELECT segment, duration, event, entry, count(*) AS n
        FROM ({spells_sql("signup", cut, observed_from(tables))}) s GROUP BY ALL ORDER BY ALL""")
    hz = {f"{h}m": h * DAYS_PER_MONTH for h in params.retention.survival_horizons_months}
    args = (sp["duration"], sp["event"], sp["segment"])
    km = survival.kaplan_meier(*args, entry=sp["entry"], weights=sp["n"])
    summ = survival.survival_summary(*args, entry=sp["entry"], weights=sp["n"], horizons=hz)
    return km, summ


def experience_survival(tables, month, params) -> dict:
    """Survival since the landmark by experience group (:func:`by_experience`): ``km``
    (curves, days), ``summary`` (``s_<n>m`` at whole months up to the follow-up),
    ``logrank`` (all groups), ``landmark`` (Timestamp), ``months`` (follow-up), ``customers``."""
    df, landmark = by_experience(tables, month, params)
    months = int(round(df["duration"].max() / DAYS_PER_MONTH)) if len(df) else 0
    hz = {f"{k}m": k * DAYS_PER_MONTH - 0.5 for k in sorted({max(1, months // 2), months}) if k > 0}
    args, w = (df["duration"], df["event"], df["group"]), df["customers"]
    return {"km": survival.kaplan_meier(*args, weights=w),
            "summary": survival.survival_summary(*args, weights=w, horizons=hz),
            "logrank": survival.logrank(*args, weights=w),
            "landmark": landmark, "months": months, "customers": int(w.sum())}


__all__ = ["FLAGS", "GROUPS", "by_experience", "cohorts", "counting_process", "counting_process_sql", "cox_experience", "customer_spells",
           "experience", "GROUP_SQL", "experience_sql", "experience_survival", "model_window", "monthly_retention",
           "observed_from", "retention_rate", "segment_survival", "spells_sql"]
