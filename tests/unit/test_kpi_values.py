"""Every KPI on the tiny hand-built data set (tests/data/tiny), computed by hand.

October 2026, loaded as of the month end. The arithmetic is written out so that a
reviewer can check each expected value against the CSV files.
"""
import math

import pytest

import ccnb.data
import ccnb.kpi
from ccnb.kpi import REGISTRY

TINY = "tests/data/tiny"


@pytest.fixture(scope="module")
def tables(project_root):
    return ccnb.data.load(project_root / TINY, month="2026-10")


@pytest.fixture(scope="module")
def center(tables):
    return ccnb.kpi.compute(tables, "2026-10").loc["center"]


# Offered (inbound voice/chat, not self-served): I01 I02 I03 I04 I05 I06 I09 I10 I11 I12 = 10
# Answered: I01 I02 I03 I05 I06 I09 I10 I11 = 8; abandoned: I04 I12 = 2
# Waits of answered: 10 30 5 15 40 20 25 8 (sum 153); within 20 s: I01 I03 I05 I09 I11 = 5
# Handled by an agent (any direction): I01 300, I02 270, I03 240, I05 600, I06 480, I08 180,
#   I09 420, I10 360, I11 180 -> 9 contacts, 3030 s
# FCR base (handled inbound, known customer): I01 I02 I03 I05 I06 I09 I10 I11 = 8; not FCR: I02
#   (unresolved). I09 (31 Oct) would be repeated by N1 (2 Nov) but N1 is not known at October's end.
#   I10 -> I11 is 13 days apart, outside the 7-day window.
# Surveys of October contacts: csat 5 2 4 5 3; nps 10 3 8 9 6; ces 7 2 5 (blank) 4
# QA (calibration E5 excluded): 90, 70, 0 (E3 critical fail), 85
# Agent days: occupancy (12000 + 15000 + 13000) / ((27000-3600) + (28800-3000) + (25200-2400) + 0)
#   utilization (21000 + 22200 + 21000) / 81000; breaks (3+2+4)/3 present days; attendance 3/4;
#   training (1+0+0+1)/(1+1+0+2)
# Complaints opened in October: K1 (resolved 6 Oct), K2 (resolved 3 Nov: after the month), K3 open
# Attrition: A4 left 20 Oct; headcount 4 at the start, 3 at the end -> 1 / 3.5 * 12
# Retention (12 months to 31 Oct 2026): base = customers active on 1 Nov 2025: C1..C7 (C8 joined
#   2026-06); lost C6 (2026-10-20) and C7 (2026-01-15); C5 leaves 2026-11-10, unknown in October.
EXPECTED = {
    "answer_rate": 8 / 10,
    "abandon_rate": 2 / 10,
    "service_level": 5 / 10,
    "asa_s": 153 / 8,
    "long_wait_rate": 0 / 10,
    "self_service_rate": 1 / 11,
    "aht_s": 3030 / 9,
    "transfer_rate": 1 / 9,
    "fcr": 7 / 8,
    "csat": 3 / 5,
    "nps": 100 * (2 - 2) / 5,
    "ces": 2 / 4,
    "conversion": 2 / 3,
    "complaint_resolution": 1 / 3,
    "customer_retention": 5 / 7,
    "occupancy": 40000 / 72000,
    "utilization": 64200 / 81000,
    "break_count": 9 / 3,
    "attendance": 3 / 4,
    "training_completion": 2 / 4,
    "attrition": 1 / 3.5 * 12,
    "qa_score": (90 + 70 + 0 + 85) / 4,
    # pass mark 80: E1 90 passes, E2 70 fails, E3 95 has a critical fail, E4 85 passes
    "qa_pass_rate": 2 / 4,
    "qa_critical_rate": 1 / 4,
}


def test_every_registry_kpi_is_hand_checked():
    assert set(EXPECTED) == set(REGISTRY)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_center_kpi(center, key):
    assert center[key] == pytest.approx(EXPECTED[key], rel=1e-12, abs=1e-12)


def test_sample_sizes(center):
    assert (center["offered"], center["handled"], center["surveys"], center["evaluations"]) == (10, 9, 5, 4)
    assert (center["sales_handled"], center["complaints"], center["headcount"]) == (3, 3, 3)


def test_team_level(tables):
    team = ccnb.kpi.compute(tables, "2026-10", level="team")
    # T1 = A1, A2: I01 300, I02 270, I03 240, I09 420, I10 360, I11 180
    assert team.loc["T1", "aht_s"] == pytest.approx(1770 / 6)
    # T2 = A3, A4: I05 600, I06 480, I08 180
    assert team.loc["T2", "aht_s"] == pytest.approx(1260 / 3)
    # T2: A4 left; headcount 2 at start, 1 at end
    assert team.loc["T2", "attrition"] == pytest.approx(1 / 1.5 * 12)
    assert team.loc["T1", "attrition"] == 0
    # queue KPIs do not apply to teams: abandoned calls belong to no team
    assert "answer_rate" not in team.columns


def test_agent_without_surveys_has_no_survey_kpis(tables):
    agent = ccnb.kpi.compute(tables, "2026-10", level="agent")
    assert agent.loc["A4", "surveys"] == 0
    assert math.isnan(agent.loc["A4", "csat"]) and math.isnan(agent.loc["A4", "nps"])
    assert agent.loc["A2", "qa_score"] == 0  # E3 critical fail
    assert agent.loc["A1", "agent_name"] == "张伟"


def test_queue_level(tables):
    q = ccnb.kpi.compute(tables, "2026-10", level="queue")
    # sales offered: I05 (answered, 15 s), I06 (answered, 40 s)
    assert q.loc["sales", "answer_rate"] == 1.0
    assert q.loc["sales", "service_level"] == pytest.approx(1 / 2)
    # billing offered: I01 I02 I03 I04 I09 I10 I11 I12 = 8, answered 6
    assert q.loc["billing", "answer_rate"] == pytest.approx(6 / 8)


def test_trend_previous_month(tables):
    tr = ccnb.kpi.trend(tables, "2026-10", months=2)
    sep = tr.xs("2026-09", level="month").loc["center"]
    # September: S1 answered, S2 abandoned, S3 answered
    assert sep["answer_rate"] == pytest.approx(2 / 3)
    # S3 (28 Sep, bill) is repeated by I01 (5 Oct, bill) 6 days 23 h later: not FCR; S1 is
    assert sep["fcr"] == pytest.approx(1 / 2)
    # base on 1 Oct 2025: C1..C7; C7 lost by 1 Oct 2026
    assert sep["customer_retention"] == pytest.approx(6 / 7)
    oct_ = tr.xs("2026-10", level="month").loc["center"]
    assert oct_["fcr"] == pytest.approx(7 / 8)


def test_full_history_sees_the_november_repeat(project_root):
    """Without the as-of cut, N1 (2 Nov) makes I09 (31 Oct) a repeat: FCR drops to 6/8."""
    t = ccnb.data.load(project_root / TINY)
    assert ccnb.kpi.compute(t, "2026-10").loc["center", "fcr"] == pytest.approx(6 / 8)


def test_parameters_change_definitions(tables):
    from ccnb.params import load_params

    p = load_params(overrides={"kpi": {"service_level_answer_s": 30, "fcr_window_days": 14}})
    c = ccnb.kpi.compute(tables, "2026-10", params=p).loc["center"]
    # within 30 s: I01 I02 I03 I05 I09 I10 I11 = 7 of 10
    assert c["service_level"] == pytest.approx(7 / 10)
    # a 14-day window makes I10 -> I11 (13 days) a repeat: 6 / 8
    assert c["fcr"] == pytest.approx(6 / 8)


def test_overview_days_add_up_to_the_month(tables):
    """The overview's daily series uses the registry's 'offered': its days sum to the month's KPIs."""
    from ccnb.params import load_params
    from ccnb.rollup import overview

    d = overview.daily(tables, "2026-10", load_params())
    assert d["offered"].sum() == 10 and d["answered"].sum() == 8 and d["abandoned"].sum() == 2
    # 5 October: I01 (10 s), I02 (30 s), I04 abandoned -> 1 of 3 within 20 s
    oct5 = d[d["date"].astype(str) == "2026-10-05"].iloc[0]
    assert (oct5["offered"], oct5["service_level"]) == (3, pytest.approx(1 / 3))
