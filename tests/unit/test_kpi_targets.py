"""Target setting: the domain rule (last month's center level, season, -10 %, quarterly small steps), by hand."""
import math

import pandas as pd
import pytest

import ccnb.data
from ccnb.kpi.targets import proposed_target, replay, step_limit, target_table
from ccnb.params import load_params

TINY = "tests/data/tiny"


def params(**ts):
    return load_params(overrides={"kpi": {"target_setting": {"keys": ["fcr", "aht_s", "nps"]} | ts}})


def test_proposed_target_is_ten_percent_easier():
    assert proposed_target(0.80, 0.0, "higher", 0.10) == pytest.approx(0.72)
    assert proposed_target(210, 0.0, "lower", 0.10, "s") == pytest.approx(231)
    assert proposed_target(0.80, -0.02, "higher", 0.10) == pytest.approx(0.78 * 0.9)   # season first
    assert proposed_target(-20, 0.0, "higher", 0.10, "nps") == pytest.approx(-22)     # NPS below zero
    assert proposed_target(0.99, 0.05, "higher", 0.0) == 1.0                           # a share stays <= 1


def test_step_limit():
    assert step_limit(0.70, 0.60, 0.05) == pytest.approx(0.665)
    assert step_limit(200, 231, 0.05) == pytest.approx(210)
    assert step_limit(0.70, 0.71, 0.05) == pytest.approx(0.71)


def _history():
    """Monthly center values 2025-01..2026-10: FCR 0.70 flat except 0.68 in 2025-01 and 0.60 in
    2026-03; AHT 200 s in 2025, then 210, 220, ... 300 s in 2026-01..2026-10."""
    months = pd.period_range("2025-01", "2026-10", freq="M")
    fcr = pd.Series(0.70, index=months)
    fcr[pd.Period("2025-01", "M")] = 0.68              # 2024-12 missing: no season for the 2026-01 review
    fcr[pd.Period("2026-03", "M")] = 0.60
    aht = pd.Series(200.0, index=months)
    for i, m in enumerate(pd.period_range("2026-01", "2026-10", freq="M")):
        aht[m] = 200.0 + 10 * (i + 1)
    return pd.DataFrame({"fcr": fcr, "aht_s": aht})


def test_replay_reviews_quarterly_in_small_steps():
    """Reviews in 2025-04, 07, 10, 2026-01, 04, 07, 10 (the first month 2025-01 has no base).

    FCR (fixed 0.70, step 5 %):
        2025-04..2026-01: base 0.70, no data a year before (no season) -> 0.63 each time;
        each review moves at most 5 %: 0.70 -> 0.665 -> 0.63175 -> 0.63 -> 0.63 (reached)
      2026-04: base v(2026-03) = 0.60; season v(2025-04) - v(2025-03) = 0 -> 0.54; step from 0.63: 0.5985
      2026-07: base 0.70; season 0 -> 0.63 -> step from 0.5985 up to 0.628425
      2026-10: base 0.70 -> 0.63 -> within 5 % of 0.628425 -> 0.63
    """
    p = params()
    h = _history()
    fcr = replay(h, "2026-06", p).set_index("key").loc["fcr"]
    assert fcr["source"] == "derived"
    assert fcr["reviewed"] == pd.Period("2026-04", "M") and fcr["base_month"] == pd.Period("2026-03", "M")
    assert fcr["base_value"] == pytest.approx(0.60) and fcr["season"] == pytest.approx(0.0)
    assert fcr["proposed"] == pytest.approx(0.54)
    assert fcr["previous"] == pytest.approx(0.63)
    assert fcr["target"] == pytest.approx(0.5985) and fcr["capped"]
    assert fcr["floor"] == pytest.approx(0.50 + 0.5985 - 0.70)            # the floor moves with the target
    oct_ = replay(h, "2026-10", p).set_index("key").loc["fcr"]
    assert oct_["target"] == pytest.approx(0.63) and not oct_["capped"]
    assert oct_["previous"] == pytest.approx(0.5985 * 1.05)


def test_season_adjustment_uses_last_year():
    """AHT (fixed 200 s, lower is better): flat 200 s in 2025, then 210, 220, ... 300 s in 2026-01..10.

    2025-04 review: base 200, no data a year before -> 220, step-limited to 210; 2025-07: 220 (within 5 %).
    2026-01: base v(2025-12) = 200; season needs v(2024-12): unknown -> 220 = previous.
    With 2025-10 set to 215 s: the 2026-10 review's season is v(2025-10) - v(2025-09) = +15 s,
    so the proposal is (v(2026-09) + 15) * 1.1 = (290 + 15) * 1.1.
    """
    p = params()
    h = _history()
    jan = replay(h, "2026-01", p).set_index("key").loc["aht_s"]
    assert math.isnan(jan["season"]) and jan["proposed"] == pytest.approx(220)
    assert jan["target"] == pytest.approx(220) and not jan["capped"]
    apr25 = replay(h, "2025-04", p).set_index("key").loc["aht_s"]
    assert apr25["target"] == pytest.approx(210) and apr25["capped"]
    h.loc[pd.Period("2025-10", "M"), "aht_s"] = 215.0
    oct_ = replay(h, "2026-10", p).set_index("key").loc["aht_s"]
    assert oct_["season"] == pytest.approx(15.0)
    assert oct_["proposed"] == pytest.approx((290 + 15) * 1.1)
    no_season = replay(h, "2026-10", params(season=False)).set_index("key").loc["aht_s"]
    assert no_season["proposed"] == pytest.approx(290 * 1.1)


def test_targets_change_only_in_review_months():
    p = params()
    h = _history()
    may, jun = (replay(h, m, p).set_index("key").loc["fcr", "target"] for m in ("2026-05", "2026-06"))
    apr = replay(h, "2026-04", p).set_index("key").loc["fcr", "target"]
    assert apr == may == jun


def test_fixed_method_and_keys_without_rule():
    p = params(method="fixed")
    t = replay(_history(), "2026-10", p).set_index("key")
    assert (t["source"] == "fixed").all()
    assert t.loc["fcr", "target"] == 0.70
    t2 = replay(_history(), "2026-10", params()).set_index("key")
    assert t2.loc["csat", "source"] == "fixed" and t2.loc["csat", "target"] == 0.85   # not in keys
    assert t2.loc["nps", "source"] == "fixed"   # in keys, but no history: no review yet


def test_target_table_on_tiny_data(project_root):
    """As of October 2026 the tiny data has September and October; October is a review month.

    Base = September's center level (S1, S2, S3):
      FCR: S1 resolved, S3 repeated by I01 within 7 days -> 1/2 -> 0.45; from 0.70 at most -5 %: 0.665
      AHT: S1 240 s, S3 300 s -> 270 s -> 297 s; from 200 s at most +5 %: 210 s
      QA: E0 80 -> 72; from 80 at most -5 %: 76
      CSAT: S1 answered 4 (satisfied) -> 1.0 -> 0.90; from 0.85 at most +5 %: 0.8925
      transfer rate: 0/2 -> 0 -> 0; from 0.10 at most -5 %: 0.095
    No data a year earlier: no season adjustment.
    """
    tables = ccnb.data.load(project_root / TINY, month="2026-10")
    p = load_params(overrides={"kpi": {"target_setting": {"keys": ["aht_s", "fcr", "csat", "qa_score",
                                                                    "transfer_rate"]}}})
    t = target_table(tables, "2026-10", p).set_index("key")
    want = {"fcr": (0.5, 0.45, 0.665), "aht_s": (270, 297, 210), "qa_score": (80, 72, 76),
            "csat": (1.0, 0.9, 0.8925), "transfer_rate": (0.0, 0.0, 0.095)}
    for key, (base, proposed, target) in want.items():
        r = t.loc[key]
        assert r["source"] == "derived", key
        assert r["base_month"] == pd.Period("2026-09", "M") and r["reviewed"] == pd.Period("2026-10", "M")
        assert (r["base_value"], r["proposed"], r["target"]) == pytest.approx((base, proposed, target)), key
        assert r["capped"] and math.isnan(r["season"])
    assert t.loc["answer_rate", "source"] == "fixed" and t.loc["answer_rate", "target"] == 0.90
    # by default QA keeps its fixed target (the pass mark)
    d = target_table(tables, "2026-10", load_params()).set_index("key")
    assert d.loc["qa_score", "source"] == "fixed" and d.loc["qa_score", "target"] == 80
    assert d.loc["fcr", "target"] == pytest.approx(0.665)
    # the month before a review keeps the fixed target: September is not a review month
    sep = target_table(ccnb.data.load(project_root / TINY, month="2026-09"), "2026-09", p).set_index("key")
    assert sep.loc["fcr", "source"] == "fixed" and sep.loc["fcr", "target"] == 0.70
