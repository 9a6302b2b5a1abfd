"""Retention: customers and agents.

>>> ccnb.retention.kaplan_meier(durations, events, groups)          # survival curves with bands
>>> ccnb.retention.cohort_matrix(contacts, "customer_id", "arrival_ts")   # activity cohorts
>>> ccnb.retention.agent_attrition(tables, "2026-10")               # by team / supervisor / shift / tenure

Generic (any table of entity, start, end-or-censored, groups): :mod:`.survival`
(``spells``, ``kaplan_meier``, ``survival_summary``, ``logrank``), :mod:`.hazards` (``cox``,
``ph_check``) and
:mod:`.cohorts` (``cohort_matrix`` from activity, ``cohort_retention`` from spells).
Customers: :mod:`.customers` (cohorts, the retention KPI, survival by segment and by
service experience, Cox model of churn on experience). Agents: :mod:`.agents`
(attrition consistent with the ``attrition`` KPI, tenure survival) and
:mod:`.early_warning` (the supervisors' list with reasons). Words for managers:
:mod:`.report`; charts: :mod:`ccnb.present.plots.retention`.
"""
from ccnb.retention.agents import agent_attrition, agent_spells, attrition_trend, new_hire_curve, tenure_curve
from ccnb.retention.cohorts import cohort_average, cohort_matrix, cohort_retention
from ccnb.retention.early_warning import SIGNALS, agent_signals, backtest, early_warnings, history_weeks
from ccnb.retention.survival import (
                                     CoxResult,
                                     cox,
                                     kaplan_meier,
                                     logrank,
                                     ph_check,
                                     spells,
                                     survival_at,
                                     survival_summary,
)

__all__ = ["CoxResult", "SIGNALS", "agent_attrition", "agent_signals", "agent_spells", "attrition_trend", "backtest",
           "cohort_average", "cohort_matrix", "cohort_retention", "cox", "early_warnings", "history_weeks",
           "kaplan_meier", "logrank",
           "new_hire_curve", "ph_check", "spells", "survival_at", "survival_summary", "tenure_curve"]
