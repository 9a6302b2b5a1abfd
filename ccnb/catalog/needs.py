"""What each report, section and KPI needs from the data: the one declaration (pure data).

Only ``interactions`` is required by the contract; a center brings what it has. Every piece of a
report declares here the tables (and columns) it cannot do without, so that the notebooks, the
pack's index, the month-end report and ``ccnb validate`` say the same thing: what is shown, and
what is **not available** for want of data (never a 0, never a crash).

A :class:`Need` is a table, or some columns of a table: it is met when the table has rows and each
named column has at least one value (an absent nullable column is read as empty, so "absent" and
"never filled in" are the same thing to a report). :data:`SECTIONS` maps a section key to its
needs; every KPI of the registry has a section ``kpi.<key>`` derived from its fact (:data:`FACT_NEEDS`);
:data:`NOTEBOOKS` names the sections a notebook is made of (a notebook none of whose sections has
data has nothing to show, and the month-end report does not link to it).

:data:`HISTORY` states how much history each analysis uses, in the analysis' own unit; the
analyses read their thresholds from params and say in the report what more history would add.

``ccnb.data.available.available(tables)`` evaluates the declaration on a center's data.
"""
from __future__ import annotations

from dataclasses import dataclass

from ccnb.catalog.kpis import REGISTRY


@dataclass(frozen=True)
class Need:
    """A table with rows and, when ``columns`` are named, a value in each of them."""

    table: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str
    needs: tuple[Need, ...]
    #: Columns that change the method when missing, not whether the section is shown
    #: (e.g. FCR without ``resolved`` is measured from repeat contacts alone).
    better_with: tuple[Need, ...] = ()


def _n(table: str, *columns: str) -> Need:
    return Need(table, tuple(columns))


#: What each KPI fact (:mod:`ccnb.kpi.facts`) is built from.
FACT_NEEDS: dict[str, tuple[Need, ...]] = {
    "contacts": (_n("interactions"),),
    "surveys": (_n("surveys"),),
    "agent_days": (_n("agent_days"),),
    "qa": (_n("qa_evaluations"),),
    "complaints": (_n("complaints"),),
    "roster": (_n("agents", "hire_date"),),
    "customers": (_n("customers"),),
}

#: KPIs needing a column beyond their fact's table.
_KPI_EXTRA: dict[str, tuple[Need, ...]] = {
    "fcr": (_n("interactions", "customer_id"),),
    # columns a call log may lack: the contract then serves a stand-in (false), recorded as lacking
    "transfer_rate": (_n("interactions", "transferred"),),
    "self_service_rate": (_n("interactions", "self_served"),),
    "conversion": (_n("interactions", "converted"),),
}
_KPI_BETTER: dict[str, tuple[Need, ...]] = {
    "fcr": (_n("interactions", "resolved"),),
    "aht_s": (_n("interactions", "hold_s", "acw_s"),),
}

_DECLARED = (
    # 00_overview: every headline figure is a KPI section (below); the day and queue views need contacts only
    Section("overview.daily", (_n("interactions"),)),
    Section("overview.queues", (_n("interactions"),)),
    # 10_forecast_staffing
    Section("forecast.forecast", (_n("interactions"),)),
    Section("forecast.staffing", (_n("interactions"),)),
    Section("forecast.staffed", (_n("interactions", "agent_id"),), better_with=(_n("agent_days"),)),
    Section("forecast.shrinkage_measured", (_n("agent_days"),)),
    # 20_kpi_scorecard
    Section("kpi.center", (_n("interactions"),)),
    Section("kpi.teams", (_n("agents", "team"),)),
    Section("kpi.agents", (_n("interactions", "agent_id"),)),
    Section("qa.results", (_n("qa_evaluations"),)),
    Section("qa.plan", (_n("interactions", "agent_id"), _n("agents"))),
    Section("qa.calibration", (_n("qa_evaluations", "calibration"),)),
    # 30_churn_risk: outcomes are customers' churn dates
    Section("churn.risk", (_n("customers", "churn_date"), _n("interactions", "customer_id"))),
    # 40_retention
    Section("retention.customers", (_n("customers"),)),
    Section("retention.agents", (_n("agents", "hire_date"),)),
    Section("retention.warnings", (_n("agents", "hire_date"), _n("agent_days"))),
)

#: Section key -> its declaration; ``kpi.<key>`` for every KPI of the registry.
SECTIONS: dict[str, Section] = {s.key: s for s in _DECLARED} | {
    f"kpi.{k.key}": Section(f"kpi.{k.key}", FACT_NEEDS[k.fact] + _KPI_EXTRA.get(k.key, ()),
                            better_with=_KPI_BETTER.get(k.key, ()))
    for k in REGISTRY.values()
}

#: The sections each notebook of the pack is made of (by notebook stem).
NOTEBOOKS: dict[str, tuple[str, ...]] = {
    "00_overview": ("kpi.answer_rate", "overview.daily", "overview.queues"),
    "10_forecast_staffing": ("forecast.forecast", "forecast.staffing", "forecast.staffed"),
    "20_kpi_scorecard": ("kpi.center", "kpi.teams", "kpi.agents", "qa.results", "qa.plan", "qa.calibration"),
    "30_churn_risk": ("churn.risk",),
    "40_retention": ("retention.customers", "retention.agents", "retention.warnings"),
}

#: The month-end report's sections (``ccnb.rollup.month_end.SECTIONS``) -> the notebook each details.
MONTH_END_REPORTS: dict[str, str] = {
    "service": "10_forecast_staffing",
    "quality": "20_kpi_scorecard",
    "customers": "30_churn_risk",
    "people": "40_retention",
}
#: The month-end report's sections -> the sections their figures come from (one with data is enough).
MONTH_END_SECTIONS: dict[str, tuple[str, ...]] = {
    "service": ("forecast.forecast",),
    "quality": ("kpi.center",),
    "customers": ("churn.risk", "retention.customers", "kpi.complaint_resolution"),
    "people": ("retention.agents", "retention.warnings", "kpi.attendance"),
}

#: The history each analysis needs, where it is decided (the reports say what more history would add).
HISTORY: dict[str, str] = {
    "forecast.forecast": ("a method is a candidate when the data before the last backtest origin "
                          "(forecast.backtest_horizon_days before the data's end) covers its Model.min_weeks "
                          "(ccnb.forecast.models); the report month's forecast is checked when the data starts "
                          "at least four weeks before the month"),
    "churn.risk": ("two month-end cutoffs whose churn.label_days label is observed, a training cutoff a label "
                   "before them and min(churn.lookback_days) of contacts before each (ccnb.churn.history_check)"),
}


def key_of(section: str) -> Section:
    """The declaration of ``section`` (``KeyError`` naming the known keys otherwise)."""
    try:
        return SECTIONS[section]
    except KeyError:
        raise KeyError(f"unknown report section {section!r}; known: {', '.join(sorted(SECTIONS))}") from None


def tables_needed(section: str) -> tuple[str, ...]:
    """The tables a section reads (its needs and what makes it better), in declaration order."""
    s = key_of(section)
    return tuple(dict.fromkeys(n.table for n in s.needs + s.better_with))
