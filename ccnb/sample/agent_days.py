"""Workforce-management day records, summed from the simulation.

Per scheduled agent-day: talk, hold and after-call work are the sums over the
contacts the agent handled (for chat agents, who hold two chats at once, the
time with at least one chat open, split pro rata, so that states never add up to
more than the login); breaks and other aux time are the windows actually taken;
logged in from the (possibly late) login to the shift end, or to the end of the
last contact or break if later; idle is the rest:

    logged_in_s = talk_s + hold_s + acw_s + idle_s + break_s + other aux

An absent day has logged_in_s = 0 and no states (its training is not completed); so has a
new hire's classroom day, which is present.
"""
from __future__ import annotations

import numpy as np

from ccnb.sample.agent_schedule import Shifts


def chat_busy_union(shift: np.ndarray, start: np.ndarray, end: np.ndarray, n_shifts: int) -> np.ndarray:
    """Per shift, the length of the union of [start, end) intervals (seconds)."""
    out = np.zeros(n_shifts)
    if len(shift) == 0:
        return out
    order = np.lexsort((start, shift))
    sh, s, e = shift[order], start[order], end[order]
    off = sh.astype(np.int64) * (1 << 40)
    s_off, e_off = s + off, e + off
    run = np.maximum.accumulate(e_off)
    prev = np.r_[np.int64(-1), run[:-1]]
    new = (s_off >= prev) | np.r_[True, sh[1:] != sh[:-1]]
    seg = np.cumsum(new) - 1
    seg_start = s_off[new]
    seg_end = np.maximum.reduceat(e_off, np.flatnonzero(new))
    np.add.at(out, sh[new], (seg_end - seg_start).astype(float))
    assert seg.max() + 1 == len(seg_start)
    return out


def aggregate(sh: Shifts, stats: dict[str, np.ndarray], c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Columns of agent_days for the month's shifts.

    ``stats``: per shift ``break_s``, ``break_n``, ``other_s``, ``last`` (from the simulation);
    ``c``: contacts with ``shift`` (index, -1 if none), ``answer``, ``free``, ``talk``, ``hold``, ``acw``,
    ``chat`` (bool).
    """
    n = len(sh)
    m = c["shift"] >= 0
    idx = c["shift"][m]
    talk = np.bincount(idx, c["talk"][m], n)
    hold = np.bincount(idx, c["hold"][m], n)
    acw = np.bincount(idx, c["acw"][m], n)
    busy = talk + hold + acw
    chat = m & c["chat"]
    if chat.any():
        union = chat_busy_union(c["shift"][chat], c["answer"][chat], c["answer"][chat] + c["talk"][chat]
                                + c["hold"][chat] + c["acw"][chat], n)
        is_chat = np.bincount(c["shift"][chat], minlength=n) > 0
        f = np.where(is_chat & (busy > 0), union / np.maximum(busy, 1), 1.0)
        talk, hold = np.rint(talk * f), np.rint(hold * f)
        acw = np.where(is_chat, np.maximum(np.rint(union) - talk - hold, 0), acw)
        busy = talk + hold + acw
    present = np.array(sh.present, bool)
    on_phones = present & ~np.array(sh.classroom, bool)
    start, end, login = (np.array(x, np.int64) for x in (sh.start, sh.end, sh.login))
    logout = np.maximum(end, stats["last"])
    logged = np.where(on_phones, logout - login, 0).astype(float)
    brk = np.where(on_phones, stats["break_s"], 0).astype(float)
    other = np.where(on_phones, stats["other_s"], 0).astype(float)
    idle = logged - busy - brk - other
    logged = np.where(idle < 0, logged - idle, logged)
    idle = np.maximum(idle, 0)
    return {
        "agent": np.array(sh.agent, np.int64), "day": np.array(sh.day, np.int64),
        "scheduled_s": (end - start).astype(float), "logged_in_s": logged, "talk_s": talk, "hold_s": hold,
        "acw_s": acw, "idle_s": idle, "break_s": brk, "break_count": np.where(on_phones, stats["break_n"], 0),
        "present": present, "training_assigned": np.array(sh.train_a, np.int64),
        "training_completed": np.array(sh.train_c, np.int64), "other_s": other,
    }
