"""Shift templates expanded into candidate shifts, their break options and the intervals they cover.

A *shift template* (``staffing.schedule.shifts``) is a length and a range of allowed start
times; a *candidate shift* is one template started at one allowed time on one day of the
planning horizon, lying wholly inside the opening hours (a shift may run past midnight when the
center is open across it) and inside the horizon. Each break (``staffing.schedule.breaks``) that
applies to the template (``min_shift_h``) has *break options*: its allowed start offsets inside
its placement window, every ``step_min`` minutes.

Coverage is counted in agents per interval: an agent working ``m`` of the interval's
``L`` minutes counts ``m / L`` (a 15-minute break in a 30-minute interval leaves half an
agent). :func:`coverage_matrices` returns the sparse matrices ``A`` (interval x shift: share
of the interval a shift's agent is present) and ``B`` (interval x break option: share of the
interval the break takes away), so that agents on the phones = ``A x - B y`` for shift counts
``x`` and break counts ``y`` (the model of Aykin 1996, "Optimal shift scheduling with
multiple break windows", Management Science 42(4), with explicit break variables).

Paid hours of a shift = length - unpaid breaks (the meal).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from ccnb.params.schedule import minutes_of

#: The weekend when only a ``staffing.schedule`` section is given (full params: ``center.weekend``).
DEFAULT_WEEKEND = (5, 6)


class ScheduleRuleError(ValueError):
    """Scheduling rules that cannot be met; ``rule`` names the rule (a params key)."""

    def __init__(self, rule: str, message: str):
        self.rule = rule
        super().__init__(f"{rule}: {message}")


def horizon_days(requirements: pd.DataFrame) -> pd.DatetimeIndex:
    """Every calendar day from the first to the last ``interval_start`` (midnights)."""
    ts = pd.to_datetime(requirements["interval_start"])
    return pd.date_range(ts.min().normalize(), ts.max().normalize(), freq="D")


def _is_weekend(day: pd.Timestamp, weekend) -> bool:
    return day.weekday() in set(weekend)


def open_minutes(days: pd.DatetimeIndex, sched, weekend=DEFAULT_WEEKEND) -> np.ndarray:
    """Boolean per minute of the horizon (from the first day's midnight): is the center open.
    ``weekend``: the center's weekend days, 0 = Monday (``center.weekend``)."""
    out = np.zeros(len(days) * 1440, bool)
    for i, d in enumerate(days):
        span = sched.opening_hours.weekend if _is_weekend(d, weekend) else sched.opening_hours.weekdays
        out[i * 1440 + minutes_of(span[0]): i * 1440 + minutes_of(span[1])] = True
    return out


def applicable_breaks(template, sched) -> list:
    """The breaks a shift of this template takes, in window order."""
    return sorted((b for b in sched.breaks if template.length_h + 1e-9 >= b.min_shift_h),
                  key=lambda b: b.earliest_min)


def paid_hours(template, sched) -> float:
    """Shift length less its unpaid breaks (h)."""
    return template.length_h - sum(b.minutes for b in applicable_breaks(template, sched) if not b.paid) / 60.0


def candidates(days: pd.DatetimeIndex, sched, weekend=DEFAULT_WEEKEND) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate shifts and their break options (``weekend``: the center's weekend days, 0 = Monday).

    Shifts, one row per candidate: ``shift_id`` (0..), ``date`` (the start's day), ``shift``
    (template name), ``start``, ``end`` (Timestamps), ``start_min``, ``end_min`` (minutes from
    the horizon's first midnight), ``length_h``, ``paid_h``.

    Break options: ``option_id``, ``shift_id``, ``break``, ``offset_min`` (after the shift's
    start), ``start_min``, ``end_min``, ``minutes``, ``paid``.
    Raises :class:`ScheduleRuleError` when a break window does not fit in a shift or no shift fits
    the opening hours.
    """
    t0 = days[0]
    is_open = open_minutes(days, sched, weekend)
    cum = np.concatenate([[0], np.cumsum(is_open)])
    rows, brk = [], []
    for tpl in sched.shifts:
        length = int(round(tpl.length_h * 60))
        blist = applicable_breaks(tpl, sched)
        for b in blist:
            if b.latest_min + b.minutes > length:
                raise ScheduleRuleError(f"breaks.{b.name}", f"its window (starts up to {b.latest_min} min, "
                                        f"{b.minutes} min long) does not fit in shift {tpl.name} ({length} min)")
        starts = range(minutes_of(tpl.earliest_start), minutes_of(tpl.latest_start) + 1, tpl.start_step_min)
        for i, d in enumerate(days):
            wk = _is_weekend(d, weekend)
            if (tpl.days == "weekdays" and wk) or (tpl.days == "weekend" and not wk):
                continue
            for s in starts:
                a, e = i * 1440 + s, i * 1440 + s + length
                if s >= 1440 or e > len(is_open) or cum[e] - cum[a] != length:
                    continue
                sid = len(rows)
                rows.append((sid, d, tpl.name, a, e, tpl.length_h, paid_hours(tpl, sched)))
                for b in blist:
                    for off in range(b.earliest_min, b.latest_min + 1, b.step_min):
                        brk.append((sid, b.name, off, a + off, a + off + b.minutes, b.minutes, b.paid))
    shifts = pd.DataFrame(rows, columns=["shift_id", "date", "shift", "start_min", "end_min", "length_h", "paid_h"])
    if shifts.empty:
        raise ScheduleRuleError("shifts", "no shift type fits in the opening hours on any day of the horizon")
    shifts["start"] = t0 + pd.to_timedelta(shifts["start_min"], unit="min")
    shifts["end"] = t0 + pd.to_timedelta(shifts["end_min"], unit="min")
    shifts = shifts[["shift_id", "date", "shift", "start", "end", "start_min", "end_min", "length_h", "paid_h"]]
    opts = pd.DataFrame(brk, columns=["shift_id", "break", "offset_min", "start_min", "end_min", "minutes", "paid"])
    opts.insert(0, "option_id", np.arange(len(opts)))
    return shifts, opts


def _overlap_matrix(starts: np.ndarray, ends: np.ndarray, n_intervals: int, iv_min: int) -> sparse.csr_matrix:
    """(interval x item) share of each interval that [start, end) minutes covers."""
    rows, cols, vals = [], [], []
    for j, (a, e) in enumerate(zip(starts, ends)):
        first, last = a // iv_min, min((e - 1) // iv_min, n_intervals - 1)
        for k in range(first, last + 1):
            m = min(e, (k + 1) * iv_min) - max(a, k * iv_min)
            if m > 0:
                rows.append(k)
                cols.append(j)
                vals.append(m / iv_min)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n_intervals, len(starts)))


def coverage_matrices(shifts: pd.DataFrame, options: pd.DataFrame, n_intervals: int, interval_s: float):
    """``A`` (interval x shift) and ``B`` (interval x break option), shares of an interval (see module doc)."""
    iv_min = int(round(interval_s / 60))
    if iv_min <= 0 or 1440 % iv_min:
        raise ScheduleRuleError("interval", f"interval of {interval_s:g} s does not divide a day")
    a = _overlap_matrix(shifts["start_min"].to_numpy(), shifts["end_min"].to_numpy(), n_intervals, iv_min)
    b = _overlap_matrix(options["start_min"].to_numpy(), options["end_min"].to_numpy(), n_intervals, iv_min)
    return a, b
