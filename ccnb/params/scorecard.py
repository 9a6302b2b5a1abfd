"""KPI targets, weights and scoring; QA form, sampling and calibration."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ccnb.catalog.kpis import REGISTRY
from ccnb.params.base import Section


# --------------------------------------------------------------------------- kpi
class Kpi(Section):
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
        return _known(v)

    @field_validator("targets", "floors", "bands")
    @classmethod
    def _in_domain(cls, v: dict) -> dict:
        return _in_domain(v)

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        return _sum_to_one(v)

    @field_validator("balance_pairs")
    @classmethod
    def _pairs(cls, v: list[tuple[str, str]]) -> list[tuple[str, str]]:
        _known({k for pair in v for k in pair})
        return v

    @model_validator(mode="after")
    def _lights(self) -> "Kpi":
        if self.composite_amber > self.composite_green:
            raise ValueError(f"composite_amber ({self.composite_amber:g}) must not exceed composite_green "
                             f"({self.composite_green:g})")
        return self


def _known(keys):
    """``keys``, or a ``ValueError`` naming those that are not KPIs of the registry."""
    unknown = sorted(set(keys) - set(REGISTRY))
    if unknown:
        raise ValueError(f"unknown KPI key(s) {', '.join(unknown)} (known: {', '.join(REGISTRY)})")
    return keys


#: The values a KPI can take, by unit (``ccnb.catalog.kpis``): its targets, floors and bands lie within them.
DOMAINS: dict[str, tuple[float, float | None, str]] = {
    "share": (0, 1, "a share between 0 and 1 (0.8 = 80 %)"),
    "s": (0, None, "seconds, at least 0"),
    "points": (0, 100, "points between 0 and 100"),
    "nps": (-100, 100, "an NPS between -100 and 100"),
    "count": (0, None, "a count, at least 0"),
    "rate/yr": (0, None, "a yearly rate, at least 0 (0.15 = 15 % a year)"),
}


def _in_domain(v: dict) -> dict:
    """KPI key -> level(s), or a ``ValueError`` naming each level outside its KPI's domain."""
    bad = []
    for key, level in v.items():
        if key not in REGISTRY:
            continue  # reported by _known
        lo, hi, what = DOMAINS[REGISTRY[key].unit]
        for x in level if isinstance(level, (tuple, list)) else (level,):
            if x < lo or (hi is not None and x > hi):
                bad.append(f"{key} must be {what}, got {x:g}")
    if bad:
        raise ValueError("; ".join(bad))
    return v


def _sum_to_one(v: dict[str, float]) -> dict[str, float]:
    """Weights ``v``, or a ``ValueError`` when one is negative or (not empty) they do not sum to 1."""
    bad = {k: w for k, w in v.items() if w < 0}
    if bad:
        raise ValueError(f"weights must not be negative: {bad}")
    total = sum(v.values())
    if v and abs(total - 1) > 1e-6:
        raise ValueError(f"weights must sum to 1 (100 %), they sum to {total:.4g}")
    return v


def _role_weights(role: str, level: str, v: dict[str, float]) -> dict[str, float]:
    _known(v)
    elsewhere = sorted(k for k in v if level not in REGISTRY[k].levels)
    if elsewhere:
        raise ValueError(f"{', '.join(elsewhere)} cannot be weighted for the {role} role: not measured per {level}")
    return _sum_to_one(v)


class RoleWeights(Section):
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


class TargetSetting(Section):
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
        _known(v)
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


class QaItem(Section):
    label: str
    label_zh: str | None = None
    max_points: float = Field(gt=0)
    critical: bool = False


class QaSampling(Section):
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


class QaCalibration(Section):
    """Rater agreement on contacts scored by several evaluators (``ccnb.qa.calibration``)."""
    months: int = Field(3, ge=1, le=24, description="Calibration sessions of this many months, the report month last.")
    min_icc: float = Field(0.75, ge=0, le=1, description="ICC(2,1) below this: raters disagree (Koo & Li 2016: "
                           "0.75-0.9 good).")
    max_bias_points: float = Field(5, ge=0, description="An evaluator whose mean difference from the consensus is "
                                   "beyond this many points is flagged.")
    min_contacts: int = Field(4, ge=2, description="Fewer calibration contacts than this: no agreement figure.")


class Qa(Section):
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
