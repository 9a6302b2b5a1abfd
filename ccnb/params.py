"""Report parameters: YAML files validated before any notebook runs.

``params/default.yaml`` holds every default (the domain brief's targets, weights
and thresholds); a center's own file only needs the keys it changes and is
deep-merged over the defaults. Validation uses pydantic (typed models, unknown
keys rejected) because its errors carry the exact path of the bad key, which we
turn into one readable line per problem: ``params/x.yaml: kpi.weights.csat:
expected a number, got 'high'``.

Each analysis owns one section model below; add fields there, with a default in
``params/default.yaml`` and a description.
"""
from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ccnb import config


class ParamsError(ValueError):
    """Parameters that cannot be used; the message names file, key and problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# --------------------------------------------------------------------------- center
class Queue(_Section):
    business_line: str = Field(description="Business line the queue belongs to (QA sampling, reports).")
    service_type: str = Field("service", description="service | sales | complaints | tech ...")
    sales: bool = Field(False, description="Conversion is measured on this queue.")
    name_zh: str | None = Field(None, description="Chinese display name.")


class Center(_Section):
    name: str = "Sample Center"
    name_zh: str | None = None
    timezone: str = Field("Asia/Shanghai", description="IANA zone of the center's wall clock.")
    country: str = Field("CN", description="ISO country for public holidays (holidays package).")
    currency: str = "CNY"
    interval_minutes: Literal[15, 30] = 30
    queues: dict[str, Queue] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (expected an IANA name such as 'Asia/Shanghai')")
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        import holidays

        if v not in holidays.list_supported_countries():
            raise ValueError(f"unknown country {v!r} for public holidays (expected an ISO code such as 'CN')")
        return v


# --------------------------------------------------------------------------- report
class Report(_Section):
    lang: Literal["en", "zh"] = "en"
    trend_months: int = Field(6, ge=1, le=36, description="Months shown in trend charts, the report month included.")
    notebooks: list[str] | None = Field(None, description="Notebook file names to run; all in notebooks/ when empty.")
    pdf: bool = True
    headline_kpis: list[str] = Field(default_factory=list, description="KPI keys on the overview's headline cards.")

    @field_validator("headline_kpis")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        from ccnb.kpi.registry import REGISTRY

        unknown = [k for k in v if k not in REGISTRY]
        if unknown:
            raise ValueError(f"unknown KPI key(s) {', '.join(unknown)} (known: {', '.join(REGISTRY)})")
        return v

    @field_validator("notebooks")
    @classmethod
    def _file_names(cls, v: list[str] | None) -> list[str] | None:
        """Plain file names in the notebooks folder: they become file names in the pack (no folders, no ``..``)."""
        from ccnb.nbrun import NB_NAME

        bad = [n for n in v or [] if not NB_NAME.fullmatch(n) or ".." in n or n != n.strip()]
        if bad:
            raise ValueError(f"not plain notebook file names (no folders or '..'; letters, digits, _ . - only): "
                             f"{', '.join(repr(b) for b in bad)}")
        return v


# --------------------------------------------------------------------------- kpi
class Kpi(_Section):
    targets: dict[str, float] = Field(default_factory=dict, description="KPI key -> target, in the KPI's unit.")
    floors: dict[str, float] = Field(default_factory=dict,
                                     description="KPI key -> level scoring 0 attainment (linear up to the target).")
    weights: dict[str, float] = Field(default_factory=dict, description="KPI key -> weight in the composite score.")
    bands: dict[str, tuple[float, float]] = Field(default_factory=dict,
                                                  description="KPI key -> healthy [low, high] (e.g. occupancy).")
    amber_band: float = Field(0.05, ge=0, le=1, description="Within this relative distance short of target: amber.")
    service_level_answer_s: float = Field(20, gt=0, description="T in 'answered within T seconds'.")
    fcr_window_days: int = Field(7, ge=1, le=90, description="A repeat contact on the same reason within this window is not FCR.")
    csat_satisfied_min: int = Field(4, ge=1, le=5, description="CSAT answers >= this are satisfied (top-2 box of 5).")
    ces_easy_min: int = Field(5, ge=1, le=7, description="CES answers >= this are 'easy' (1-7 agreement scale).")
    long_wait_s: float = Field(120, gt=0, description="A wait at least this long counts as a long wait.")
    min_contacts: int = Field(30, ge=0, description="Fewer handled contacts than this: insufficient data.")
    min_surveys: int = Field(5, ge=0, description="Fewer surveys than this: survey KPIs insufficient.")
    weights_by_role: "RoleWeights" = Field(default_factory=lambda: RoleWeights(),
                                           description="Tiered weights: agents' and teams' composites (center: weights).")
    min_weight_coverage: float = Field(0.8, ge=0, le=1, description="A composite needs KPIs with data carrying at "
                                       "least this share of the role's weights; else insufficient data.")
    composite_green: float = Field(90, ge=0, le=100, description="Composite score (0-100) from which the light is green.")
    composite_amber: float = Field(75, ge=0, le=100, description="Composite score from which the light is amber (else red).")
    target_setting: "TargetSetting" = Field(default_factory=lambda: TargetSetting(),
                                            description="Fixed targets or derived from last month (domain rule).")
    balance_pairs: list[tuple[str, str]] = Field(default_factory=list,
                                                 description="KPI pairs checked for pulling against each other.")
    balance_min_corr: float = Field(0.3, gt=0, lt=1, description="|Spearman correlation| across agents from "
                                    "which two KPIs are said to move together or pull against each other.")

    @field_validator("targets", "floors", "weights", "bands")
    @classmethod
    def _known_kpis(cls, v: dict[str, float]) -> dict[str, float]:
        from ccnb.kpi.registry import REGISTRY

        unknown = sorted(set(v) - set(REGISTRY))
        if unknown:
            raise ValueError(f"unknown KPI key(s) {', '.join(unknown)} (known: {', '.join(REGISTRY)})")
        return v

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: w for k, w in v.items() if w < 0}
        if bad:
            raise ValueError(f"weights must not be negative: {bad}")
        total = sum(v.values())
        if v and abs(total - 1) > 1e-6:
            raise ValueError(f"weights must sum to 1 (100 %), they sum to {total:.4g}")
        return v

    @field_validator("balance_pairs")
    @classmethod
    def _pairs(cls, v: list[tuple[str, str]]) -> list[tuple[str, str]]:
        from ccnb.kpi.registry import REGISTRY

        unknown = sorted({k for pair in v for k in pair} - set(REGISTRY))
        if unknown:
            raise ValueError(f"unknown KPI key(s) {', '.join(unknown)} (known: {', '.join(REGISTRY)})")
        return v

    @model_validator(mode="after")
    def _lights(self) -> "Kpi":
        if self.composite_amber > self.composite_green:
            raise ValueError(f"composite_amber ({self.composite_amber:g}) must not exceed composite_green "
                             f"({self.composite_green:g})")
        return self


def _role_weights(role: str, level: str, v: dict[str, float]) -> dict[str, float]:
    from ccnb.kpi.registry import REGISTRY

    unknown = sorted(set(v) - set(REGISTRY))
    if unknown:
        raise ValueError(f"unknown KPI key(s) {', '.join(unknown)} (known: {', '.join(REGISTRY)})")
    elsewhere = sorted(k for k in v if level not in REGISTRY[k].levels)
    if elsewhere:
        raise ValueError(f"{', '.join(elsewhere)} cannot be weighted for the {role} role: not measured per {level}")
    bad = {k: w for k, w in v.items() if w < 0}
    if bad:
        raise ValueError(f"weights must not be negative: {bad}")
    total = sum(v.values())
    if v and abs(total - 1) > 1e-6:
        raise ValueError(f"weights must sum to 1 (100 %), they sum to {total:.4g}")
    return v


class RoleWeights(_Section):
    """Weights of the composite per role (the center's are ``kpi.weights``); each sums to 1."""
    agent: dict[str, float] = Field(default_factory=dict, description="Front-line agents: CSAT, FCR, QA, AHT mainly.")
    team: dict[str, float] = Field(default_factory=dict,
                                   description="Teams / supervisors (also shifts, sites): team results, conversion, attrition.")

    @field_validator("agent")
    @classmethod
    def _agent(cls, v):
        return _role_weights("agent", "agent", v)

    @field_validator("team")
    @classmethod
    def _team(cls, v):
        return _role_weights("team", "team", v)


class TargetSetting(_Section):
    """How agents' and teams' targets are set (see ``ccnb.kpi.targets``)."""
    method: Literal["fixed", "derived"] = Field("derived", description="fixed: kpi.targets; derived: the domain rule.")
    apply_to: list[Literal["agent", "team"]] = Field(default_factory=lambda: ["agent", "team"],
                                                     description="Roles scored against derived targets.")
    keys: list[str] = Field(default_factory=list, description="KPIs whose target is derived; others stay fixed.")
    slack: float = Field(0.10, ge=0, lt=1, description="Derived target = center level last month, adjusted for "
                         "season, made easier by this share (10 %).")
    max_step: float = Field(0.05, ge=0, le=1, description="A review moves a target by at most this share of it.")
    review_months: list[int] = Field(default_factory=lambda: [1, 4, 7, 10],
                                     description="Calendar months in which targets are reviewed (quarterly).")
    season: bool = Field(True, description="Adjust by last year's move between the same two months.")

    @field_validator("keys")
    @classmethod
    def _keys(cls, v):
        from ccnb.kpi.registry import REGISTRY

        unknown = sorted(set(v) - set(REGISTRY))
        if unknown:
            raise ValueError(f"unknown KPI key(s) {', '.join(unknown)} (known: {', '.join(REGISTRY)})")
        untargeted = sorted(k for k in v if REGISTRY[k].direction not in ("higher", "lower"))
        if untargeted:
            raise ValueError(f"{', '.join(untargeted)} has no single target to derive (band or tracked only)")
        return v

    @field_validator("review_months")
    @classmethod
    def _months(cls, v):
        if not v or any(m < 1 or m > 12 for m in v):
            raise ValueError("review_months must list calendar months 1-12")
        return sorted(set(v))


Kpi.model_rebuild()


class QaItem(_Section):
    label: str
    label_zh: str | None = None
    max_points: float = Field(gt=0)
    critical: bool = False


class QaSampling(_Section):
    """The QA sampling plan (``ccnb.qa.sampling_plan``)."""
    per_week: dict[Literal["weak", "average", "strong"], int] = Field(
        default_factory=lambda: {"weak": 8, "average": 5, "strong": 3},
        description="Evaluations per agent per full week by performance band (3-10).")
    strong_min: float = Field(90, ge=0, le=100, description="Last month's QA score from which an agent is 'strong'.")
    new_hire_days: int = Field(90, ge=0, description="Agents with less tenure are sampled as 'weak' (more often).")
    min_per_line_month: int = Field(20, ge=0, description="At least this many evaluations per business line a month.")
    seed: int = 0

    @field_validator("per_week")
    @classmethod
    def _per_week(cls, v):
        bad = {b: n for b, n in v.items() if not 3 <= n <= 10}
        if bad:
            raise ValueError(f"per_week must be 3-10 evaluations per agent per week, got {bad}")
        missing = sorted({"weak", "average", "strong"} - set(v))
        if missing:
            raise ValueError(f"per_week lacks band(s) {', '.join(missing)}")
        return v


class QaCalibration(_Section):
    """Rater agreement on contacts scored by several evaluators (``ccnb.qa.calibration``)."""
    months: int = Field(3, ge=1, le=24, description="Calibration sessions of this many months, the report month last.")
    min_icc: float = Field(0.75, ge=0, le=1, description="ICC(2,1) below this: raters disagree (Koo & Li 2016: "
                           "0.75-0.9 good).")
    max_bias_points: float = Field(5, ge=0, description="An evaluator whose mean difference from the consensus is "
                                   "beyond this many points is flagged.")
    min_contacts: int = Field(4, ge=2, description="Fewer calibration contacts than this: no agreement figure.")


class Qa(_Section):
    pass_mark: float = Field(80, ge=0, le=100)
    critical_fail_scores_zero: bool = Field(True, description="A critical fail scores the call 0 in the QA KPI.")
    form: dict[str, QaItem] = Field(default_factory=dict, description="item name (column item_<name>) -> definition.")
    item_pass_share: float = Field(0.8, gt=0, le=1, description="An item scoring below this share of its points "
                                   "is failed (Pareto, coaching).")
    training_need_rate: float = Field(0.3, ge=0, le=1, description="An item failed in at least this share of a "
                                      "team's evaluations is a training need for the team.")
    min_group_evaluations: int = Field(10, ge=1, description="Fewer evaluations than this: no group finding.")
    coaching_item_rate: float = Field(0.5, ge=0, le=1, description="An item an agent fails this often (and the "
                                      "team does not) goes on the agent's coaching plan.")
    min_agent_evaluations: int = Field(3, ge=1, description="Fewer evaluations than this: no individual finding.")
    coaching_deadline_days: int = Field(30, ge=1, description="Improvement plans are due this many days after the month.")
    coaching_max_items: int = Field(3, ge=1, description="At most this many items on one agent's plan (most failed first).")
    sampling: QaSampling = Field(default_factory=QaSampling)
    calibration: QaCalibration = Field(default_factory=QaCalibration)


ForecastModel = Literal["seasonal_naive", "daily_ets", "daily_regression", "mstl", "combination"]


class Forecast(_Section):
    horizon_days: int = Field(31, ge=1, le=366, description="Days forecast after the report month's end.")
    seed: int = Field(0, description="Seed of the prediction-interval simulations.")
    models: list[ForecastModel] = Field(
        default_factory=lambda: ["seasonal_naive", "daily_ets", "daily_regression", "mstl", "combination"],
        min_length=1, description="Candidate models; the backtest chooses one per series.")
    backtest_origins: int = Field(2, ge=1, le=52, description="Weekly origins of the model-choice backtest.")
    backtest_horizon_days: int = Field(28, ge=1, le=92, description="Days forecast from each backtest origin.")
    pi_level: float = Field(0.80, gt=0, lt=1, description="Coverage of the prediction intervals.")
    simulations: int = Field(400, ge=50, le=20000, description="Simulated paths for the interval bounds.")
    open_weeks: int = Field(8, ge=1, le=104, description="Weeks of history that define opening hours.")
    open_min_share: float = Field(0.10, gt=0, le=1, description="A slot is open if it had contacts on this share of days.")
    partial_share: float = Field(0.30, ge=0, lt=1,
                                 description="A day below this share of its weekday's median (no event) is partial data.")
    profile_weeks: int = Field(8, ge=1, le=104, description="Weeks of history for the intraday profiles.")
    profile_shrink: float = Field(2.0, ge=0, description="Pseudo-days pulling a weekday profile to the pooled one.")
    holiday_profile_days: int = Field(400, ge=1, description="Days of history for the holiday profile.")
    event_penalty: float = Field(0.1, ge=0, description="Ridge penalty on event and holiday effects (log scale).")
    annual: bool = Field(True, description="Annual Fourier terms when the history is long enough.")
    annual_min_days: int = Field(400, ge=60, description="History (days) needed for annual terms.")
    mstl_weeks: int = Field(8, ge=2, le=104, description="Weeks of history the MSTL model decomposes.")
    calibration_days: int = Field(28, ge=0, le=180, description="Hold-out days that calibrate daily spreads.")


class Staffing(_Section):
    service_level_target: float = Field(0.80, gt=0, lt=1)
    answer_s: float = Field(20, gt=0)
    max_occupancy: float = Field(0.85, gt=0, le=1)
    shrinkage: float = Field(0.32, ge=0, lt=1)
    shrinkage_source: Literal["params", "measured"] = Field(
        "params", description="params: staffing.shrinkage; measured: from the report month's agent_days.")
    model: Literal["erlang_c", "erlang_a"] = Field(
        "erlang_a", description="erlang_a: with abandonment (patience from data); erlang_c: callers never hang up.")
    patience_s: float | None = Field(None, gt=0, description="Mean caller patience (s) for Erlang A; None: from data.")
    patience_months: int = Field(3, ge=1, le=24, description="Months of data the patience estimate uses.")
    concurrency: dict[str, int] = Field(default_factory=lambda: {"chat": 2},
                                        description="Contacts an agent handles at once, by channel.")
    fte_hours_per_week: float = Field(40.0, gt=0, le=80, description="Paid hours of one full-time agent a week.")
    aht_weeks: int = Field(4, ge=1, le=52, description="Weeks of history for the AHT per time of day.")
    what_if_targets: list[float] = Field(default_factory=lambda: [0.70, 0.80, 0.90], min_length=1)
    what_if_aht_changes: list[float] = Field(default_factory=lambda: [-0.10, 0.0, 0.10], min_length=1)
    over_margin: float = Field(0.20, ge=0, description="Staffed above required x (1 + this) is over-staffed.")
    span_gap_h: float = Field(3.0, gt=0, description="A gap longer than this between contacts ends a work span.")


class ChurnCondition(_Section):
    feature: str = Field(description="A column of ccnb.churn.features (e.g. abandons_30d).")
    op: Literal[">=", ">", "<=", "<", "=="] = ">="
    value: float


class ChurnRule(_Section):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$", description="Reason code shown to outreach (UPPER_CASE).")
    when: list[ChurnCondition] = Field(min_length=1, description="All conditions must hold for the rule to fire.")
    name: dict[str, str] | None = Field(None, description="{en, zh} short name; default label churn.rule.<code>.name.")
    text: dict[str, str] | None = Field(
        None, description="{en, zh} reason text with {feature} fields; default label churn.rule.<code>.text.")


class ChurnBands(_Section):
    high: float = Field(0.20, gt=0, lt=1, description="Score (churn probability) at or above this: high risk.")
    medium: float = Field(0.08, gt=0, lt=1, description="Score at or above this: medium risk.")

    @model_validator(mode="after")
    def _order(self) -> "ChurnBands":
        if self.medium >= self.high:
            raise ValueError(f"bands: medium ({self.medium:g}) must be below high ({self.high:g})")
        return self


class Churn(_Section):
    seed: int = Field(0, description="Seed for tie-breaking in rankings.")
    lookback_days: list[int] = Field(default_factory=lambda: [30, 90], min_length=1,
                                     description="Feature windows before the cutoff, days.")
    label_days: int = Field(30, ge=7, le=365, description="Label: churned within this many days after the cutoff.")
    train_cutoffs: int = Field(6, ge=1, le=36, description="Month-end cutoffs the model is trained on.")
    validate_cutoffs: int = Field(2, ge=1, le=12, description="Latest fully observed cutoffs held out for validation.")
    min_history_days: int | None = Field(None, ge=0, description="History needed before a training cutoff; "
                                                                  "None: the longest lookback window.")
    population: Literal["contacted", "active"] = Field(
        "contacted", description="Scored customers: active ones who contacted in the longest window, or all active.")
    outreach_capacity: int = Field(300, ge=1, description="Customers the outreach team can call per month (top-k).")
    bands: ChurnBands = Field(default_factory=ChurnBands)
    low_csat_max: int = Field(2, ge=1, le=5, description="CSAT answers <= this are low.")
    high_effort_max: int = Field(3, ge=1, le=7, description="CES answers <= this mean high effort.")
    count_cap: int = Field(5, ge=1, description="Counts are capped at this in the model (odds ratio per event).")
    penalty: float = Field(0.0, ge=0, description="L2 penalty of the logit (0: plain maximum likelihood).")
    model_features: list[str] = Field(default_factory=list, description="Feature columns the model uses.")
    model_reasons: int = Field(2, ge=0, le=5, description="Largest model contributions listed as reasons.")
    min_contribution: float = Field(0.15, ge=0, description="Smallest contribution (log-odds) listed as a reason.")
    examples: int = Field(12, ge=0, le=50, description="Example flags (masked) shown in the report.")
    rules: list[ChurnRule] = Field(default_factory=list)

    @field_validator("lookback_days")
    @classmethod
    def _windows(cls, v: list[int]) -> list[int]:
        bad = [w for w in v if not 1 <= w <= 366]
        if bad:
            raise ValueError(f"lookback windows must be 1-366 days, got {bad}")
        return sorted(set(v))

    @model_validator(mode="after")
    def _known_features(self) -> "Churn":
        from ccnb.churn.features import feature_names

        known = set(feature_names(self.lookback_days))
        bad = sorted({c.feature for r in self.rules for c in r.when} - known)
        bad += sorted(set(self.model_features) - known - set(bad))
        if bad:
            raise ValueError(f"unknown churn feature(s) {', '.join(bad)} (known: {', '.join(sorted(known))})")
        codes = [r.code for r in self.rules]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(f"churn rule code(s) used twice: {', '.join(dup)}")
        return self


class EarlyWarning(_Section):
    """Signals that an agent may be about to leave (retention notebook, supervisors' list)."""

    recent_weeks: int = Field(4, ge=1, le=26, description="Weeks up to the month end compared with the baseline.")
    baseline_weeks: int = Field(8, ge=1, le=52, description="Weeks before the recent ones: the agent's usual level.")
    attendance_drop: float = Field(0.10, gt=0, le=1,
                                   description="Attendance down by at least this share (0.10 = 10 points) fires.")
    breaks_rise: float = Field(0.10, gt=0, le=10,
                               description="Break time per attended day up by at least this fraction fires.")
    qa_drop: float = Field(8.0, gt=0, le=100, description="Mean QA score down by at least these points fires.")
    min_days: int = Field(5, ge=1, description="Scheduled days needed in each window to compare attendance/breaks.")
    min_evaluations: int = Field(3, ge=1, description="QA evaluations needed in each window to compare QA.")
    occupancy_cap: float | None = Field(None, gt=0, le=1,
                                        description="Occupancy cap; None: staffing.max_occupancy.")
    occupancy_weeks: int = Field(3, ge=1, le=52,
                                 description="Consecutive weeks above the cap (in the recent + baseline weeks) that fire.")
    min_signals: int = Field(1, ge=1, le=4, description="Signals an agent needs to be listed.")
    backtest_months: int = Field(6, ge=1, le=24, description="Past month ends the list is checked on.")
    backtest_days: int = Field(60, ge=7, le=365, description="Did a listed agent leave within these days?")


class Retention(_Section):
    customer_retention_target: float | None = Field(
        None, ge=0, le=1, description="None: kpi.targets.customer_retention (the KPI's target).")
    agent_attrition_target: float | None = Field(
        None, ge=0, le=5, description="Annualised leavers / average headcount; None: kpi.targets.attrition.")
    cohort_by: Literal["signup", "first_contact"] = Field("signup", description="What starts a customer's cohort.")
    cohort_months: int = Field(12, ge=2, le=60, description="Latest cohorts shown in the cohort matrix.")
    experience_days: int = Field(60, ge=7, le=365,
                                 description="Service experience counted over this many days before a month start.")
    low_csat_max: int = Field(2, ge=1, le=4, description="CSAT answers <= this are a bad experience.")
    followup_months: int = Field(6, ge=1, le=36,
                                 description="Survival by experience: customers followed this many months to the end.")
    model_months: int = Field(12, ge=1, le=60, description="Months of customer history the Cox model uses.")
    cox_max_customers: int = Field(40000, ge=1000,
                                   description="More customers than this: the Cox model uses a random sample of them.")
    seed: int = Field(0, description="Seed of the customer sample for the Cox model.")
    survival_horizons_months: list[int] = Field(default_factory=lambda: [6, 12, 24],
                                                description="Survival reported at these tenures.")
    attrition_window_months: int = Field(12, ge=1, le=36,
                                         description="Attrition by team/supervisor/shift/tenure: trailing months.")
    tenure_bands_months: list[int] = Field(default_factory=lambda: [3, 6, 12, 24],
                                           description="Upper bounds of agent tenure bands, months, increasing.")
    min_agent_months: float = Field(24, ge=0, description="Fewer agent-months in the window: attrition light grey.")
    new_hire_days: int = Field(90, ge=7, le=730, description="The new-hire survival curve covers these first days.")
    early_warning: EarlyWarning = Field(default_factory=EarlyWarning)

    @field_validator("tenure_bands_months", "survival_horizons_months")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if not v or any(b <= a for a, b in zip(v, v[1:])) or v[0] <= 0:
            raise ValueError(f"expected positive, increasing months, got {v}")
        return v

    def targets(self, params: "Params") -> tuple[float | None, float | None]:
        """(customer retention target, agent attrition target), falling back to ``kpi.targets``."""
        cr = self.customer_retention_target
        at = self.agent_attrition_target
        return (cr if cr is not None else params.kpi.targets.get("customer_retention"),
                at if at is not None else params.kpi.targets.get("attrition"))


# --------------------------------------------------------------------------- engine
class EngineDuckDB(_Section):
    memory_limit: str | None = Field(None, pattern=r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$",
                                     description="DuckDB's memory_limit per process (e.g. 2GB); None: DuckDB's "
                                                 "default, 80 % of RAM. Beyond it DuckDB spills to disk.")
    threads: int | None = Field(None, ge=1, le=512, description="DuckDB threads; None: one per core.")


class EngineSpark(_Section):
    master: str = Field("local[*]", min_length=1, description="Spark master URL: local[N], spark://host:7077, "
                                                               "yarn, k8s://...")
    app_name: str = Field("ccnb", min_length=1, description="Spark application name.")
    driver_memory: str = Field("2g", pattern=r"^\d+[kmgtKMGT]?$", description="spark.driver.memory (local mode: all "
                                                                               "of Spark's memory).")
    shuffle_partitions: int = Field(8, ge=1, le=100000, description="spark.sql.shuffle.partitions (KPI results "
                                                                    "are small; raise on a cluster).")
    staging_dir: str | None = Field(None, description="Where validated tables are exported as Parquet for Spark "
                                                      "(a folder every executor sees); None: the data cache.")
    conf: dict[str, str] = Field(default_factory=dict, description="Any other spark.* settings.")


class Engine(_Section):
    name: Literal["duckdb", "spark"] = Field("duckdb", description="Where KPI aggregates and interval series run.")
    duckdb: EngineDuckDB = Field(default_factory=EngineDuckDB)
    spark: EngineSpark = Field(default_factory=EngineSpark)


class Params(_Section):
    center: Center = Field(default_factory=Center)
    report: Report = Field(default_factory=Report)
    kpi: Kpi = Field(default_factory=Kpi)
    qa: Qa = Field(default_factory=Qa)
    forecast: Forecast = Field(default_factory=Forecast)
    staffing: Staffing = Field(default_factory=Staffing)
    churn: Churn = Field(default_factory=Churn)
    retention: Retention = Field(default_factory=Retention)
    engine: Engine = Field(default_factory=Engine)

    #: Files these parameters came from (defaults first); not part of the YAML.
    sources: list[str] = Field(default_factory=list, exclude=True)

    @model_validator(mode="after")
    def _qa_form_points(self) -> "Params":
        total = sum(i.max_points for i in self.qa.form.values())
        if self.qa.form and abs(total - 100) > 1e-6:
            raise ValueError(f"qa.form item max_points must sum to 100, they sum to {total:g}")
        return self

    def digest(self) -> str:
        """SHA-256 of the effective parameters (for run records)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


#: Mappings that a center's file replaces as a whole instead of merging key by key: a weight set
#: must sum to 100 %, so a center listing its own weights means exactly those weights; likewise a
#: center's QA form is its whole form (items summing to 100 points).
REPLACED_WHOLE = {("kpi", "weights"), ("kpi", "weights_by_role", "*"), ("qa", "form")}


def _replaced_whole(path: tuple[str, ...]) -> bool:
    return any(len(p) == len(path) and all(a in ("*", b) for a, b in zip(p, path)) for p in REPLACED_WHOLE)


def deep_merge(base: dict, override: dict, _path: tuple[str, ...] = ()) -> dict:
    """Recursively merge ``override`` into a copy of ``base``.

    Mappings merge key by key, except weight sets (:data:`REPLACED_WHOLE`), which the
    override replaces whole; any other value replaces.
    """
    out = copy.deepcopy(base)
    for k, v in override.items():
        path = _path + (str(k),)
        if isinstance(v, dict) and isinstance(out.get(k), dict) and not _replaced_whole(path):
            out[k] = deep_merge(out[k], v, path)
        else:
            out[k] = copy.deepcopy(v)
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping (PyYAML keeps the last one
    silently, so a target or weight typed twice would change the numbers without a word)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: parameters file not found")
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except UnicodeDecodeError:
        raise ParamsError(f"{path}: not UTF-8 text; save the parameters file as UTF-8") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ParamsError(f"{path}: not valid YAML{where}: {problem}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ParamsError(f"{path}: expected a mapping of sections (center:, kpi:, ...), got {type(doc).__name__}")
    return doc


def _describe(err: dict) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    typ, msg = err["type"], err["msg"]
    if typ == "extra_forbidden":
        return f"{loc}: unknown key (not a ccnb parameter; check the spelling against params/default.yaml)"
    if typ == "missing":
        return f"{loc}: required key is missing"
    msg = msg.removeprefix("Value error, ")
    if typ == "value_error":  # our own validators say what they found
        return f"{loc}: {msg}" if loc else msg
    got = err.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    return f"{loc}: {msg}, got {shown}" if loc else f"{msg}"


def validate(doc: dict, source: str = "<params>") -> Params:
    try:
        return Params.model_validate(doc)
    except ValidationError as e:
        lines = [f"{source}: {_describe(err)}" for err in e.errors()]
        raise ParamsError("invalid parameters:\n  " + "\n  ".join(lines)) from None


def load_params(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Params:
    """Defaults from ``params/default.yaml``, then ``path`` (partial is fine), then ``overrides``.

    Raises :class:`ParamsError` naming the file and key of every problem.
    """
    doc = read_yaml(config.DEFAULT_PARAMS)
    sources = [str(config.DEFAULT_PARAMS)]
    label = str(config.DEFAULT_PARAMS)
    if path is not None and Path(path).resolve() != config.DEFAULT_PARAMS.resolve():
        doc = deep_merge(doc, read_yaml(Path(path)))
        sources.append(str(path))
        label = str(path)
    if overrides:
        doc = deep_merge(doc, overrides)
    p = validate(doc, label)
    p.sources = sources
    return p
