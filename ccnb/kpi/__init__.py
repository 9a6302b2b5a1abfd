"""KPIs: one registry of definitions (``REGISTRY``), computed inside the engine, scored against targets.

>>> ccnb.kpi.compute(tables, "2026-10", level="team")
>>> ccnb.kpi.trend(tables, "2026-10", months=6)
>>> ccnb.kpi.score(ccnb.kpi.compute(tables, "2026-10", level="agent"), params)

Attainment, traffic lights and the weighted composite: :mod:`ccnb.kpi.scoring`.
Fixed or derived targets (the domain's target-setting rule): :mod:`ccnb.kpi.targets`.
Where KPIs pull against each other: :mod:`ccnb.kpi.balance`.
"""
from ccnb.catalog.kpis import DIMENSIONS, LEVELS, REGISTRY, Kpi, kpis_for
from ccnb.kpi.compute import compute, fcr_from_resolved, trend, unavailable
from ccnb.kpi.scoring import assess, score

__all__ = ["REGISTRY", "Kpi", "LEVELS", "DIMENSIONS", "compute", "trend", "kpis_for", "score", "assess", "unavailable",
           "fcr_from_resolved"]
