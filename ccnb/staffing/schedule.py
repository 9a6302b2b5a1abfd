"""The shift plan: how many agents start each shift on each day, and when they take their breaks.

An integer program per desk (Dantzig 1954 set covering, with the explicit break variables of
Aykin 1996; see :mod:`ccnb.staffing.shifts` for ``A`` and ``B``):

* ``x_s`` (integer) agents starting candidate shift ``s``; ``y_o`` (integer) of them taking a
  break at option ``o``: for every shift and each of its breaks, ``sum_o y_o = x_s`` (every agent
  takes every break once, inside its window);
* ``u_t >= 0`` agents short in interval ``t``: ``(A x - B y)_t + u_t >= required_t``
  (agents on the phones net of breaks, in agents);
* cost mode: minimise ``sum_s paid_h_s x_s + penalty * L * sum_t w_t u_t`` (paid hours plus
  ``under_cover_penalty`` paid hours per missing agent-hour; ``L`` the interval in hours,
  ``w_t`` the requirement's ``weight`` column, 1 when absent);
* budget mode (``budget_hours``): ``sum_s paid_h_s x_s <= budget``, minimise the weighted
  shortfall ``L sum_t w_t sum_k k u_tk`` with ``u_t = sum_k u_tk``, ``0 <= u_tk <= 1`` for
  ``k < BUDGET_TIERS`` (the k-th agent missing in an interval weighs k: service falls faster with
  each agent missing, so the cut is spread rather than piled into a few intervals; with ``weight``
  = expected calls it weighs the callers met short-staffed), paid hours breaking ties;
* ``max_share`` of a shift type: its paid hours ``<= max_share x`` all paid hours;
* ``min_agents_per_shift`` (a shift used carries at least m agents: ``m z_s <= x_s <= M z_s``,
  ``z_s`` binary) and ``max_agents_per_shift`` (an upper bound on ``x_s``).

Solver: HiGHS through :func:`scipy.optimize.milp` (scipy is already a dependency; HiGHS is an
open-source branch-and-cut solver that solves these covering programs to a small gap in
seconds; CP-SAT would add a dependency and is no better at a linear covering objective).
The solver stops within ``mip_gap`` (relative) or ``mip_gap_hours`` paid hours (absolute, cost mode; a
small desk's day of 60 paid hours would otherwise be proven optimal to within 1 hour, several times
slower for a better plan by less than one shift), whichever is looser. HiGHS is deterministic for
a given model, so the same input gives the same tables (unless the time limit stops it first: the
status says so). In cost mode the horizon is cut at every
midnight that no candidate shift spans, and each block solved on its own (the objective adds
up over blocks, so this is exact), ``workers`` blocks at a time in separate processes (the
results do not depend on the order); budget mode solves all desks and days at once.
"""
from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ccnb.staffing.shifts import DEFAULT_WEEKEND, ScheduleRuleError, candidates, coverage_matrices, horizon_days


def schedule_params(params):
    """The ``Schedule`` section from full params, or the section itself."""
    st = getattr(params, "staffing", None)
    return st.schedule if st is not None else params


def center_weekend(params) -> tuple[int, ...]:
    """The center's weekend days (0 = Monday): ``center.weekend``, the one source the forecast's
    weekday/weekend profiles also read; Saturday and Sunday when only a ``Schedule`` section is given."""
    center = getattr(params, "center", None)
    return center.weekend_days if center is not None else DEFAULT_WEEKEND


@dataclass
class ShiftPlan:
    """Result of :func:`plan_shifts`.

    ``shifts``: ``desk``, ``shift_id``, ``date``, ``shift``, ``start``, ``end``, ``length_h``,
    ``paid_h``, ``agents`` (agents starting it; rows with ``agents`` > 0 only).
    ``breaks``: ``desk``, ``shift_id``, ``break``, ``start``, ``end``, ``minutes``, ``paid``,
    ``agents`` (of that shift's agents, how many take this break at this time).
    ``coverage``: ``desk``, ``interval_start``, ``required``, ``reachable`` (some candidate shift covers
    the interval: inside the opening hours and the shift types' reach), ``present`` (agents at work),
    ``scheduled`` (on the phones, net of breaks), ``short`` = max(required - scheduled, 0),
    ``over`` = max(scheduled - required, 0) (agents).
    ``stats``: one row per solved problem: ``desk``, ``first_day``, ``days``, ``status``,
    ``objective``, ``gap``, ``solve_s``.
    """

    shifts: pd.DataFrame
    breaks: pd.DataFrame
    coverage: pd.DataFrame
    stats: pd.DataFrame
    interval_s: float
    mode: str
    budget_hours: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def paid_hours(self) -> float:
        return float((self.shifts["paid_h"] * self.shifts["agents"]).sum())


@dataclass
class _Piece:
    desk: str
    days: pd.DatetimeIndex
    shifts: pd.DataFrame
    options: pd.DataFrame
    required: np.ndarray
    weight: np.ndarray
    a: sparse.csr_matrix
    b: sparse.csr_matrix


def _blocks(days: pd.DatetimeIndex, shifts: pd.DataFrame) -> list[tuple[int, int]]:
    """Day ranges [i, j) that no candidate shift spans across."""
    cut = [k for k in range(1, len(days))
           if not ((shifts["start_min"] < k * 1440) & (shifts["end_min"] > k * 1440)).any()]
    edges = [0, *cut, len(days)]
    return list(zip(edges[:-1], edges[1:]))


def _pieces(req: pd.DataFrame, sched, interval_s: float, split: bool, weekend) -> list[_Piece]:
    per_day = int(round(86400 / interval_s))
    out = []
    for desk, g in req.groupby("desk", sort=True):
        days = horizon_days(g)
        shifts, opts = candidates(days, sched, weekend)
        t0 = days[0]
        n_t = len(days) * per_day
        idx = ((g["interval_start"] - t0) / pd.Timedelta(seconds=interval_s)).to_numpy()
        if np.any(np.abs(idx - np.round(idx)) > 1e-9):
            raise ScheduleRuleError("interval", f"desk {desk}: interval_start not on the {interval_s:g}-s grid")
        r = np.zeros(n_t)
        w = np.ones(n_t)
        np.add.at(r, idx.round().astype(int), g["required"].to_numpy(float))
        if "weight" in g:
            w[idx.round().astype(int)] = g["weight"].to_numpy(float)
        for i, j in (_blocks(days, shifts) if split else [(0, len(days))]):
            lo, hi = i * 1440, j * 1440
            s = shifts[(shifts["start_min"] >= lo) & (shifts["end_min"] <= hi)].copy()
            o = opts[opts["shift_id"].isin(s["shift_id"])].copy()
            for f in (s, o):
                f["start_min"] -= lo
                f["end_min"] -= lo
            sl = slice(i * per_day, j * per_day)
            a, b = coverage_matrices(s, o, (j - i) * per_day, interval_s)
            out.append(_Piece(desk, days[i:j], s.reset_index(drop=True), o.reset_index(drop=True),
                              r[sl], w[sl], a, b))
    return out


#: Budget mode: tiers of one agent short per interval, each weighing one more than the last (the last unbounded).
BUDGET_TIERS = 4


def _model(p: _Piece, sched, iv_h: float, budget: bool):
    """Columns [x | y | u | z], rows [links, coverage, min/max]; returns c, A_rows, lo, hi, integrality, ub."""
    ns, no, nt = len(p.shifts), len(p.options), len(p.required)
    k = BUDGET_TIERS if budget else 1
    nu = nt * k
    m = sched.min_agents_per_shift
    nz = ns if m > 1 else 0
    paid = p.shifts["paid_h"].to_numpy(float)
    pen = sched.under_cover_penalty
    tier_w = np.repeat(np.arange(1.0, k + 1), nt)  # tier j of interval t at column j * nt + t
    c = np.concatenate([paid * (1e-4 if budget else 1.0), np.zeros(no),
                        iv_h * np.tile(p.weight, k) * tier_w * (1.0 if budget else pen), np.zeros(nz)])
    # links: for each (shift, break) group, sum y - x = 0
    key = p.options["shift_id"].astype(str) + "|" + p.options["break"]
    grp, _ = pd.factorize(key)
    pos = pd.Series(np.arange(ns), index=p.shifts["shift_id"])
    sh_of_grp = pos.loc[p.options.groupby(grp)["shift_id"].first().to_numpy()].to_numpy()
    ng = int(grp.max()) + 1 if no else 0
    link_y = sparse.csr_matrix((np.ones(no), (grp, np.arange(no))), shape=(ng, no))
    link_x = sparse.csr_matrix((-np.ones(ng), (np.arange(ng), sh_of_grp)), shape=(ng, ns))
    blocks = [[link_x, link_y, sparse.csr_matrix((ng, nu)), sparse.csr_matrix((ng, nz))],
              [p.a, -p.b, sparse.hstack([sparse.identity(nt, format="csr")] * k, format="csr"),
               sparse.csr_matrix((nt, nz))]]
    lo = [np.zeros(ng), p.required]
    hi = [np.zeros(ng), np.full(nt, np.inf)]
    big = sched.max_agents_per_shift or int(np.ceil(2 * p.required.max())) + m + 1
    if nz:
        eye = sparse.identity(ns, format="csr")
        blocks.append([eye, sparse.csr_matrix((ns, no)), sparse.csr_matrix((ns, nu)), -m * eye])
        lo.append(np.zeros(ns)); hi.append(np.full(ns, np.inf))
        blocks.append([eye, sparse.csr_matrix((ns, no)), sparse.csr_matrix((ns, nu)), -big * eye])
        lo.append(np.full(ns, -np.inf)); hi.append(np.zeros(ns))
    caps = [t for t in sched.shifts if t.max_share < 1]
    for t in caps:  # paid hours of shift type t <= share x all paid hours
        coef = paid * ((p.shifts["shift"] == t.name).to_numpy(float) - t.max_share)
        blocks.append([sparse.csr_matrix(coef[None, :]), sparse.csr_matrix((1, no)), sparse.csr_matrix((1, nu)),
                       sparse.csr_matrix((1, nz))])
        lo.append(np.array([-np.inf])); hi.append(np.zeros(1))
    mat = sparse.bmat(blocks, format="csr")
    integ = np.concatenate([np.ones(ns), np.ones(no), np.zeros(nu), np.ones(nz)])
    u_ub = np.concatenate([np.ones(nt * (k - 1)), np.full(nt, np.inf)])
    ub = np.concatenate([np.full(ns, sched.max_agents_per_shift or np.inf), np.full(no, np.inf), u_ub, np.ones(nz)])
    return c, mat, np.concatenate(lo), np.concatenate(hi), integ, ub


def _solve(pieces: list[_Piece], sched, iv_h: float, budget_hours: float | None, time_limit: float):
    budget = budget_hours is not None
    parts = [_model(p, sched, iv_h, budget) for p in pieces]
    c = np.concatenate([q[0] for q in parts])
    mat = sparse.block_diag([q[1] for q in parts], format="csr")
    lo, hi = np.concatenate([q[2] for q in parts]), np.concatenate([q[3] for q in parts])
    cons = [LinearConstraint(mat, lo, hi)]
    if budget:
        row = np.concatenate([np.concatenate([p.shifts["paid_h"].to_numpy(float),
                                              np.zeros(len(q[0]) - len(p.shifts))]) for p, q in zip(pieces, parts)])
        cons.append(LinearConstraint(row[None, :], -np.inf, budget_hours))
    gap = sched.mip_gap
    if not budget and sched.mip_gap_hours > 0:
        # an absolute gap in paid hours as a relative one: the objective is at least min(1, penalty) x the
        # required agent-hours (every required agent-hour is either paid or penalised)
        floor = min(1.0, sched.under_cover_penalty) * iv_h * sum(float(p.required.sum()) for p in pieces)
        gap = max(gap, sched.mip_gap_hours / max(floor, sched.mip_gap_hours))
    t = time.perf_counter()
    res = milp(c, constraints=cons, integrality=np.concatenate([q[4] for q in parts]),
               bounds=Bounds(np.zeros(len(c)), np.concatenate([q[5] for q in parts])),
               options={"time_limit": time_limit, "mip_rel_gap": gap, "disp": False, "presolve": True})
    secs = time.perf_counter() - t
    if res.x is None:
        raise ScheduleRuleError("time_limit_s", f"no feasible shift plan found within {time_limit:g} s "
                                f"({res.message}); raise staffing.schedule.time_limit_s or relax the rules")
    sols, k = [], 0
    for q in parts:
        sols.append(res.x[k:k + len(q[0])])
        k += len(q[0])
    gap = getattr(res, "mip_gap", np.nan)
    status = "optimal" if res.status == 0 else "time limit" if res.status == 1 else str(res.message)
    return sols, {"status": status, "objective": float(res.fun), "gap": float(gap if gap is not None else np.nan),
                  "solve_s": secs}


def _solve_args(a):
    return _solve(*a)


def _check_input(req: pd.DataFrame) -> pd.DataFrame:
    miss = {"desk", "interval_start", "required"} - set(req.columns)
    if miss:
        raise ValueError(f"requirements need columns desk, interval_start, required; missing {sorted(miss)}")
    d = req.copy()
    d["interval_start"] = pd.to_datetime(d["interval_start"])
    if getattr(d["interval_start"].dt, "tz", None) is not None:
        raise ValueError("interval_start must be naive local time")
    if (d["required"] < 0).any() or d["required"].isna().any():
        raise ValueError("required must be a number >= 0 in every row")
    d["desk"] = d["desk"].astype(str)
    return d


def plan_shifts(requirements: pd.DataFrame, params, interval_s: float, *, budget_hours: float | None = None,
                time_limit_s: float | None = None) -> ShiftPlan:
    """Choose shifts and breaks for agents needed per interval (see the module doc for the program).

    ``requirements``: ``desk``, ``interval_start`` (naive local Timestamp), ``required``
    (agents on the phones; fractions allowed), optional ``weight`` (budget mode's shortfall
    weight). ``params``: full params or ``staffing.schedule``. ``budget_hours`` overrides
    ``schedule.budget_hours`` (None in both: cost mode).
    """
    sched = schedule_params(params)
    req = _check_input(requirements)
    budget = budget_hours if budget_hours is not None else sched.budget_hours
    limit = float(time_limit_s or sched.time_limit_s)
    iv_h = interval_s / 3600.0
    pieces = _pieces(req, sched, interval_s, split=budget is None, weekend=center_weekend(params))
    groups = [[p] for p in pieces] if budget is None else [pieces]
    args = [(grp, sched, iv_h, budget, limit) for grp in groups]
    if sched.workers > 1 and len(groups) > 1:
        with ProcessPoolExecutor(max_workers=sched.workers) as ex:
            solved = list(ex.map(_solve_args, args))
    else:
        solved = [_solve_args(a) for a in args]
    sh, br, cov, stats = [], [], [], []
    offset = 0
    for grp, (sols, st) in zip(groups, solved):
        for p, x in zip(grp, sols):
            ns, no, nt = len(p.shifts), len(p.options), len(p.required)
            xs = np.round(x[:ns]).astype(int)
            ys = np.round(x[ns:ns + no]).astype(int)
            s = p.shifts.assign(desk=p.desk, agents=xs)
            o = p.options.assign(desk=p.desk, agents=ys)
            pres = p.a @ xs
            on = pres - p.b @ ys
            t0 = p.days[0]
            s["shift_id"] += offset
            o["shift_id"] += offset
            offset = int(s["shift_id"].max()) + 1
            o["start"] = t0 + pd.to_timedelta(o["start_min"], unit="min")
            o["end"] = t0 + pd.to_timedelta(o["end_min"], unit="min")
            sh.append(s[s["agents"] > 0])
            br.append(o[o["agents"] > 0])
            cov.append(pd.DataFrame({
                "desk": p.desk, "interval_start": t0 + pd.to_timedelta(np.arange(nt) * interval_s, unit="s"),
                "required": p.required, "reachable": p.a.getnnz(axis=1) > 0, "present": pres, "scheduled": on,
                "short": np.maximum(p.required - on, 0.0), "over": np.maximum(on - p.required, 0.0)}))
            stats.append({"desk": p.desk, "first_day": p.days[0], "days": len(p.days), **st})
    shifts = pd.concat(sh, ignore_index=True)[["desk", "shift_id", "date", "shift", "start", "end", "length_h",
                                               "paid_h", "agents"]]
    breaks = pd.concat(br, ignore_index=True)[["desk", "shift_id", "break", "start", "end", "minutes", "paid",
                                               "agents"]]
    coverage = pd.concat(cov, ignore_index=True)
    return ShiftPlan(shifts, breaks, coverage, pd.DataFrame(stats), float(interval_s),
                     "budget" if budget is not None else "cost", budget)
