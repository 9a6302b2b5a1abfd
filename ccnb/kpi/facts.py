"""The facts KPIs are aggregated over, as SQL over the contract's table views.

Each function returns a ``SELECT`` (DuckDB dialect; kept to portable SQL so it can
be transpiled for Spark) with one row per fact, a ``period`` column (first day of
the month, as a timestamp) and the level columns ``queue, team, supervisor, site,
shift, agent``. ``FactParams`` carries the window and the definitions' parameters.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

LEVEL_COLUMNS = ("queue", "team", "supervisor", "site", "shift", "agent")


@dataclass(frozen=True)
class FactParams:
    lo: pd.Timestamp  # first instant of the window (a month start)
    hi: pd.Timestamp  # first instant after it (a month start)
    answer_s: float = 20
    fcr_window_days: int = 7
    long_wait_s: float = 120
    csat_min: int = 4
    ces_min: int = 5
    sales_queues: tuple[str, ...] = ()
    critical_zero: bool = True
    retention_months: int = 12
    pass_mark: float = 80
    #: False when the contacts carry no ``resolved`` mark: FCR is then measured from repeat contacts alone.
    fcr_resolved: bool = True

    @classmethod
    def from_params(cls, params, lo, hi) -> "FactParams":
        k = params.kpi
        return cls(lo=lo, hi=hi, answer_s=k.service_level_answer_s, fcr_window_days=k.fcr_window_days,
                   long_wait_s=k.long_wait_s, csat_min=k.csat_satisfied_min, ces_min=k.ces_easy_min,
                   sales_queues=tuple(q for q, d in params.center.queues.items() if d.sales),
                   critical_zero=params.qa.critical_fail_scores_zero,
                   retention_months=getattr(k, "retention_period_months", 12),
                   pass_mark=params.qa.pass_mark)

    @property
    def lo_sql(self) -> str:
        return f"TIMESTAMP '{self.lo:%Y-%m-%d %H:%M:%S}'"

    @property
    def hi_sql(self) -> str:
        return f"TIMESTAMP '{self.hi:%Y-%m-%d %H:%M:%S}'"


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


_AGENT_DIMS = "a.team AS team, a.supervisor AS supervisor, a.site AS site, a.shift AS shift"


def realtime_sql(a: str = "i") -> str:
    """A real-time offered candidate (contacts of table alias ``a``): inbound voice or chat not resolved in the IVR/bot.

    The one definition of what a queue is offered; the KPI registry (``rt`` below) and the
    forecaster's interval series (:mod:`ccnb.forecast.series`) both use it.
    """
    return f"({a}.direction = 'inbound' AND {a}.channel IN ('voice', 'chat') AND NOT {a}.self_served)"


def offered_sql(a: str = "i") -> str:
    """Offered = real-time candidate that was answered or abandoned (the registry's ``rt AND (answered OR abandoned)``)."""
    return f"({realtime_sql(a)} AND ({a}.answer_ts IS NOT NULL OR {a}.abandoned))"


def contacts(p: FactParams) -> str:
    sales = f"i.queue IN ({', '.join(_lit(q) for q in p.sales_queues)})" if p.sales_queues else "false"
    return f"""
WITH nxt AS (
    SELECT contact_id,
           lead(arrival_ts) OVER (PARTITION BY customer_id, coalesce(reason, '')
                                  ORDER BY arrival_ts, contact_id) AS next_ts
    FROM interactions
    WHERE direction = 'inbound' AND customer_id IS NOT NULL
      AND arrival_ts >= {p.lo_sql} AND arrival_ts < {p.hi_sql} + INTERVAL {int(p.fcr_window_days)} DAY
)
SELECT date_trunc('month', i.arrival_ts) AS period,
       i.queue AS queue, {_AGENT_DIMS}, i.agent_id AS agent,
       {realtime_sql('i')} AS rt,
       (i.answer_ts IS NOT NULL) AS answered,
       i.abandoned AS abandoned,
       (i.answer_ts IS NOT NULL AND i.wait_s <= {float(p.answer_s)}) AS in_sl,
       ((i.answer_ts IS NOT NULL OR i.abandoned) AND i.wait_s >= {float(p.long_wait_s)}) AS long_wait,
       (i.answer_ts IS NOT NULL AND i.agent_id IS NOT NULL) AS handled,
       i.talk_s + i.hold_s + i.acw_s AS handle_s,
       i.wait_s AS wait_s,
       i.transferred AS transferred,
       (i.direction = 'inbound') AS inbound,
       i.self_served AS self_served,
       {sales} AS sales,
       i.converted AS converted,
       (i.direction = 'inbound' AND i.answer_ts IS NOT NULL AND i.agent_id IS NOT NULL
        AND i.customer_id IS NOT NULL) AS fcr_base,
       ({"coalesce(i.resolved, false)" if p.fcr_resolved else "true"}
        AND (n.next_ts IS NULL OR n.next_ts > i.arrival_ts + INTERVAL {int(p.fcr_window_days)} DAY)) AS fcr_ok
FROM interactions i
LEFT JOIN agents a ON a.agent_id = i.agent_id
LEFT JOIN nxt n ON n.contact_id = i.contact_id
WHERE i.arrival_ts >= {p.lo_sql} AND i.arrival_ts < {p.hi_sql}
"""


def surveys(p: FactParams) -> str:
    return f"""
SELECT date_trunc('month', i.arrival_ts) AS period,
       i.queue AS queue, {_AGENT_DIMS}, i.agent_id AS agent,
       s.csat AS csat, s.nps AS nps, s.ces AS ces,
       (s.csat >= {int(p.csat_min)}) AS csat_sat,
       (s.nps >= 9) AS nps_pro, (s.nps <= 6) AS nps_det,
       (s.ces >= {int(p.ces_min)}) AS ces_easy
FROM surveys s
JOIN interactions i ON i.contact_id = s.contact_id
LEFT JOIN agents a ON a.agent_id = i.agent_id
WHERE i.arrival_ts >= {p.lo_sql} AND i.arrival_ts < {p.hi_sql}
"""


def agent_days(p: FactParams) -> str:
    return f"""
SELECT date_trunc('month', CAST(d.date AS TIMESTAMP)) AS period,
       a.queue AS queue, {_AGENT_DIMS}, d.agent_id AS agent,
       d.talk_s, d.hold_s, d.acw_s, d.idle_s, d.break_s, d.logged_in_s, d.scheduled_s,
       d.break_count, d.present, d.training_assigned, d.training_completed
FROM agent_days d
LEFT JOIN agents a ON a.agent_id = d.agent_id
WHERE d.date >= CAST({p.lo_sql} AS DATE) AND d.date < CAST({p.hi_sql} AS DATE)
"""


def qa(p: FactParams) -> str:
    zero = "true" if p.critical_zero else "false"
    return f"""
SELECT date_trunc('month', CAST(e.eval_date AS TIMESTAMP)) AS period,
       coalesce(i.queue, a.queue) AS queue, {_AGENT_DIMS}, e.agent_id AS agent,
       CASE WHEN e.critical_fail AND {zero} THEN 0.0 ELSE e.total_score END AS score,
       (NOT e.critical_fail AND e.total_score >= {float(p.pass_mark)}) AS passed,
       e.critical_fail AS critical_fail,
       i.direction AS direction
FROM qa_evaluations e
LEFT JOIN agents a ON a.agent_id = e.agent_id
LEFT JOIN interactions i ON i.contact_id = e.contact_id
WHERE e.eval_date >= CAST({p.lo_sql} AS DATE) AND e.eval_date < CAST({p.hi_sql} AS DATE)
  AND NOT coalesce(e.calibration, false)
"""


def complaints(p: FactParams) -> str:
    return f"""
SELECT date_trunc('month', c.opened_ts) AS period,
       i.queue AS queue, {_AGENT_DIMS}, i.agent_id AS agent,
       (c.resolved_ts IS NOT NULL AND c.resolved_ts < date_trunc('month', c.opened_ts) + INTERVAL 1 MONTH) AS resolved
FROM complaints c
LEFT JOIN interactions i ON i.contact_id = c.contact_id
LEFT JOIN agents a ON a.agent_id = i.agent_id
WHERE c.opened_ts >= {p.lo_sql} AND c.opened_ts < {p.hi_sql}
"""


def _months(p: FactParams) -> str:
    return (f"SELECT unnest(generate_series({p.lo_sql}, {p.hi_sql} - INTERVAL 1 MONTH, INTERVAL 1 MONTH)) AS period")


def roster(p: FactParams) -> str:
    """One row per agent employed during each month; start = first day, end = after the last day."""
    return f"""
WITH m AS ({_months(p)})
SELECT m.period AS period,
       a.queue AS queue, {_AGENT_DIMS}, a.agent_id AS agent,
       (a.hire_date < CAST(m.period AS DATE)
        AND (a.leave_date IS NULL OR a.leave_date >= CAST(m.period AS DATE))) AS at_start,
       (a.hire_date < CAST(m.period + INTERVAL 1 MONTH AS DATE)
        AND (a.leave_date IS NULL OR a.leave_date >= CAST(m.period + INTERVAL 1 MONTH AS DATE))) AS at_end,
       (a.leave_date >= CAST(m.period AS DATE)
        AND a.leave_date < CAST(m.period + INTERVAL 1 MONTH AS DATE)) AS left_in_period
FROM agents a CROSS JOIN m
WHERE a.hire_date < CAST(m.period + INTERVAL 1 MONTH AS DATE)
  AND (a.leave_date IS NULL OR a.leave_date >= CAST(m.period AS DATE))
"""


def customers(p: FactParams) -> str:
    """Retention base per month: active at the start of the retention period ending with the month."""
    r = int(p.retention_months)
    return f"""
WITH m AS ({_months(p)})
SELECT m.period AS period,
       CAST(NULL AS VARCHAR) AS queue, CAST(NULL AS VARCHAR) AS team, CAST(NULL AS VARCHAR) AS supervisor,
       CAST(NULL AS VARCHAR) AS site, CAST(NULL AS VARCHAR) AS shift, CAST(NULL AS VARCHAR) AS agent,
       (c.churn_date IS NULL OR c.churn_date >= CAST(m.period + INTERVAL 1 MONTH AS DATE)) AS retained
FROM customers c CROSS JOIN m
WHERE c.signup_date < CAST(m.period + INTERVAL 1 MONTH - INTERVAL {r} MONTH AS DATE)
  AND (c.churn_date IS NULL OR c.churn_date >= CAST(m.period + INTERVAL 1 MONTH - INTERVAL {r} MONTH AS DATE))
"""


FACTS = {
    "contacts": contacts,
    "surveys": surveys,
    "agent_days": agent_days,
    "qa": qa,
    "complaints": complaints,
    "roster": roster,
    "customers": customers,
}

#: Sample-size counts computed per fact (name -> SQL aggregate), used for "insufficient data".
SAMPLES = {
    "contacts": {
        "offered": "sum(CASE WHEN rt AND (answered OR abandoned) THEN 1 ELSE 0 END)",
        "handled": "sum(CASE WHEN handled THEN 1 ELSE 0 END)",
        "sales_handled": "sum(CASE WHEN handled AND sales THEN 1 ELSE 0 END)",
    },
    "surveys": {"surveys": "count(*)"},
    "agent_days": {"agent_days": "sum(CASE WHEN scheduled_s > 0 OR present THEN 1 ELSE 0 END)"},
    "qa": {"evaluations": "count(*)"},
    "complaints": {"complaints": "count(*)"},
    "roster": {"headcount": "sum(CASE WHEN at_end THEN 1 ELSE 0 END)"},
    "customers": {"customers": "count(*)"},
}
