"""The workforce planner: agents needed per desk and 30-minute interval, and headcount targets.

The planner sees the *planned* calendar factors (promotions under-estimated, outages
unknown), the expected handle time (no margin) and the callers' mean patience. Agents
are multi-skilled (``spec.SKILLS``), so it does what planners of skill-based centers do:
each desk is one pool, staffed on its pooled traffic, the AHT and patience its calls'
mean:

* voice: billing + sales + vip + tech_support (the vip line outside ``SERVICE_HOURS``
  counts for tech_support, whose agents answer it then);
* chat: in chat slots (two per agent), halved; slot occupancy capped at ``PLAN_CHAT_MAX_OCC``.

The goal is the center's 80/20 **over each day** (``PLAN_SL`` answered within
``PLAN_ANSWER_S`` s), by Erlang A (Erlang C with callers who abandon: Garnett,
Mandelbaum & Reiman 2002) and an occupancy cap ``PLAN_MAX_OCC`` per interval, no
interval planned below ``PLAN_SL_FLOOR`` (:func:`daily_staffing`). A desk's requirement
is shared among its primary queues in proportion to their traffic (fractional agents;
the scheduler covers the curve with whole shifts). The night team never falls below
``NIGHT_MIN`` agents (one alone could not take a break). Headcount targets add the
planner's allowances for fixed shifts (``PLAN_COVERAGE``), absence and aux time.

Why this matters: Erlang's economies of scale. Five single-skill queues staffed one by
one to 80/20 (small pools, each needing its own slack; the vip queue with a stricter
goal; two agents on each 24 h queue at night) ran at about 35 % occupancy; the pooled
desk staffed for the day's goal runs at about 80 % in the busy hours, and the realised
center (after breaks, absences, fixed shifts, nights and the chat desk) at 70-76 %.
"""
from __future__ import annotations

import numpy as np

from ccnb.sample.arrivals import PROFILES, expected_daily
from ccnb.sample.business_calendar import Calendar
from ccnb.sample.spec import (
    AVAILABLE,
    OUTBOUND,
    PLAN_ABSENCE,
    PLAN_ANSWER_S,
    PLAN_CHAT_MAX_OCC,
    PLAN_COVERAGE,
    PLAN_MAX_OCC,
    PLAN_OTHER,
    PLAN_SL,
    PLAN_SL_FLOOR,
    QI,
    QUEUES,
    SERVICE_HOURS,
    SHIFTS,
    mean_handle_s,
)

#: Expected handle time the planner uses: lognormal means, the average agent (new hires included).
PLAN_AHT = np.array([mean_handle_s(q) * 1.01 for q in QUEUES])
NIGHT_INTERVALS = 16  # 00:00-08:00 in 30-minute intervals
#: Fewest agents of the night team on the phones, whatever Erlang says.
NIGHT_MIN = 2
#: Desks the planner pools: queue names; "vip" counts in the service desk inside SERVICE_HOURS and
#: in the technical desk outside them.
DESKS = (("billing", "sales", "vip", "tech_support"), ("chat",))
_IN_HOURS = np.zeros(48, bool)
_IN_HOURS[SERVICE_HOURS[0] // 30:SERVICE_HOURS[1] // 30] = True


def erlang_a_sl(calls: np.ndarray, aht, patience, servers: np.ndarray, interval_s: float = 1800.0,
                answer_s: float = PLAN_ANSWER_S) -> np.ndarray:
    """Erlang A (M/M/n+M) service level: share of offered calls answered within ``answer_s``, callers
    who abandon counting as not answered; elementwise over ``calls`` per ``interval_s``, ``aht`` (s),
    mean ``patience`` (s) and ``servers``.

    Garnett, Mandelbaum & Reiman (2002), "Designing a call center with impatient customers";
    Mandelbaum & Zeltyn (2007), "The Palm/Erlang-A queue". With lambda = calls / interval,
    mu = 1 / AHT, theta = 1 / patience, x = n mu / theta, y = lambda / theta, rho = lambda / (n mu),
    E = Erlang B(n, lambda / mu) and A(x, y) = x e^y y^-x gamma(x, y) (lower incomplete gamma):
    P(wait) = A E / (1 + (A - 1) E); P(abandon) = P(wait) (1 / (rho A) + 1 - 1 / rho);
    P(wait > t) = P(wait) gamma(x, y e^-theta t) / gamma(x, y); served after waiting more than t:
    P(wait > t) / rho (1 - 1 / A(x, y e^-theta t)); SL = 1 - P(abandon) - P(served after T).
    No servers: 0; no calls: 1.
    """
    from scipy import special

    lam = np.asarray(calls, float) / interval_s
    lam, n, aht, patience = np.broadcast_arrays(lam, np.asarray(servers, float), np.asarray(aht, float),
                                                np.asarray(patience, float))
    b = np.ones(lam.shape)  # Erlang B by its recursion, up to each element's n
    a = lam * aht
    for k in range(1, int(n.max(initial=0)) + 1):
        b = np.where(k <= n, a * b / (k + a * b), b)
    theta = 1.0 / patience
    ok = (lam > 0) & (n > 0)
    x = np.where(ok, n / aht / theta, 1.0)
    y = np.where(ok, lam / theta, 1.0)

    def log_lower_gamma(yy):  # log gamma(x, yy), and log A(x, yy)
        p = special.gammainc(x, yy)
        tiny = p < 1e-250  # underflow (patient callers, y << x): A(x, y) = 1 + sum_j y^j / prod_k<=j (x + k)
        lg = special.gammaln(x) + np.log(np.maximum(p, 1e-300))
        la = np.log(x) + yy - x * np.log(yy) + lg
        if tiny.any():
            xs, ys = x[tiny], yy[tiny]
            term, tot = np.ones_like(xs), np.ones_like(xs)
            for j in range(1, 100_000):
                term = term * ys / (xs + j)
                tot += term
                if (term < 1e-16 * tot).all():
                    break
            la[tiny] = np.log(tot)
            lg[tiny] = np.log(tot) - np.log(xs) - ys + xs * np.log(ys)
        return lg, np.maximum(la, 0.0)

    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        lg0, la = log_lower_gamma(y)
        big_a = np.exp(np.minimum(la, 700.0))
        p_wait = big_a * b / (1 + (big_a - 1) * b)
        rho = np.where(ok, lam * aht / np.maximum(n, 1.0), 1.0)
        p_ab = np.clip(p_wait * (np.exp(-np.log(rho) - la) + 1 - 1 / rho), 0.0, 1.0)
        y_t = y * np.exp(-theta * answer_s)
        lg_t, la_t = log_lower_gamma(y_t)
        late = p_wait * np.exp(lg_t - lg0) / rho * (1 - np.exp(-la_t))
        sl = np.clip(1 - p_ab - late, 0.0, 1.0)
    return np.where(lam <= 0, 1.0, np.where(n <= 0, 0.0, sl))


def daily_staffing(calls: np.ndarray, traffic: np.ndarray, patience: np.ndarray | float, goal: float = PLAN_SL,
                   floor: float = PLAN_SL_FLOOR, max_occ: float = PLAN_MAX_OCC) -> np.ndarray:
    """Agents per day (rows) and 30-minute interval (columns) meeting the service-level ``goal`` over
    each day, by Erlang A (``calls``, ``traffic`` in erlangs, mean caller ``patience`` in s).

    Start from the fewest agents keeping every interval's occupancy (traffic / agents) at most
    ``max_occ`` and its service level at least ``floor``; then, while the day's expected service
    level (intervals weighted by ``calls``) is below ``goal``, add one agent where it answers
    most calls in time (the largest calls x gain in service level). Service level is concave in
    the agents, so this greedy marginal allocation staffs the day with the fewest agent-intervals.
    Intervals without traffic get 0.
    """
    aht = np.where(calls > 0, traffic * 1800.0 / np.maximum(calls, 1e-12), 1.0)
    k = np.arange(int(np.ceil(traffic.max(initial=0) / max_occ)) + 40)
    table = erlang_a_sl(calls[..., None], aht[..., None], np.broadcast_to(patience, calls.shape)[..., None], k)
    usable = (table >= floor) & (k * max_occ >= traffic[..., None])
    n = np.where(usable.any(-1), usable.argmax(-1), len(k) - 1)
    n_max = len(k) - 1
    w = calls / np.maximum(calls.sum(1, keepdims=True), 1e-12)
    rows = np.arange(len(n))
    for _ in range(48 * n_max):
        cur = np.take_along_axis(table, n[..., None], -1)[..., 0]
        short = (w * cur).sum(1) < goal
        if not short.any():
            break
        nxt = np.take_along_axis(table, np.minimum(n + 1, n_max)[..., None], -1)[..., 0]
        gain = np.where(n < n_max, w * (nxt - cur), -1.0)
        best = gain.argmax(1)
        ok = short & (gain[rows, best] > 0)
        if not ok.any():
            break
        n[rows[ok], best[ok]] += 1
    return np.where(traffic > 0, n, 0)


def requirements(cal: Calendar, days: np.ndarray, scale: float) -> list[np.ndarray]:
    """Agents needed on the phones per primary queue (``QUEUES`` order), day and 30-minute interval:
    a list of arrays of shape (len(days), 48), fractional where a desk's requirement is shared."""
    calls, traffic = [], []
    for qi, q in enumerate(QUEUES):
        daily = expected_daily(cal, days, qi, scale, planned=True) * (1 - q.self_serve)
        lam = daily[:, None] * PROFILES[qi].reshape(48, 30).sum(1)[None, :]
        calls.append(lam)
        traffic.append(lam * PLAN_AHT[qi] / 1800.0)
    vip = QI["vip"]
    # the vip line's share of each desk: inside the service desk's hours, else the technical desk's
    part = {name: (calls[QI[name]], traffic[QI[name]]) for name in ("billing", "sales", "tech_support", "chat")}
    part["vip"] = (calls[vip] * _IN_HOURS, traffic[vip] * _IN_HOURS)
    vip_out = (calls[vip] * ~_IN_HOURS, traffic[vip] * ~_IN_HOURS)
    out = [np.zeros((len(days), 48)) for _ in QUEUES]
    for desk in DESKS:
        lam = sum(part[n][0] for n in desk)
        a = sum(part[n][1] for n in desk)
        pat = sum(part[n][0] * QUEUES[QI[n]].patience for n in desk)
        if "tech_support" in desk:
            lam, a = lam + vip_out[0], a + vip_out[1]
            pat = pat + vip_out[0] * QUEUES[vip].patience
        patience = np.where(lam > 0, pat / np.maximum(lam, 1e-12), 100.0)  # callers' mean patience, s
        slots = QUEUES[QI[desk[0]]].slots
        need = daily_staffing(lam, a, patience,
                              max_occ=PLAN_CHAT_MAX_OCC if slots > 1 else PLAN_MAX_OCC).astype(float)
        need = np.where(a > 0, np.maximum(need / slots, 1.0), 0.0)  # chat: agents holding `slots` chats
        for n in desk:
            qi = QI[n]
            own = part[n][1] + (vip_out[1] if n == "tech_support" else 0)
            out[qi] = need * np.where(a > 0, own / np.maximum(a, 1e-12), 0.0)
    tech = QI["tech_support"]
    out[tech][:, :NIGHT_INTERVALS] = np.maximum(out[tech][:, :NIGHT_INTERVALS], NIGHT_MIN)
    return out


def shift_hours(kind: str) -> float:
    """Hours on the phones an agent of this shift kind gives in a week (5 shifts), net of allowances."""
    return 5 * SHIFTS[kind]["span"] / 3600 * AVAILABLE[kind] * (1 - PLAN_ABSENCE - PLAN_OTHER)


def headcount_targets(cal: Calendar, days: np.ndarray, scale: float) -> dict[tuple[int, str], int]:
    """Headcount per (queue index, shift kind) the planner wants for the month of ``days``
    (and ``(sales, "outbound")``: the outbound team).

    Day-part hours are the month's mean weekly requirement x ``PLAN_COVERAGE``;
    part-time peak agents cover ``peak_share`` of them; the night team covers the
    busiest night of the month, five nights a week each.
    """
    out: dict[tuple[int, str], int] = {}
    reqs = requirements(cal, days, scale)
    for qi, q in enumerate(QUEUES):
        req = reqs[qi]
        if q.night_shift:
            night = float(np.quantile(req[:, :NIGHT_INTERVALS - 1].max(1), 0.9))  # 07:30: early day shifts
            out[(qi, "night")] = int(np.ceil(night * 7 / 5 * (1 + PLAN_ABSENCE)))
            dayreq = req[:, NIGHT_INTERVALS:]
        else:
            out[(qi, "night")] = 0
            dayreq = req
        hours = dayreq.sum(1).mean() * 0.5 * 7 * PLAN_COVERAGE
        out[(qi, "peak")] = int(round(q.peak_share * hours / shift_hours("peak")))
        out[(qi, "day")] = max(2, int(np.ceil((1 - q.peak_share) * hours / shift_hours("day"))))
    out[(QI["sales"], "outbound")] = int(round(OUTBOUND["agents"] * scale))  # none in a tiny center
    return out
