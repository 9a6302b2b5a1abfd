"""KPI edge cases by hand: zero offered calls, contacts spanning midnight and the month end, balance."""
import math

import pandas as pd
import pytest

import ccnb.data
import ccnb.kpi
from ccnb.kpi import balance
from ccnb.params import load_params

TINY = "tests/data/tiny"


@pytest.fixture(scope="module")
def tiny(project_root):
    return ccnb.data.load(project_root / TINY, month="2026-10")


def test_contacts_spanning_midnight_and_month_end_count_in_their_arrival_month(tiny):
    """A2 handled I03 (240 s), I09 (31 Oct 23:58 -> 1 Nov 00:04, 420 s) and I10 (12 -> 13 Oct, 360 s)."""
    a = ccnb.kpi.compute(tiny, "2026-10", level="agent")
    assert a.loc["A2", "handled"] == 3
    assert a.loc["A2", "aht_s"] == pytest.approx((240 + 420 + 360) / 3)
    nov = ccnb.kpi.compute(ccnb.data.load(tiny.source), "2026-11", level="agent")
    assert "A2" not in nov.index                      # I09 ends in November but belongs to October
    assert nov.loc["A1", "handled"] == 1              # N1 only


def test_shift_level(tiny):
    """Shifts from the roster: day = A1, A3; night = A2; peak = A4."""
    s = ccnb.kpi.compute(tiny, "2026-10", level="shift")
    # day: I01 300, I02 270, I11 180 (A1), I05 600, I08 180 (A3) -> 1530 / 5
    assert s.loc["day", "aht_s"] == pytest.approx(1530 / 5)
    assert s.loc["night", "qa_score"] == 0.0               # E3, a critical fail
    assert s.loc["peak", "transfer_rate"] == 1.0           # A4: I06 transferred


def _frames_without_offered_calls():
    """One outbound call and one e-mail in October: nothing is offered in real time."""
    agents = pd.DataFrame({"agent_id": ["A1"], "team": ["T1"], "supervisor": ["S1"], "site": ["X"], "shift": ["day"],
                           "hire_date": [pd.Timestamp("2025-01-01")], "leave_date": [pd.NaT]})
    ts = pd.Timestamp("2026-10-05 09:00")
    inter = pd.DataFrame({
        "contact_id": ["O1", "M1"], "channel": ["voice", "email"], "direction": ["outbound", "inbound"],
        "queue": ["sales", "billing"], "arrival_ts": [ts, ts], "answer_ts": [ts, ts + pd.Timedelta(hours=1)],
        "end_ts": [ts + pd.Timedelta(minutes=5), ts + pd.Timedelta(hours=1, minutes=10)],
        "customer_id": [None, None], "agent_id": ["A1", "A1"], "wait_s": [0.0, 3600.0], "talk_s": [240.0, 0.0],
        "hold_s": [0.0, 0.0], "acw_s": [60.0, 600.0], "abandoned": [False, False], "transferred": [False, False],
        "self_served": [False, False], "reason": [None, None], "resolved": [None, True], "converted": [True, False]})
    empty = lambda cols: pd.DataFrame({c: [] for c in cols})  # noqa: E731
    return {
        "agents": agents, "interactions": inter,
        "agent_days": empty(["agent_id", "date", "scheduled_s", "logged_in_s", "talk_s", "hold_s", "acw_s", "idle_s",
                             "break_s", "break_count", "present", "training_assigned", "training_completed"]),
        "qa_evaluations": empty(["evaluation_id", "contact_id", "agent_id", "evaluator_id", "eval_date",
                                 "total_score", "critical_fail"]),
        "surveys": empty(["contact_id", "csat", "nps", "ces"]),
        "customers": pd.DataFrame({"customer_id": ["C1"], "segment": ["consumer"], "value": [10.0],
                                   "signup_date": [pd.Timestamp("2024-01-01")], "churn_date": [pd.NaT]}),
        "complaints": empty(["complaint_id", "customer_id", "contact_id", "opened_ts", "resolved_ts", "category"]),
    }


def test_zero_offered_calls():
    """No offered calls: answer rate, service level and ASA have no value (not 0, not an error);
    AHT still counts both handled contacts: (240 + 60 + 0 + 600) / 2 = 450 s; the center's
    score leaves the missing KPIs out, and its light for them is grey."""
    tables = ccnb.data.Tables.from_frames(_frames_without_offered_calls(), month="2026-10")
    c = ccnb.kpi.compute(tables, "2026-10")
    row = c.loc["center"]
    assert row["offered"] == 0 and row["handled"] == 2
    for key in ("answer_rate", "abandon_rate", "service_level", "asa_s"):
        assert math.isnan(row[key]), key
    assert row["aht_s"] == pytest.approx(450.0)
    assert row["self_service_rate"] == 0.0                  # one inbound contact (the e-mail), not self-served
    assert math.isnan(row["csat"]) and row["surveys"] == 0
    p = load_params(overrides={"kpi": {"min_contacts": 0, "min_surveys": 0, "min_weight_coverage": 0.0}})
    s = ccnb.kpi.score(c, p)
    assert s.loc["center", "light_answer_rate"] == "grey"
    assert math.isnan(s.loc["center", "att_answer_rate"])
    # only AHT (0.15; 450 s is past the 300 s floor: 0) and conversion (0.05; 1/1 sales -> 1) have values
    assert s.loc["center", "coverage"] == pytest.approx(0.20)
    assert s.loc["center", "composite"] == pytest.approx(100 * (0.15 * 0 + 0.05 * 1) / 0.20)
    q = ccnb.kpi.compute(tables, "2026-10", level="queue")
    assert math.isnan(q.loc["sales", "answer_rate"]) and q.loc["sales", "offered"] == 0


# --------------------------------------------------------------------------- balance
def _agents(aht, fcr):
    n = len(aht)
    return pd.DataFrame({"aht_s": aht, "fcr": fcr, "handled": [100] * n}, index=[f"a{i}" for i in range(n)])


def test_balance_orients_lower_is_better():
    p = load_params()
    # shorter calls (better AHT) go with lower FCR: a tension
    s = balance.balance(_agents([150, 170, 190, 210, 230, 250], [0.60, 0.64, 0.66, 0.70, 0.75, 0.80]), p,
                        [("aht_s", "fcr")])
    r = s.iloc[0]
    assert r["n"] == 6 and r["rho"] == pytest.approx(-1.0) and r["verdict"] == "tension"
    # shorter calls with higher FCR: together
    s2 = balance.balance(_agents([150, 170, 190, 210, 230, 250], [0.80, 0.75, 0.70, 0.66, 0.64, 0.60]), p,
                         [("aht_s", "fcr")])
    assert s2.iloc[0]["rho"] == pytest.approx(1.0) and s2.iloc[0]["verdict"] == "together"


def test_balance_spearman_by_hand():
    """Ranks of -AHT: 6 5 4 3 2 1 ... with FCR ranks 2 1 4 3 6 5: d = 4 4 0 0 -4 -4,
    rho = 1 - 6 * 64 / (6 * 35) = -0.8286; agents with too few contacts are left out."""
    p = load_params()
    df = _agents([150, 170, 190, 210, 230, 250, 100], [0.64, 0.60, 0.70, 0.66, 0.80, 0.75, 0.99])
    df.loc["a6", "handled"] = 5
    r = balance.balance(df, p, [("aht_s", "fcr")]).iloc[0]
    assert r["n"] == 6
    assert r["rho"] == pytest.approx(1 - 6 * 64 / (6 * 35))
    assert r["verdict"] == "tension"   # p = 0.042 < 0.05


def test_balance_too_few_agents():
    p = load_params()
    r = balance.balance(_agents([150, 170, 190], [0.6, 0.7, 0.8]), p, [("aht_s", "fcr")]).iloc[0]
    assert r["verdict"] == "too_few" and math.isnan(r["rho"])
