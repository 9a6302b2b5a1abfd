"""Churn risk on the full sample (data/sample, 2025-07..2026-10): the model beats the rule flags out of
time at the outreach capacity, and the Chinese pack keeps identifiers out of the HTML and PDF."""
import re
import shutil

import openpyxl
import pandas as pd
import pytest

import ccnb.churn
import ccnb.data
from ccnb.core import config
from ccnb.params import load_params
from ccnb.pipeline import report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample():
    if not (config.SAMPLE_DIR / "MANIFEST.json").is_file():
        pytest.skip("the sample is incomplete: run the setup command (make setup)")
    return config.SAMPLE_DIR


@pytest.fixture(scope="module")
def validation(sample):
    return ccnb.churn.validate(ccnb.data.load(sample, month="2026-10"), load_params())


def test_model_beats_the_rules_out_of_time(validation):
    v = validation
    # trained on the month ends 2026-02-28 .. 2026-07-31, tested on 2026-08-31 and 2026-09-30
    assert v.plan.train == list(pd.date_range("2026-03-01", "2026-08-01", freq="MS"))
    assert v.plan.validate == [pd.Timestamp("2026-09-01"), pd.Timestamp("2026-10-01")]
    assert not v.plan.short_history
    m = v.metrics
    assert v.beats_rules
    assert m.loc["model", "precision_at_k"] > m.loc["rules", "precision_at_k"]
    assert m.loc["model", "auc"] > m.loc["rules", "auc"]
    assert m.loc["model", "brier"] < m.loc["rules", "brier"]
    # ... on every held-out month, not only on average
    per = v.per_cutoff.pivot(index="cutoff", columns="method", values="precision_at_k")
    assert (per["model"] > per["rules"]).all()
    # recorded on the seed-20261031 sample (generator 2.0)
    assert m.loc["model", "auc"] == pytest.approx(0.698, abs=0.01)
    assert m.loc["rules", "auc"] == pytest.approx(0.560, abs=0.01)
    assert m.loc["model", "precision_at_k"] == pytest.approx(0.243, abs=0.02)
    assert m.loc["rules", "precision_at_k"] == pytest.approx(0.147, abs=0.02)
    assert m.loc["model", "base_rate"] == pytest.approx(0.0213, abs=0.002)


def test_model_recovers_the_documented_warning_signs(validation):
    """The sample's churn raises the odds with open complaints and low CSAT most (ccnb.sample.customers)."""
    o = validation.odds_ratios.set_index("column")
    assert o.loc["complaints_open", "or_low"] > 1.5
    assert o.loc["low_csat_30d", "or_low"] > 1.2
    for sign in ("abandons_30d", "unresolved_30d", "repeats_30d"):
        assert o.loc[sign, "or_low"] > 1, sign
    assert o.loc["value", "or_high"] < 1 and o.loc["tenure_days", "or_high"] < 1


@pytest.fixture(scope="module")
def pack_zh(sample, tmp_path_factory):
    nbdir = tmp_path_factory.mktemp("notebooks")
    shutil.copy(config.NOTEBOOKS_DIR / "30_churn_risk.ipynb", nbdir)
    return report.run("2026-10", data=sample, out=tmp_path_factory.mktemp("reports"), notebooks_dir=nbdir,
                      lang="zh", progress=None)


def test_chinese_pack_masks_identifiers(pack_zh, pdf_text):
    html = (pack_zh / "30_churn_risk.html").read_text(encoding="utf-8")
    pdf = pdf_text(pack_zh / "pdf" / "30_churn_risk.pdf")
    assert "客户流失风险" in pdf and "挽留名单" in pdf
    out = pd.read_csv(pack_zh / "restricted" / "churn_outreach_2026-10.csv", encoding="utf-8-sig", dtype=str)
    assert list(out.columns[:4]) == ["排名", "在外呼能力内", "客户编号", "报告编号"]
    secrets = set(out["客户编号"]) | set(out["电话"].dropna()) | set(out["电子邮件"].dropna())
    assert not [s for s in secrets if s in html or s in pdf]
    assert not re.search(r"\bCU\d{5,}", html + pdf)
    wb = openpyxl.load_workbook(pack_zh / "restricted" / "churn_outreach_2026-10.xlsx", read_only=True)
    assert wb.sheetnames == ["挽留名单", "说明"]
    head = next(wb.worksheets[0].iter_rows(values_only=True))
    assert head[2] == "客户编号"
