"""Calibration: ICC(2,1) against Shrout & Fleiss (1979) and an independent mixed model; severity bias by hand."""
import math

import numpy as np
import pandas as pd
import pytest

from ccnb.params import load_params
from ccnb.qa import calibration, icc2_1, icc_reml, shrout_fleiss

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges. Published (Table 4):
# ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71.
SF = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float)


def long(matrix, drop=()):
    rows = [(f"c{i}", f"r{j}", matrix[i, j]) for i in range(matrix.shape[0]) for j in range(matrix.shape[1])
            if (i, j) not in drop]
    return pd.DataFrame(rows, columns=["target", "rater", "score"])


def test_shrout_fleiss_published_values():
    sf = shrout_fleiss(SF)
    assert round(sf["icc1"], 2) == 0.17
    assert round(sf["icc2"], 2) == 0.29
    assert round(sf["icc3"], 2) == 0.71
    # their mean squares (Table 3): BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02
    assert (sf["bms"], sf["wms"], sf["jms"], sf["ems"]) == pytest.approx((11.24, 6.26, 32.49, 1.02), abs=0.005)


def test_complete_design_uses_anova():
    icc, method, _ = icc2_1(long(SF))
    assert method == "anova" and icc == pytest.approx(0.2897637795, rel=1e-9)


def test_reml_matches_anova_on_a_complete_design():
    """statsmodels' REML variance components give the same ICC(2,1) (an independent computation)."""
    r = icc_reml(long(SF))
    assert r["icc"] == pytest.approx(0.2897637795, abs=1e-4)
    sf = shrout_fleiss(SF)
    n, k = SF.shape
    assert r["var_error"] == pytest.approx(sf["ems"], rel=1e-3)
    assert r["var_target"] == pytest.approx((sf["bms"] - sf["ems"]) / k, rel=1e-3)
    assert r["var_rater"] == pytest.approx((sf["jms"] - sf["ems"]) / n, rel=1e-3)


def test_incomplete_design_recovers_the_simulated_icc():
    """400 contacts, 3 of 6 raters each; true variances contact 100, rater 16, error 20:
    ICC(2,1) = 100 / 136 = 0.735."""
    rng = np.random.default_rng(11)
    n, k = 400, 6
    contact = rng.normal(0, 10, n)
    rater = np.array([-6.0, -2.0, 0.0, 1.0, 3.0, 4.0])
    rows = []
    for i in range(n):
        for j in rng.choice(k, 3, replace=False):
            rows.append((f"c{i}", f"r{j}", 80 + contact[i] + rater[j] + rng.normal(0, math.sqrt(20))))
    df = pd.DataFrame(rows, columns=["target", "rater", "score"])
    icc, method, d = icc2_1(df)
    assert method == "reml"
    true_rater_var = rater.var(ddof=1)
    assert icc == pytest.approx(100 / (100 + true_rater_var + 20), abs=0.06)
    assert d["var_error"] == pytest.approx(20, rel=0.2)


def _evals():
    """Three contacts, three evaluators (Q3 misses c3):
           Q1   Q2   Q3   consensus
      c1   80   90   70   80
      c2   60   70   50   60
      c3   90   80   --   85
    Q1 deviations 0, 0, +5 -> bias +5/3; Q2 +10, +10, -5 -> +5; Q3 -10, -10 -> -10.
    c4 is scored once (dropped); E9 is a routine evaluation (calibration false, dropped).
    """
    rows = [("E1", "c1", "Q1", 80, False), ("E2", "c1", "Q2", 90, False), ("E3", "c1", "Q3", 70, False),
            ("E4", "c2", "Q1", 60, False), ("E5", "c2", "Q2", 70, True), ("E6", "c2", "Q3", 50, False),
            ("E7", "c3", "Q1", 90, False), ("E8", "c3", "Q2", 80, False), ("E10", "c4", "Q1", 75, False)]
    df = pd.DataFrame(rows, columns=["evaluation_id", "contact_id", "evaluator_id", "total_score", "critical_fail"])
    df["calibration"] = True
    routine = pd.DataFrame([("E9", "c1", "Q4", 20, False, False)], columns=list(df.columns))
    return pd.concat([df, routine], ignore_index=True)


def test_bias_by_hand_and_flags():
    p = load_params(overrides={"qa": {"calibration": {"max_bias_points": 6, "min_contacts": 2, "min_icc": 0.75}}})
    cal = calibration(_evals(), p)
    b = cal.evaluators.set_index("evaluator_id")
    assert set(b.index) == {"Q1", "Q2", "Q3"}              # Q4 only routine: not in calibration
    assert b.loc["Q1", "bias"] == pytest.approx(5 / 3)
    assert b.loc["Q2", "bias"] == pytest.approx(5.0)
    assert b.loc["Q3", "bias"] == pytest.approx(-10.0)
    assert b.loc["Q3", "contacts"] == 2
    assert cal.flagged == ["Q3"]
    assert cal.n_contacts == 3 and cal.n_evaluators == 3 and cal.n_ratings == 8
    assert cal.method == "reml"                              # c3 lacks Q3: incomplete design
    c = cal.contacts.set_index("contact_id")
    assert c.loc["c1", "spread"] == 20 and c.loc["c3", "consensus"] == 85
    # critical fails: c2 has one rater saying critical -> 2 of 3 contacts agree
    assert cal.critical_agreement == pytest.approx(2 / 3)


def test_complete_calibration_matches_the_formula():
    """Drop c3 and the design is complete (2 contacts x 3 raters): the ANOVA ICC(2,1) by hand.
    Grand mean 70; contact means 80, 60 -> BMS = 3*(100+100)/1 = 600; rater means 70, 80, 60 ->
    JMS = 2*(0+100+100)/2 = 200; total SS = 100+400+0+100+0+400 = 1000 -> SSE = 1000-600-400 = 0.
    ICC = (600 - 0) / (600 + 0 + 3*(200 - 0)/2) = 600 / 900 = 2/3."""
    p = load_params(overrides={"qa": {"calibration": {"min_contacts": 2}}})
    ev = _evals()
    cal = calibration(ev[ev["contact_id"] != "c3"], p)
    assert cal.method == "anova" and cal.icc == pytest.approx(2 / 3)
    assert cal.icc_ok is False and cal.min_icc == 0.75


def test_too_few_contacts_gives_no_agreement_figure():
    cal = calibration(_evals(), load_params())   # min_contacts 4 by default; 3 contacts
    assert math.isnan(cal.icc) and cal.icc_ok is None and cal.method == "none"
    assert len(cal.evaluators) == 3               # biases are still shown
