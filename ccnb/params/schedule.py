"""Shift-scheduling (排班) parameters: shift templates, breaks, opening hours, weekly rules, solver.

Used by :mod:`ccnb.staffing.shifts`, :mod:`ccnb.staffing.schedule` and :mod:`ccnb.staffing.roster`.
Times of day are ``"HH:MM"`` strings (``"24:00"`` allowed as a closing time); break windows are
minutes after the shift's start.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ccnb.params.base import Section

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def minutes_of(hhmm: str) -> int:
    """``"07:30"`` -> 450 (minutes after midnight)."""
    m = _HHMM.match(hhmm)
    if not m or (int(m.group(1)) == 24 and int(m.group(2)) != 0):
        raise ValueError(f"expected a time HH:MM (00:00-24:00), got {hhmm!r}")
    return int(m.group(1)) * 60 + int(m.group(2))


class ShiftTemplate(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="Short name of the shift type (e.g. day8).")
    length_h: float = Field(gt=0, le=14, description="Shift length from start to end (hours), breaks included.")
    earliest_start: str = Field("06:00", description="First allowed start time (HH:MM).")
    latest_start: str = Field("15:00", description="Last allowed start time (HH:MM).")
    start_step_min: int = Field(30, ge=5, le=240, description="Allowed starts every this many minutes.")
    days: Literal["all", "weekdays", "weekend"] = Field("all", description="Days this shift type may be worked.")
    max_share: float = Field(1.0, gt=0, le=1, description="Share of the plan's paid hours in this shift type, at most "
                             "(per desk and solved block).")

    @field_validator("earliest_start", "latest_start")
    @classmethod
    def _time(cls, v: str) -> str:
        minutes_of(v)
        return v

    @model_validator(mode="after")
    def _order(self) -> "ShiftTemplate":
        if minutes_of(self.latest_start) < minutes_of(self.earliest_start):
            raise ValueError(f"shift {self.name}: latest_start {self.latest_start} is before earliest_start "
                             f"{self.earliest_start}")
        if round(self.length_h * 60) % 5:
            raise ValueError(f"shift {self.name}: length_h must be a whole number of 5 minutes")
        return self


class Break(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="Short name (e.g. break1, meal).")
    minutes: int = Field(ge=5, le=120, description="Length of the break (minutes).")
    paid: bool = Field(True, description="Paid breaks count in paid hours; unpaid ones (the meal) do not.")
    earliest_min: int = Field(ge=0, le=840, description="Earliest start, minutes after the shift's start.")
    latest_min: int = Field(ge=0, le=840, description="Latest start, minutes after the shift's start.")
    step_min: int = Field(15, ge=5, le=120, description="The break may start every this many minutes in its window.")
    min_shift_h: float = Field(0.0, ge=0, le=14, description="Only shifts at least this long (hours) take this break.")

    @model_validator(mode="after")
    def _window(self) -> "Break":
        if self.latest_min < self.earliest_min:
            raise ValueError(f"break {self.name}: latest_min {self.latest_min} < earliest_min {self.earliest_min}")
        return self


class AgentType(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="Agent type (contract), e.g. full_time.")
    min_hours_week: float = Field(ge=0, le=80, description="Contracted paid hours per week, at least.")
    max_hours_week: float = Field(gt=0, le=80, description="Contracted paid hours per week, at most.")
    shifts: list[str] = Field(default_factory=list, description="Shift types this agent type works; empty: all.")

    @model_validator(mode="after")
    def _order(self) -> "AgentType":
        if self.max_hours_week < self.min_hours_week:
            raise ValueError(f"agent type {self.name}: max_hours_week < min_hours_week")
        return self


class WeeklyRules(Section):
    days_off: int = Field(2, ge=0, le=6, description="Days off per calendar week (Monday-Sunday), at least.")
    consecutive_days_off: bool = Field(True, description="At least two of the week's days off are consecutive.")
    min_rest_h: float = Field(11.0, ge=0, le=24, description="Rest from a shift's end to the next shift's start (h).")
    max_consecutive_days: int = Field(6, ge=1, le=14, description="Working days in a row, at most.")


class OpeningHours(Section):
    weekdays: tuple[str, str] = Field(("06:00", "24:00"), description="Open from, to (HH:MM) on working days.")
    weekend: tuple[str, str] = Field(("06:00", "24:00"), description="Open from, to (HH:MM) on the center's weekend days "
                                                              "(center.weekend).")

    @field_validator("weekdays", "weekend")
    @classmethod
    def _span(cls, v: tuple[str, str]) -> tuple[str, str]:
        if minutes_of(v[1]) <= minutes_of(v[0]):
            raise ValueError(f"opening hours {v[0]}-{v[1]}: the close must be after the open")
        return v


class Schedule(Section):
    """The shift plan, its breaks and the roster's weekly rules (``staffing.schedule``)."""

    shifts: list[ShiftTemplate] = Field(
        default_factory=lambda: [ShiftTemplate(name="full8", length_h=8.5, earliest_start="06:00", latest_start="15:30",
                                               start_step_min=60),
                                 ShiftTemplate(name="part4", length_h=4, earliest_start="06:00", latest_start="20:00",
                                               start_step_min=60, max_share=0.25)],
        min_length=1, description="Shift types: length and allowed start times.")
    breaks: list[Break] = Field(
        default_factory=lambda: [Break(name="break1", minutes=15, paid=True, earliest_min=90, latest_min=150, step_min=30),
                                 Break(name="meal", minutes=30, paid=False, earliest_min=210, latest_min=300,
                                       step_min=30, min_shift_h=6),
                                 Break(name="break2", minutes=15, paid=True, earliest_min=360, latest_min=420,
                                       step_min=30, min_shift_h=8)],
        description="Breaks in each shift long enough, with their placement windows; windows must not overlap.")
    min_agents_per_shift: int = Field(0, ge=0, le=1000, description="A shift start used carries at least this many agents.")
    max_agents_per_shift: int | None = Field(None, ge=1, description="Agents starting one shift at one time, at most.")
    opening_hours: OpeningHours = Field(default_factory=OpeningHours)
    agent_types: list[AgentType] = Field(
        default_factory=lambda: [AgentType(name="full_time", min_hours_week=32, max_hours_week=40, shifts=["full8"]),
                                 AgentType(name="part_time", min_hours_week=12, max_hours_week=24, shifts=["part4"])],
        min_length=1, description="Contracts: weekly paid hours and the shift types each works.")
    weekly: WeeklyRules = Field(default_factory=WeeklyRules)
    min_hours: Literal["strict", "report"] = Field(
        "report", description="Contracted minimum hours (agent_types.min_hours_week): strict: a week in which an agent "
        "cannot reach them is an error naming the rule; report: the roster gives as many agents as it can their "
        "minimum (the shortfall in hours minimised) and reports the contracted hours the plan leaves unused.")
    under_cover_penalty: float = Field(4.0, gt=0, le=1000,
                                       description="Cost of one missing agent-hour, in paid hours (plan objective).")
    budget_hours: float | None = Field(None, gt=0, description="Budget mode: paid hours over the horizon at most; "
                                                                "None: cost mode.")
    time_limit_s: float = Field(30.0, gt=0, le=3600, description="Solver time limit per problem (s).")
    workers: int = Field(2, ge=1, le=64, description="Processes solving the plan's day blocks at once (cost mode).")
    mip_gap: float = Field(0.02, ge=0, le=0.5, description="Relative MIP gap at which the solver stops.")
    mip_gap_hours: float = Field(4.0, ge=0, le=1000, description="Cost mode: the solver also stops within this many "
                                 "paid hours of the optimum (per solved block; 0: the relative gap only).")

    @model_validator(mode="after")
    def _consistent(self) -> "Schedule":
        names = [s.name for s in self.shifts]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"shift type(s) named twice: {', '.join(dup)}")
        bad = sorted({s for a in self.agent_types for s in a.shifts} - set(names))
        if bad:
            raise ValueError(f"agent types name unknown shift type(s): {', '.join(bad)}")
        if (self.max_agents_per_shift is not None and self.min_agents_per_shift > self.max_agents_per_shift):
            raise ValueError("min_agents_per_shift is above max_agents_per_shift")
        names = [b.name for b in self.breaks]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"break(s) named twice: {', '.join(dup)}")
        order = sorted(self.breaks, key=lambda b: b.earliest_min)
        for a, b in zip(order, order[1:]):
            if b.earliest_min < a.latest_min + a.minutes:
                raise ValueError(f"breaks {a.name} and {b.name}: placement windows overlap ({b.name} may start at "
                                 f"{b.earliest_min} min, {a.name} may end at {a.latest_min + a.minutes} min)")
        return self
