"""Interval series, patience, shrinkage, the plan and staffed agents on the tiny hand-built data
(tests/data/tiny; contacts listed in its README). Every expected number is worked out in a comment."""
import math

import numpy as np
import pandas as pd
import pytest

import ccnb.data
from ccnb.forecast.series import interval_series, patience, series_of
from ccnb.params import load_params
from ccnb.staffing import plan
from ccnb.staffing.actual import staffed_intervals

TINY = "tests/data/tiny"


@pytest.fixture(scope="module")
def tiny(project_root):
    return ccnb.data.load(project_root / TINY, month="2026-10")


@pytest.fixture(scope="module")
def params():
    return load_params()


def test_interval_series_counts_offered_as_the_kpi_registry(tiny, params):
    s = interval_series(tiny, params, fill=False).set_index(["queue", "ts"])
    # billing S1 S2 S3 I01-I04 I09-I12 (11), sales I05 I06 (2); I07 (self-served), I08 (outbound) and
    # N1 (November, hidden as of October) are not offered
    assert s["offered"].sum() == 13
    assert s.xs("billing")["offered"].sum() == 11
    assert s.xs("sales")["offered"].sum() == 2                       # I05 voice, I06 chat
    r = s.loc[("billing", pd.Timestamp("2026-10-05 09:00"))]
    # I01 (wait 10, 240+20+40 s), I02 (wait 30, 200+0+70 s), I04 abandoned after 60 s
    assert (r["offered"], r["answered"], r["abandoned"], r["in_sl"], r["handled"]) == (3, 2, 1, 1, 2)
    assert (r["handle_s"], r["wait_answered_s"], r["wait_abandoned_s"]) == (570.0, 40.0, 60.0)
    # I09 arrives 31 Oct 23:58: the 23:30 interval of October
    assert s.loc[("billing", pd.Timestamp("2026-10-31 23:30")), "offered"] == 1
    assert dict(s.reset_index().drop_duplicates("queue")[["queue", "channel"]].values) == {"billing": "voice",
                                                                                          "sales": "voice"}


def test_interval_series_fills_zeros_inside_opening_hours(tiny, params):
    s = interval_series(tiny, params)
    b = s[s["queue"] == "billing"]
    assert b["open"].any()
    # every open interval from the first day to the month end is present, quiet ones as zeros
    assert b["offered"].sum() == 11 and (b.loc[b["offered"] == 0, "open"]).all()
    assert b["ts"].max() < pd.Timestamp("2026-11-01") and b["ts"].is_monotonic_increasing
    assert series_of(s).sum() == 13


def test_patience_is_total_wait_over_abandons(tiny, params):
    p = patience(interval_series(tiny, params, fill=False))
    # billing abandons: S2 50 s, I04 60 s, I12 3 s; answered waits 10+30+10+30+5+20+25+8 = 138 s
    assert p.loc["billing", "abandoned"] == 3
    assert p.loc["billing", "patience_s"] == pytest.approx((138 + 113) / 3)
    assert math.isnan(p.loc["sales", "patience_s"])                    # no abandon: no estimate


def test_measured_shrinkage_by_hand(tiny):
    m = plan.measured_shrinkage(tiny, "2026-10-01", "2026-11-01")
    c = m.loc["center"]
    # scheduled 4 x 28800 = 115200 s; available (talk+hold+ACW+idle) 21000 + 0 + 22200 + 21000 = 64200 s
    assert c["shrinkage"] == pytest.approx(1 - 64200 / 115200)
    assert c["absence"] == pytest.approx(28800 / 115200)               # A1 absent on 6 Oct
    assert c["breaks"] == pytest.approx(9000 / 115200)
    assert c["other_aux"] == pytest.approx(7800 / 115200)              # logged in, not handling/idle/break
    assert c["not_logged_in"] == pytest.approx(5400 / 115200)
    assert c[["absence", "breaks", "other_aux", "not_logged_in"]].sum() == pytest.approx(c["shrinkage"])
    assert m.loc["billing", "shrinkage"] == pytest.approx(1 - 43200 / 86400)   # A1 and A2


def test_requirements_scheduled_and_fte_by_hand(params):
    p = params.model_copy(deep=True)
    p.staffing.model = "erlang_c"
    p.staffing.max_occupancy = 0.85
    inp = pd.DataFrame({"queue": ["billing", "chat"], "channel": ["voice", "chat"],
                        "ts": pd.to_datetime(["2026-11-02 10:00", "2026-11-02 10:00"]),
                        "calls": [100.0, 100.0], "aht_s": [180.0, 180.0]})
    r = plan.requirements(inp, p, shrinkage=0.30)
    # 10 erlangs -> 14 agents for 80/20; chat agents hold 2 chats: 14 slots -> 7 agents
    assert list(r["required"]) == [14, 7]
    assert list(r["scheduled"]) == [20, 10]                            # ceil(14 / 0.7), ceil(7 / 0.7)
    assert r["traffic"].tolist() == [10.0, 10.0]
    f = plan.fte(r, p)
    # 30 scheduled agents for one half-hour = 15 agent-hours in a 1-day plan: 15 / (40 x 1/7) FTE
    assert f["monthly"]["hours"].iloc[0] == 15.0
    assert f["monthly"]["fte"].iloc[0] == pytest.approx(15 / (40 / 7))
    assert f["weekly"]["days"].tolist() == [1]


def test_what_if_is_monotone_in_target_and_handle_time(params):
    ts = pd.date_range("2026-11-02 08:00", periods=20, freq="30min")
    inp = pd.DataFrame({"queue": "billing", "channel": "voice", "ts": ts, "calls": np.linspace(20, 200, 20),
                        "aht_s": 200.0})
    w = plan.what_if(inp, params, targets=[0.7, 0.8, 0.9], aht_changes=[-0.1, 0.0, 0.1], shrinkage=0.3)
    assert len(w) == 9
    grid = w.pivot(index="target", columns="aht_change", values="scheduled_hours")
    assert (np.diff(grid.to_numpy(), axis=0) > 0).all() and (np.diff(grid.to_numpy(), axis=1) > 0).all()
    assert (w["service_level"] >= w["target"] - 1e-9).all()


def test_staffed_agents_from_work_spans(tiny, params):
    st = staffed_intervals(tiny, "2026-10-01", "2026-11-01", params).set_index(["queue", "ts"])
    # A1 on 5 Oct: I01 (09:00:10, 300 s with ACW) and I02 (09:10:30, 270 s) form one span 09:00 (start of the
    # first contact's interval) to 09:15:00 (I02 ends 09:13:50 + 70 s ACW); time away that day 1 - 21000/27000
    # of the span's 900 s = 200 s, placed in its 330 s of slack: 700 s available
    r = st.loc[("billing", pd.Timestamp("2026-10-05 09:00"))]
    assert r["present"] == 1 and r["desk"] == "voice"
    assert r["staffed"] == pytest.approx(900 * (21000 / 27000) / 1800)
    # A2 on 12 Oct: I10 answered 23:55:25, ends 00:00:25 + 60 s -> the span crosses midnight: 1800 s + 85 s.
    # No agent_days row that day: time away = shrinkage x 1885 s, all placed in the 1525 s of slack before
    # the call (the 85 s after midnight are the call's own)
    away = params.staffing.shrinkage * 1885
    assert st.loc[("billing", pd.Timestamp("2026-10-12 23:30")), "staffed"] == pytest.approx((1800 - away) / 1800)
    assert st.loc[("billing", pd.Timestamp("2026-10-13 00:00")), "staffed"] == pytest.approx(85 / 1800)
    # outbound work (A3's I08) is not inbound staffing
    assert ("sales", pd.Timestamp("2026-10-09 11:00")) not in st.index
