"""KPIs: one registry of definitions (``REGISTRY``), computed inside the engine.

>>> ccnb.kpi.compute(tables, "2026-10", level="team")
>>> ccnb.kpi.trend(tables, "2026-10", months=6)

Scoring against targets, weights and traffic lights: :mod:`ccnb.kpi.scoring`.
"""
from ccnb.kpi.engine import compute, trend
from ccnb.kpi.registry import DIMENSIONS, LEVELS, REGISTRY, Kpi, kpis_for

__all__ = ["REGISTRY", "Kpi", "LEVELS", "DIMENSIONS", "compute", "trend", "kpis_for"]
