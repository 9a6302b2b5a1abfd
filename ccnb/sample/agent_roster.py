"""The roster: agents, teams and supervisors; hiring and attrition, month by month.

Each agent has a primary queue, a shift kind (day / night / peak part-time), a site
and a team of at most ``TEAM_MAX`` agents with a supervisor. Agents differ through a
latent ability ``z ~ N(0, 1)`` that shifts, with agent-specific noise: handling speed
(AHT multiplier), resolution, transfers, CSAT, conversion (sales) and QA; and through
their attendance and break habits. New hires are slower and resolve less, improving
with tenure (time constant 60 days).

Attrition (decided at the start of each month for leave dates in the next month,
i.e. with 4-8 weeks' notice): monthly hazard

    p = 0.013 * exp(0.6 [tenure < 180 d] - 0.35 z + 0.3 [night] + min(2, 1.5 max(0, hot)))

with ``hot`` the z-score of the agent's occupancy last month (busy / available)
among the colleagues of the same queue and shift kind (the night team runs cooler than
the day): about 2.5-3 % a month (30-35 % a year), and agents who ran hotter than their
colleagues leave more. 20-25 % of leavers are involuntary, more so for weak agents. In
the 5-7 weeks before the last day a leaver's warning level ``w`` ramps from 0 to 1:
absence x (1 + 3w), longer and extra breaks, lower QA and resolution, later logins. The
planner hires to the next month's headcount target with a lag of 0-4 weeks (new hires
then spend two weeks in the classroom), so gaps open after leavers and ahead of
seasonal growth. Days off are set by the planner each month (:meth:`Roster.roster_days_off`).
"""
from __future__ import annotations

import numpy as np

from ccnb.sample.spec import AVAILABLE, NEVER, QI, QUEUES, SHIFT_KINDS, SHIFTS, SITE_CODE, rng

TEAM_MAX = 14
#: The planner rosters this share of the headcount target (budgets are tight; quiet days are
#: trimmed by leave in ``schedule``).
LEAN = (0.98, 1.02)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华鑫宇浩然婷雪琳晨阳欣怡子轩梓涵嘉颖佳琪思远博文"
         "雨萱俊杰志强秀兰丹凤海燕建国晓东红梅玉兰振华小龙家豪慧敏春")


def chinese_name(r: np.random.Generator) -> str:
    g = GIVEN[r.integers(len(GIVEN))] + (GIVEN[r.integers(len(GIVEN))] if r.random() < 0.7 else "")
    return SURNAMES[r.integers(len(SURNAMES))] + g


def _s(x):
    return 1 / (1 + np.exp(-x))


class Roster:
    """All agents ever created, as parallel lists (index = internal agent number)."""

    ATTRS = ("qi", "shift", "outbound", "site", "team", "hire", "leave", "warn_from", "z", "aht_mult", "res_shift",
             "qa_skill", "transfer_shift", "csat_shift", "conv_shift", "absence", "break_mult", "off_pair", "occ")

    def __init__(self, seed: int):
        self.seed = seed
        for a in self.ATTRS:
            setattr(self, a, [])
        self.name: list[str] = []
        self.reason: list[str | None] = []
        self.teams: dict[str, dict] = {}   # team -> {qi, site, supervisor}
        self._names = rng(seed, "names")
        self._used_names: set[str] = set()

    def __len__(self) -> int:
        return len(self.qi)

    def _unique_name(self) -> str:
        for _ in range(50):
            n = chinese_name(self._names)
            if n not in self._used_names:
                break
        self._used_names.add(n)
        return n

    def _team_for(self, qi: int, site: str) -> str:
        active = {}
        for i, t in enumerate(self.team):
            if self.leave[i] == NEVER and self.qi[i] == qi and self.site[i] == site:
                active[t] = active.get(t, 0) + 1
        cands = sorted((active.get(t, 0), t) for t, v in self.teams.items() if v["qi"] == qi and v["site"] == site)
        if cands and cands[0][0] < TEAM_MAX:
            return cands[0][1]
        k = 1 + sum(1 for v in self.teams.values() if v["qi"] == qi and v["site"] == site)
        name = f"{QUEUES[qi].name}-{SITE_CODE[site]}{k}"
        self.teams[name] = {"qi": qi, "site": site, "supervisor": self._unique_name()}
        return name

    def add(self, r: np.random.Generator, qi: int, shift: str, hire: int, outbound: bool = False) -> int:
        """Hire one agent; draws the agent's traits from ``r``."""
        q = QUEUES[qi]
        sites = q.sites
        counts = [sum(1 for i in range(len(self)) if self.qi[i] == qi and self.site[i] == s and self.leave[i] == NEVER)
                  for s in sites]
        site = sites[int(np.argmin(counts))]
        z = r.standard_normal()
        e = r.standard_normal(7)
        vals = dict(
            qi=qi, shift=shift, outbound=outbound, site=site, team=self._team_for(qi, site), hire=hire, leave=NEVER,
            warn_from=NEVER, z=z,
            aht_mult=float(np.exp(-0.07 * z + 0.10 * e[0])),
            res_shift=0.35 * z + 0.25 * e[1],
            qa_skill=0.7 * z + 0.5 * e[2],
            transfer_shift=-0.3 * z + 0.35 * e[3],
            csat_shift=0.2 * z + 0.2 * e[4],
            conv_shift=0.3 * z + 0.3 * e[5],
            absence=float(np.clip(r.beta(2.0, 42.0) * np.exp(-0.2 * z), 0.005, 0.3)),
            break_mult=float(np.exp(0.08 * e[6] - 0.03 * z)),
            off_pair=0, occ=0.75,
        )
        for a, v in vals.items():
            getattr(self, a).append(v)
        self.name.append(self._unique_name())
        self.reason.append(None)
        return len(self) - 1

    # ---------------------------------------------------------------- state at a date
    def active(self, day: int) -> np.ndarray:
        hire, leave = np.array(self.hire), np.array(self.leave)
        return np.flatnonzero((hire <= day) & (day <= leave))

    def warning(self, i: int, day: int) -> float:
        """0 before the warning window, rising to 1 on the last working day."""
        w0, l = self.warn_from[i], self.leave[i]
        if l == NEVER or day < w0:
            return 0.0
        return float(min(1.0, (day - w0) / max(1, l - w0)))

    # ---------------------------------------------------------------- monthly decisions
    def roster_days_off(self, first: int, last: int, weekday_need: dict[int, np.ndarray] | None = None) -> None:
        """The month's roster of days off (``off_pair``), set by the planner for the agents working
        between days ``first`` and ``last``: per queue and team (outbound or not), the day-time
        hours at work follow ``weekday_need[queue]`` (its requirement by weekday, Monday first;
        default its volume factors), full-time agents placed first and part-timers filling in; the
        night team alike every night."""
        hire, leave = np.array(self.hire), np.array(self.leave)
        act = np.flatnonzero((hire <= last) & (leave >= first))
        need = weekday_need or {}
        groups: dict[tuple, list[int]] = {}
        for i in act:
            groups.setdefault((self.qi[i], self.shift[i] == "night", self.outbound[i]), []).append(int(i))
        for (qi, night, _), members in sorted(groups.items()):
            members.sort(key=lambda i: (self.shift[i] == "peak", i))  # full-time agents first
            hours = np.array([SHIFTS[self.shift[i]]["span"] * AVAILABLE[self.shift[i]] / 3600 for i in members])
            weights = None if night else need.get(qi, QUEUES[qi].weekday)
            target = at_work_target(weights, hours.sum() / hours.mean()) * hours.mean()
            for i, p in zip(members, days_off(target, [self.off_pair[i] for i in members], hours)):
                self.off_pair[i] = p

    def decide_leavers(self, seed: int, mk: int, month_start: int, next_start: int, next_end: int) -> None:
        """At the start of month ``mk``: who leaves during the next month (leave dates in it)."""
        r = rng(seed, "attrition", mk)
        act = self.active(month_start)
        occ = np.array(self.occ)
        grp = np.array(self.qi) * 4 + np.array([SHIFT_KINDS.index(s) for s in self.shift], np.int64)
        hot = np.zeros(len(self))
        for g in np.unique(grp[act]):  # how much hotter than the colleagues of the queue and shift (z-score)
            m = act[grp[act] == g]
            hot[m] = (occ[m] - occ[m].mean()) / max(occ[m].std(), 0.02)
        for i in act:
            u = r.random(4)
            if self.leave[i] != NEVER:
                continue
            tenure = month_start - self.hire[i]
            occ_push = min(2.0, 1.5 * max(0.0, hot[i]))
            h = 0.013 * np.exp(0.6 * (tenure < 180) - 0.35 * self.z[i] + 0.3 * (self.shift[i] == "night") + occ_push)
            if u[0] < h:
                self.leave[i] = int(next_start + u[1] * (next_end - next_start))
                self.warn_from[i] = self.leave[i] - int(35 + 14 * u[2])
                self.reason[i] = "involuntary" if u[3] < _s(-1.5 - 1.0 * self.z[i]) else "voluntary"

    def hire_to_target(self, seed: int, mk: int, targets: dict[tuple[int, str], int], check_day: int,
                       month_start: int) -> None:
        """Hire so that headcount on ``check_day`` meets ``targets`` x a lean factor; start in 0-4 weeks."""
        r = rng(seed, "hiring", mk)
        hire, leave = np.array(self.hire), np.array(self.leave)
        for (qi, shift) in sorted(targets):
            if shift == "outbound":
                continue
            lean = r.uniform(*LEAN)
            want = int(round(targets[(qi, shift)] * lean))
            mine = [i for i in range(len(self)) if self.qi[i] == qi and self.shift[i] == shift and not self.outbound[i]]
            have = sum(1 for i in mine if hire[i] <= check_day + 20 and leave[i] >= check_day)
            for _ in range(max(0, want - have)):
                self.add(r, qi, shift, month_start + 7 + int(r.integers(0, 28)))
        self._hire_outbound(r, targets, check_day, month_start)

    def _hire_outbound(self, r, targets, check_day, month_start) -> None:
        qi = QI["sales"]
        want = targets[(qi, "outbound")]
        have = sum(1 for i in range(len(self)) if self.outbound[i] and self.hire[i] <= check_day + 20
                   and self.leave[i] >= check_day)
        for _ in range(max(0, want - have)):
            self.add(r, qi, "day", month_start + 7 + int(r.integers(0, 28)), outbound=True)

    def initial(self, seed: int, targets: dict[tuple[int, str], int], start: int) -> None:
        """The roster on the first day: hire dates spread over past years (survivors of attrition)."""
        r = rng(seed, "roster-initial")
        plan = [(qi, shift, False) for (qi, shift), n in sorted(targets.items())
                for _ in range(int(round(n * r.uniform(*LEAN)))) if shift != "outbound"]
        plan += [(QI["sales"], "day", True)] * targets[(QI["sales"], "outbound")]
        for qi, shift, out in plan:
            tenure = int(min(3000, 20 + r.exponential(650)))
            self.add(r, qi, shift, start - tenure, outbound=out)

    def frame_columns(self, first: int, last: int) -> dict[str, list]:
        """Columns of the ``agents`` table: agents who worked between days ``first`` and ``last``."""
        keep = [i for i in range(len(self)) if self.hire[i] <= last and self.leave[i] >= first]
        return {
            "i": keep,
            "agent_name": [self.name[i] for i in keep],
            "team": [self.team[i] for i in keep],
            "supervisor": [self.teams[self.team[i]]["supervisor"] for i in keep],
            "site": [self.site[i] for i in keep],
            "shift": [self.shift[i] for i in keep],
            "queue": [QUEUES[self.qi[i]].name for i in keep],
            "hire_date": [self.hire[i] for i in keep],
            "leave_date": [self.leave[i] if self.leave[i] <= last else None for i in keep],
            "leave_reason": [self.reason[i] if self.leave[i] <= last else None for i in keep],
        }


#: Working days a week: days off are two consecutive days, (p, p + 1 mod 7), Monday = 0.
_WORKS = 1 - (np.eye(7) + np.roll(np.eye(7), 1, axis=1))  # _WORKS[p, w]: at work on weekday w with pair p


def at_work_target(weights, n: float) -> np.ndarray:
    """How many of ``n`` agents (5 days a week each) the planner wants at work on each weekday
    (Monday first): in proportion to ``weights`` (the requirement of each weekday; None: alike
    every day, as nights are), at most ``n``."""
    d = np.ones(7) if weights is None else np.maximum(np.asarray(weights, float), 1e-9)
    t = 5 * n * d / d.sum()
    for _ in range(7):  # cap at n, the excess to the other days
        over = np.maximum(t - n, 0)
        if over.sum() < 1e-9:
            break
        t = np.minimum(t, n)
        free = t < n
        t[free] += over.sum() * d[free] / d[free].sum()
    return t


def days_off(target: np.ndarray, previous: list[int], weight: np.ndarray | None = None) -> list[int]:
    """Days-off pairs for a group of agents (in order) so that the number (``weight``: the hours) at
    work each weekday stays closest to ``target`` (least squares, greedily, agent by agent); an
    agent keeps its previous pair when that is as good."""
    at = np.zeros(7)
    out = []
    for k, prev in enumerate(previous):
        h = 1.0 if weight is None else float(weight[k])
        cost = ((at[None, :] + h * _WORKS - target[None, :]) ** 2).sum(1)
        best = np.flatnonzero(cost <= cost.min() + 1e-9)
        p = int(prev) if prev in best else int(best[0])
        at += h * _WORKS[p]
        out.append(p)
    return out


assert len(SHIFT_KINDS) == 3
