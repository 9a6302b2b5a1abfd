"""The queue: a multi-server first-come-first-served simulation with impatient callers.

Agents (chat agents: two slots each, one chat per slot) sit in a heap keyed by the
time they are next free. Contacts are taken in arrival order; the agent free
earliest (the one idle longest when several are free) takes the contact after the
ring time, unless that moment is later than the caller's patience allows: then the
caller abandons at ``arrival + patience`` and no agent is used. Because abandoning
callers never reach the head of the line, this order-of-arrival pass is exact for a
FCFS queue with reneging, in O(n log k).

An agent's availability follows the shift: from login to shift end (a contact
started before the end is finished, so agents may log out late), minus planned
breaks and "other" aux windows, which start at the planned time or when the
current contact ends, whichever is later. So wait, abandonment and the service
level follow from who is actually on shift, present and not on a break.

Outbound sales calls are dialled by dedicated agents one after another, with a
dialling gap (unanswered attempts, preparation) between connected calls: no
queue, no wait, no abandonment.
"""
from __future__ import annotations

import heapq

import numpy as np

from ccnb.sample.spec import OUTBOUND, lognormal

BIG = 1 << 62


def simulate(t: np.ndarray, patience: np.ndarray, handle: np.ndarray, ring: np.ndarray,
             login: list[int], end: list[int], mult: list[float], windows: list[list[tuple[int, int, int]]]):
    """Run one queue. Contacts: arrival ``t`` (sorted), ``patience``, base ``handle`` time and ``ring``
    (s). Slots: ``login``, ``end``, speed multiplier ``mult`` and aux ``windows`` (planned start,
    duration, kind 0 break / 1 other), all in epoch seconds.

    Returns ``slot`` (per contact, -1 when abandoned), ``answer`` and ``free`` (when the agent is free
    again: answer + handle) per contact, and per slot: ``break_s``, ``break_n``, ``other_s`` (taken),
    ``last`` (latest busy or aux end, at least login).
    """
    n, K = len(t), len(login)
    ts, pat, hd, rg = t.tolist(), patience.tolist(), handle.tolist(), ring.tolist()
    slot = [-1] * n
    ans = [0] * n
    fre = [0] * n
    wi = [0] * K
    nb = [w[0][0] if w else BIG for w in windows]
    brk_s, brk_n, oth_s = [0] * K, [0] * K, [0] * K
    last = list(login)
    heap = [(login[k], k) for k in range(K)]
    heapq.heapify(heap)
    heapreplace, heappop = heapq.heapreplace, heapq.heappop

    def take_window(k: int, e: int) -> int:
        nbk = nb[k]
        s = e if e > nbk else nbk
        _, dur, kind = windows[k][wi[k]]
        if kind == 0:
            brk_s[k] += dur
            brk_n[k] += 1
        else:
            oth_s[k] += dur
        e2 = s + dur
        if e2 > last[k]:
            last[k] = e2
        wi[k] += 1
        nb[k] = windows[k][wi[k]][0] if wi[k] < len(windows[k]) else BIG
        return e2

    for i in range(n):
        ta = ts[i]
        while heap:
            e, k = heap[0]
            tt = e if e > ta else ta
            if tt >= end[k]:
                heappop(heap)
                continue
            if tt >= nb[k]:
                heapreplace(heap, (take_window(k, e), k))
                continue
            break
        else:
            continue  # nobody left on shift: the caller abandons
        s = tt + rg[i]
        if s - ta > pat[i]:
            continue
        f = s + int(hd[i] * mult[k] + 0.5)
        slot[i] = k
        ans[i] = s
        fre[i] = f
        if f > last[k]:
            last[k] = f
        heapreplace(heap, (f, k))
    for e, k in heap:  # idle agents still take the breaks planned before their shift ends
        while nb[k] < end[k] and max(e, nb[k]) < end[k]:
            e = take_window(k, e)
    return (np.array(slot, np.int64), np.array(ans, np.int64), np.array(fre, np.int64),
            np.array(brk_s, np.int64), np.array(brk_n, np.int64), np.array(oth_s, np.int64),
            np.array(last, np.int64))


def dial(r: np.random.Generator, login: int, end: int, mult: float, windows: list[tuple[int, int, int]]):
    """Outbound calls of one agent-day. Returns (dial, answer, talk, hold, acw) lists and the agent's
    (break_s, break_n, other_s, last)."""
    talk_m, talk_s = OUTBOUND["talk"]
    out = ([], [], [], [], [])
    brk_s = brk_n = oth_s = 0
    t, last, wi = login, login, 0
    while True:
        t += int(r.exponential(OUTBOUND["gap_mean"]))
        while wi < len(windows) and windows[wi][0] <= t:
            s = max(t, windows[wi][0])
            dur, kind = windows[wi][1], windows[wi][2]
            if s >= end:
                break
            if kind == 0:
                brk_s, brk_n = brk_s + dur, brk_n + 1
            else:
                oth_s += dur
            t = s + dur
            wi += 1
        if t >= end:
            break
        ring = int(r.integers(5, 21))
        talk = max(10, int(round(lognormal(r, talk_m, talk_s, None) * mult)))
        hold = int(round(lognormal(r, *OUTBOUND["hold"], None) * mult)) if r.random() < OUTBOUND["hold_p"] else 0
        acw = max(3, int(round(lognormal(r, *OUTBOUND["acw"], None) * mult)))
        for lst, v in zip(out, (t, t + ring, talk, hold, acw)):
            lst.append(v)
        t += ring + talk + hold + acw
        last = max(last, t)
    last = max(last, min(t, end))
    return out, (brk_s, brk_n, oth_s, last)
