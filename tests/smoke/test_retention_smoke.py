"""Retention on the small generated center (four months, seed 7): figures checked against
independent computations (the KPI registry, plain SQL counts), the sample's built-in
mechanism (churn rises with bad service), no look-ahead, and the notebook through the
pipeline (en) with the early-warning export and the pack's headline figures.

The generator was still changing when these were written, so the expected values are
computed here rather than recorded; the mechanism checks hold for any version of it.
"""
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

import ccnb.data
import ccnb.kpi
from ccnb import retention
from ccnb.core import config
from ccnb.params import load_params
from ccnb.pipeline import report
from ccnb.retention import customers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def tables(small_sample):
    return ccnb.data.load(small_sample, month="2026-10")


def test_customer_retention_is_the_registry_kpi(tables, params):
    rate = customers.retention_rate(tables, "2026-10", params)
    kpi = ccnb.kpi.compute(tables, "2026-10", keys=["customer_retention"], params=params)
    assert rate["value"] == pytest.approx(kpi.loc["center", "customer_retention"], abs=1e-12)
    assert rate["customers"] == kpi.loc["center", "customers"] > 1000
    # four months of data cannot cover the 12-month retention period: flagged, no trend
    assert not rate["covered"] and rate["trend"].empty


def test_cohorts_against_plain_counts(tables, params):
    m = customers.cohorts(tables, "2026-10", params)
    assert [str(p) for p in m.index] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    counts = tables.sql("""
        SELECT strftime(signup_date, '%Y-%m') AS c, count(*) AS n,
               sum(CASE WHEN churn_date IS NULL OR churn_date >= DATE '2026-10-01' THEN 1 ELSE 0 END) AS in_sep_end
        FROM customers WHERE signup_date >= DATE '2026-07-01' GROUP BY 1 ORDER BY 1""").set_index("c")
    assert m["size"].tolist() == counts["n"].tolist()
    # the July cohort still in at the end of September (2 months after July)
    assert m.loc[pd.Period("2026-07", "M"), 2] == pytest.approx(
        counts.loc["2026-07", "in_sep_end"] / counts.loc["2026-07", "n"], abs=1e-12)
    assert m.loc[pd.Period("2026-10", "M")].drop("size").notna().sum() == 1


def test_bad_service_goes_with_leaving(tables, params):
    """The sample's churn rises with unresolved and poor experiences: the survival curves and
    the Cox model must see it, whatever the generator's exact numbers."""
    exp = customers.experience_survival(tables, "2026-10", params)
    assert exp["landmark"] == pd.Timestamp("2026-09-01") and exp["months"] == 2
    s = exp["summary"].set_index("group")
    assert s.loc["bad_experience", "s_2m"] < s.loc["good_experience", "s_2m"]
    assert exp["logrank"]["p"] < 1e-6
    res = customers.cox_experience(tables, "2026-10", params)
    tb = res.table.set_index("covariate")
    assert tb["hr"].notna().all() and np.isfinite(tb[["hr_lo", "hr_hi"]].to_numpy()).all()
    for flag in ("fcr_miss", "abandoned", "low_csat"):
        assert tb.loc[flag, "hr_lo"] > 1, flag
    assert res.events > 100
    cp = customers.counting_process(tables, "2026-10", params)
    assert res.n == len(cp) and res.events == cp["event"].sum()


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
    leavers = tables.sql("SELECT count(*) AS n FROM agents WHERE leave_date >= DATE '2026-07-01'")["n"].iloc[0]
    assert c["leavers"] == leavers


def test_early_warnings(tables, params):
    sig = retention.agent_signals(tables, "2026-10", params)
    ew = retention.early_warnings(tables, "2026-10", params)
    assert len(ew) == (sig["signals"] >= params.retention.early_warning.min_signals).sum()
    employed = tables.sql("SELECT count(*) AS n FROM agents WHERE leave_date IS NULL")["n"].iloc[0]
    assert len(sig) == employed
    assert ew["reasons"].str.len().gt(0).all()
    assert (ew["codes"].str.count(";") + 1 == ew["signals"]).all()
    # four months of data leave no month end with 12 weeks behind it and 60 days ahead
    assert retention.backtest(tables, "2026-10", params).empty


@pytest.fixture(scope="module")
def pack(small_sample, tmp_path_factory):
    nbdir = tmp_path_factory.mktemp("notebooks")
    shutil.copy(config.NOTEBOOKS_DIR / "40_retention.ipynb", nbdir)
    return report.run("2026-10", data=small_sample, out=tmp_path_factory.mktemp("reports"), notebooks_dir=nbdir,
                      progress=None)


def test_notebook_in_the_pack(pack, pdf_text, tables, params):
    html = (pack / "40_retention.html").read_text(encoding="utf-8")
    pdf = " ".join(pdf_text(pack / "pdf" / "40_retention.pdf").split())
    for text in ("Retention of customers and agents: October 2026", "Cohorts", "What makes customers leave",
                 "times faster than other customers", "Early-warning list for supervisors"):
        assert text in pdf, text
    assert not re.search(r"\bCU\d{5,}", html + pdf)            # no customer identifiers
    assert "ctx." not in html and "import " not in html          # no code
    ew = pd.read_csv(pack / "files" / "early_warnings_2026-10.csv", encoding="utf-8-sig")
    assert len(ew) == len(retention.early_warnings(tables, "2026-10", params))
    assert {"agent_name", "team", "supervisor", "reasons"} <= set(ew.columns)
    summary = json.loads((pack / "summary" / "40_retention.json").read_text(encoding="utf-8"))
    items = {i["key"]: i for i in summary["items"]}
    assert set(items) == {"customer_retention", "agent_attrition", "early_warnings"}
    rate = customers.retention_rate(tables, "2026-10", params)
    assert items["customer_retention"]["value"] == pytest.approx(rate["value"])
    att = retention.agent_attrition(tables, "2026-10", params)
    assert items["agent_attrition"]["value"] == pytest.approx(att.loc[att["level"] == "center", "annualised"].iloc[0])
    assert items["early_warnings"]["value"] == len(ew)
