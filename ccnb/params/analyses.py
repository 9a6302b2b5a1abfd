"""Forecasting, staffing, churn and retention parameters."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ccnb.catalog.churn_features import feature_names
from ccnb.params.base import Section
from ccnb.params.schedule import Schedule

ForecastModel = Literal["seasonal_naive", "daily_ets", "daily_regression", "mstl", "combination"]


class Forecast(Section):
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
    level_weeks: int = Field(2, ge=1, le=52, description="Weeks of history whose median sets the daily level "
                             "(daily_regression).")
    level_shrink: bool = Field(True, description="daily_regression: shrink the recent level toward the long-run "
                               "line at lead k by the persistence w(k) measured on the history.")
    level_band_days: int = Field(3, ge=0, le=14, description="Half-width (days) of the band of leads pooled "
                                 "for each lead's persistence.")
    level_min_pairs: int = Field(30, ge=1, description="Pairs of history days needed to measure a lead's "
                                 "persistence (fewer: the recent level is kept).")


class Staffing(Section):
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
    break_edge_h: float = Field(1.0, ge=0, le=4, description="Breaks are placed at least this long after a work "
                                "span's start and before its end (staffed estimate).")
    desks: dict[str, str] = Field(
        default_factory=dict,
        description="Queue -> desk (skill group) whose agents it shares; staffing is compared per desk. "
                    "A queue not listed is a desk of its own.")
    schedule: Schedule = Field(default_factory=Schedule, description="Shift scheduling: shift plan, breaks, roster rules.")


class ChurnCondition(Section):
    feature: str = Field(description="A column of ccnb.churn.features (e.g. abandons_30d).")
    op: Literal[">=", ">", "<=", "<", "=="] = ">="
    value: float


class ChurnRule(Section):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$", description="Reason code shown to outreach (UPPER_CASE).")
    when: list[ChurnCondition] = Field(min_length=1, description="All conditions must hold for the rule to fire.")
    name: dict[str, str] | None = Field(None, description="{en, zh} short name; default label churn.rule.<code>.name.")
    text: dict[str, str] | None = Field(
        None, description="{en, zh} reason text with {feature} fields; default label churn.rule.<code>.text.")


class ChurnBands(Section):
    high: float = Field(0.20, gt=0, lt=1, description="Score (churn probability) at or above this: high risk.")
    medium: float = Field(0.08, gt=0, lt=1, description="Score at or above this: medium risk.")

    @model_validator(mode="after")
    def _order(self) -> "ChurnBands":
        if self.medium >= self.high:
            raise ValueError(f"bands: medium ({self.medium:g}) must be below high ({self.high:g})")
        return self


class Churn(Section):
    seed: int = Field(0, description="Seed for tie-breaking in rankings and for the training sample.")
    lookback_days: list[int] = Field(default_factory=lambda: [30, 90], min_length=1,
                                     description="Feature windows before the cutoff, days.")
    label_days: int = Field(30, ge=7, le=365, description="Label: churned within this many days after the cutoff.")
    train_cutoffs: int = Field(6, ge=1, le=36, description="Month-end cutoffs the model is trained on.")
    validate_cutoffs: int = Field(2, ge=1, le=12, description="Latest fully observed cutoffs held out for validation.")
    train_rows_max: int = Field(
        300_000, ge=1, description="Training rows per cutoff at most: above it, every training cutoff keeps the "
        "same seeded uniform random share of its customers (hash of customer_id and seed), so the model fits in memory.")
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


class EarlyWarning(Section):
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


class Retention(Section):
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

    def targets(self, params) -> tuple[float | None, float | None]:
        """(customer retention target, agent attrition target), falling back to ``params.kpi.targets`` (``params``: the whole Params)."""
        cr = self.customer_retention_target
        at = self.agent_attrition_target
        return (cr if cr is not None else params.kpi.targets.get("customer_retention"),
                at if at is not None else params.kpi.targets.get("attrition"))
