"""QA results on the tiny data set (October 2026), by hand.

Routine evaluations in October (E5 is a calibration evaluation, left out):
  E1 I01 A1 (day, T1, billing, inbound)  90  items 10 20 25 10 15 10
  E2 I02 A1 (day, T1, billing, inbound)  70  items  8 15 20  7 10 10
  E3 I03 A2 (night, T1, billing, inbound) 95 critical fail -> 0   items 10 20 25 15 15 10
  E4 I05 A3 (day, T2, sales, inbound)    85  items 10 15 25 10 15 10
Items (max): greeting 10, understanding 20, accuracy 25, empathy 15, compliance 15, closing 15;
failed below 80 %: greeting < 8, understanding < 16, accuracy < 20, empathy < 12, compliance < 12, closing < 12.
"""
import pandas as pd
import pytest

import ccnb.data
from ccnb import qa
from ccnb.params import load_params

TINY = "tests/data/tiny"


@pytest.fixture(scope="module")
def tables(project_root):
    return ccnb.data.load(project_root / TINY, month="2026-10")


@pytest.fixture(scope="module")
def params():
    return load_params()


def test_by_shift(tables, params):
    s = qa.by_group(tables, "2026-10", params, "shift").set_index("group")
    assert s.loc["day", "evaluations"] == 3 and s.loc["night", "evaluations"] == 1
    assert s.loc["day", "qa_score"] == pytest.approx((90 + 70 + 85) / 3)
    assert s.loc["night", "qa_score"] == 0.0
    assert s.loc["day", "qa_pass_rate"] == pytest.approx(2 / 3)        # E1, E4 pass; E2 70 < 80
    assert s.loc["night", "qa_critical_rate"] == 1.0


def test_by_direction_and_service_type(tables, params):
    d = qa.by_group(tables, "2026-10", params, "direction").set_index("group")
    assert list(d.index) == ["inbound"] and d.loc["inbound", "qa_score"] == pytest.approx(245 / 4)
    s = qa.by_group(tables, "2026-10", params, "service_type").set_index("group")
    assert s.loc["service", "qa_score"] == pytest.approx((90 + 70 + 0) / 3)   # billing is a service queue
    assert s.loc["sales", "qa_score"] == 85.0
    q = qa.by_group(tables, "2026-10", params, "queue").set_index("group")
    assert q.loc["billing", "evaluations"] == 3


def test_item_pareto(tables, params):
    """understanding: E2 15, E4 15 -> 2; empathy: E1 10, E2 7, E4 10 -> 3; compliance: E2 10 -> 1;
    closing: 10 everywhere -> 4; greeting (E2 8 is not below 8) and accuracy (E2 20) -> 0. Total 10."""
    p = qa.item_failures(tables, "2026-10", params)
    assert list(p["item"]) == ["closing", "empathy", "understanding", "compliance", "greeting", "accuracy"]
    assert list(p["failed"]) == [4, 3, 2, 1, 0, 0]
    assert list(p["evaluated"]) == [4] * 6
    assert list(p["cumulative"]) == pytest.approx([0.4, 0.7, 0.9, 1.0, 1.0, 1.0])
    assert p.set_index("item").loc["compliance", "critical"]


def test_training_and_coaching(tables):
    """Thresholds: group >= 2 evaluations and >= 50 %; agent >= 1 evaluation and >= 50 %.

    Center (4): closing 100 %, empathy 75 %, understanding 50 % -> training for the whole center.
    T1 (E1 E2 E3): closing 3/3, empathy 2/3 -> training; T2 has 1 evaluation: no group finding.
    A1 (E1 E2, QA 80, not below the pass mark): fails closing, empathy 2/2, understanding, compliance 1/2;
      all but compliance are covered by training -> coaching on compliance.
    A2 (E3, QA 0): below the pass mark; fails only closing (covered) -> listed with no item of their own.
    A3 (E4, QA 85): fails understanding, empathy, closing, all covered -> not listed.
    Deadline: 30 days after the month: 1 Nov + 29 days = 30 Nov 2026.
    """
    p = load_params(overrides={"qa": {"min_group_evaluations": 2, "training_need_rate": 0.5,
                                      "min_agent_evaluations": 1, "coaching_item_rate": 0.5}})
    training, coaching = qa.findings(tables, "2026-10", p)
    got = {(g, i): r for g, i, r in zip(training["group"], training["item"], training["fail_rate"])}
    assert set(got) == {(None, "closing"), (None, "empathy"), (None, "understanding"), ("T1", "closing"),
                        ("T1", "empathy")}
    assert got[(None, "empathy")] == pytest.approx(0.75) and got[("T1", "empathy")] == pytest.approx(2 / 3)
    assert list(coaching["agent_id"]) == ["A2", "A1"]                      # lowest QA first
    a1 = coaching.set_index("agent_id").loc["A1"]
    assert a1["items"] == ["compliance"] and not a1["below_pass"]
    assert a1["team_items"] == ["closing", "empathy", "understanding"]
    a2 = coaching.set_index("agent_id").loc["A2"]
    assert a2["below_pass"] and a2["items"] == [] and a2["qa_score"] == 0
    assert a1["deadline"] == pd.Timestamp("2026-11-30").date()


def test_calibration_evaluations_are_the_flagged_rows(tables, params):
    ev = qa.calibration_evaluations(tables, "2026-10", params)
    assert list(ev["evaluation_id"]) == ["E5"]
    assert "customer_id" not in ev.columns


def test_coaching_plan_holds_the_most_failed_items_only(tables):
    """No training needs (rate 100 % over at least 99 evaluations): A3 (E4) fails understanding,
    empathy and closing (each 1/1); with at most 2 items: closing, empathy (ties by name)."""
    p = load_params(overrides={"qa": {"min_group_evaluations": 99, "min_agent_evaluations": 1,
                                      "coaching_item_rate": 0.5, "coaching_max_items": 2}})
    training, coaching = qa.findings(tables, "2026-10", p)
    assert training.empty
    a3 = coaching.set_index("agent_id").loc["A3"]
    assert a3["items"] == ["closing", "empathy"] and a3["team_items"] == []
