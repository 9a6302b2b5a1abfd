"""Agents staffed per queue and desk, counted once, on a hand-built half-hour (Monday 5 October 2026).

Five agents; the voice queues billing and sales form the voice desk (params/default.yaml
``staffing.desks``), chat its own desk. Every contact is answered at once (wait 0, hold 0);
e = end of ACW. The half-hour under test is 10:00-10:30.

    A  primary billing  billing 10:00-10:12 (talk 600 + ACW 120), sales 10:12-10:24 (600 + 120),
                        billing 10:30-10:40 (540 + 60); agent day: no break (share 1)
    B  primary sales    sales 10:00-10:10 (540 + 60), OUTBOUND 10:10-10:20 (540 + 60),
                        billing 10:20-10:30 (540 + 60); no break
    C  primary billing  billing 09:50-10:00 and 10:30-10:40 (540 + 60 each); idle 10:00-10:30; no break
    D  primary sales    sales 09:30, 09:40, 09:50 and 10:30, 10:40, 10:50 (540 + 60 each), back to back;
                        agent day: logged in 5400 s, handling 3600 s, break 1800 s: on break 10:00-10:30
    E  primary chat     chat 10:00-10:30 (1740 + 60) and 10:05-10:25 (1140 + 60), two at once; no break

By hand, 10:00-10:30 (agents = seconds available for inbound / 1800):

    A  span 10:00-10:40, busy 1440 s of the half-hour, nothing away: 1 agent, shared by handling
       time: billing 720/1440 = 0.5, sales 0.5
    B  span 10:00-10:30: 1800 s, of which 600 s outbound (not inbound): 1200 s = 2/3 agent,
       billing 600/1200 x 2/3 = 1/3, sales 1/3
    C  span 09:30-10:40, no contact in the half-hour: idle, 1 agent to the primary queue, billing
    D  span 09:30-11:00: away = 5400 x (1 - 3600/5400) = 1800 s; the only slack of the span is
       10:00-10:30 (busy throughout before and after): 0 agents
    E  span 10:00-10:30, chats 1800 + 1200 s = 1500 s busy at concurrency 2, nothing away: 1 agent, chat

    billing 0.5 + 1/3 + 1 = 11/6, sales 0.5 + 1/3 = 5/6, chat 1; voice desk 8/3, chat desk 1;
    sum 11/3 = the agents available for inbound (A 1 + B 2/3 + C 1 + D 0 + E 1). Counting every
    agent in every queue they answered would give billing 3 and sales 2 (A and B twice).
"""
import numpy as np
import pandas as pd
import pytest

from ccnb.data import Tables
from ccnb.forecast.series import interval_series
from ccnb.params import load_params
from ccnb.staffing import agents_needed, desks
from ccnb.staffing.actual import agent_intervals, compare, staffed_intervals, summary

DAY = "2026-10-05"
T10 = pd.Timestamp(f"{DAY} 10:00")

# (agent, queue, channel, direction, answer hh:mm, talk_s, acw_s)
CONTACTS = [
    ("A", "billing", "voice", "inbound", "10:00", 600, 120),
    ("A", "sales", "voice", "inbound", "10:12", 600, 120),
    ("A", "billing", "voice", "inbound", "10:30", 540, 60),
    ("B", "sales", "voice", "inbound", "10:00", 540, 60),
    ("B", "sales", "voice", "outbound", "10:10", 540, 60),
    ("B", "billing", "voice", "inbound", "10:20", 540, 60),
    ("C", "billing", "voice", "inbound", "09:50", 540, 60),
    ("C", "billing", "voice", "inbound", "10:30", 540, 60),
    *[("D", "sales", "voice", "inbound", hm, 540, 60) for hm in ("09:30", "09:40", "09:50", "10:30", "10:40", "10:50")],
    ("E", "chat", "chat", "inbound", "10:00", 1740, 60),
    ("E", "chat", "chat", "inbound", "10:05", 1140, 60),
]
# agent -> (primary queue, logged in, talk, ACW, idle, break) on the day
DAYS = {
    "A": ("billing", 2400, 1740, 300, 360, 0),
    "B": ("sales", 1800, 1620, 180, 0, 0),
    "C": ("billing", 4200, 1080, 120, 3000, 0),
    "D": ("sales", 5400, 3240, 360, 0, 1800),
    "E": ("chat", 1800, 1740, 60, 0, 0),
}


def _frames():
    rows = []
    for k, (agent, queue, channel, direction, hm, talk, acw) in enumerate(CONTACTS):
        a = pd.Timestamp(f"{DAY} {hm}")
        rows.append(dict(contact_id=f"K{k:02d}", channel=channel, direction=direction, queue=queue, arrival_ts=a,
                         answer_ts=a, end_ts=a + pd.Timedelta(seconds=talk), customer_id=None, agent_id=agent,
                         wait_s=0.0, talk_s=float(talk), hold_s=0.0, acw_s=float(acw), abandoned=False,
                         transferred=False, self_served=False, reason="x", resolved=True, converted=False))
    inter = pd.DataFrame(rows)
    inter["resolved"] = inter["resolved"].astype("boolean")
    agents = pd.DataFrame([dict(agent_id=a, team="T1", supervisor="S1", site="Shanghai", shift="day", queue=q,
                                hire_date=pd.Timestamp("2025-01-06").date(), leave_date=None, leave_reason=None)
                           for a, (q, *_) in DAYS.items()])
    days = pd.DataFrame([dict(agent_id=a, date=pd.Timestamp(DAY).date(), scheduled_s=28800.0, logged_in_s=float(li),
                              talk_s=float(tk), hold_s=0.0, acw_s=float(aw), idle_s=float(idle), break_s=float(brk),
                              break_count=int(brk > 0), present=True, training_assigned=0, training_completed=0)
                         for a, (_, li, tk, aw, idle, brk) in DAYS.items()])
    return {"interactions": inter, "agents": agents, "agent_days": days}


@pytest.fixture(scope="module")
def tables():
    return Tables.from_frames(_frames(), month="2026-10")


@pytest.fixture(scope="module")
def params():
    return load_params(overrides={"staffing": {"model": "erlang_c"}})


def test_each_agent_counts_once_shared_by_handling_time(tables, params):
    a = agent_intervals(tables, "2026-10-01", "2026-11-01", params)
    h = a[a["ts"] == T10].set_index(["agent_id", "queue"])["staffed"]
    assert h.to_dict() == pytest.approx({("A", "billing"): 0.5, ("A", "sales"): 0.5, ("B", "billing"): 1 / 3,
                                         ("B", "sales"): 1 / 3, ("C", "billing"): 1.0, ("E", "chat"): 1.0})
    assert "D" not in h.index.get_level_values("agent_id")                 # on break all the half-hour
    # per agent the queues add up to the agent's availability, never more than one agent
    assert a.groupby(["agent_id", "ts"])["staffed"].sum().max() <= 1 + 1e-9
    # the half-hours around it: 09:30 C (idle after c1 until 09:50) and D busy; 10:30 A and C 10 minutes, D busy
    h930 = a[a["ts"] == pd.Timestamp(f"{DAY} 09:30")].set_index(["agent_id", "queue"])["staffed"]
    assert h930.to_dict() == pytest.approx({("C", "billing"): 1.0, ("D", "sales"): 1.0})
    h1030 = a[a["ts"] == pd.Timestamp(f"{DAY} 10:30")].set_index(["agent_id", "queue"])["staffed"]
    assert h1030.to_dict() == pytest.approx({("A", "billing"): 1 / 3, ("C", "billing"): 1 / 3, ("D", "sales"): 1.0})


def test_staffed_per_queue_and_desk_add_up_to_the_agents_available(tables, params):
    st = staffed_intervals(tables, "2026-10-01", "2026-11-01", params)
    h = st[st["ts"] == T10].set_index("queue")
    assert h["staffed"].to_dict() == pytest.approx({"billing": 11 / 6, "sales": 5 / 6, "chat": 1.0})
    assert h["present"].to_dict() == {"billing": 3, "sales": 2, "chat": 1}
    assert h["desk"].to_dict() == {"billing": "voice", "sales": "voice", "chat": "chat"}
    per_desk = h.groupby("desk")["staffed"].sum()
    assert per_desk.to_dict() == pytest.approx({"voice": 8 / 3, "chat": 1.0})
    available = 1 + 2 / 3 + 1 + 0 + 1                                     # A, B (less outbound), C, D (break), E
    assert h["staffed"].sum() == pytest.approx(available)


def test_required_per_desk_on_pooled_traffic_and_queues_share_it(tables, params):
    s = interval_series(tables, params)
    cmp = compare(tables, "2026-10", params, s)
    d = cmp.desks.set_index(["desk", "ts"])
    q = cmp.queues.set_index(["queue", "ts"])
    # voice desk 10:00: offered billing 2 (A 10:00, B 10:20) + sales 2 (B 10:00, A 10:12); handle 720+600+720+600 s;
    # the month's voice AHT = (2040 A + 1200 B + 1200 C + 3600 D) / 13 handled; shrunk with 10 contacts
    base = 8040 / 13
    aht = (2640 + 10 * base) / (4 + 10)
    v = d.loc[("voice", T10)]
    assert v["offered"] == 4 and v["aht_s"] == pytest.approx(aht)
    req = agents_needed(4, aht, 1800, service_level=0.8, answer_s=20, max_occupancy=params.staffing.max_occupancy)
    assert v["required"] == req
    assert v["staffed"] == pytest.approx(8 / 3) and v["present"] == 3      # A, B and C; D on break
    # queues' shares of the desk by workload: billing AHT (1320 + 10 x 3120/5) / 12 = 630 s, sales
    # (1320 + 10 x 4920/8) / 12 = 622.5 s, two contacts each
    b, sl = q.loc[("billing", T10)], q.loc[("sales", T10)]
    assert b["aht_s"] == pytest.approx(630.0) and sl["aht_s"] == pytest.approx(622.5)
    assert b["required"] == pytest.approx(req * 630 / (630 + 622.5))
    assert sl["required"] == pytest.approx(req * 622.5 / (630 + 622.5))
    # staffed apart, each queue would need its own agents: more in total than the pooled desk
    own = agents_needed(2, 630.0, 1800, service_level=0.8, answer_s=20, max_occupancy=params.staffing.max_occupancy)
    assert b["required_own"] == own and b["required_own"] + sl["required_own"] > req
    assert (b["staffed"], sl["staffed"]) == pytest.approx((11 / 6, 5 / 6))
    # every interval: the queues of a desk add up to the desk, staffed and required
    tot = cmp.queues.groupby(["desk", "ts"])[["staffed", "required"]].sum()
    j = tot.add_suffix("_q").join(cmp.desks.set_index(["desk", "ts"])[["staffed", "required"]])
    assert np.allclose(j["staffed_q"], j["staffed"]) and np.allclose(j["required_q"], j["required"])
    # status: under when staffed < required - 0.5, over when staffed > required x 1.2 + 0.5
    exp = "under" if 8 / 3 < req - 0.5 else ("over" if 8 / 3 > req * 1.2 + 0.5 else "ok")
    assert v["status"] == exp
    # chat desk: its one queue; 2 chats of 1800 and 1200 s handled, concurrency 2
    c = d.loc[("chat", T10)]
    assert c["staffed"] == pytest.approx(1.0) and c["offered"] == 2
    sm = summary(cmp, params)
    # busiest first: the voice desk (13 inbound contacts: sales 8, billing 5), then chat (2)
    assert list(sm["level"]) == ["desk", "queue", "queue", "desk", "all"]
    assert list(sm["unit"]) == ["voice", "sales", "billing", "chat", "all"]
    assert sm.iloc[-1]["intervals"] == (cmp.desks["offered"] > 0).sum()


def test_desks_from_params_and_pooled_patience(params):
    assert desks.desk_map(["billing", "sales", "chat", "complaints"], params) == {
        "billing": "voice", "sales": "voice", "chat": "chat", "complaints": "complaints"}
    with pytest.raises(ValueError, match="mixes channels"):
        desks.check_channels({"billing": "voice", "chat": "chat"}, {"billing": "x", "chat": "x"})
    # pooled MLE: total wait / abandons = (100 x 3 + 50 x 1) / 4
    p = desks.pooled_patience(pd.Series({"billing": 100.0, "sales": 50.0}), pd.Series({"billing": 3, "sales": 1}),
                              {"billing": "voice", "sales": "voice"})
    assert p.to_dict() == {"voice": pytest.approx(87.5)}
