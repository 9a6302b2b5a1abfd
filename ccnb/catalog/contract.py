"""The data contract: the tables a call center exports to ccnb.

This module is the single source of truth for table and column names, types,
units, keys, nullability and cross-column rules. The loader and validator
(:mod:`ccnb.data.validate`) enforce it and ``docs/data.md`` is generated from it
(``python -m ccnb.catalog.contract > docs/data.md``; a test keeps the two in sync).

Conventions
-----------
* Column names are lower-case ``snake_case``; durations are seconds (``_s``).
* Timestamps are the center's local wall-clock time. A file may instead carry
  UTC offsets on every row (ISO 8601, e.g. ``2026-01-05T09:15:03+08:00``); they
  are converted to the center's time zone (``center.timezone`` in params).
* Booleans accept ``true/false``, ``1/0``, ``yes/no``, ``t/f``, ``y/n``.
* A contact belongs to the month (and the interval) of its ``arrival_ts``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

#: Types a column may have, with the DuckDB type each is stored as.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}

#: Durations longer than this are rejected as absurd (a day, in seconds).
MAX_DURATION_S = 86_400


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    unit: str = ""
    nullable: bool = False
    #: ``False`` for columns a file may leave out entirely (filled with NULL). A nullable column, or
    #: one with an ``absent`` value, may always be left out.
    required: bool = True
    allowed: Sequence[str] | None = None
    min: float | None = None
    max: float | None = None
    #: SQL literal a source that lacks the column gets in every row (e.g. ``'voice'`` for a call log
    #: without a channel); the column is still recorded as lacking (``Tables.lacking``), so that
    #: the KPIs over it say "not available" instead of showing the stand-in.
    absent: str | None = None

    def __post_init__(self) -> None:
        if self.nullable:
            object.__setattr__(self, "required", False)

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    @property
    def must_be_given(self) -> bool:
        """A source without this column is refused (required, not nullable, no ``absent`` value)."""
        return self.required and not self.nullable and self.absent is None


@dataclass(frozen=True)
class Rule:
    """A row-level rule: ``sql`` is true for every valid row (NULLs pass)."""

    name: str
    sql: str
    expected: str


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    ref_column: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    #: Column that places a row in time (month filter, as-of cut).
    time_column: str | None = None
    #: Extra columns matching this prefix are allowed (e.g. QA form items).
    extra_prefix: str | None = None
    extra_type: str | None = None
    #: Only the contacts are required; every other table is optional (served empty when absent).
    required_table: bool = False

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _dur(name: str, what: str, nullable: bool = False, absent: str | None = None) -> Column:
    return Column(name, "float", what, unit="s", nullable=nullable, min=0, max=MAX_DURATION_S, absent=absent)


INTERACTIONS = Table(
    name="interactions",
    description=(
        "One row per contact (voice call, chat or e-mail), inbound or outbound. "
        "Abandoned contacts and contacts resolved in the IVR/bot are included: they "
        "are part of what was offered."
    ),
    key=("contact_id",),
    time_column="arrival_ts",
    required_table=True,
    columns=(
        Column("contact_id", "string", "Unique contact identifier."),
        Column("channel", "string", "Contact channel; a source without it is a voice call log.",
               allowed=("voice", "chat", "email"), absent="'voice'"),
        Column("direction", "string", "Who started the contact; a source without it is inbound.",
               allowed=("inbound", "outbound"), absent="'inbound'"),
        Column("queue", "string", "Queue / skill the contact was routed to (e.g. billing, sales)."),
        Column("arrival_ts", "timestamp", "When the contact entered the queue (offered); for outbound, when it was dialled."),
        Column("answer_ts", "timestamp", "When an agent answered; empty if abandoned or self-served.", nullable=True),
        Column("end_ts", "timestamp", "When the contact ended (hang-up, abandon, or end of IVR)."),
        Column("customer_id", "string", "Customer; empty for anonymous callers.", nullable=True),
        Column("agent_id", "string", "Agent who handled the contact; empty if not handled by an agent.", nullable=True),
        _dur("wait_s", "Time in queue before answer or abandon."),
        _dur("talk_s", "Talk time (0 if not handled)."),
        _dur("hold_s", "Hold time during the contact (0 when the source lacks it, recorded as lacking).", absent="0"),
        _dur("acw_s", "After-call work (wrap-up) time (0 when the source lacks it, recorded as lacking).", absent="0"),
        Column("abandoned", "bool", "Caller hung up while waiting in queue."),
        Column("transferred", "bool", "Contact was transferred to another queue or agent.", absent="false"),
        Column("self_served", "bool", "Resolved in the IVR / bot without an agent (false when the source lacks it).",
               absent="false"),
        Column("reason", "string", "Contact reason / disposition code (e.g. billing_question).", nullable=True),
        Column("resolved", "bool", "Agent marked the issue resolved at the end of the contact.", nullable=True),
        Column("converted", "bool", "A sale or sign-up resulted from the contact (false when the source lacks it, "
               "recorded as lacking: conversion is then not available).", absent="false"),
    ),
    rules=(
        Rule("end_after_arrival", "end_ts >= arrival_ts", "end_ts not before arrival_ts"),
        Rule("answer_in_span", "answer_ts IS NULL OR (answer_ts >= arrival_ts AND answer_ts <= end_ts)",
             "answer_ts between arrival_ts and end_ts"),
        Rule("abandoned_not_answered", "NOT abandoned OR (answer_ts IS NULL AND agent_id IS NULL AND talk_s = 0)",
             "an abandoned contact has no answer_ts, no agent_id and talk_s = 0"),
        Rule("handled_has_agent", "answer_ts IS NULL OR agent_id IS NOT NULL",
             "an answered contact names its agent_id"),
        Rule("abandoned_xor_self_served", "NOT (abandoned AND self_served)",
             "a contact is not both abandoned and self-served"),
    ),
    foreign_keys=(ForeignKey("agent_id", "agents", "agent_id"), ForeignKey("customer_id", "customers", "customer_id")),
)

AGENTS = Table(
    name="agents",
    description="The roster: one row per agent who worked in the center in the data's period, leavers included.",
    key=("agent_id",),
    columns=(
        Column("agent_id", "string", "Unique agent identifier."),
        Column("agent_name", "string", "Display name (shown in supervisor reports).", nullable=True, required=False),
        Column("team", "string", "Team the agent belongs to."),
        Column("supervisor", "string", "Team supervisor."),
        Column("site", "string", "Site / location."),
        Column("shift", "string", "Shift pattern.", allowed=("day", "night", "peak")),
        Column("queue", "string", "Primary queue / skill.", nullable=True, required=False),
        Column("hire_date", "date", "First working day."),
        Column("leave_date", "date", "Last working day; empty while employed.", nullable=True),
        Column("leave_reason", "string", "Why the agent left, when known.", nullable=True, required=False,
               allowed=("voluntary", "involuntary")),
    ),
    rules=(Rule("leave_after_hire", "leave_date IS NULL OR leave_date >= hire_date", "leave_date not before hire_date"),),
)

AGENT_DAYS = Table(
    name="agent_days",
    description=(
        "Workforce-management day records: per agent per scheduled or worked day. "
        "logged_in_s = talk + hold + acw + idle + break + other (aux) time."
    ),
    key=("agent_id", "date"),
    time_column="date",
    columns=(
        Column("agent_id", "string", "Agent."),
        Column("date", "date", "Working day (local)."),
        _dur("scheduled_s", "Scheduled (rostered) time."),
        _dur("logged_in_s", "Time logged in to the ACD."),
        _dur("talk_s", "Talk time."),
        _dur("hold_s", "Hold time."),
        _dur("acw_s", "After-call work time."),
        _dur("idle_s", "Available, waiting for a contact."),
        _dur("break_s", "Breaks (lunch, rest)."),
        Column("break_count", "int", "Number of breaks taken.", unit="breaks", min=0, max=100),
        Column("present", "bool", "Agent attended a scheduled day."),
        Column("training_assigned", "int", "Training modules due this day.", unit="modules", min=0, max=1000),
        Column("training_completed", "int", "Training modules completed this day.", unit="modules", min=0, max=1000),
    ),
    rules=(
        Rule("states_fit_login", "talk_s + hold_s + acw_s + idle_s + break_s <= logged_in_s + 60",
             "talk_s + hold_s + acw_s + idle_s + break_s <= logged_in_s"),
        Rule("absent_not_logged_in", "present OR logged_in_s = 0", "an absent day has logged_in_s = 0"),
        Rule("training_completed_le_assigned", "training_completed <= training_assigned",
             "training_completed <= training_assigned"),
    ),
    foreign_keys=(ForeignKey("agent_id", "agents", "agent_id"),),
)

QA_EVALUATIONS = Table(
    name="qa_evaluations",
    description=(
        "Quality evaluations of contacts. The evaluation form's items are extra columns "
        "named item_<name> holding points scored (defined in params `qa.form`). A contact "
        "scored by several evaluators (calibration) has one row per evaluator."
    ),
    key=("evaluation_id",),
    time_column="eval_date",
    extra_prefix="item_",
    extra_type="float",
    columns=(
        Column("evaluation_id", "string", "Unique evaluation identifier."),
        Column("contact_id", "string", "Evaluated contact.", nullable=True),
        Column("agent_id", "string", "Evaluated agent."),
        Column("evaluator_id", "string", "QA analyst, supervisor or trainer who scored it."),
        Column("eval_date", "date", "Date of the evaluation."),
        Column("total_score", "float", "Form total before critical-fail rules.", unit="points of 100", min=0, max=100),
        Column("critical_fail", "bool", "A critical item failed (the call fails as a whole)."),
        Column("calibration", "bool", "Scored in a calibration session (several raters, same contact).",
               required=False, nullable=True),
    ),
    foreign_keys=(ForeignKey("agent_id", "agents", "agent_id"), ForeignKey("contact_id", "interactions", "contact_id")),
)

SURVEYS = Table(
    name="surveys",
    description="Post-contact survey answers, at most one per contact; any score may be unanswered.",
    key=("contact_id",),
    columns=(
        Column("contact_id", "string", "Surveyed contact."),
        Column("csat", "int", "Satisfaction, 1 (very dissatisfied) to 5 (very satisfied).", unit="1-5", nullable=True, min=1, max=5),
        Column("nps", "int", "Likelihood to recommend, 0 to 10.", unit="0-10", nullable=True, min=0, max=10),
        Column("ces", "int", "Effort: 'the company made it easy', 1 (strongly disagree) to 7 (strongly agree).",
               unit="1-7", nullable=True, min=1, max=7),
    ),
    rules=(Rule("some_answer", "csat IS NOT NULL OR nps IS NOT NULL OR ces IS NOT NULL",
                "at least one of csat, nps, ces answered"),),
    foreign_keys=(ForeignKey("contact_id", "interactions", "contact_id"),),
)

CUSTOMERS = Table(
    name="customers",
    description="Customers of the business the center serves.",
    key=("customer_id",),
    columns=(
        Column("customer_id", "string", "Unique customer identifier (restricted: never shown in manager reports)."),
        Column("segment", "string", "Customer segment (e.g. consumer, small_business, vip)."),
        Column("value", "float", "Average monthly revenue from the customer.", unit="currency/month", nullable=True, min=0),
        Column("signup_date", "date", "Date the customer signed up."),
        Column("churn_date", "date", "Date the customer left; empty while active.", nullable=True),
        Column("phone", "string", "Phone number (restricted).", nullable=True, required=False),
        Column("email", "string", "E-mail address (restricted).", nullable=True, required=False),
    ),
    rules=(Rule("churn_after_signup", "churn_date IS NULL OR churn_date >= signup_date", "churn_date not before signup_date"),),
)

COMPLAINTS = Table(
    name="complaints",
    description="Formal complaints, from opening to resolution.",
    key=("complaint_id",),
    time_column="opened_ts",
    columns=(
        Column("complaint_id", "string", "Unique complaint identifier."),
        Column("customer_id", "string", "Complaining customer."),
        Column("contact_id", "string", "Contact in which the complaint was raised.", nullable=True),
        Column("opened_ts", "timestamp", "When the complaint was opened."),
        Column("resolved_ts", "timestamp", "When it was resolved; empty while open.", nullable=True),
        Column("category", "string", "Complaint category (e.g. billing, service, product)."),
    ),
    rules=(Rule("resolved_after_opened", "resolved_ts IS NULL OR resolved_ts >= opened_ts", "resolved_ts not before opened_ts"),),
    foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"), ForeignKey("contact_id", "interactions", "contact_id")),
)

CALENDAR = Table(
    name="calendar",
    description=(
        "Business calendar: holidays the center observes and business events that move volume. "
        "One row per day per event; public holidays may also come from the `holidays` package "
        "(params `center.country`). Future rows (the forecast horizon) are expected."
    ),
    key=("date", "kind", "name"),
    columns=(
        Column("date", "date", "Day of the event."),
        Column("kind", "string", "Event kind.", allowed=("holiday", "workday", "promotion", "billing", "outage", "other")),
        Column("name", "string", "Event name (e.g. Singles Day 11.11)."),
        Column("queue", "string", "Queue it affects; empty for all queues.", nullable=True, required=False),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (INTERACTIONS, AGENTS, AGENT_DAYS, QA_EVALUATIONS, SURVEYS, CUSTOMERS, COMPLAINTS, CALENDAR)
}

#: The order in which tables are validated (referenced tables first).
LOAD_ORDER = ("agents", "customers", "calendar", "interactions", "agent_days", "qa_evaluations", "surveys", "complaints")


def markdown() -> str:
    """The contract as Markdown (the body of ``docs/data.md``)."""
    out = [
        "# Data contract",
        "",
        "<!-- generated by `python -m ccnb.catalog.contract > docs/data.md`; edit ccnb/catalog/contract.py -->",
        "",
        (__doc__ or "").split("Conventions\n-----------\n", 1)[1].strip().replace("* ", "- "),
        "",
        "## Files",
        "",
        "A data folder holds one entry per table, named after it: `<table>.parquet`, `<table>.csv`,",
        "`<table>.csv.gz`, or a folder `<table>/` of such files (e.g. one file per month). CSV may be",
        "UTF-8 (with or without BOM) or GBK/GB18030, as Chinese systems export it; the encoding is detected.",
        "Only `interactions` is required; every table marked optional may be absent, and the reports that",
        "need it say \"not available\". Without `agents`, the roster is derived from the agent ids of the",
        "contacts (team `unassigned`, every other attribute unknown). Each report says what it could not",
        "show for want of data. A column marked optional, a nullable",
        "column or one with a stand-in may be left out of a file; it is then recorded as lacking.",
        "Every file is validated before any analysis runs; an error names the table, file, column, first",
        "offending rows (CSV line numbers) and what was expected. A center's own export (other file names,",
        "other columns) is mapped in its params (`data.sources`, `data.profile`: docs/data_sources.md).",
        "",
    ]
    for t in TABLES.values():
        out += [f"## `{t.name}`{'' if t.required_table else ' (optional)'}", "", t.description, "",
                f"Key: `{', '.join(t.key)}`." + (f" Placed in time by `{t.time_column}`." if t.time_column else ""), ""]
        out += ["| column | type | unit | nullable | description |", "| --- | --- | --- | --- | --- |"]
        for c in t.columns:
            desc = c.description
            if c.allowed:
                desc += " One of " + ", ".join(f"`{a}`" for a in c.allowed) + "."
            if c.min is not None or c.max is not None:
                desc += f" Range [{'' if c.min is None else f'{c.min:g}'}, {'' if c.max is None else f'{c.max:g}'}]."
            if c.absent is not None:
                desc += f" Optional column: a file without it gets `{c.absent}` (recorded as lacking)."
            elif not c.must_be_given:
                desc += " Optional column."
            out.append(f"| `{c.name}` | {c.type} | {c.unit} | {'yes' if c.nullable else 'no'} | {desc} |")
        if t.extra_prefix:
            out.append(f"| `{t.extra_prefix}*` | {t.extra_type} | points | yes | One column per form item. |")
        out.append("")
        if t.rules or t.foreign_keys:
            out.append("Rules:")
            out.append("")
            out += [f"- {r.expected}" for r in t.rules]
            out += [f"- `{fk.column}` refers to `{fk.table}.{fk.ref_column}`" for fk in t.foreign_keys]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
