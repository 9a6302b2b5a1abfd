"""Agent attrition on a constructed roster (hand-computed), agreement with the ``attrition`` KPI,
tenure spells, and the early-warning signals on constructed day records and QA.

Report month October 2026 (cutoff 2026-11-01); the data begins in July 2026 (first contact).
Roster (hire -> last working day):

    A1 T1/S1 day   2024-01-01 -> stays                      (24+ months)
    A2 T1/S1 night 2026-05-10 -> 2026-08-15 voluntary      (under 3 months at 1 Aug)
    A3 T2/S2 day   2026-08-20 -> stays                      (hired in the window)
    A4 T2/S2 day   2025-09-01 -> 2026-10-31 involuntary    (6-12 months in Aug and Sep, 12-24 in Oct)
    A5 T2/S2 peak  2023-01-01 -> 2026-11-15 voluntary      (after the cutoff: unknown, still employed)
    A6 T1/S1 day   2025-12-01 -> 2026-07-20                 (left before the window)

Average headcount per month ((start + end) / 2), window August-October:
    Aug: A1 1 + A2 0.5 + A3 0.5 + A4 1 + A5 1 = 4.0, leavers A2
    Sep: A1 + A3 + A4 + A5 = 4.0, no leavers
    Oct: A1 1 + A3 1 + A4 0.5 + A5 1 = 3.5, leavers A4
"""
import pandas as pd
import pytest

import ccnb.kpi
from ccnb.data import Tables
from ccnb.params import load_params
from ccnb.retention import agent_attrition, agent_signals, agent_spells, early_warnings
from ccnb.retention.agents import attrition_trend, tenure_bands

ROSTER = [
    ("A1", "T1", "S1", "day", "2024-01-01", None, None),
    ("A2", "T1", "S1", "night", "2026-05-10", "2026-08-15", "voluntary"),
    ("A3", "T2", "S2", "day", "2026-08-20", None, None),
    ("A4", "T2", "S2", "day", "2025-09-01", "2026-10-31", "involuntary"),
    ("A5", "T2", "S2", "peak", "2023-01-01", "2026-11-15", "voluntary"),
    ("A6", "T1", "S1", "day", "2025-12-01", "2026-07-20", None),
]


def _agents():
    df = pd.DataFrame(ROSTER, columns=["agent_id", "team", "supervisor", "shift", "hire_date", "leave_date",
                                       "leave_reason"])
    df["agent_name"] = ["张伟", "Li", "<b>Wang</b>", "Zhao", "Qian", "Sun"]
    df["site"] = "Shanghai"
    df["hire_date"] = pd.to_datetime(df["hire_date"]).dt.date
    df["leave_date"] = pd.to_datetime(df["leave_date"]).dt.date
    return df


def _contacts(days):
    rows = []
    for i, d in enumerate(days):
        a = pd.Timestamp(d)
        rows.append(dict(contact_id=f"X{i}", channel="voice", direction="inbound", queue="billing", arrival_ts=a,
                         answer_ts=pd.NaT, end_ts=a + pd.Timedelta(seconds=30), customer_id=None, agent_id=None,
                         wait_s=30.0, talk_s=0.0, hold_s=0.0, acw_s=0.0, abandoned=True, transferred=False,
                         self_served=False, reason=None, resolved=None, converted=False))
    df = pd.DataFrame(rows)
    df["resolved"] = df["resolved"].astype("boolean")
    return df


def _day(agent, date, present=True, brk=3600.0, occ=0.7, scheduled=28800.0):
    if not present:
        return dict(agent_id=agent, date=date, scheduled_s=scheduled, logged_in_s=0.0, talk_s=0.0, hold_s=0.0,
                    acw_s=0.0, idle_s=0.0, break_s=0.0, break_count=0, present=False, training_assigned=0,
                    training_completed=0)
    logged = 28800.0
    talk = occ * (logged - brk)
    return dict(agent_id=agent, date=date, scheduled_s=scheduled, logged_in_s=logged, talk_s=talk, hold_s=0.0,
                acw_s=0.0, idle_s=logged - brk - talk, break_s=brk, break_count=3, present=True,
                training_assigned=0, training_completed=0)


def _agent_days():
    cut = pd.Timestamp("2026-11-01")
    rows = []
    for k in range(1, 12 * 7 + 1):          # 84 days before the cutoff: weeks 0..11
        d = (cut - pd.Timedelta(days=k)).date()
        recent = k <= 28
        # A1: absent on 4 of the last 28 days, longer breaks lately
        rows.append(_day("A1", d, present=not (recent and k % 7 == 0), brk=4200.0 if recent else 3600.0))
        # A3 (from its hire date): occupancy 90 % in the last 4 weeks
        if d >= pd.Timestamp("2026-08-20").date():
            rows.append(_day("A3", d, occ=0.9 if recent else 0.7))
        # A5: steady
        rows.append(_day("A5", d))
    return pd.DataFrame(rows)


def _qa():
    rows = []
    evals = [("A1", "2026-09-01", 90), ("A1", "2026-09-08", 90), ("A1", "2026-09-15", 90), ("A1", "2026-09-22", 90),
             ("A1", "2026-10-06", 80), ("A1", "2026-10-13", 76), ("A1", "2026-10-20", 78), ("A1", "2026-10-27", 78),
             # A5: only two in the recent weeks -> not compared, however low
             ("A5", "2026-09-01", 95), ("A5", "2026-09-08", 95), ("A5", "2026-09-15", 95),
             ("A5", "2026-10-20", 50), ("A5", "2026-10-27", 50)]
    for i, (a, d, s) in enumerate(evals):
        rows.append(dict(evaluation_id=f"E{i}", contact_id=None, agent_id=a, evaluator_id="Q1",
                         eval_date=pd.Timestamp(d).date(), total_score=float(s), critical_fail=False, calibration=False))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def tables():
    frames = {"agents": _agents(), "interactions": _contacts(["2026-07-01 10:00", "2026-10-10 10:00"]),
              "agent_days": _agent_days(), "qa_evaluations": _qa()}
    return Tables.from_frames(frames, month="2026-10")


@pytest.fixture(scope="module")
def params():
    return load_params(overrides={"retention": {"min_agent_months": 0}})


def test_tenure_band_codes():
    assert tenure_bands([3, 6, 12, 24]) == ["0-3", "3-6", "6-12", "12-24", "24+"]


def test_attrition_by_hand(tables, params):
    a = agent_attrition(tables, "2026-10", params, months=3).set_index(["level", "unit"])
    c = a.loc[("center", "center")]
    assert c["months"] == 3
    assert (c["leavers"], c["voluntary"], c["involuntary"], c["unknown_reason"]) == (2, 1, 1, 0)
    assert (c["headcount"], c["hires"]) == (3, 1)          # A1, A3, A5 at the end; A3 hired
    assert c["agent_months"] == pytest.approx(11.5)
    assert c["avg_headcount"] == pytest.approx(11.5 / 3)
    assert c["monthly_rate"] == pytest.approx(2 / 11.5)
    assert c["annualised"] == pytest.approx(24 / 11.5)
    assert c["voluntary_annualised"] == pytest.approx(12 / 11.5)
    assert c["target"] == 0.15 and c["light"] == "red"
    # teams (and their supervisors)
    for unit in ("T1", "S1"):
        r = a.loc[("team" if unit == "T1" else "supervisor", unit)]
        assert (r["leavers"], r["headcount"], r["hires"]) == (1, 1, 0)
        assert r["agent_months"] == pytest.approx(1.5 + 1 + 1) and r["annualised"] == pytest.approx(12 / 3.5)
    t2 = a.loc[("team", "T2")]
    assert (t2["leavers"], t2["headcount"], t2["hires"], t2["involuntary"]) == (1, 2, 1, 1)
    assert t2["agent_months"] == pytest.approx(2.5 + 3 + 2.5) and t2["annualised"] == pytest.approx(1.5)
    # shifts
    assert a.loc[("shift", "day"), "agent_months"] == pytest.approx(8) and a.loc[("shift", "day"), "leavers"] == 1
    assert a.loc[("shift", "night"), "annualised"] == pytest.approx(24)   # 1 leaver / 0.5 agent-months x 12
    assert a.loc[("shift", "peak"), "annualised"] == 0
    # tenure bands (tenure at each month's start)
    bands = a.loc["tenure_band"]
    assert bands.index.tolist() == ["0-3", "6-12", "12-24", "24+"]       # nobody at 3-6 months
    assert bands.loc["0-3", ["agent_months", "leavers", "hires", "headcount"]].tolist() == [3.0, 1, 1, 1]
    assert bands.loc["6-12", ["agent_months", "leavers"]].tolist() == [2.0, 0]
    assert bands.loc["12-24", ["agent_months", "leavers", "headcount"]].tolist() == [0.5, 1, 0]
    assert bands.loc["24+", ["agent_months", "leavers", "headcount"]].tolist() == [6.0, 0, 2]
    # each level adds up to the center
    for level in ("team", "supervisor", "shift", "tenure_band"):
        part = a.loc[level]
        assert part["leavers"].sum() == 2 and part["agent_months"].sum() == pytest.approx(11.5)


def test_attrition_agrees_with_the_registry_kpi(tables, params):
    one = agent_attrition(tables, "2026-10", params, months=1).set_index(["level", "unit"])
    kpi = ccnb.kpi.compute(tables, "2026-10", keys=["attrition"], params=params)
    assert one.loc[("center", "center"), "annualised"] == pytest.approx(kpi.loc["center", "attrition"])
    assert one.loc[("center", "center"), "annualised"] == pytest.approx(12 / 3.5)
    teams = ccnb.kpi.compute(tables, "2026-10", level="team", keys=["attrition"], params=params)["attrition"]
    for team, v in teams.items():
        assert one.loc[("team", team), "annualised"] == pytest.approx(v)
    tr = attrition_trend(tables, "2026-10", params, months=3)
    assert [str(m) for m in tr.index] == ["2026-08", "2026-09", "2026-10"]
    assert tr["leavers"].tolist() == [1, 0, 1] and tr["hires"].tolist() == [1, 0, 0]
    assert tr["headcount"].tolist() == [4, 4, 3]
    assert tr["annualised"].tolist() == pytest.approx([12 / 4, 0, 12 / 3.5])


def test_window_is_clipped_to_the_data(tables, params):
    a = agent_attrition(tables, "2026-10", params, months=12)
    assert a["months"].iloc[0] == 4          # July to October: no leavers are known before July
    # the default small-unit rule greys out units with under 24 agent-months
    grey = agent_attrition(tables, "2026-10", load_params(), months=3)
    assert set(grey["light"]) == {"grey"}


def test_agent_spells_censor_and_truncate(tables):
    sp = agent_spells(tables).set_index("entity")
    # A6 left on 20 July, after the data began: observed from 1 July
    assert sp.loc["A6", ["event", "entry"]].tolist() == [1, (pd.Timestamp("2026-07-01") - pd.Timestamp("2025-12-01")).days]
    assert sp.loc["A4", ["event", "duration"]].tolist() == [1, (pd.Timestamp("2026-11-01") - pd.Timestamp("2025-09-01")).days]
    assert sp.loc["A5", "event"] == 0          # leaves after the cutoff: unknown
    assert sp.loc["A1", "entry"] == (pd.Timestamp("2026-07-01") - pd.Timestamp("2024-01-01")).days
    assert sp.loc["A3", "entry"] == 0 and sp.loc["A3", "hire_quarter"] == "2026Q3"


def test_early_warning_signals_by_hand(tables, params):
    s = agent_signals(tables, "2026-10", params).set_index("agent_id")
    assert s.index.tolist() == ["A1", "A3", "A5"]            # employed at the cutoff (A4 left on 31 Oct)
    a1 = s.loc["A1"]
    assert a1["attendance_recent"] == pytest.approx(24 / 28) and a1["attendance_base"] == 1
    assert a1["breaks_recent"] == pytest.approx(70) and a1["breaks_base"] == pytest.approx(60)
    assert a1["qa_recent"] == pytest.approx(78) and a1["qa_base"] == pytest.approx(90)
    assert a1[["attendance_fall", "breaks_rise", "qa_fall", "high_occupancy"]].tolist() == [True, True, True, False]
    a3 = s.loc["A3"]
    assert a3["occupancy_weeks"] == 4 and a3["occupancy_recent"] == pytest.approx(0.9)
    assert a3[["attendance_fall", "breaks_rise", "qa_fall", "high_occupancy"]].tolist() == [False, False, False, True]
    assert s.loc["A5", "signals"] == 0                       # QA 50 on two evaluations only: not compared
    assert s.loc["A5", "qa_recent"] == pytest.approx(50)


def test_early_warning_list_with_reasons(tables, params):
    ew = early_warnings(tables, "2026-10", params, "en")
    assert ew["agent_id"].tolist() == ["A1", "A3"]
    assert ew["codes"].tolist() == ["attendance_fall;breaks_rise;qa_fall", "high_occupancy"]
    assert ew.loc[0, "reasons"] == ("attendance 86 % in the last 4 weeks, down from 100 %; breaks 70 min a day, "
                                    "up from 60 min; QA score 78.0, down from 90.0")
    assert ew.loc[1, "reasons"] == "occupancy above 85 % for 4 weeks in a row (last 4 weeks 90 %)"
    zh = early_warnings(tables, "2026-10", params, "zh")
    assert zh.loc[1, "reasons"] == "占用率连续 4 周高于 85 %（近 4 周 90 %）"
    assert zh.loc[0, "reasons"].count("；") == 2
    # names are data: the supervisors' table escapes them (and keeps them on one line)
    from ccnb.present.display import table_html
    from ccnb.retention.views import warning_table

    html = table_html(warning_table(ew, "en"), "en")
    assert "&lt;\u2060b\u2060&gt;" in html and "<b>" not in html
    # thresholds are parameters: a stricter QA rule drops that reason
    strict = load_params(overrides={"retention": {"early_warning": {"qa_drop": 15, "min_signals": 2}}})
    ew2 = early_warnings(tables, "2026-10", strict, "en")
    assert ew2["codes"].tolist() == ["attendance_fall;breaks_rise"]
    # the occupancy cap defaults to staffing.max_occupancy
    lower = load_params(overrides={"staffing": {"max_occupancy": 0.95}})
    assert "high_occupancy" not in ";".join(early_warnings(tables, "2026-10", lower)["codes"])
