"""ccnb.kpi.score: weighted composites, renormalised weights, ranks with ties, insufficient data, by hand."""
import math

import pandas as pd
import pytest

import ccnb.data
import ccnb.kpi
from ccnb.kpi.scoring import composite_light, role_weights
from ccnb.params import load_params

TINY = "tests/data/tiny"

# Two KPIs per unit keep the arithmetic visible: center-style weights csat 0.5, aht_s 0.3, qa_score 0.2.
W = {"csat": 0.5, "aht_s": 0.3, "qa_score": 0.2}


def _params(weights=None, **kpi):
    """Default params with these thresholds; role weights replaced whole (a params file merges key by key)."""
    from ccnb.params import RoleWeights

    base = {"min_contacts": 30, "min_surveys": 5, "min_weight_coverage": 0.6}
    p = load_params(overrides={"kpi": base | kpi})
    w = weights or {"agent": W, "team": W}
    p.kpi.weights_by_role = RoleWeights(**w)
    return p


def _agents(rows):
    df = pd.DataFrame(rows).set_index("agent")
    return df


# targets / floors (params/default.yaml): csat 0.85 / 0.60, aht_s 200 / 300, qa_score 80 / 60
ROWS = [
    # a1: csat (0.80-0.60)/0.25 = 0.8; aht (300-250)/100 = 0.5; qa (70-60)/20 = 0.5
    #     composite = 100 * (0.5*0.8 + 0.3*0.5 + 0.2*0.5) / 1 = 65
    dict(agent="a1", csat=0.80, aht_s=250.0, qa_score=70.0, handled=100, surveys=20, evaluations=5),
    # a2: csat 1 (capped), aht 1 (180 < 200), qa 1 -> 100
    dict(agent="a2", csat=0.90, aht_s=180.0, qa_score=85.0, handled=100, surveys=20, evaluations=5),
    # a3: no QA evaluations -> qa NaN; weights renormalised over csat and aht (0.8 of 1):
    #     csat (0.70-0.60)/0.25 = 0.4; aht (300-220)/100 = 0.8 -> 100 * (0.5*0.4 + 0.3*0.8) / 0.8 = 55
    dict(agent="a3", csat=0.70, aht_s=220.0, qa_score=float("nan"), handled=100, surveys=20, evaluations=0),
    # a4: same as a1 -> tie with a1
    dict(agent="a4", csat=0.80, aht_s=250.0, qa_score=70.0, handled=100, surveys=20, evaluations=5),
    # a5: 29 contacts -> insufficient (few_contacts)
    dict(agent="a5", csat=0.90, aht_s=180.0, qa_score=85.0, handled=29, surveys=20, evaluations=5),
    # a6: 4 surveys while CSAT carries weight -> insufficient (few_surveys)
    dict(agent="a6", csat=0.90, aht_s=180.0, qa_score=85.0, handled=100, surveys=4, evaluations=5),
    # a7: only AHT has data (0.3 of the weights < 0.6) -> insufficient (low_coverage)
    dict(agent="a7", csat=float("nan"), aht_s=180.0, qa_score=float("nan"), handled=100, surveys=20, evaluations=0),
]


@pytest.fixture(scope="module")
def scored():
    return ccnb.kpi.score(_agents(ROWS), _params())


def test_composites_by_hand(scored):
    assert scored.loc["a1", "composite"] == pytest.approx(65.0)
    assert scored.loc["a2", "composite"] == pytest.approx(100.0)
    assert scored.loc["a3", "composite"] == pytest.approx(55.0)
    assert scored.loc["a3", "coverage"] == pytest.approx(0.8)
    assert scored.loc["a1", "att_csat"] == pytest.approx(0.8)
    assert math.isnan(scored.loc["a3", "att_qa_score"])


def test_dimension_scores(scored):
    # customer = csat only, efficiency = aht only, quality = qa only
    assert scored.loc["a1", "score_customer"] == pytest.approx(80.0)
    assert scored.loc["a1", "score_efficiency"] == pytest.approx(50.0)
    assert scored.loc["a1", "score_quality"] == pytest.approx(50.0)
    assert math.isnan(scored.loc["a3", "score_quality"])


def test_insufficient_data_gets_no_score(scored):
    assert list(scored.loc[["a5", "a6", "a7"], "reason"]) == ["few_contacts", "few_surveys", "low_coverage"]
    assert (scored.loc[["a5", "a6", "a7"], "status"] == "insufficient").all()
    assert scored.loc[["a5", "a6", "a7"], "composite"].isna().all()
    assert scored.loc[["a5", "a6", "a7"], "rank"].isna().all()
    assert (scored.loc[["a5", "a6", "a7"], "light"] == "grey").all()
    assert scored.loc["a7", "coverage"] == pytest.approx(0.3)


def test_ranks_with_ties(scored):
    # 100 (a2), 65 (a1), 65 (a4), 55 (a3): ties share the best rank, the next one skips
    assert scored.loc[["a2", "a1", "a4", "a3"], "rank"].tolist() == [1, 2, 2, 4]


def test_composite_lights(scored):
    assert scored.loc["a2", "light"] == "green"
    assert scored.loc["a1", "light"] == "red"
    p = _params()
    assert composite_light(90, p) == "green" and composite_light(89.99, p) == "amber"
    assert composite_light(75, p) == "amber" and composite_light(74.9, p) == "red"


def test_kpi_lights_and_targets_override(scored):
    assert scored.loc["a1", "light_csat"] == "red"      # 0.80 < 0.85 * 0.95
    targets = pd.DataFrame({"key": ["csat"], "target": [0.80], "floor": [0.55]})
    s = ccnb.kpi.score(_agents(ROWS[:1]), _params(), targets=targets)
    # csat now on target: 1; composite 100 * (0.5 + 0.3*0.5 + 0.2*0.5) = 75
    assert s.loc["a1", "att_csat"] == 1.0 and s.loc["a1", "light_csat"] == "green"
    assert s.loc["a1", "composite"] == pytest.approx(75.0)


def test_role_weights_are_tiered():
    p = load_params()
    agent, team, center = role_weights(p, "agent"), role_weights(p, "team"), role_weights(p, "center")
    for w in (agent, team, center):
        assert sum(w.values()) == pytest.approx(1.0)
    assert center == p.kpi.weights                               # kpi.weights keeps meaning the center's
    assert {"csat", "fcr", "qa_score", "aht_s"} <= set(agent)     # agents mainly on CSAT, FCR, QA, AHT
    assert "attrition" in team and "conversion" in team          # supervisors on conversion and attrition
    assert "answer_rate" not in agent and "attrition" not in agent


def test_role_weights_validated():
    from ccnb.params import ParamsError

    with pytest.raises(ParamsError, match="answer_rate cannot be weighted for the agent role"):
        load_params(overrides={"kpi": {"weights_by_role": {"agent": {"answer_rate": 0.5, "csat": 0.5}}}})
    with pytest.raises(ParamsError, match="weights must sum to 1"):
        load_params(overrides={"kpi": {"weights_by_role": {"team": {"csat": 0.6}}}})  # merged: 1.6


def test_level_is_read_from_the_index(scored):
    df = _agents(ROWS[:2])
    df.index.name = "team"
    s = ccnb.kpi.score(df, _params(weights={"agent": {"csat": 1.0}, "team": W}))
    assert s.loc["a1", "composite"] == pytest.approx(65.0)   # team weights, not the agent's csat-only ones


# --------------------------------------------------------------------------- on the tiny data set
def test_agent_score_on_tiny_data(project_root):
    """A1 in October 2026 with the default agent weights and fixed targets, thresholds off.

    A1 handled I01 (300 s), I02 (270 s), I11 (180 s): AHT 250 s -> (300-250)/(300-200) = 0.5
    CSAT: I01 5, I02 2 -> 1/2 = 0.5 < floor 0.60 -> 0
    FCR: I01 yes, I02 unresolved, I11 yes -> 2/3 -> (2/3-0.5)/0.2 = 0.8333
    QA: E1 90, E2 70 -> 80 = target -> 1
    attendance 1/2 (6 Oct absent) < floor 0.85 -> 0; transfers 0/3 -> 1; training 1/2 = floor -> 0
    conversion: no sales contacts -> no value, its 0.05 drops out (coverage 0.95)
    composite = 100 * (0.20*0 + 0.20*0.8333 + 0.25*1 + 0.15*0.5 + 0.05*0 + 0.05*1 + 0.05*0) / 0.95 = 57.018
    """
    p = load_params(overrides={"kpi": {"min_contacts": 0, "min_surveys": 0, "target_setting": {"method": "fixed"}}})
    tables = ccnb.data.load(project_root / TINY, month="2026-10")
    s = ccnb.kpi.score(ccnb.kpi.compute(tables, "2026-10", level="agent", params=p), p)
    a1 = s.loc["A1"]
    assert a1["coverage"] == pytest.approx(0.95)
    assert a1["att_fcr"] == pytest.approx(5 / 6)
    want = 100 * (0.20 * (5 / 6) + 0.25 + 0.15 * 0.5 + 0.05) / 0.95
    assert a1["composite"] == pytest.approx(want)
    assert a1["score_customer"] == pytest.approx(100 * (0.20 * (5 / 6)) / 0.40)
    assert a1["score_employee"] == pytest.approx(0.0)
    # A4 (left 20 Oct) has no surveys: CSAT carries weight -> insufficient once min_surveys is 1
    p1 = load_params(overrides={"kpi": {"min_contacts": 0, "min_surveys": 1}})
    s1 = ccnb.kpi.score(ccnb.kpi.compute(tables, "2026-10", level="agent", params=p1), p1)
    assert s1.loc["A4", "reason"] == "few_surveys"


def test_default_thresholds_on_tiny_data_leave_everyone_unscored(project_root):
    """Nobody handled 30 contacts in the tiny October: every agent and team is 'insufficient data'."""
    p = load_params()
    tables = ccnb.data.load(project_root / TINY, month="2026-10")
    s = ccnb.kpi.score(ccnb.kpi.compute(tables, "2026-10", level="agent", params=p), p)
    assert (s["status"] == "insufficient").all() and (s["reason"] == "few_contacts").all()
    assert s["rank"].isna().all()
