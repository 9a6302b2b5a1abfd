"""The month-end operations report: the analyses rolled up for managers, with actions.

The report notebook runs last in a pack. It reads the headline figures every earlier
notebook recorded with ``ctx.summary`` (``<pack>/summary/<notebook>.json``) and the
center's headline KPIs (:func:`ccnb.rollup.overview.headline`), and turns them into four short
sections (service and staffing, quality, customers, people) and a list of actions, each
with an owner and the figure that triggered it. Opened on its own (no pack), it shows
the KPI part and says where the rest comes from.

Actions are rules over figures, in plain words; the rules and their thresholds are the
targets and lights the analyses already computed, nothing new is estimated here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ccnb.catalog import summary_keys as keys
from ccnb.catalog.needs import MONTH_END_REPORTS, MONTH_END_SECTIONS
from ccnb.data import available
from ccnb.i18n.labels import t
from ccnb.rollup.overview import target_text, value_text

#: Figures the report looks for, by the key each notebook records (see the notebooks'
#: ``ctx.summary`` calls); a missing one just leaves its line out.
SECTIONS = {
    "service": [keys.FORECAST_PEAK, keys.FORECAST_FTE, keys.FORECAST_EVENT],
    "quality": [keys.KPI_COMPOSITE, keys.KPI_ON_TARGET, keys.QA_ICC],
    "customers": [keys.CUSTOMER_RETENTION, keys.CHURN_FLAGGED, keys.CHURN_HIGH, keys.CHURN_PRECISION_AT_K],
    "people": [keys.AGENT_ATTRITION, keys.EARLY_WARNINGS],
}
#: Headline KPIs shown in each section (values from the overview's headline table).
SECTION_KPIS = {
    "service": ["answer_rate", "service_level", "abandon_rate", "asa_s", "aht_s", "occupancy"],
    "quality": ["fcr", "csat", "nps", "qa_score"],
    "customers": ["complaint_resolution"],
    "people": ["attendance"],
}


@dataclass
class Rollup:
    summaries: dict[str, dict] = field(default_factory=dict)  # key -> recorded figure
    notebooks: list[str] = field(default_factory=list)  # notebooks whose figures were found

    def get(self, key: str) -> dict | None:
        return self.summaries.get(key)

    def value(self, key: str):
        e = self.summaries.get(key)
        return None if e is None else e.get("value")

    @property
    def complete(self) -> bool:
        return bool(self.notebooks)


def read_summaries(out_dir: str | Path | None, exclude: str | None = None) -> Rollup:
    """Every figure recorded in ``out_dir/summary/*.json`` (later files win on a shared key)."""
    r = Rollup()
    if out_dir is None:
        return r
    for f in sorted((Path(out_dir) / "summary").glob("*.json")):
        if exclude and f.stem == exclude:
            continue
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        items = doc.get("items", [])
        if items:
            r.notebooks.append(f.stem)
        for item in items:
            r.summaries[item["key"]] = item
    return r


def section_table(section: str, hl: pd.DataFrame, rollup: Rollup, lang: str = "en") -> pd.DataFrame:
    """One section's figures: ``figure``, ``value``, ``target`` (display text) and ``light``."""
    rows = []
    for key in SECTION_KPIS.get(section, []):
        r = hl[hl["key"] == key]
        if r.empty or not r.iloc[0].get("available", True):   # no data supplied: not a figure of the report
            continue
        r = r.iloc[0]
        rows.append({"figure": r["label"], "value": value_text(r["value"], r["fmt"], lang),
                     "target": target_text(r, lang) or "–", "light": r["light"]})
    for key in SECTIONS[section]:
        e = rollup.get(key)
        if e is None:
            continue
        rows.append({"figure": e.get("label") or key, "value": e.get("display") or "–",
                     "target": e.get("target_display") or "–", "light": e.get("light")})
    return pd.DataFrame(rows, columns=["figure", "value", "target", "light"])


def links_report(section: str, rollup: Rollup, tables) -> bool:
    """Whether the section may point to its detailed report: that report is in the pack (it recorded
    figures; on its own, the month-end report cannot tell, so it assumes so) and had data to show."""
    stem = MONTH_END_REPORTS[section]
    in_pack = stem in rollup.notebooks or not rollup.complete
    return in_pack and available.notebook(tables, stem).ok


def section_reason(section: str, tables, lang: str = "en") -> str:
    """Why a section has no figure: what its detailed report lacks (e.g. 'this center supplied no customer records')."""
    parts = [available.section(tables, k) for k in MONTH_END_SECTIONS[section]]
    if any(a.ok for a in parts):
        return t("needs.nothing_recorded", lang)
    return available.reason_of([n for a in parts for n in a.missing], lang)


def _light(hl: pd.DataFrame, key: str) -> str | None:
    r = hl[hl["key"] == key]
    return None if r.empty else r.iloc[0]["light"]


def _shown(hl: pd.DataFrame, key: str, lang: str) -> tuple[str, str]:
    r = hl[hl["key"] == key].iloc[0]
    return value_text(r["value"], r["fmt"], lang), target_text(r, lang)


def actions(hl: pd.DataFrame, rollup: Rollup, lang: str = "en") -> pd.DataFrame:
    """Actions for the coming month: ``area``, ``action``, ``owner``, ``why`` (the figure behind it), ``light``.

    Rules (each fires only when its figure is known):

    * service level, answer rate or abandonment off target -> roster to the forecast's peak need;
    * occupancy outside its healthy band -> rebalance rosters (burn-out or waste);
    * a promotion or holiday ahead in the forecast -> plan its extra agents;
    * AHT above target -> review long calls with the teams;
    * FCR below target -> find the causes of repeat contacts;
    * CSAT or NPS below target -> call back detractors, look at their reasons;
    * QA below target or weak rater agreement -> coaching plans, calibration session;
    * customers flagged at risk -> outreach from the restricted list, highest risk first;
    * complaint resolution below target -> clear the open complaints, oldest first;
    * customer retention below target -> review the causes of churn;
    * agent attrition above target or agents on the early-warning list -> stay conversations.
    """
    out: list[dict] = []

    def add(area, key, owner, why, light, **fields):
        out.append({"area": t(f"monthly.area.{area}", lang), "action": t(f"monthly.action.{key}", lang, **fields),
                    "owner": t(f"monthly.owner.{owner}", lang), "why": why, "light": light})

    def off(key) -> bool:
        return _light(hl, key) in ("red", "amber")

    def kpi_why(key) -> str:
        v, tg = _shown(hl, key, lang)
        name = hl[hl["key"] == key].iloc[0]["label"]
        return t("monthly.why_kpi", lang, kpi=name, value=v, target=tg)

    service = [k for k in ("service_level", "answer_rate", "abandon_rate") if off(k)]
    if service:
        peak = rollup.get(keys.FORECAST_PEAK)
        if peak is not None:
            add("service", "staff_to_forecast", "planning", kpi_why(service[0]), _light(hl, service[0]),
                peak=peak["display"])
        else:
            add("service", "staff_review", "planning", kpi_why(service[0]), _light(hl, service[0]))
    if off("occupancy"):
        add("service", "occupancy", "planning", kpi_why("occupancy"), _light(hl, "occupancy"))
    event = rollup.get(keys.FORECAST_EVENT)
    if event is not None and (event.get("value") or 0) > 0:
        add("service", "event", "planning", f"{event['label']}: {event['display']}", "amber")
    if off("aht_s"):
        add("quality", "aht", "supervisors", kpi_why("aht_s"), _light(hl, "aht_s"))
    if off("fcr"):
        add("quality", "fcr", "quality", kpi_why("fcr"), _light(hl, "fcr"))
    for k in ("csat", "nps"):
        if off(k):
            add("customers", "detractors", "cx", kpi_why(k), _light(hl, k))
            break
    if off("qa_score"):
        add("quality", "coaching", "qa", kpi_why("qa_score"), _light(hl, "qa_score"))
    icc = rollup.get(keys.QA_ICC)
    if icc is not None and icc.get("light") in ("red", "amber"):
        add("quality", "calibrate", "qa", f"{icc['label']}: {icc['display']}", icc["light"])
    high, flagged = rollup.get(keys.CHURN_HIGH), rollup.get(keys.CHURN_FLAGGED)
    if flagged is not None and (flagged.get("value") or 0) > 0:
        add("customers", "outreach", "retention", f"{flagged['label']}: {flagged['display']}"
            + (f"; {high['label']}: {high['display']}" if high else ""), "amber",
            n=flagged["display"], high=high["display"] if high else "–")
    if off("complaint_resolution"):
        add("customers", "complaints", "complaints", kpi_why("complaint_resolution"), _light(hl, "complaint_resolution"))
    if off("customer_retention"):
        add("customers", "retention", "cx", kpi_why("customer_retention"), _light(hl, "customer_retention"))
    attr = rollup.get(keys.AGENT_ATTRITION)
    warn = rollup.get(keys.EARLY_WARNINGS)
    attr_light = _light(hl, "attrition") if attr is None else attr.get("light")
    if attr_light in ("red", "amber") or (warn is not None and (warn.get("value") or 0) > 0):
        why = kpi_why("attrition") if attr is None and not hl[hl["key"] == "attrition"].empty else (
            f"{attr['label']}: {attr['display']}" if attr else "")
        if warn is not None:
            why = "; ".join(x for x in (why, f"{warn['label']}: {warn['display']}") if x)
        add("people", "stay", "supervisors", why, attr_light or "amber",
            n=warn["display"] if warn is not None else "–")
    order = {"red": 0, "amber": 1}
    df = pd.DataFrame(out, columns=["area", "action", "owner", "why", "light"])
    return df.sort_values("light", key=lambda s: s.map(order).fillna(2), kind="stable").reset_index(drop=True)


def on_target_counts(hl: pd.DataFrame) -> dict[str, int]:
    """``n`` headline KPIs on target of ``total`` with a light, ``below`` of them red (label ``monthly.one_line``)."""
    lit = hl[hl["light"].notna() & (hl["light"] != "grey")]
    return {"n": int((lit["light"] == "green").sum()), "total": len(lit), "below": int((lit["light"] == "red").sum())}
