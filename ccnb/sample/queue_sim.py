"""The queues: skill-based routing over a shared agent pool, with impatient callers.

Every contact waits in its routing queue (first come, first served); every agent (a chat
agent: two slots, one chat per slot) has **skills**: tiers of routing queues in the
order in which the agent looks for its next contact, each queue with a delay (an
overflow skill: the agent may take a contact of that queue only once it has waited that
long), e.g. a billing agent ``((("vip", 10),), (("billing", 0), ("sales", 0), ...))``: a
vip caller waiting 10 s first, then the longest-waiting billing or sales caller
(``spec.SKILLS``). So:

* a contact arriving when agents who may take it are idle goes to the one idle longest
  among those for whom its queue ranks highest (its queue's primary agents first: the
  rank is the queue's position among the agent's skills without delay);
* otherwise it waits; when an agent becomes free it takes the longest-waiting eligible
  contact (waited at least the skill's delay) of its first tier that has one, else of the
  next tier; an overflow delay expiring while an overflow agent is idle hands the contact
  to that agent;
* a caller abandons at ``arrival + patience`` if not answered (after the ring time) by
  then; abandoning callers never occupy an agent.

Agents are available from login to shift end (a contact started before the end is
finished, so agents may log out late), minus planned breaks and "other" aux windows,
which start at the planned time or when the current contact ends, whichever is later;
an agent due for a window who finds a caller waiting takes the call first, for up to
``flex`` seconds (real-time adherence). So waits, abandonment and the service level
follow from who is on shift, present, not on a break, and what the others are busy
with.

Call blending: an agent allowed to blend who finds nothing to take, while at least a
reserve of other agents of the desk is idle, is given the dialler's next outbound call
(it dials for ``gap`` seconds, then talks): idle time at quiet moments becomes outbound
work, and the reserve keeps inbound callers answered.

The simulation is event driven (arrivals in order; agents' ends of contacts and
breaks, overflow timers and shift ends in a heap; waiting lines as deques with lazy
removal of callers who gave up): O(n log k) in pure Python.

The outbound team's calls are dialled by dedicated agents one after another
(:func:`dial`), with a dialling gap (a progressive dialler: unanswered attempts, the
next record) between connected calls: no queue, no wait, no abandonment.
"""
from __future__ import annotations

import heapq
from array import array
from collections import deque

import numpy as np

from ccnb.sample.spec import OUTBOUND, lognormal

BIG = 1 << 62
_FREE, _WINDOW, _OVERFLOW, _END = 0, 1, 2, 3
DAY_S = 86_400


def _ints(x) -> array:
    """``x`` as a typed array of 64-bit ints (values unchanged)."""
    a = array("q")
    a.frombytes(np.ascontiguousarray(x, dtype=np.int64).tobytes())
    return a


def simulate(t: np.ndarray, patience: np.ndarray, handle: np.ndarray, ring: np.ndarray,
             login: list[int], end: list[int], mult: list[float], windows: list[list[tuple[int, int, int]]],
             *, queue: np.ndarray | None = None, group: list[int] | None = None,
             skills: list[tuple[tuple[tuple[int, int], ...], ...]] | None = None, flex: int = 0,
             blend: dict | None = None):
    """Run the queues. Contacts: arrival ``t`` (sorted), ``patience``, base ``handle`` time, ``ring`` (s)
    and routing ``queue`` (index; default all 0). Agents (slots): ``login``, ``end``, speed multiplier
    ``mult``, aux ``windows`` (planned start, duration, kind 0 break / 1 other; sorted), all in epoch
    seconds, and ``group``: index into ``skills``, per group a tuple of tiers, each a tuple of
    ``(queue, delay_s)`` (default: everyone serves queue 0 at once). ``flex`` (s): an
    agent due for a window who finds an eligible caller waiting takes the call first, up to
    ``flex`` seconds after the window's planned start (0: windows start on time).

    ``blend`` (call blending): ``agents`` (per slot, bool: may be given outbound calls), ``desk``
    (per slot, bool: counts in the reserve), ``days`` (day numbers on which the dialler runs),
    ``hours`` (its start and end, s after midnight), ``reserve`` (idle agents of the desk kept for
    inbound) and the outbound calls to hand out, in order: ``gap`` (s of dialling before a call
    connects), ``ring`` and base ``handle`` (s). An agent of ``agents`` who finds nothing to take
    while at least ``reserve`` other agents of the desk are idle is given the next outbound call
    (busy from now to connect + handle x mult).

    Returns ``slot`` (per contact, -1 when abandoned), ``answer`` and ``free`` (when the agent is free
    again: answer + handle x mult) per contact; per slot: ``break_s``, ``break_n``, ``other_s``
    (taken), ``last`` (latest busy or aux end, at least login); and the outbound calls made by
    blending: arrays ``(call index, slot, dial start, answer)`` (empty without ``blend``).
    """
    n, K = len(t), len(login)
    # per contact: typed arrays, not lists (8 bytes a value, not a pointer and an int object:
    # a 10M-contact month's lists took ~3 GB); the loop reads and writes them the same way
    ts, pat, hd, rg = _ints(t), _ints(patience), _ints(handle), _ints(ring)
    vq = _ints(np.zeros(n, np.int64) if queue is None else queue)
    grp = [0] * K if group is None else [int(g) for g in group]
    skills = [(((0, 0),),)] if skills is None else [tuple(tuple((int(v), int(d)) for v, d in tier) for tier in s)
                                                     for s in skills]
    nq = 1 + max([max(vq, default=0)] + [v for s in skills for tier in s for v, _ in tier])
    # idle agents: per routing queue, heaps of (idle since, agent, token) by rank (position of the queue
    # among the agent's skills without delay), and per (queue, delay) for overflow skills
    heaps: dict[tuple[int, int, int], list] = {}
    member: list[list[list]] = []
    for s in skills:
        m, rank = [], 0
        for v, d in (x for tier in s for x in tier):
            key = (v, 0, rank) if d == 0 else (v, d, -1)
            rank += d == 0
            m.append(heaps.setdefault(key, []))
        member.append(m)
    direct = [[heaps[k] for k in sorted(k for k in heaps if k[0] == v and k[1] == 0)] for v in range(nq)]
    over = [[(k[1], heaps[k]) for k in sorted(k for k in heaps if k[0] == v and k[1] > 0)] for v in range(nq)]
    sk = [skills[g] for g in grp]
    mem = [member[g] for g in grp]
    lines = [deque() for _ in range(nq)]

    slot = array("q", [-1]) * n
    ans = array("q", [0]) * n
    fre = array("q", [0]) * n
    wi = [0] * K
    nb = [w[0][0] if w else BIG for w in windows]
    brk_s, brk_n, oth_s = [0] * K, [0] * K, [0] * K
    last = list(login)
    tok = [0] * K
    is_idle = [False] * K
    if blend:
        can = [bool(x) for x in blend["agents"]]
        desk = [bool(x) for x in blend["desk"]]
        b_days = set(int(d) for d in blend["days"])
        b_h0, b_h1 = blend["hours"]
        b_res = int(blend["reserve"])
        b_gap, b_ring, b_hd = (np.asarray(blend[k]).tolist() for k in ("gap", "ring", "handle"))
    else:
        can, desk, b_days, b_h0, b_h1, b_res, b_gap, b_ring, b_hd = [False] * K, [False] * K, set(), 0, 0, 0, [], [], []
    b_out: tuple[list, list, list, list] = ([], [], [], [])
    n_idle = 0  # idle agents of the blending desk
    bj = 0
    ev = [(login[k], k, _FREE, k, 0) for k in range(K)]
    heapq.heapify(ev)
    seq = K
    push, pop = heapq.heappush, heapq.heappop

    def take_window(k: int, s: int) -> int:
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

    def idle_agent(h: list, now: int) -> int:
        nonlocal n_idle
        while h:
            _, k, tk = h[0]
            if tk != tok[k] or end[k] <= now:
                pop(h)
                continue
            pop(h)
            tok[k] += 1
            if is_idle[k]:
                is_idle[k] = False
                n_idle -= 1
            return k
        return -1

    def front(q: deque, now: int) -> int:
        """The oldest caller still waiting at ``now`` (-1: none); drops those who gave up."""
        while q:
            j = q[0]
            if now + rg[j] - ts[j] > pat[j]:
                q.popleft()
                continue
            return j
        return -1

    i = 0
    while True:
        if ev and (i >= n or ev[0][0] <= ts[i]):
            now, _, kind, k, y = pop(ev)
            if kind == _END:  # an idle agent's shift is over
                if y == tok[k] and is_idle[k]:
                    is_idle[k] = False
                    n_idle -= 1
                continue
            if kind == _OVERFLOW:  # k is a contact waiting ``y`` seconds: overflow agents may take it
                q = lines[vq[k]]
                j = front(q, now)
                if j < 0 or ts[j] + y > now:
                    continue
                a = idle_agent(next(h for d, h in over[vq[k]] if d == y), now)
                if a < 0:
                    continue
                q.popleft()
            else:
                if kind == _WINDOW:
                    if y != tok[k]:
                        continue  # no longer idle
                    tok[k] += 1
                    if is_idle[k]:
                        is_idle[k] = False
                        n_idle -= 1
                    e2 = take_window(k, now)
                    push(ev, (e2, seq, _FREE, k, 0))
                    seq += 1
                    continue
                if now >= end[k]:
                    continue  # shift over: logged off
                due = nb[k] <= now
                if due and now - nb[k] >= flex:  # a break or aux window is due and cannot wait longer
                    push(ev, (take_window(k, now), seq, _FREE, k, 0))
                    seq += 1
                    continue
                j = -1
                for tier in sk[k]:  # the longest-waiting eligible caller of the first tier with one
                    best = None
                    for v, d in tier:
                        q = lines[v]
                        if q:
                            jj = front(q, now)
                            if jj >= 0 and ts[jj] + d <= now and (j < 0 or ts[jj] < ts[j]):
                                j, best = jj, q
                    if best is not None:
                        best.popleft()
                        break
                if j < 0 and due:  # nobody waiting: the break starts now
                    push(ev, (take_window(k, now), seq, _FREE, k, 0))
                    seq += 1
                    continue
                if j < 0 and can[k] and n_idle >= b_res and bj < len(b_gap) and b_h0 <= now % DAY_S < b_h1 \
                        and now // DAY_S in b_days and now + b_gap[bj] < end[k]:  # the dialler: an outbound call
                    s = now + b_gap[bj] + b_ring[bj]
                    f = s + int(b_hd[bj] * mult[k] + 0.5)
                    for lst, x in zip(b_out, (bj, k, now, s)):
                        lst.append(x)
                    bj += 1
                    if f > last[k]:
                        last[k] = f
                    push(ev, (f, seq, _FREE, k, 0))
                    seq += 1
                    continue
                if j < 0:  # nothing to take: idle
                    tok[k] += 1
                    item = (now, k, tok[k])
                    for h in mem[k]:
                        push(h, item)
                    if nb[k] < end[k]:
                        push(ev, (nb[k], seq, _WINDOW, k, tok[k]))
                        seq += 1
                    if desk[k]:
                        is_idle[k] = True
                        n_idle += 1
                        push(ev, (end[k], seq, _END, k, tok[k]))
                        seq += 1
                    continue
                a = k
        elif i < n:
            j, now = i, ts[i]
            i += 1
            if rg[j] > pat[j]:
                continue  # hung up while it rang
            a = -1
            for h in direct[vq[j]]:
                a = idle_agent(h, now)
                if a >= 0:
                    break
            if a < 0:
                lines[vq[j]].append(j)
                for d, _ in over[vq[j]]:
                    push(ev, (now + d, seq, _OVERFLOW, j, d))
                    seq += 1
                continue
        else:
            break
        # agent ``a`` answers contact ``j`` at ``now`` + ring
        s = now + rg[j]
        f = s + int(hd[j] * mult[a] + 0.5)
        slot[j], ans[j], fre[j] = a, s, f
        if f > last[a]:
            last[a] = f
        push(ev, (f, seq, _FREE, a, 0))
        seq += 1
    return (np.array(slot, np.int64), np.array(ans, np.int64), np.array(fre, np.int64),
            np.array(brk_s, np.int64), np.array(brk_n, np.int64), np.array(oth_s, np.int64),
            np.array(last, np.int64), tuple(np.array(x, np.int64) for x in b_out))


def outbound_calls(r: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """``n`` outbound calls for blending, in the order the dialler hands them out: dialling ``gap``,
    ``ring``, base ``talk``, ``hold``, ``acw`` (s), drawn as the outbound team's."""
    talk = np.maximum(10, np.rint(lognormal(r, *OUTBOUND["talk"], n)))
    hold = np.where(r.random(n) < OUTBOUND["hold_p"], np.rint(lognormal(r, *OUTBOUND["hold"], n)), 0)
    acw = np.maximum(3, np.rint(lognormal(r, *OUTBOUND["acw"], n)))
    return {"gap": np.rint(r.exponential(OUTBOUND["gap_mean"], n)).astype(np.int64),
            "ring": r.integers(5, 21, n).astype(np.int64), "talk": talk.astype(np.int64),
            "hold": hold.astype(np.int64), "acw": acw.astype(np.int64)}


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
