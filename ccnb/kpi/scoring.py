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

from ccnb.catalog.kpis import REGISTRY

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


def assess(row: pd.Series, params, keys: list[str] | None = None, unavailable=()) -> pd.DataFrame:
    """One unit's KPIs against targets: a row per KPI.

    Columns: ``key``, ``value``, ``target``, ``floor``, ``band_lo``, ``band_hi``, ``unit``,
    ``fmt``, ``direction``, ``dimension``, ``attainment`` (0-1), ``light``, ``enough``
    (bool), ``n`` (the sample size the value rests on), ``available`` (bool). A KPI in
    ``unavailable`` (its data was not supplied, :func:`ccnb.kpi.unavailable`) has no value,
    no attainment and no light: it counts neither on nor off target.
    """
    k_params = params.kpi
    bands = getattr(k_params, "bands", {}) or {}
    out = []
    for key in keys or [k for k in REGISTRY if k in row.index]:
        k = REGISTRY[key]
        if key in unavailable:
            band = tuple(bands[key]) if key in bands else None
            out.append({"key": key, "value": float("nan"), "target": k_params.targets.get(key),
                        "floor": k_params.floors.get(key), "band_lo": band[0] if band else None,
                        "band_hi": band[1] if band else None, "unit": k.unit, "fmt": k.fmt, "direction": k.direction,
                        "dimension": k.dimension, "attainment": float("nan"), "light": None, "enough": False,
                        "n": None, "available": False})
            continue
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
            "enough": ok, "n": row.get(k.sample), "available": True,
        })
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- composite scores
#: Which weights score a unit of each level (``kpi.weights`` for the center, ``kpi.weights_by_role``).
ROLE_OF_LEVEL = {"center": "center", "queue": "center", "team": "team", "supervisor": "team", "site": "team",
                 "shift": "team", "agent": "agent"}
REASONS = ("few_contacts", "few_surveys", "low_coverage")


def role_weights(params, role: str) -> dict[str, float]:
    """The composite's weights for ``role`` (``center``, ``team`` or ``agent``); they sum to 1."""
    if role == "center":
        return dict(params.kpi.weights)
    if role not in ("team", "agent"):
        raise ValueError(f"unknown role {role!r}; expected center, team or agent")
    w = dict(getattr(params.kpi.weights_by_role, role))
    return w or dict(params.kpi.weights)


def composite_light(value, params, enough: bool = True) -> str:
    """Light of a composite score (0-100): green from ``kpi.composite_green``, amber from ``composite_amber``."""
    if not enough or _missing(value):
        return "grey"
    k = params.kpi
    return "green" if value >= k.composite_green else "amber" if value >= k.composite_amber else "red"


def _level_of(kpis: pd.DataFrame) -> str:
    name = kpis.index.names[-1] if kpis.index.nlevels > 1 else kpis.index.name
    if name not in ROLE_OF_LEVEL:
        raise ValueError(f"cannot tell the level of the KPI table (index {name!r}); pass level=")
    return name


def _targets_of(params, targets) -> tuple[dict, dict]:
    """Target and floor per KPI: ``params.kpi`` overridden by a targets table (``ccnb.kpi.targets``)."""
    tg, fl = dict(params.kpi.targets), dict(params.kpi.floors)
    if targets is not None:
        t = targets.set_index("key") if "key" in targets.columns else targets
        for key, row in t.iterrows():
            if not _missing(row.get("target")):
                tg[key] = float(row["target"])
            if "floor" in t.columns and not _missing(row.get("floor")):
                fl[key] = float(row["floor"])
    return tg, fl


def score(kpis: pd.DataFrame, params, *, level: str | None = None, role: str | None = None,
          targets: pd.DataFrame | None = None, unavailable=()) -> pd.DataFrame:
    """Attainment per KPI, score per dimension, weighted composite, rank and light for each unit.

    ``kpis`` is the output of :func:`ccnb.kpi.compute` (one row per unit); the level is read
    from its index name unless given. The weights are the role's: ``kpi.weights`` for the
    center and queues, ``kpi.weights_by_role.team`` for teams, supervisors, sites and shifts,
    ``kpi.weights_by_role.agent`` for agents (``role=`` overrides). Targets and floors are
    ``kpi.targets`` / ``kpi.floors`` unless ``targets`` (a table with ``key``, ``target``,
    ``floor``, e.g. from :func:`ccnb.kpi.targets.target_table`) overrides them.

    Method, per unit:

    * ``att_<key>``: attainment 0-1 of every KPI with a target or band (see :func:`attainment`),
      NaN when the KPI has no value or rests on too little data (:func:`enough_data`);
      ``light_<key>`` its traffic light.
    * ``composite`` (points 0-100) = 100 * sum(w_k * att_k) / sum(w_k) over the weighted KPIs
      that have an attainment: weights are **renormalised over the KPIs with data** (an agent
      not on a sales queue has no conversion; the other weights share its part).
      ``coverage`` = sum of those weights / sum of all the role's weights.
      ``score_<dimension>`` is the same formula within one dimension.
    * **Insufficient data** (``status = "insufficient"``, composite, dimension scores and rank
      empty, light grey) when: fewer handled contacts than ``kpi.min_contacts``
      (``reason = "few_contacts"``); fewer surveys than ``kpi.min_surveys`` while a survey KPI
      carries weight (``"few_surveys"``); or ``coverage < kpi.min_weight_coverage``
      (``"low_coverage"``). Otherwise ``status = "scored"``.
    * KPIs in ``unavailable`` (the center supplied no data for them, :func:`ccnb.kpi.unavailable`)
      are left out entirely: no attainment, no weight, not counted in ``coverage``.
    * ``rank``: 1 = highest composite among scored units; ties share the best rank
      (``method="min"``: 1, 2, 2, 4).
    * ``light``: green from ``kpi.composite_green`` points, amber from ``kpi.composite_amber``,
      else red; grey when insufficient.
    """
    level = level or _level_of(kpis)
    role = role or ROLE_OF_LEVEL[level]
    weights = {k: w for k, w in role_weights(params, role).items() if w > 0 and k not in unavailable}
    tg, fl = _targets_of(params, targets)
    k_params = params.kpi
    bands = getattr(k_params, "bands", {}) or {}
    scored_keys = [k for k in REGISTRY if k in kpis.columns and k not in unavailable
                   and (k in weights or k in tg or k in bands)]
    total_w = sum(weights.values())
    survey_weighted = any(REGISTRY[k].sample == "surveys" for k in weights)
    rows = []
    for unit, row in kpis.iterrows():
        out: dict = {}
        att: dict[str, float] = {}
        for key in scored_keys:
            k = REGISTRY[key]
            v = row.get(key)
            v = float(v) if not _missing(v) else float("nan")
            band = tuple(bands[key]) if key in bands else None
            ok = enough_data(row, key, params)
            a = attainment(v, tg.get(key), fl.get(key), k.direction, band) if ok else float("nan")
            att[key] = a
            out[f"att_{key}"] = a
            out[f"light_{key}"] = light(v, tg.get(key), k.direction, k_params.amber_band, band, enough=ok)
        have = {k: w for k, w in weights.items() if not _missing(att.get(k, float("nan")))}
        coverage = sum(have.values()) / total_w if total_w else 0.0
        reason = ""
        handled = row.get("handled")
        surveys = row.get("surveys")
        if handled is not None and not _missing(handled) and handled < k_params.min_contacts:
            reason = "few_contacts"
        elif survey_weighted and surveys is not None and not _missing(surveys) and surveys < k_params.min_surveys:
            reason = "few_surveys"
        elif not have or coverage < k_params.min_weight_coverage - 1e-12:
            reason = "low_coverage"
        ok = reason == ""
        for dim in dict.fromkeys(REGISTRY[k].dimension for k in weights):
            dw = {k: w for k, w in have.items() if REGISTRY[k].dimension == dim}
            out[f"score_{dim}"] = (100 * sum(w * att[k] for k, w in dw.items()) / sum(dw.values())
                                   if ok and dw else float("nan"))
        comp = 100 * sum(w * att[k] for k, w in have.items()) / sum(have.values()) if ok else float("nan")
        out.update(composite=comp, coverage=coverage, status="scored" if ok else "insufficient", reason=reason,
                   light=composite_light(comp, params, ok))
        rows.append(out)
    res = pd.DataFrame(rows, index=kpis.index)
    if res.empty:   # no units (e.g. no teams in the data): the columns, no rows
        res = pd.DataFrame(columns=["composite", "coverage", "status", "reason", "light"], index=kpis.index)
        res["composite"] = res["composite"].astype(float)
    res["rank"] = res["composite"].rank(ascending=False, method="min").astype("Int64")
    front = ["composite", "rank", "light", "status", "reason", "coverage"]
    dims = [c for c in res.columns if c.startswith("score_")]
    return res[front + dims + [c for c in res.columns if c not in front + dims]]
