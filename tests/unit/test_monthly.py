"""The month-end roll-up: summaries read from a pack, actions fired by the right figures."""
import json

import pandas as pd

from ccnb.rollup import month_end


def headline(**lights):
    """A headline table as ccnb.rollup.overview.headline returns it, with chosen lights."""
    spec = {  # key: (label, value, target, fmt, direction)
        "service_level": ("Service level", 0.72, 0.80, "pct", "higher"),
        "answer_rate": ("Answer rate", 0.93, 0.90, "pct", "higher"),
        "abandon_rate": ("Abandonment rate", 0.05, 0.10, "pct", "lower"),
        "aht_s": ("Average handle time", 215.0, 200.0, "s", "lower"),
        "fcr": ("First-contact resolution", 0.74, 0.70, "pct", "higher"),
        "csat": ("CSAT", 0.87, 0.85, "pct", "higher"),
        "qa_score": ("QA score", 81.0, 80.0, "points", "higher"),
        "occupancy": ("Occupancy", 0.78, None, "pct", "band"),
        "attrition": ("Agent attrition", 0.12, 0.15, "pct", "lower"),
        "customer_retention": ("Customer retention", 0.82, 0.80, "pct", "higher"),
    }
    rows = []
    for key, (label, value, target, fmt, direction) in spec.items():
        rows.append({"key": key, "label": label, "value": value, "target": target, "fmt": fmt,
                     "direction": direction, "band_lo": 0.70 if key == "occupancy" else None,
                     "band_hi": 0.85 if key == "occupancy" else None, "light": lights.get(key, "green"),
                     "attainment": 1.0, "previous": None, "change": None, "dimension": "efficiency", "n": 100})
    return pd.DataFrame(rows)


def write_summary(tmp_path, notebook, items):
    d = tmp_path / "summary"
    d.mkdir(exist_ok=True)
    (d / f"{notebook}.json").write_text(json.dumps({"notebook": notebook, "items": items}), encoding="utf-8")


def item(key, value, display, light=None, label=None):
    return {"key": key, "label": label or key, "value": value, "display": display, "target_display": None,
            "light": light}


def test_all_green_and_nothing_recorded_means_no_action():
    acts = month_end.actions(headline(), month_end.Rollup())
    assert acts.empty


def test_service_level_miss_rosters_to_the_forecast_peak(tmp_path):
    write_summary(tmp_path, "10_forecast_staffing", [item("forecast.card_peak", 58, "58 agents")])
    r = month_end.read_summaries(tmp_path)
    acts = month_end.actions(headline(service_level="red"), r)
    assert len(acts) == 1
    a = acts.iloc[0]
    assert "58 agents" in a["action"] and a["owner"] == "Workforce planning" and a["light"] == "red"
    assert a["why"] == "Service level 72.0 % (target 80.0 %)"


def test_without_a_forecast_the_staffing_action_is_a_review():
    acts = month_end.actions(headline(service_level="amber"), month_end.Rollup())
    assert acts.iloc[0]["action"].startswith("Review rosters")


def test_outreach_and_stay_conversations_from_recorded_figures(tmp_path):
    write_summary(tmp_path, "30_churn_risk", [item("churn.sum_flagged", 120, "120", label="Flagged"),
                                               item("churn.sum_high", 40, "40", label="High risk")])
    write_summary(tmp_path, "40_retention", [item("agent_attrition", 0.35, "35.0 %", "red", "Attrition"),
                                             item("early_warnings", 5, "5", label="Early warnings")])
    acts = month_end.actions(headline(), month_end.read_summaries(tmp_path))
    assert list(acts["owner"]) == ["Team supervisors", "Retention team"]  # red first
    assert "5 agents" in acts.iloc[0]["action"] and "Attrition: 35.0 %" in acts.iloc[0]["why"]
    assert "(40 high risk of 120 flagged)" in acts.iloc[1]["action"]


def test_the_report_excludes_its_own_summary(tmp_path):
    write_summary(tmp_path, "90_month_end_report", [item("x", 1, "1")])
    assert not month_end.read_summaries(tmp_path, exclude="90_month_end_report").complete


def test_section_table_mixes_kpis_and_recorded_figures(tmp_path):
    write_summary(tmp_path, "40_retention", [item("agent_attrition", 0.35, "35.0 %", "red", "Attrition")])
    t = month_end.section_table("people", headline(), month_end.read_summaries(tmp_path))
    assert list(t["figure"]) == ["Attrition"] and t.iloc[0]["light"] == "red"


def test_counts_and_chinese():
    hl = headline(aht_s="red", qa_score="amber")
    assert month_end.on_target_counts(hl) == {"n": 8, "total": 10, "below": 1}
    acts = month_end.actions(hl, month_end.Rollup(), "zh")
    assert set(acts["owner"]) == {"团队主管", "质检团队"}
