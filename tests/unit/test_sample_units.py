"""ccnb.sample building blocks on hand-built inputs: Erlang C, the queue, calendar, profiles."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from ccnb.sample import parse_months
from ccnb.sample.agent_days import chat_busy_union
from ccnb.sample.arrivals import PROFILES, profile
from ccnb.sample.calendar import build_calendar, ordinal
from ccnb.sample.planning import erlang_c_agents
from ccnb.sample.queue_sim import simulate
from ccnb.sample.roster import _OFF_P
from ccnb.sample.spec import QI, QUEUES, rng


# ----------------------------------------------------------------------------- Erlang C
def _erlang_c_sl(a: float, n: int, aht: float, t: float) -> float:
    """Textbook formula with factorials (independent of the recursion used by the generator)."""
    top = a ** n / math.factorial(n) * n / (n - a)
    p_wait = top / (sum(a ** k / math.factorial(k) for k in range(n)) + top)
    return 1 - p_wait * math.exp(-(n - a) * t / aht)


@pytest.mark.parametrize("traffic", [0.3, 2.0, 6.5, 10.0, 17.3])
def test_erlang_c_agents_is_the_fewest_meeting_the_goal(traffic):
    n = int(erlang_c_agents(np.array([traffic]), 180.0, 0.8, 20.0, 1.0)[0])
    assert _erlang_c_sl(traffic, n, 180, 20) >= 0.8
    if n - 1 > traffic:
        assert _erlang_c_sl(traffic, n - 1, 180, 20) < 0.8


def test_erlang_c_published_example():
    # Call Centre Helper's worked example: 100 calls of 180 s in 30 minutes (10 Erlangs), 80/20:
    # 13 agents answer 79.6 % in 20 s, 14 agents 88.8 %, so 14 are needed
    assert int(erlang_c_agents(np.array([10.0]), 180.0, 0.8, 20.0, 1.0)[0]) == 14
    assert _erlang_c_sl(10, 13, 180, 20) == pytest.approx(0.796, abs=0.001)
    assert _erlang_c_sl(10, 14, 180, 20) == pytest.approx(0.888, abs=0.001)


def test_erlang_occupancy_cap_and_zero_traffic():
    need = erlang_c_agents(np.array([0.0, 40.0]), 180.0, 0.5, 20.0, 0.85)
    assert need[0] == 0
    assert 40 / need[1] <= 0.85


# ----------------------------------------------------------------------------- the queue
def _sim(t, patience, handle, ring, login, end, mult=None, windows=None):
    k = len(login)
    return simulate(np.array(t), np.array(patience), np.array(handle), np.array(ring), list(login), list(end),
                    mult or [1.0] * k, windows or [[] for _ in range(k)])


def test_one_agent_fcfs_with_an_impatient_caller():
    # agent on 0..10_000; calls at 0, 10, 20; handle 100 s, ring 2 s; patience 50, 30, 500
    slot, ans, free, *_ = _sim([0, 10, 20], [50, 30, 500], [100, 100, 100], [2, 2, 2], [0], [10_000])
    assert slot.tolist() == [0, -1, 0]          # the second caller would wait 92 s > 30: abandons
    assert ans.tolist()[0::2] == [2, 104]       # the third is answered when the agent is free + ring
    assert free.tolist()[0::2] == [102, 204]


def test_longest_idle_agent_answers_and_shift_end():
    # agent 0 logs in at 0, agent 1 at 50; a call at 60 goes to agent 0 (idle longest)
    slot, ans, *_ = _sim([60, 61, 20_000], [100, 100, 100], [30, 30, 30], [0, 0, 0], [0, 50], [10_000, 10_000])
    assert slot.tolist() == [0, 1, -1]          # nobody on shift at 20_000: abandoned
    assert ans.tolist()[:2] == [60, 61]


def test_breaks_delay_answers_and_are_taken_after_the_call():
    # break planned at 100 for 300 s; a call at 90 (handle 50) runs into it: break starts at 140
    slot, ans, free, brk_s, brk_n, oth_s, last = _sim(
        [90, 150], [1000, 1000], [50, 10], [0, 0], [0], [10_000], windows=[[(100, 300, 0)]])
    assert ans.tolist() == [90, 440]            # second caller waits for the end of the break
    assert brk_s.tolist() == [300] and brk_n.tolist() == [1] and oth_s.tolist() == [0]
    assert last.tolist() == [450]


def test_agent_speed_multiplies_handle_time():
    _, ans, free, *_ = _sim([0], [10], [100], [1], [0], [1000], mult=[1.25])
    assert free[0] - ans[0] == 125


def test_chat_busy_union():
    shift = np.array([0, 0, 0, 1])
    start = np.array([0, 50, 300, 10])
    end = np.array([100, 120, 350, 20])
    assert chat_busy_union(shift, start, end, 3).tolist() == [170.0, 10.0, 0.0]


# ----------------------------------------------------------------------------- calendar
@pytest.fixture(scope="module")
def cal():
    return build_calendar(dt.date(2025, 7, 1), dt.date(2026, 12, 31), 7, {2025 * 12 + m for m in range(6, 12)})


def _rows(cal, day):
    return {(k, n, q) for d, k, n, q in cal.rows if d == ordinal(day)}


def test_national_day_period_includes_its_weekend_and_adjusted_workdays(cal):
    for d in range(1, 9):  # 1-8 October 2025, the 4th and 5th a weekend
        assert any(k == "holiday" for k, _, _ in _rows(cal, dt.date(2025, 10, d))), d
    assert any(k == "workday" for k, _, _ in _rows(cal, dt.date(2025, 9, 28)))  # Sunday worked
    assert any(k == "workday" for k, _, _ in _rows(cal, dt.date(2025, 10, 11)))  # Saturday worked
    k = cal.idx(ordinal(dt.date(2025, 10, 6)))  # a Monday in the holiday: like a Sunday, halved
    assert cal.off[k] and cal.eff_dow[k] == 6 and cal.actual[k, QI["billing"]] == pytest.approx(0.5)


def test_spring_festival_is_the_deepest_trough_and_the_return_surges(cal):
    sf = cal.idx(ordinal(dt.date(2026, 2, 17)))
    back = cal.idx(ordinal(dt.date(2026, 2, 24)))  # first working day after 15-23 February
    assert cal.actual[sf, QI["billing"]] == pytest.approx(0.30)
    assert cal.actual[back, QI["billing"]] == pytest.approx(1.35)


def test_promotions_billing_runs_and_outages(cal):
    assert ("promotion", "Singles Day 11.11", None) in _rows(cal, dt.date(2025, 11, 11))
    assert ("promotion", "Singles Day 11.11", None) in _rows(cal, dt.date(2026, 11, 11))  # forecast horizon
    assert ("promotion", "Singles Day 11.11 pre-sale", None) in _rows(cal, dt.date(2025, 11, 3))
    assert ("promotion", "6.18 Shopping Festival", None) in _rows(cal, dt.date(2026, 6, 18))
    assert ("promotion", "Double 12 (12.12)", None) in _rows(cal, dt.date(2025, 12, 12))
    assert ("billing", "Monthly billing run", "billing") in _rows(cal, dt.date(2026, 3, 1))
    k = cal.idx(ordinal(dt.date(2025, 11, 11)))
    assert cal.actual[k, QI["sales"]] == pytest.approx(3.6)
    assert cal.planned[k, QI["sales"]] == pytest.approx(1 + 0.7 * 2.6)  # the planner under-estimates
    out = [r for r in cal.rows if r[1] == "outage"]
    assert out and all(r[3] == "tech_support" for r in out)
    assert all(ordinal(dt.date(2025, 7, 1)) <= o.day < ordinal(dt.date(2026, 1, 1)) for o in cal.outages)
    assert max(r[0] for r in cal.rows) == ordinal(dt.date(2026, 12, 15))  # last event: payment due
    keys = [(d, k, n) for d, k, n, _ in cal.rows]
    assert len(keys) == len(set(keys))


# ----------------------------------------------------------------------------- arrivals
def test_intraday_profile_double_peak_and_opening_hours():
    hourly = sum(PROFILES[i] * q.base for i, q in enumerate(QUEUES)).reshape(24, 60).sum(1)
    peaks = [h for h in range(1, 23) if hourly[h] > hourly[h - 1] and hourly[h] > hourly[h + 1]]
    assert peaks[0] == 10 and 14 <= peaks[1] <= 16
    assert hourly[12] < 0.6 * hourly[10]
    billing = profile(QUEUES[QI["billing"]])
    assert billing.sum() == pytest.approx(1.0)
    assert billing[: 8 * 60].sum() == 0 and billing[21 * 60:].sum() == 0
    tech = profile(QUEUES[QI["tech_support"]])
    assert 0 < tech[3 * 60] < 0.1 * tech.max()


def test_days_off_follow_the_weekday_requirement():
    for q, x in zip(QUEUES, _OFF_P):
        at_work = np.array([1 - x[(w - 1) % 7] - x[w] for w in range(7)])
        assert x.sum() == pytest.approx(1.0) and (x >= 0).all()
        assert at_work.sum() == pytest.approx(5.0)
        ratio = at_work / np.asarray(q.weekday) ** 0.6
        assert ratio.max() / ratio.min() < 1.05, q.name


# ----------------------------------------------------------------------------- misc
def test_parse_months():
    assert [str(p) for p in parse_months("2025-11..2026-01")] == ["2025-11", "2025-12", "2026-01"]
    assert [str(p) for p in parse_months(2)] == ["2026-09", "2026-10"]
    assert [str(p) for p in parse_months("2026-03")] == ["2026-03"]
    for bad in ("2026-13..2026-14", "2026-05..2026-01", "May", 0, True):
        with pytest.raises(ValueError):
            parse_months(bad)


def test_streams_are_independent_of_draw_order():
    a = rng(5, "arrivals", 24310, 1).random(3)
    rng(5, "arrivals", 24309, 1).random(1000)  # another month's stream
    assert np.array_equal(a, rng(5, "arrivals", 24310, 1).random(3))
    assert not np.array_equal(a, rng(6, "arrivals", 24310, 1).random(3))
