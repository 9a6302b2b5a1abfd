"""Manager-facing words of the retention report: sentences from model results, in en and zh."""
import numpy as np
import pandas as pd
import pytest

from ccnb.i18n.labels import t
from ccnb.params import load_params
from ccnb.retention import views


@pytest.fixture(scope="module")
def params():
    return load_params()


def _cox_table():
    return pd.DataFrame({"covariate": ["open_complaint", "fcr_miss", "contacted", "abandoned"],
                         "hr": [2.31, 1.62, 0.7, 1.05], "hr_lo": [1.8, 1.5, 0.6, 0.9], "hr_hi": [2.96, 1.75, 0.82, 1.2],
                         "p": [1e-9, 1e-6, 0.001, 0.4]})


def test_hazard_ratio_sentences(params):
    s = views.hr_sentences(_cox_table(), params, "en", top=None)
    text = [t(k, "en", **f) for k, f in s]
    assert text == [
        "Customers with an unresolved complaint leave 2.3 times faster than other customers (95 % range 1.8–3.0).",
        "Customers whose problem was not solved at first contact leave 1.6 times faster than other customers "
        "(95 % range 1.5–1.8).",
        "Customers who contacted the center leave 30 % less often than other customers (95 % range 0.60–0.82 "
        "times the rate).",
    ]  # no sentence for an unclear effect (p = 0.4)
    zh = [t(k, "zh", **f) for k, f in views.hr_sentences(_cox_table(), params, "zh", top=1)]
    assert zh == ["有未解决投诉的客户流失速度是其他客户的 2.3 倍（95% 区间 1.8–3.0）。"]


def test_experience_sentence_and_logrank():
    summ = pd.DataFrame({"group": ["open_complaint", "no_contact", "good_experience"], "n": [10, 100, 50],
                         "events": [4, 8, 3], "s_3m": [0.8, 0.95, 0.97], "s_6m": [0.6, 0.92, 0.94]})
    key, f = views.experience_sentence(summ, "en")
    assert t(key, "en", **f) == ("After 6 months, 60 % of customers with an unresolved complaint were still customers, "
                                 "against 92 % of those who had not contacted the center.")
    assert views.logrank_sentence({"p": 1e-5})[1] == {"p": "< 0.001"}
    assert views.logrank_sentence({"p": 0.2})[0] == "retention.logrank_same"
    tb = views.experience_table(summ, "en")
    assert tb.columns.tolist() == ["Experience", "Customers", "Left", "After 3 months", "After 6 months"]
    assert tb["Experience"].tolist() == ["Unresolved complaint", "Contacted, no problem", "No contact"]


def test_band_and_unit_labels():
    assert [views.band_label(b, "en") for b in ["0-3", "3-6", "24+"]] == ["under 3 months", "3–6 months",
                                                                         "24 months or more"]
    assert [views.band_label(b, "zh") for b in ["0-3", "24+"]] == ["3 个月以下", "24 个月及以上"]
    assert views.unit_label("shift", "peak", "en") == "Peak (part-time)"
    assert views.segment_label("vip", "zh") == "贵宾" and views.segment_label("gold", "en") == "gold"
    assert views.nowrap("王芳") == "王\u2060芳"


def test_cards_and_alerts(params):
    att = pd.DataFrame([
        {"level": "center", "unit": "center", "annualised": 0.30, "target": 0.15, "light": "red", "months": 12,
         "leavers": 20, "hires": 22, "headcount": 70},
        {"level": "team", "unit": "T<1>", "annualised": 0.5, "target": 0.15, "light": "red", "months": 12,
         "leavers": 5, "hires": 4, "headcount": 9},
    ])
    rate = {"value": 0.78, "target": 0.8, "light": "amber", "months": 12, "covered": True}
    cards = views.cards(rate, att, "en")
    assert [c["label"] for c in cards] == ["Customer retention (12 months)", "Agent attrition, a year (12 months)"]
    assert cards[1]["note"] == "20 left, 22 hired"
    al = views.alerts(rate, att, _cox_table(), pd.DataFrame({"agent_id": ["A1", "A2"]}), "en")
    assert [a for a, _ in al] == [
        "Customer retention 78.0 % is below target 80.0 %",
        "Agent attrition 30.0 % a year is above target 15.0 %",
        "Team T<1>: attrition 50.0 % a year (5 left)",            # data text: escaped by ctx.alerts
        "2 of 70 agents show early warning signs: see the list for supervisors",
        "Customers with an unresolved complaint leave 2.3 times faster: the strongest driver of customer churn",
    ]
    assert [lt for _, lt in al] == ["amber", "red", "red", "amber", "amber"]


def test_cox_table_shows_a_dash_where_no_estimate_exists():
    from ccnb.retention.customers import FLAGS
    from ccnb.retention.survival import CoxResult

    tb = pd.DataFrame({"covariate": list(FLAGS), "hr": 1.5, "hr_lo": 1.2, "hr_hi": 1.9, "p": 0.001, "share": 0.1})
    tb.loc[tb["covariate"] == "long_wait", ["hr", "hr_lo", "hr_hi", "p"]] = np.nan
    ph = pd.DataFrame({"covariate": [c for c in FLAGS if c != "long_wait"], "rho": 0.0, "p": 0.5, "ok": True})
    out = views.cox_table(CoxResult(table=tb, ph=ph, n=100, entities=50, events=10), "en").set_index("Experience")
    assert out.loc["Long wait"].tolist()[1:] == ["–", "–", "no", "–"]
    assert out.loc["Hung up while waiting"].tolist()[1:] == ["1.5", "1.2–1.9", "yes", "yes"]
