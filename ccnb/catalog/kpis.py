"""The KPI registry: every KPI a report shows is defined here, once.

A KPI is a ratio of two aggregates over one *fact* (a SQL view built by
:mod:`ccnb.kpi.facts`): ``value = scale * sum(numerator) / sum(denominator)``.
Writing each definition as SQL aggregates lets the same definition run inside
DuckDB (default) or Spark, out of core, with only the aggregated rows coming back.
Because every KPI is a ratio of sums, values at any level (agent, team, queue,
center) and any period add up consistently.

Targets and weights are *not* here: their defaults live in ``params/default.yaml``
(``kpi.targets``, ``kpi.weights``) and every center overrides them in its own params.

Facts and their columns (one row per ...):

``contacts`` (contact arriving in the period; level columns from the handling agent)
    ``rt`` real-time offered candidate (inbound voice/chat not self-served), ``answered``,
    ``abandoned``, ``in_sl`` (answered within T s), ``handled`` (answered by an agent, any
    direction/channel), ``handle_s`` (talk+hold+ACW), ``wait_s``, ``transferred``,
    ``inbound``, ``self_served``, ``sales`` (on a sales queue), ``converted``,
    ``fcr_base`` (handled inbound with a known customer), ``fcr_ok`` (resolved and no
    repeat inbound contact on the same reason within the window), ``long_wait``.
``surveys`` (answered survey of a contact in the period)
    ``csat``, ``nps``, ``ces`` plus ``csat_sat``, ``nps_pro``, ``nps_det``, ``ces_easy``.
``agent_days`` (agent-day in the period)
    ``talk_s hold_s acw_s idle_s break_s logged_in_s scheduled_s break_count present``
    ``training_assigned training_completed``.
``qa`` (non-calibration evaluation in the period) ``score`` (0 if a critical fail zeroes it),
    ``passed`` (no critical fail and total at least ``qa.pass_mark``), ``critical_fail``,
    ``direction`` (of the evaluated contact).
``complaints`` (complaint opened in the period) ``resolved`` (by the period end).
``roster`` (agent employed at some point in the month) ``at_start``, ``at_end``, ``left_in_period``.
``customers`` (customer in the retention base) ``retained``.
"""
from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("center", "queue", "team", "supervisor", "site", "shift", "agent")
DIMENSIONS = ("customer", "efficiency", "business", "employee", "quality")


@dataclass(frozen=True)
class Kpi:
    key: str
    name_en: str
    name_zh: str
    dimension: str
    fact: str
    numerator: str
    denominator: str
    unit: str  # "share" (0-1), "s" (seconds), "points" (0-100), "nps" (-100..100), "count", "rate/yr"
    direction: str  # "higher" | "lower" | "band" (healthy range, kpi.bands) | "none" (tracked, no target)
    description: str
    scale: float = 1.0
    #: Levels the KPI means something at (answer rate is a queue's, not an agent's).
    levels: tuple[str, ...] = LEVELS
    #: Name of the count (in the compute output) that decides "insufficient data".
    sample: str = "handled"

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"

    @property
    def fmt(self) -> str:
        """How reports format a value (see ``ccnb.i18n.fmt.format_value``)."""
        return {"share": "pct", "s": "s", "points": "points", "nps": "nps", "rate/yr": "pct",
                "count": "num1"}[self.unit]


_QUEUE_LEVELS = ("center", "queue")
_NO_AGENT = ("center", "queue", "team", "supervisor", "site", "shift")

_DEFS = [
    # ---------------------------------------------------------------- efficiency (queue)
    Kpi("answer_rate", "Answer rate", "接通率", "efficiency", "contacts",
        "CASE WHEN rt AND answered THEN 1 ELSE 0 END", "CASE WHEN rt AND (answered OR abandoned) THEN 1 ELSE 0 END",
        "share", "higher", "Answered / offered; offered = answered + abandoned, inbound voice and chat.",
        levels=_QUEUE_LEVELS, sample="offered"),
    Kpi("abandon_rate", "Abandonment rate", "放弃率", "efficiency", "contacts",
        "CASE WHEN rt AND abandoned THEN 1 ELSE 0 END", "CASE WHEN rt AND (answered OR abandoned) THEN 1 ELSE 0 END",
        "share", "lower", "Abandoned / offered, inbound voice and chat.", levels=_QUEUE_LEVELS, sample="offered"),
    Kpi("service_level", "Service level", "服务水平", "efficiency", "contacts",
        "CASE WHEN rt AND in_sl THEN 1 ELSE 0 END", "CASE WHEN rt AND (answered OR abandoned) THEN 1 ELSE 0 END",
        "share", "higher", "Offered contacts answered within T seconds (kpi.service_level_answer_s) / offered.",
        levels=_QUEUE_LEVELS, sample="offered"),
    Kpi("asa_s", "Average speed of answer", "平均应答速度", "efficiency", "contacts",
        "CASE WHEN rt AND answered THEN wait_s ELSE 0 END", "CASE WHEN rt AND answered THEN 1 ELSE 0 END",
        "s", "lower", "Mean queue wait of answered inbound voice and chat contacts, seconds.",
        levels=_QUEUE_LEVELS, sample="offered"),
    Kpi("long_wait_rate", "Long waits", "长时间等待占比", "efficiency", "contacts",
        "CASE WHEN rt AND long_wait THEN 1 ELSE 0 END", "CASE WHEN rt AND (answered OR abandoned) THEN 1 ELSE 0 END",
        "share", "lower", "Offered contacts that waited at least kpi.long_wait_s / offered.",
        levels=_QUEUE_LEVELS, sample="offered"),
    Kpi("self_service_rate", "Self-service rate", "自助服务率", "efficiency", "contacts",
        "CASE WHEN inbound AND self_served THEN 1 ELSE 0 END", "CASE WHEN inbound THEN 1 ELSE 0 END",
        "share", "higher", "Inbound contacts resolved in the IVR / bot without an agent / inbound contacts.",
        levels=_QUEUE_LEVELS, sample="offered"),
    # ---------------------------------------------------------------- efficiency (handling)
    Kpi("aht_s", "Average handle time", "平均处理时长", "efficiency", "contacts",
        "CASE WHEN handled THEN handle_s ELSE 0 END", "CASE WHEN handled THEN 1 ELSE 0 END",
        "s", "lower", "(Talk + hold + after-call work) / contacts handled by an agent, seconds."),
    Kpi("transfer_rate", "Transfer rate", "转接率", "business", "contacts",
        "CASE WHEN handled AND transferred THEN 1 ELSE 0 END", "CASE WHEN handled THEN 1 ELSE 0 END",
        "share", "lower", "Transferred / handled contacts (each transfer is waste)."),
    # ---------------------------------------------------------------- customer
    Kpi("fcr", "First-contact resolution", "首次解决率", "customer", "contacts",
        "CASE WHEN fcr_base AND fcr_ok THEN 1 ELSE 0 END", "CASE WHEN fcr_base THEN 1 ELSE 0 END",
        "share", "higher",
        "Handled inbound contacts marked resolved with no repeat inbound contact from the same customer on the "
        "same reason within kpi.fcr_window_days / handled inbound contacts of known customers. Repeats are "
        "looked for in the data known at the period end."),
    Kpi("csat", "Customer satisfaction (CSAT)", "客户满意度", "customer", "surveys",
        "CASE WHEN csat IS NOT NULL AND csat_sat THEN 1 ELSE 0 END", "CASE WHEN csat IS NOT NULL THEN 1 ELSE 0 END",
        "share", "higher", "Share of CSAT answers that are satisfied (>= kpi.csat_satisfied_min of 5, top-2 box).",
        sample="surveys"),
    Kpi("nps", "Net promoter score", "净推荐值", "customer", "surveys",
        "CASE WHEN nps_pro THEN 1 WHEN nps_det THEN -1 ELSE 0 END", "CASE WHEN nps IS NOT NULL THEN 1 ELSE 0 END",
        "nps", "higher", "% promoters (9-10) minus % detractors (0-6), points from -100 to 100.", scale=100.0,
        sample="surveys"),
    Kpi("ces", "Customer effort (easy share)", "客户费力度（省力占比）", "customer", "surveys",
        "CASE WHEN ces IS NOT NULL AND ces_easy THEN 1 ELSE 0 END", "CASE WHEN ces IS NOT NULL THEN 1 ELSE 0 END",
        "share", "higher", "Share of effort answers that are easy (>= kpi.ces_easy_min on the 7-point scale).",
        sample="surveys"),
    # ---------------------------------------------------------------- business
    Kpi("conversion", "Conversion rate", "转化率", "business", "contacts",
        "CASE WHEN handled AND sales AND converted THEN 1 ELSE 0 END", "CASE WHEN handled AND sales THEN 1 ELSE 0 END",
        "share", "higher", "Sales or sign-ups / contacts handled on sales queues (center.queues.*.sales).",
        sample="sales_handled"),
    Kpi("complaint_resolution", "Complaint resolution", "投诉解决率", "business", "complaints",
        "CASE WHEN resolved THEN 1 ELSE 0 END", "1",
        "share", "higher", "Complaints opened in the period and resolved by its end / complaints opened in it.",
        sample="complaints"),
    Kpi("customer_retention", "Customer retention", "客户保留率", "business", "customers",
        "CASE WHEN retained THEN 1 ELSE 0 END", "1", "share", "higher",
        "Customers active at the start of the retention period (kpi.retention_period_months up to the month "
        "end) still active at its end / active at its start.", levels=("center",), sample="customers"),
    # ---------------------------------------------------------------- employee
    Kpi("occupancy", "Occupancy", "占用率", "efficiency", "agent_days",
        "talk_s + hold_s + acw_s", "logged_in_s - break_s", "share", "band",
        "(Talk + hold + ACW) / (logged-in time - breaks). 70-80 % is healthy: higher burns agents out.",
        sample="agent_days"),
    Kpi("utilization", "Utilization", "利用率", "efficiency", "agent_days",
        "talk_s + hold_s + acw_s + idle_s", "logged_in_s", "share", "higher",
        "(Handling time + idle/available time) / logged-in time; about 90 % is high performance.",
        sample="agent_days"),
    Kpi("break_count", "Breaks per day", "日均休息次数", "employee", "agent_days",
        "CASE WHEN present THEN break_count ELSE 0 END", "CASE WHEN present THEN 1 ELSE 0 END",
        "count", "none", "Breaks per attended day (tracked, no target).", sample="agent_days"),
    Kpi("attendance", "Attendance", "出勤率", "employee", "agent_days",
        "CASE WHEN scheduled_s > 0 AND present THEN 1 ELSE 0 END", "CASE WHEN scheduled_s > 0 THEN 1 ELSE 0 END",
        "share", "higher", "Days present / days scheduled.", sample="agent_days"),
    Kpi("training_completion", "Training completion", "培训完成率", "employee", "agent_days",
        "training_completed", "training_assigned", "share", "higher",
        "Training modules completed / assigned.", sample="agent_days"),
    Kpi("attrition", "Agent attrition (annualised)", "坐席流失率（年化）", "employee", "roster",
        "CASE WHEN left_in_period THEN 1 ELSE 0 END",
        "CASE WHEN at_start THEN 0.5 ELSE 0 END + CASE WHEN at_end THEN 0.5 ELSE 0 END",
        "rate/yr", "lower",
        "Leavers in the month / average headcount ((start + end) / 2), x 12 to annualise. Summed over "
        "several months the ratio stays annualised.",
        scale=12.0, levels=_NO_AGENT, sample="headcount"),
    # ---------------------------------------------------------------- quality
    Kpi("qa_score", "QA score", "质检得分", "quality", "qa",
        "score", "1", "points", "higher",
        "Mean evaluation score out of 100 (calibration evaluations excluded; a critical fail scores 0 when "
        "qa.critical_fail_scores_zero).", sample="evaluations"),
    Kpi("qa_pass_rate", "QA pass rate", "质检合格率", "quality", "qa",
        "CASE WHEN passed THEN 1 ELSE 0 END", "1", "share", "higher",
        "Evaluations scoring at least the pass mark (qa.pass_mark) without a critical fail / evaluations "
        "(calibration evaluations excluded).", sample="evaluations"),
    Kpi("qa_critical_rate", "Critical fails", "致命错误率", "quality", "qa",
        "CASE WHEN critical_fail THEN 1 ELSE 0 END", "1", "share", "lower",
        "Evaluations with a critical item failed / evaluations (calibration evaluations excluded).",
        sample="evaluations"),
]

REGISTRY: dict[str, Kpi] = {k.key: k for k in _DEFS}


def kpis_for(level: str) -> list[Kpi]:
    return [k for k in REGISTRY.values() if level in k.levels]
