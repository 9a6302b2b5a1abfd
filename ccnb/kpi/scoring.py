"""KPI values against targets: attainment and traffic lights.

Attainment (0-1) is linear between a *floor* (scores 0) and the *target* (scores 1),
capped at both ends:

* higher is better: ``clip((value - floor) / (target - floor), 0, 1)``
* lower is better:  ``clip((floor - value) / (floor - target), 0, 1)``
* band KPIs (occupancy: healthy between ``lo`` and ``hi``): 1 inside the band, falling
  linearly to 0 at ``band_margin`` outside it.

Traffic lights: **green** when the target is met (inside the band); **amber** when short
of it by at most ``kpi.amber_band`` of the target (relative; for a band, within
``band_margin / 3`` outside it); **red** beyond; **grey** when there is no value or the
value rests on too little data (fewer than ``kpi.min_contacts`` contacts or
``kpi.min_surveys`` surveys). Targets, floors and bands come from params.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ccnb.kpi.registry import REGISTRY

LIGHTS = ("green", "amber", "red", "grey")


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def attainment(value, target, floor, direction: str, band: tuple[float, float] | None = None,
               band_margin: float = 0.15) -> float:
    """Attainment in [0, 1] (NaN when value or target is missing). See the module doc."""
    if _missing(value):
        return float("nan")
    if direction == "band" and band:
        lo, hi = band
        gap = max(lo - value, value - hi, 0.0)
        return float(np.clip(1 - gap / band_margin, 0, 1))
    if _missing(target) or direction not in ("higher", "lower"):
        return float("nan")
    if _missing(floor) or floor == target:
        return 1.0 if (value >= target if direction == "higher" else value <= target) else 0.0
    frac = (value - floor) / (target - floor)
    return float(np.clip(frac, 0, 1))


def light(value, target, direction: str, amber_band: float = 0.05, band: tuple[float, float] | None = None,
          band_margin: float = 0.15, enough: bool = True) -> str | None:
    """'green' | 'amber' | 'red' | 'grey'; None for KPIs tracked without a target."""
    if _missing(value) or not enough:
        return "grey"
    if direction == "band" and band:
        lo, hi = band
        gap = max(lo - value, value - hi, 0.0)
        return "green" if gap == 0 else "amber" if gap <= band_margin / 3 else "red"
    if _missing(target) or direction not in ("higher", "lower"):
        return None
    slack = abs(target) * amber_band if target != 0 else amber_band
    if direction == "higher":
        return "green" if value >= target else "amber" if value >= target - slack else "red"
    return "green" if value <= target else "amber" if value <= target + slack else "red"


def enough_data(row: pd.Series, key: str, params) -> bool:
    """Does the value of ``key`` in ``row`` rest on enough data for a light or a score?"""
    k = REGISTRY[key]
    n = row.get(k.sample)
    if n is None or _missing(n):
        return True
    if k.sample == "surveys":
        return n >= params.kpi.min_surveys
    if k.sample in ("offered", "handled", "sales_handled"):
        return n >= params.kpi.min_contacts
    return n > 0


def assess(row: pd.Series, params, keys: list[str] | None = None) -> pd.DataFrame:
    """One unit's KPIs against targets: a row per KPI.

    Columns: ``key``, ``value``, ``target``, ``floor``, ``band_lo``, ``band_hi``, ``unit``,
    ``fmt``, ``direction``, ``dimension``, ``attainment`` (0-1), ``light``, ``enough``
    (bool), ``n`` (the sample size the value rests on).
    """
    k_params = params.kpi
    bands = getattr(k_params, "bands", {}) or {}
    out = []
    for key in keys or [k for k in REGISTRY if k in row.index]:
        k = REGISTRY[key]
        v = row.get(key, float("nan"))
        v = float(v) if not _missing(v) else float("nan")
        target = k_params.targets.get(key)
        floor = k_params.floors.get(key)
        band = tuple(bands[key]) if key in bands else None
        ok = enough_data(row, key, params)
        out.append({
            "key": key, "value": v, "target": target, "floor": floor,
            "band_lo": band[0] if band else None, "band_hi": band[1] if band else None,
            "unit": k.unit, "fmt": k.fmt, "direction": k.direction, "dimension": k.dimension,
            "attainment": attainment(v, target, floor, k.direction, band) if ok else float("nan"),
            "light": light(v, target, k.direction, k_params.amber_band, band, enough=ok),
            "enough": ok, "n": row.get(k.sample),
        })
    return pd.DataFrame(out)
