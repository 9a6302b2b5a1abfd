"""Retention on the small generated center (four months, seed 7): recorded figures, agreement
with the KPI registry, no look-ahead, and the notebook through the pipeline (en) with the
early-warning export and the pack's headline figures."""
import json
import re
import shutil

import pandas as pd
import pytest

import ccnb.data
import ccnb.kpi
from ccnb import config, report, retention
from ccnb.params import load_params
from ccnb.retention import customers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def tables(small_sample):
    return ccnb.data.load(small_sample, month="2026-10")


def test_customer_figures(tables, params):
    rate = customers.retention_rate(tables, "2026-10", params)
    # four months of data cannot cover the 12-month retention period: flagged, no trend
    assert not rate["covered"] and rate["trend"].empty
    assert rate["value"] == pytest.approx(0.94524, abs=1e-4) and rate["customers"] == 11104
    m = customers.cohorts(tables, "2026-10", params)
    assert [str(p) for p in m.index] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    assert m["size"].tolist() == [299, 294, 328, 274]
    assert m.loc[pd.Period("2026-07", "M"), 3] == pytest.approx(0.83278, abs=1e-4)
    exp = customers.experience_survival(tables, "2026-10", params)
    assert exp["landmark"] == pd.Timestamp("2026-09-01") and exp["months"] == 2
    s = exp["summary"].set_index("group")
    assert s.loc["open_complaint", "s_2m"] < s.loc["bad_experience", "s_2m"] < s.loc["no_contact", "s_2m"]
    assert exp["logrank"]["p"] < 1e-6


def test_cox_on_a_short_history(tables, params):
    """Two model months and a rare flag (19 customer-months with an open complaint): the fit
    still converges (BFGS fallback) and ranks the open complaint first."""
    res = customers.cox_experience(tables, "2026-10", params)
    tb = res.table.set_index("covariate")
    assert res.events == 544 and res.entities == 13581
    assert tb["hr"].notna().all()
    assert tb.loc["open_complaint", "hr"] == pytest.approx(8.27, abs=0.05)
    assert tb.loc["low_csat", "hr"] == pytest.approx(2.53, abs=0.02)
    assert tb.loc["fcr_miss", "hr"] == pytest.approx(1.566, abs=0.01)
    assert tb["hr"].idxmax() == "open_complaint"
    assert res.ph["ok"].all()


def test_attrition_matches_the_registry_month_by_month(tables, params):
    tr = retention.attrition_trend(tables, "2026-10", params, months=12)
    assert [str(m) for m in tr.index] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    kpi = ccnb.kpi.trend(tables, "2026-10", months=4, keys=["attrition"], params=params)
    assert tr["annualised"].to_numpy() == pytest.approx(kpi["attrition"].to_numpy())
    a = retention.agent_attrition(tables, "2026-10", params).set_index(["level", "unit"])
    c = a.loc[("center", "center")]
    assert c["months"] == 4 and c["leavers"] == tr["leavers"].sum()
    assert c["annualised"] == pytest.approx(12 * tr["leavers"].sum() / tr["avg_headcount"].sum())
    for level in ("team", "supervisor", "shift", "tenure_band"):
        assert a.loc[level, "leavers"].sum() == c["leavers"]
        assert a.loc[level, "agent_months"].sum() == pytest.approx(c["agent_months"])


def test_early_warnings_are_recorded(tables, params):
    ew = retention.early_warnings(tables, "2026-10", params)
    assert len(ew) == 9
    assert ew.loc[0, "codes"] == "attendance_fall;qa_fall"          # two signals first
    assert ew["reasons"].str.len().gt(0).all()
    # four months of data leave no month end with 12 weeks behind it and 60 days ahead
    assert retention.backtest(tables, "2026-10", params).empty


@pytest.fixture(scope="module")
def pack(small_sample, tmp_path_factory):
    nbdir = tmp_path_factory.mktemp("notebooks")
    shutil.copy(config.NOTEBOOKS_DIR / "40_retention.ipynb", nbdir)
    return report.run("2026-10", data=small_sample, out=tmp_path_factory.mktemp("reports"), notebooks_dir=nbdir,
                      progress=None)


def test_notebook_in_the_pack(pack, pdf_text, small_sample):
    html = (pack / "40_retention.html").read_text(encoding="utf-8")
    pdf = pdf_text(pack / "pdf" / "40_retention.pdf")
    for text in ("Retention: customers and agents", "Cohorts", "What makes customers leave",
                 "Early-warning list for supervisors", "leave 8.3 times faster"):
        assert text in pdf.replace("\n", " ") or text in html, text
    assert not re.search(r"\bCU\d{5,}", html + pdf)            # no customer identifiers
    assert "ctx." not in html and "import " not in html          # no code
    ew = pd.read_csv(pack / "files" / "early_warnings.csv", encoding="utf-8-sig")
    assert len(ew) == 9 and {"agent_name", "team", "supervisor", "reasons"} <= set(ew.columns)
    summary = json.loads((pack / "summary" / "40_retention.json").read_text(encoding="utf-8"))
    items = {i["key"]: i for i in summary["items"]}
    assert set(items) == {"customer_retention", "agent_attrition", "early_warnings"}
    assert items["customer_retention"]["value"] == pytest.approx(0.94524, abs=1e-4)
    assert items["early_warnings"]["value"] == 9
