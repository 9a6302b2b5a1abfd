"""ccnb.sample building blocks on hand-built inputs: Erlang A and the planner, the queue (routing,
overflow, blending, breaks), days off, calendar, profiles, the writer."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from ccnb.sample import parse_months
from ccnb.sample.agent_days import chat_busy_union
from ccnb.sample.agent_roster import _WORKS, at_work_target, days_off
from ccnb.sample.arrivals import PROFILES, profile
from ccnb.sample.business_calendar import build_calendar, ordinal
from ccnb.sample.planning import daily_staffing, erlang_a_sl
from ccnb.sample.queue_sim import simulate
from ccnb.sample.spec import QI, QUEUES, ROUTES, rng, route


# ----------------------------------------------------------------------------- Erlang A, the planner
def _erlang_c_sl(a: float, n: int, aht: float, t: float) -> float:
    """Textbook Erlang C with factorials (independent of the generator's code)."""
    top = a ** n / math.factorial(n) * n / (n - a)
    p_wait = top / (sum(a ** k / math.factorial(k) for k in range(n)) + top)
    return 1 - p_wait * math.exp(-(n - a) * t / aht)


def _erlang_a_ctmc(calls: float, aht: float, patience: float, n: int, t: float = 20.0, interval: float = 1800.0,
                   cap: int = 150) -> float:
    """Erlang A service level from first principles: the birth-death chain of the number in system
    (arrivals lambda, service n mu, abandonment theta per waiting caller; an arrival sees the
    stationary law), and for an arrival with j callers ahead, the chance that the j + 1 queue
    advances (rate n mu + m theta with m ahead) come before its own abandonment (theta) and
    within t, by the matrix exponential of that small chain."""
    from scipy.linalg import expm

    lam, mu, th = calls / interval, 1 / aht, 1 / patience
    p = np.ones(n + cap + 1)
    for k in range(1, len(p)):
        p[k] = p[k - 1] * lam / (min(k, n) * mu + max(k - n, 0) * th)
    p /= p.sum()
    sl = p[:n].sum()
    for k in range(n, len(p)):
        if p[k] < 1e-13:
            break
        j = k - n
        q = np.zeros((j + 3, j + 3))  # states: j..0 callers ahead, then served, abandoned
        for i, m in enumerate(range(j, -1, -1)):
            q[i, i] = -(n * mu + m * th + th)
            q[i, i + 1 if m > 0 else j + 1] = n * mu + m * th
            q[i, j + 2] = th
        sl += p[k] * expm(q * t)[0, j + 1]
    return float(sl)


def test_erlang_a_with_patient_callers_is_the_published_erlang_c():
    # Call Centre Helper's worked example: 100 calls of 180 s in 30 minutes (10 Erlangs), 80/20:
    # 13 agents answer 79.6 % in 20 s, 14 agents 88.8 %
    assert _erlang_c_sl(10, 13, 180, 20) == pytest.approx(0.796, abs=0.001)
    assert _erlang_c_sl(10, 14, 180, 20) == pytest.approx(0.888, abs=0.001)
    sl = erlang_a_sl(np.array([100.0, 100.0]), 180.0, 1e6, np.array([13, 14]))
    assert sl == pytest.approx([_erlang_c_sl(10, 13, 180, 20), _erlang_c_sl(10, 14, 180, 20)], abs=2e-4)


@pytest.mark.parametrize("calls,aht,patience,n", [(250, 225, 100, 30), (250, 225, 100, 34), (60, 240, 240, 9),
                                                  (12, 250, 120, 2), (0.5, 200, 100, 1), (400, 200, 60, 40)])
def test_erlang_a_matches_the_markov_chain(calls, aht, patience, n):
    assert float(erlang_a_sl(calls, aht, patience, n)) == pytest.approx(_erlang_a_ctmc(calls, aht, patience, n),
                                                                         abs=1e-6)


def test_erlang_a_edges_and_abandonment_helps():
    assert erlang_a_sl(0.0, 200, 100, 3) == 1.0 and erlang_a_sl(50.0, 200, 100, 0) == 0.0
    # impatient callers leave the line: the same agents answer more of the rest in time than Erlang C says
    assert erlang_a_sl(250, 225, 100, 33) > _erlang_c_sl(250 * 225 / 1800, 33, 225, 20) + 0.02


def test_daily_staffing_meets_the_day_goal_with_the_fewest_agents():
    calls = np.array([[10.0, 60.0, 130.0, 45.0]])
    traffic = calls * 220 / 1800
    n = daily_staffing(calls, traffic, 100.0, goal=0.9, floor=0.6, max_occ=0.85)
    assert n.sum() > daily_staffing(calls, traffic, 100.0, goal=0.0, floor=0.6, max_occ=0.85).sum()  # the goal binds
    sl = erlang_a_sl(calls, 220.0, 100.0, n)
    assert (sl * calls).sum() / calls.sum() >= 0.9
    assert (sl >= 0.6).all() and (traffic / n <= 0.85).all()
    # brute force over every staffing of up to 25 agents an interval: none cheaper meets goal, floor and cap
    k = np.arange(26)
    tab = erlang_a_sl(calls[0][:, None], 220.0, 100.0, k[None, :])  # (interval, agents)
    ok = (tab >= 0.6) & (k[None, :] * 0.85 >= traffic[0][:, None])
    grid = np.stack(np.meshgrid(*[k] * 4, indexing="ij"), -1).reshape(-1, 4)
    feasible = ok[np.arange(4), grid].all(1)
    day_sl = (tab[np.arange(4), grid] * calls[0]).sum(1) / calls.sum()
    assert n.sum() == grid[feasible & (day_sl >= 0.9)].sum(1).min()
    assert daily_staffing(np.zeros((1, 4)), np.zeros((1, 4)), 100.0).sum() == 0


# ----------------------------------------------------------------------------- the queue
def _sim(t, patience, handle, ring, login, end, mult=None, windows=None, **kw):
    k = len(login)
    return simulate(np.array(t), np.array(patience), np.array(handle), np.array(ring), list(login), list(end),
                    mult or [1.0] * k, windows or [[] for _ in range(k)], **kw)


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
    slot, ans, free, brk_s, brk_n, oth_s, last, blended = _sim(
        [90, 150], [1000, 1000], [50, 10], [0, 0], [0], [10_000], windows=[[(100, 300, 0)]])
    assert ans.tolist() == [90, 440]            # second caller waits for the end of the break
    assert brk_s.tolist() == [300] and brk_n.tolist() == [1] and oth_s.tolist() == [0]
    assert last.tolist() == [450]
    assert all(len(x) == 0 for x in blended)  # no dialler, no outbound calls


def test_a_caller_waiting_postpones_a_due_break_within_the_flex():
    # break planned at 100; the call at 90 ends at 140 while the caller of 120 waits: with 600 s of flex
    # the agent takes that call first (140-160), then the break (160-460); without flex the break comes first
    kw = dict(windows=[[(100, 300, 0)]])
    _, ans, *_ = _sim([90, 120], [1000, 1000], [50, 20], [0, 0], [0], [10_000], flex=600, **kw)
    assert ans.tolist() == [90, 140]
    _, ans, *_ = _sim([90, 120], [1000, 1000], [50, 20], [0, 0], [0], [10_000], **kw)
    assert ans.tolist() == [90, 440]


# routing queues and skills (tiers) of the tests: 0 billing, 1 sales, 2 vip
_BILLING = (((2, 10),), ((0, 0), (1, 0)))
_SALES = (((2, 10),), ((1, 0), (0, 0)))
_VIP = (((2, 0),), ((0, 0), (1, 0)))


def test_primary_agents_answer_first_then_the_pool():
    # agents: 0 sales (idle since 0), 1 billing (idle since 50); billing calls at 100 and 101
    slot, ans, *_ = _sim([100, 101], [100, 100], [500, 500], [0, 0], [0, 50], [10_000, 10_000],
                         queue=np.array([0, 0]), group=[0, 1], skills=[_SALES, _BILLING])
    assert slot.tolist() == [1, 0]  # the billing agent first though idle for less time, then the sales agent


def test_a_free_agent_takes_its_first_skill_first():
    # a vip agent busy until 300; a billing call waits from 100, a vip call from 200: the vip call goes first
    slot, ans, *_ = _sim([0, 100, 200], [1000, 1000, 1000], [300, 50, 50], [0, 0, 0], [0], [10_000],
                         queue=np.array([2, 0, 2]), group=[0], skills=[_VIP])
    assert ans.tolist() == [0, 350, 300]


def test_vip_overflows_to_the_desk_after_its_delay():
    # only a billing agent is idle: a vip caller of 100 is answered when its 10 s overflow delay has run
    slot, ans, *_ = _sim([100], [1000], [60], [2], [0], [10_000], queue=np.array([2]), group=[0], skills=[_BILLING])
    assert slot.tolist() == [0] and ans.tolist() == [112]
    # agents 0 vip, 1 billing: the billing agent answers billing at 0 (free at 50), the vip agent the
    # billing call of 1 (free at 105); the vip caller of 100 goes to the vip agent at 105, not to the
    # idle billing agent, who could only take it at 110
    slot, ans, *_ = _sim([0, 1, 100], [1000] * 3, [50, 104, 60], [0, 0, 2], [0, 0], [10_000, 10_000],
                         queue=np.array([0, 0, 2]), group=[1, 0], skills=[_BILLING, _VIP])
    assert slot.tolist() == [1, 0, 0] and ans.tolist() == [0, 1, 107]


def _blend(reserve, n_calls=3):
    return {"agents": [True, False, False], "desk": [True, True, True], "days": [0], "hours": (0, 86_400),
            "reserve": reserve, "gap": np.full(n_calls, 30), "ring": np.full(n_calls, 5),
            "handle": np.full(n_calls, 100)}


def test_blending_keeps_a_reserve_for_inbound():
    # three idle agents log in at 0, 10, 20; agent 0 may blend: with 2 others idle (logged in first) it dials
    logins = [30, 10, 20]
    *_, (j, k, dial, ans) = _sim([5000], [100], [60], [0], logins, [4000] * 3, blend=_blend(2, n_calls=2))
    assert k.tolist() == [0, 0] and dial.tolist() == [30, 165] and ans.tolist() == [65, 200]
    # with a reserve of 3 the two others are not enough: agent 0 stays idle and answers the call of 100
    slot, ans, *_, (j, k, dial, _) = _sim([100], [100], [60], [0], logins, [4000] * 3, blend=_blend(3))
    assert len(k) == 0 and slot.tolist() == [1]  # the longest idle agent answers
    # outside the dialler's hours or days nothing is dialled
    b = _blend(2) | {"days": [1]}
    *_, (j, k, _, _) = _sim([5000], [100], [60], [0], logins, [4000] * 3, blend=b)
    assert len(k) == 0


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


@pytest.mark.parametrize("n", [3, 5, 9, 14])
def test_days_off_follow_the_weekday_requirement(n):
    for q in QUEUES:
        target = at_work_target(q.weekday, n)
        assert target.sum() == pytest.approx(5 * n) and target.max() <= n + 1e-9
        assert target / target.sum() == pytest.approx(np.minimum(target, n) / target.sum())
        assert np.argmax(target) == int(np.argmax(q.weekday))  # most at work on the busiest day (Monday)
        at = _WORKS[days_off(target, [0] * n)].sum(0)
        assert at.sum() == 5 * n and np.abs(at - target).max() < 1, (q.name, at, target)
    # a weekday needing more than everyone: all at work, the rest spread in proportion
    t = at_work_target([10, 1, 1, 1, 1, 1, 1], 7)
    assert t[0] == pytest.approx(7) and t[1:] == pytest.approx(np.full(6, 28 / 6))


def test_night_days_off_leave_every_night_covered_and_pairs_are_kept():
    at = _WORKS[days_off(at_work_target(None, 3), [0, 0, 0])].sum(0)
    assert sorted(at) == [2, 2, 2, 2, 2, 2, 3]  # three night agents: at least two on every night
    pairs = days_off(at_work_target(QUEUES[0].weekday, 9), [0] * 9)
    assert days_off(at_work_target(QUEUES[0].weekday, 9), pairs) == pairs  # a good roster stays as it is


def test_vip_calls_route_to_the_night_team_out_of_service_hours():
    t = np.array([7 * 3600 + 3599, 8 * 3600, 20 * 3600 + 3599, 21 * 3600, 3 * 3600]) + 20_000 * 86_400
    assert [ROUTES[x] for x in route(np.full(5, QI["vip"]), t)] == ["vip_out", "vip", "vip", "vip_out", "vip_out"]
    assert route(np.full(5, QI["billing"]), t).tolist() == [QI["billing"]] * 5


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


def test_writer_encodings_read_back_everywhere(tmp_path):
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ccnb.sample import writer

    n = 5000
    t = pa.table({"id": writer.ids("C2610", np.arange(1, n + 1), 8),
                  "ts": pa.array(np.arange(n, dtype=np.int64) * 7_000_000 + 1_700_000_000_000_000, pa.timestamp("us")),
                  "queue": pa.array(np.array(["billing", "chat", "vip"])[np.arange(n) % 3]),
                  "wait": pa.array(np.arange(n) % 40, pa.float64())})
    enc = writer.encodings(t)
    assert enc["use_dictionary"] == ["queue", "wait"]
    assert enc["column_encoding"] == {"id": "DELTA_BYTE_ARRAY", "ts": "DELTA_BINARY_PACKED"}
    f = tmp_path / "t.parquet"
    f.write_bytes(writer.to_bytes(t))
    assert writer.to_bytes(t) == f.read_bytes()  # deterministic
    assert "DELTA_BYTE_ARRAY" in pq.read_metadata(f).row_group(0).column(0).encodings
    assert pq.read_table(f).equals(t)
    assert duckdb.sql(f"SELECT * FROM '{f}'").to_arrow_table().equals(t)
