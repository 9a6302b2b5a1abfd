"""What each report needs (ccnb.catalog.needs) and what a center's data can feed (ccnb.data.available).

Data: the hand-built tiny set (tests/data/tiny), whole or reduced to its call log.
"""
from __future__ import annotations

import pathlib

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

import ccnb.data
from ccnb import churn, kpi
from ccnb.catalog import needs
from ccnb.catalog.contract import TABLES
from ccnb.catalog.kpis import REGISTRY
from ccnb.core import config
from ccnb.data import available
from ccnb.forecast.backtest import backtest, choose
from ccnb.forecast.models import fits_history, min_weeks
from ccnb.params import load_params
from ccnb.present.plots import set_style
from ccnb.retention import views as retention_views
from ccnb.rollup import month_end, overview

TINY = pathlib.Path(__file__).resolve().parents[1] / "data" / "tiny"


def _folder(tmp_path, keep=("interactions",), drop_columns=()) -> pathlib.Path:
    out = tmp_path / "data"
    out.mkdir()
    for t in keep:
        df = pd.read_csv(TINY / f"{t}.csv", dtype=str, keep_default_na=False)
        df.drop(columns=list(drop_columns) if t == "interactions" else []).to_csv(out / f"{t}.csv", index=False)
    return out


@pytest.fixture
def call_log(tmp_path):
    """The tiny center's interactions alone, without the resolved mark (an ACD export)."""
    return ccnb.data.load(_folder(tmp_path, drop_columns=("resolved",)), month="2026-10")


@pytest.fixture
def whole(tmp_path):
    return ccnb.data.load(TINY, month="2026-10")


# ----------------------------------------------------------------------------- the declaration
def test_declaration_names_real_tables_columns_kpis_and_notebooks():
    for s in needs.SECTIONS.values():
        for n in s.needs + s.better_with:
            assert n.table in TABLES, s.key
            assert set(n.columns) <= set(TABLES[n.table].names), s.key
    assert {f"kpi.{k}" for k in REGISTRY} <= set(needs.SECTIONS)
    stems = {p.stem for p in config.NOTEBOOKS_DIR.glob("*.ipynb")}
    assert set(needs.NOTEBOOKS) <= stems
    assert set(needs.MONTH_END_REPORTS.values()) <= stems
    for keys in list(needs.NOTEBOOKS.values()) + list(needs.MONTH_END_SECTIONS.values()):
        assert set(keys) <= set(needs.SECTIONS)
    with pytest.raises(KeyError, match="unknown report section"):
        needs.key_of("qa.nonsense")


def test_only_interactions_is_required():
    assert [t.name for t in TABLES.values() if t.required_table] == ["interactions"]
    for t in TABLES.values():
        for c in t.columns:
            assert not (c.nullable and c.required), f"{t.name}.{c.name}"


# ----------------------------------------------------------------------------- evaluation
def test_a_call_log_alone_feeds_the_contact_sections_only(call_log):
    av = available.available(call_log)
    assert av["kpi.answer_rate"].ok and av["overview.daily"].ok and av["forecast.forecast"].ok
    assert av["kpi.agents"].ok and av["kpi.fcr"].ok
    assert [n.columns for n in av["kpi.fcr"].degraded] == [("resolved",)]
    ok, en, zh = av["qa.results"]
    assert (ok, en) == (False, "this center supplied no QA evaluations")
    assert zh == "本中心未提供质检评估数据"
    assert av["kpi.csat"].reason("en") == "this center supplied no customer surveys"
    # a missing table is named as such, not by the columns it would have had
    assert av["kpi.attrition"].reason("en").startswith("this center supplied no agent roster")
    assert not available.notebook(call_log, "30_churn_risk").ok
    assert available.notebook(call_log, "20_kpi_scorecard").ok
    assert kpi.unavailable(call_log) == {k for k in REGISTRY if REGISTRY[k].fact != "contacts"}
    rep = available.report(call_log)
    assert rep["tables"]["interactions"] == {"rows": True, "empty_columns": ["resolved"]}
    assert rep["sections"]["qa.results"]["reason_zh"] == zh


def test_the_whole_tiny_center_feeds_every_section(whole):
    av = available.available(whole)
    assert [k for k, a in av.items() if not a.ok] == []
    assert kpi.unavailable(whole) == frozenset()
    assert kpi.fcr_from_resolved(whole)


# ----------------------------------------------------------------------------- KPIs
def test_fcr_without_resolved_counts_repeat_contacts_alone(call_log, whole):
    # handled inbound contacts of known customers in October: I01 I02 I03 I05 I06 I09 I10 I11 (8);
    # I02 is followed by I03 (same customer, same reason, 2 days later): 7 of 8 without a repeat
    p = load_params()
    assert not kpi.fcr_from_resolved(call_log)
    got = kpi.compute(call_log, "2026-10", level="center", params=p, keys=["fcr"])
    assert got["fcr"].iloc[0] == pytest.approx(7 / 8)
    # with the mark, an unresolved contact without a repeat fails too (I05 marked unresolved: 6 of 8)
    frames = {t: pd.read_csv(TINY / f"{t}.csv", dtype=str, keep_default_na=False).replace("", None)
              for t in ("interactions",)}
    frames["interactions"].loc[frames["interactions"]["contact_id"] == "I05", "resolved"] = "false"
    marked = ccnb.data.Tables.from_frames(frames, month="2026-10")
    assert kpi.fcr_from_resolved(marked)
    assert kpi.compute(marked, "2026-10", level="center", params=p, keys=["fcr"])["fcr"].iloc[0] == pytest.approx(6 / 8)


def test_kpis_without_data_are_left_out_of_composites_and_counts(call_log):
    p = load_params()
    hl = overview.headline(call_log, "2026-10", p)
    na = hl[~hl["available"]]
    assert set(na["key"]) == set(p.report.headline_kpis) & kpi.unavailable(call_log)
    assert na["light"].isna().all() and na["value"].isna().all()
    assert (na["reason"] != "").all()
    # the tiny month has too few contacts for a light: nothing is counted, nothing alerts
    assert (hl.loc[hl["available"], "light"] == "grey").all()
    assert month_end.on_target_counts(hl) == {"n": 0, "total": 0, "below": 0}
    assert overview.alerts(hl) == [] and len(month_end.actions(hl, month_end.Rollup())) == 0
    cards = overview.cards(hl, "en")
    assert [c["value"] for c in cards if c["label"] == "QA score"] == ["not available"]
    assert all(k in set(hl.loc[hl["available"], "key"]) for k in overview.with_data(hl)["key"])
    assert hl.loc[hl["key"] == "fcr", "label"].iloc[0] == "First-contact resolution (from repeat contacts)"
    p = p.model_copy(update={"kpi": p.kpi.model_copy(update={"min_contacts": 1})})   # a tiny month may score
    center = kpi.compute(call_log, "2026-10", level="center", params=p)
    full = kpi.score(center, p, level="center")
    fair = kpi.score(center, p, level="center", unavailable=kpi.unavailable(call_log))
    # without the declaration the missing surveys (0 < kpi.min_surveys) and QA and WFM weights sink the score
    assert full["status"].iloc[0] == "insufficient" and full["reason"].iloc[0] in ("few_surveys", "low_coverage")
    assert fair["status"].iloc[0] == "scored" and fair["coverage"].iloc[0] == pytest.approx(1.0)
    assert "att_csat" not in fair.columns


def test_score_of_no_units_is_an_empty_table():
    p = load_params()
    empty = pd.DataFrame(columns=["handled", "aht_s"], index=pd.Index([], name="team"))
    s = kpi.score(empty, p, level="team")
    assert len(s) == 0 and {"composite", "rank", "light", "status"} <= set(s.columns)


# ----------------------------------------------------------------------------- forecasting history
def _series(days: int) -> pd.Series:
    idx = pd.date_range("2026-10-01", periods=days * 48, freq="30min")
    hour = idx.hour + idx.minute / 60
    y = ((hour >= 8) & (hour < 20)) * (20 + 5 * (idx.day_of_week < 5))
    return pd.Series(y.astype(float), index=idx)


def test_a_model_is_a_candidate_only_with_its_weeks():
    assert min_weeks("seasonal_naive") == 1 and min_weeks("mstl") == 3
    assert fits_history("daily_ets", 21) and not fits_history("daily_ets", 20)
    s = _series(31)
    bt = backtest(s, "30min", origins=2, horizon=7, models=["seasonal_naive", "daily_ets", "mstl"])
    assert list(bt["model"]) == ["seasonal_naive", "daily_ets", "mstl"]
    assert bt.set_index("model")["origins"].to_dict() == {"seasonal_naive": 2, "daily_ets": 1, "mstl": 1}
    none = backtest(s, "30min", origins=2, horizon=28, models=["seasonal_naive", "mstl"])
    assert none.empty and choose(none) == "seasonal_naive"


# ----------------------------------------------------------------------------- text from the data
def test_chart_text_from_the_data_is_drawn_literally():
    name = r"Team $\LaTeX$ \frac{1}{0}"
    set_style("en")
    try:
        fig, ax = plt.subplots()
        ax.set_title(name)
        ax.bar([name], [1])
        fig.canvas.draw()           # mathtext would raise on \LaTeX
        assert ax.get_title(loc="left") == name and matplotlib.rcParams["text.parse_math"] is False
        plt.close(fig)
        with matplotlib.rc_context({"text.parse_math": True}):
            fig, ax = plt.subplots()
            ax.set_title(name)
            with pytest.raises(ValueError):
                fig.canvas.draw()
            plt.close(fig)
    finally:
        plt.close("all")


def test_reasons_read_in_both_languages():
    for n in {n for s in needs.SECTIONS.values() for n in s.needs}:
        for lang in ("en", "zh"):
            words = available.need_words(n, lang)
            assert words and "{" not in words


def test_the_month_end_links_only_reports_with_data(call_log, whole):
    pack = month_end.Rollup(notebooks=["00_overview", "10_forecast_staffing", "20_kpi_scorecard", "30_churn_risk",
                                       "40_retention"])
    assert [s for s in month_end.SECTIONS if month_end.links_report(s, pack, call_log)] == ["service", "quality"]
    assert [s for s in month_end.SECTIONS if month_end.links_report(s, pack, whole)] == list(month_end.SECTIONS)
    # a report left out of the pack (report.notebooks) is not linked either
    partial = month_end.Rollup(notebooks=["00_overview", "20_kpi_scorecard"])
    assert not month_end.links_report("service", partial, whole)
    assert month_end.section_reason("customers", call_log, "en") == (
        "this center supplied no customer records; this center supplied no complaints")
    assert month_end.section_reason("customers", whole, "en") == "its report recorded no figure this month"


def test_short_history_is_said_not_crashed(whole):
    p = load_params()
    # the tiny center starts in September: too short for an out-of-time churn model
    enough, months, first = churn.history_check(whole, p)
    assert (enough, str(first)) == (False, "2026-09") and months == 3   # three months do (checked on the sample)
    with pytest.raises(ValueError, match="not enough history"):
        churn.validate(whole, p)          # what the notebook no longer calls on such data
    key, fields = retention_views.warnings_history(4.4, p)
    assert key == "needs.warnings_history" and fields["weeks"] == "4" and fields["need"] == 12
    assert retention_views.warnings_history(12, p) is None
