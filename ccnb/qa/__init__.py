"""Quality monitoring: the sampling plan, results, training and coaching needs, calibration.

>>> ccnb.qa.sampling_plan(tables, "2026-11-01", "2026-12-01", seed=0)
>>> ccnb.qa.by_group(tables, "2026-10", params, by="shift")
>>> ccnb.qa.calibration(ccnb.qa.calibration_evaluations(tables, "2026-10", params))

The QA KPIs themselves (QA score, pass rate, critical fails) are registry KPIs
(:mod:`ccnb.catalog.kpis`); this package groups, samples and calibrates.
"""
from ccnb.qa.calibration import Calibration, calibration, calibration_evaluations, icc2_1, icc_reml, shrout_fleiss
from ccnb.qa.results import by_group, findings, form_items, item_failures, item_label
from ccnb.qa.sampling import bands, plan_summary, resolve_contacts, sampling_plan

__all__ = ["sampling_plan", "resolve_contacts", "plan_summary", "bands", "calibration", "calibration_evaluations",
           "Calibration", "icc2_1", "icc_reml", "shrout_fleiss", "by_group", "item_failures", "findings",
           "form_items", "item_label"]
