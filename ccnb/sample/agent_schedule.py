"""Daily schedules: who works, when, with which breaks; who turns up.

Each month the planner sets the agents' days off (two consecutive days; per queue and
shift kind the number at work follows the weekday requirement, nights alike every
day: ``Roster.roster_days_off``). For every day and queue it takes the agents whose
pattern has them working and places their shifts on the day's requirement curve for
the queue's agents (their share of their desk's requirement, ``planning``): closing
shifts first (as many as the desk's last 90 minutes need), then greedily, each
agent's start the one covering most of the still uncovered requirement, inside the
desk's hours (vip agents work the service hours, 08:00-21:00); when the agents cannot
cover the whole curve, every interval falls short alike. The night team works
00:00-08:00; day shifts are 8.5 h with a 30-minute lunch and two 15-minute breaks
(logged in, in aux); part-time peak shifts are 5 h with one break. Agents beyond the
day's need (its requirement x the planner's coverage allowance, plus its absence and
aux allowance except on holiday-period days) take a day of leave, part-time shifts
being cancelled first: quiet months (headcount built for a busy season only falls
through attrition) are not run with idle agents. On days the planner expects at least
30 % above normal (promotions), agents on their day off are called in (70 % accept).

New hires spend their first ``CLASSROOM_DAYS`` in classroom training (scheduled 09:00-17:30,
present, not logged in to the ACD, several training modules a day) before they take calls.

Then the day happens: absence (agent's base rate x (1 + 3 x warning), plus seasonal
flu in winter and clustered team absences, e.g. a stomach bug going round a team),
late logins, breaks that start a little before or after plan and overrun (habit,
warning), extra breaks, training modules (new hires get many; some are not completed)
and coaching sessions (about one a week), which take the agent off the queue ("other" aux time).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ccnb.sample.agent_roster import Roster
from ccnb.sample.business_calendar import Calendar
from ccnb.sample.spec import (
    AVAILABLE,
    CLASSROOM_DAYS,
    DAY_S,
    PLAN_ABSENCE,
    PLAN_COVERAGE,
    PLAN_OTHER,
    QUEUES,
    SHIFTS,
    STAFF_HOURS,
    rng,
)

_LEN = {k: v["span"] // 1800 for k, v in SHIFTS.items()}
#: Hours on the phones of a shift of each kind (span minus planned breaks).
_HOURS = {k: v["span"] / 3600 * AVAILABLE[k] for k, v in SHIFTS.items()}
#: The desks: queue indices whose agents are pooled (voice, chat).
_DESKS = tuple(tuple(qi for qi, q in enumerate(QUEUES) if q.channel == ch) for ch in ("voice", "chat"))


@dataclass
class Shifts:
    """One row per scheduled agent-day (parallel lists)."""

    agent: list[int] = field(default_factory=list)
    day: list[int] = field(default_factory=list)
    qi: list[int] = field(default_factory=list)
    outbound: list[bool] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    login: list[int] = field(default_factory=list)
    present: list[bool] = field(default_factory=list)
    classroom: list[bool] = field(default_factory=list)  # new hire in training: present, not logged in
    windows: list[list[tuple[int, int, int]]] = field(default_factory=list)
    train_a: list[int] = field(default_factory=list)
    train_c: list[int] = field(default_factory=list)
    mult: list[float] = field(default_factory=list)
    warn: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.agent)


def _starts(qi: int, kind: str) -> np.ndarray:
    """Possible start slots (30 minutes) of a day or peak shift: from the desk's opening but not before
    07:30 (peak: 08:30), ending by the close of the desk's hours."""
    open_, close = (m // 30 for m in STAFF_HOURS[QUEUES[qi].name])
    if kind == "day":
        return np.arange(max(15, open_), min(close - _LEN["day"], 31) + 1)
    return np.arange(max(17, open_), min(close - _LEN["peak"], 34) + 1)


def _clusters(r: np.random.Generator, roster: Roster, days: np.ndarray, month: int) -> dict:
    """Extra absence probability by (team or None, day): winter flu, team outbreaks."""
    extra: dict = {}
    if month in (12, 1):
        d0 = int(r.integers(0, max(1, len(days) - 12)))
        for d in days[d0:d0 + int(r.integers(10, 19))]:
            extra[(None, int(d))] = 0.05
    for team in sorted(roster.teams):
        if r.random() < 0.15:
            d0 = int(r.integers(0, len(days)))
            for d in days[d0:d0 + int(r.integers(4, 10))]:
                extra[(team, int(d))] = 0.18
    return extra


def build_month(seed: int, mk: int, month: int, days: np.ndarray, roster: Roster, cal: Calendar,
                req: list[np.ndarray]) -> Shifts:
    """Schedules for every day of the month; ``req[qi]`` is the requirement (len(days), 48)."""
    r = rng(seed, "schedule", mk)
    # days off follow each weekday's mean day-time requirement (outside holidays) of the month
    dow, normal = (days + 3) % 7, ~cal.off[days - cal.first]
    need = {}
    for qi, x in enumerate(req):
        day_need = x[:, 16:].sum(1)
        w = [day_need[normal & (dow == d)].mean() if (normal & (dow == d)).any() else np.nan for d in range(7)]
        if not np.isnan(w).any():
            need[qi] = np.array(w)
    roster.roster_days_off(int(days[0]), int(days[-1]), need)
    extra = _clusters(rng(seed, "absence-clusters", mk), roster, days, month)
    sh = Shifts()
    typical = [np.median(x.sum(1)) for x in req]
    n = len(roster)
    qi_a, shift_a = np.array(roster.qi), np.array(roster.shift)
    out_a, off_a = np.array(roster.outbound), np.array(roster.off_pair)
    for j, d in enumerate(days):
        d = int(d)
        k = cal.idx(d)
        dow = int(cal.eff_dow[k])
        act = roster.active(d)
        works = (off_a[act] != dow) & (off_a[act] != (dow - 1) % 7)
        school = d - np.array(roster.hire)[act] < CLASSROOM_DAYS
        for i in act[school & works]:  # new hires: classroom training, 09:00-17:30
            _add(sh, r, roster, extra, int(i), d, roster.qi[i], "day", d * DAY_S + 9 * 3600, bool(roster.outbound[i]),
                 [], classroom=True)
        act, works = act[~school], works[~school]
        chosen, need = {}, {}
        for qi in range(len(QUEUES)):
            sel = (qi_a[act] == qi) & ~out_a[act]
            mine, w_mine = act[sel], works[sel]
            rq = req[qi][j]
            busy_day = rq.sum() > 1.3 * typical[qi]
            chosen[qi] = []
            for kind in ("night", "day", "peak"):
                m = shift_a[mine] == kind
                pool = mine[m & w_mine]
                if busy_day:  # call in agents on their day off
                    off_pool = mine[m & ~w_mine]
                    pool = np.concatenate([pool, off_pool[r.random(len(off_pool)) < 0.7]]).astype(int)
                pool = pool[r.permutation(len(pool))]
                chosen[qi] += [(int(i), kind) for i in pool]
            # the day's need: requirement hours beyond the night team's, plus the allowances (holidays: none)
            need[qi] = max(rq.sum() * 0.5 - sum(_HOURS["night"] for _, kind in chosen[qi] if kind == "night"), 0.0)
            need[qi] *= 1.0 if cal.off[k] else PLAN_COVERAGE * (1 + PLAN_ABSENCE + PLAN_OTHER)
        # agents beyond the day's need take a day of leave, part-time shifts first; a desk's agents are
        # pooled, so a queue keeps its surplus while another of its desk falls short
        for desk in _DESKS:
            supply = {qi: sum(_HOURS[kind] for _, kind in chosen[qi] if kind != "night") for qi in desk}
            excess = max(sum(supply.values()) - sum(need[qi] for qi in desk), 0.0)
            surplus = {qi: max(supply[qi] - need[qi], 0.0) for qi in desk}
            total = sum(surplus.values())
            for qi in desk:
                cap = supply[qi] - (excess * surplus[qi] / total if total > 0 else 0.0) - 1e-9
                keep, h = [], 0.0
                for i, kind in chosen[qi]:
                    if kind == "night" or h < cap:
                        keep.append((i, kind))
                        h += _HOURS[kind] if kind != "night" else 0.0
                chosen[qi] = keep
        for qi in range(len(QUEUES)):
            rq, working = req[qi][j], chosen[qi]
            cover = np.zeros(48)
            for i, kind in working:
                if kind == "night":
                    cover[:_LEN["night"]] += AVAILABLE["night"]
            # when the day's agents cannot cover the whole curve, every interval falls short alike
            rest = np.maximum(rq - cover, 0)
            supply = sum(_LEN[kind] * AVAILABLE[kind] for _, kind in working if kind != "night")
            target = cover + rest * min(1.0, supply / max(rest.sum(), 1e-9))
            cover = np.zeros(48)
            starts = []
            # closing shifts first: enough day agents end at the desk's close for its last 90 minutes
            last = _starts(qi, "day")[-1]
            n_close = int(np.ceil(target[last + _LEN["day"] - 3:last + _LEN["day"]].max() / AVAILABLE["day"] - 0.25))
            for i, kind in working:
                L = _LEN[kind]
                if kind == "night":
                    s0 = 0
                elif kind == "day" and n_close > 0:
                    s0, n_close = int(last), n_close - 1
                else:
                    st = _starts(qi, kind)
                    gap = target - cover  # newly covered requirement first, then the least overstaffed span
                    cs = np.concatenate([[0.0], np.cumsum(np.maximum(gap, 0) + 0.01 * gap)])
                    s0 = int(st[np.argmax(cs[st + L] - cs[st])])
                cover[s0:s0 + L] += AVAILABLE[kind]
                starts.append(s0)
            # breaks where coverage exceeds the requirement most
            cover = np.zeros(48)
            for (i, kind), s0 in zip(working, starts):
                cover[s0:s0 + _LEN[kind]] += 1
            for (i, kind), s0 in zip(working, starts):
                offs = []
                for lo_, hi_, dur, _ in SHIFTS[kind]["windows"]:
                    n_sl = max(1, dur // 1800)
                    cand = np.arange(s0 + lo_, min(s0 + hi_, 48 - n_sl) + 1)
                    surplus = np.array([(cover[c:c + n_sl] - rq[c:c + n_sl]).sum() for c in cand])
                    best = int(cand[np.argmax(surplus)]) if len(cand) else s0 + lo_
                    cover[best:best + n_sl] -= min(1.0, dur / 1800)
                    offs.append((best - s0) * 1800)
                _add(sh, r, roster, extra, i, d, qi, kind, d * DAY_S + s0 * 1800, False, offs)
        # outbound sales agents dial Monday to Saturday, not on holidays
        if not cal.off[k] and dow != 6:
            for i in act[out_a[act] & works]:
                _add(sh, r, roster, extra, int(i), d, roster.qi[i], "day",
                     d * DAY_S + (9 if i % 2 else 11) * 3600, True, [w[0] * 1800 for w in SHIFTS["day"]["windows"]])
    assert n == len(roster)
    return sh


def _add(sh: Shifts, r: np.random.Generator, roster: Roster, extra: dict, i: int, d: int, qi: int, kind: str,
         start: int, outbound: bool, offsets: list[int], classroom: bool = False) -> None:
    w = roster.warning(i, d)
    tenure = d - roster.hire[i]
    new = tenure < 30
    u = r.random(12)
    span = SHIFTS[kind]["span"]
    p_abs = roster.absence[i] * (1 + 3 * w) * (0.3 if tenure < 14 else 1.0)
    p_abs += extra.get((None, d), 0.0) + extra.get((roster.team[i], d), 0.0)
    present = bool(u[0] >= p_abs)
    assigned = int(r.poisson(2.0 if classroom else 1.0)) if new else int(u[1] < 0.12) + int(u[2] < 0.02)
    p_done = 0.92 - 0.4 * w - 0.1 * new
    completed = int((r.random(assigned) < p_done).sum()) if present and assigned else 0
    windows: list[tuple[int, int, int]] = []
    login = start
    if present and not classroom:
        if u[3] > 0.7 - 0.3 * w:
            login = start + int(min(3600, r.exponential(180 + 400 * w)))
        for off, (_, _, dur, wk) in zip(offsets, SHIFTS[kind]["windows"]):
            t0 = start + off + int(r.integers(0, max(1, 1800 - dur) + 1)) - 120
            dd = int(dur * roster.break_mult[i] * np.exp(0.15 * r.standard_normal()) * (1 + 0.3 * w))
            windows.append((t0, dd, wk))
        if u[4] < 0.08 + 0.5 * w:
            windows.append((start + int(3600 + u[5] * (span - 7200)), int(300 + 600 * u[6]), 0))
        for _ in range(completed):
            windows.append((start + int(5400 + r.random() * (span - 12600)), 1500, 1))
        if u[7] < 0.2:  # coaching, team meeting
            windows.append((start + int(3600 + u[8] * (span - 7200)), 1800, 1))
        windows.sort()
    sh.agent.append(i)
    sh.day.append(d)
    sh.qi.append(qi)
    sh.outbound.append(outbound)
    sh.start.append(start)
    sh.end.append(start + span)
    sh.login.append(login)
    sh.present.append(present)
    sh.classroom.append(classroom)
    sh.windows.append(windows)
    sh.train_a.append(assigned)
    sh.train_c.append(completed)
    sh.mult.append(roster.aht_mult[i] * (1 + 0.35 * np.exp(-tenure / 60)) * (1 + 0.06 * w))
    sh.warn.append(w)
