"""The figures notebooks record for the roll-ups (``ctx.summary(key, ...)``), named once (pure data).

A notebook writes ``<pack>/summary/<notebook>.json``; the pack's index and the month-end report
(:mod:`ccnb.rollup.month_end`) read the figures back by key. The keys below are that seam: the
month-end report names them from here, and ``tests/unit/test_summary_keys.py`` checks that each is
recorded by a notebook, so that a renamed key fails the tests instead of silently emptying a
section. The overview also records every headline KPI under its registry key
(:data:`ccnb.catalog.kpis.REGISTRY`).
"""
from __future__ import annotations

FORECAST_PEAK = "forecast.card_peak"          # 10_forecast_staffing: peak agents scheduled next month
FORECAST_FTE = "forecast.card_fte"            # 10_forecast_staffing: FTE next month
FORECAST_EVENT = "forecast.card_event"        # 10_forecast_staffing: the busiest event day
KPI_COMPOSITE = "kpi.summary_composite"       # 20_kpi_scorecard: center composite score
KPI_ON_TARGET = "kpi.summary_on_target"       # 20_kpi_scorecard: KPIs on target
QA_ICC = "qa.summary_icc"                     # 20_kpi_scorecard: evaluator agreement
QA_SCORE = "qa.summary_score"                 # 20_kpi_scorecard: mean QA score
CHURN_FLAGGED = "churn.sum_flagged"           # 30_churn_risk: customers flagged
CHURN_HIGH = "churn.sum_high"                 # 30_churn_risk: high-risk customers
CHURN_AUC = "churn.sum_auc"                   # 30_churn_risk: out-of-time AUC
CHURN_PRECISION_AT_K = "churn_precision_at_k"  # 30_churn_risk: precision of the outreach list
CUSTOMER_RETENTION = "customer_retention"     # 40_retention: customer retention (12 months)
AGENT_ATTRITION = "agent_attrition"           # 40_retention: agent attrition (12 months)
EARLY_WARNINGS = "early_warnings"             # 40_retention: agents with early warnings

#: Every key above: what notebooks may record beside the headline KPIs.
ALL = (FORECAST_PEAK, FORECAST_FTE, FORECAST_EVENT, KPI_COMPOSITE, KPI_ON_TARGET, QA_ICC, QA_SCORE, CHURN_FLAGGED,
       CHURN_HIGH, CHURN_AUC, CHURN_PRECISION_AT_K, CUSTOMER_RETENTION, AGENT_ATTRITION, EARLY_WARNINGS)

# next month's schedule (issue 17), recorded by 10_forecast_staffing
SCHEDULE_SL = "schedule.card_sl"              # 10_forecast_staffing: service level the schedule delivers
SCHEDULE_PAID = "schedule.card_paid"          # 10_forecast_staffing: paid hours of next month's schedule
ALL = ALL + (SCHEDULE_SL, SCHEDULE_PAID)
