"""Churn risk on the small generated center: recorded validation figures, no leakage on real-shaped
data, and the notebook through the pipeline with identifiers kept out of the HTML and PDF."""
import re
import shutil

import openpyxl
import pandas as pd
import pytest

import ccnb.churn
import ccnb.data
from ccnb import config, report
from ccnb.params import load_params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def tables(small_sample):
    return ccnb.data.load(small_sample, month="2026-10")


def test_validation_on_the_small_center(tables, params):
    v = ccnb.churn.validate(tables, params)
    # four months of data: one training month end, two held out, with the shortest history allowed
    assert v.plan.train == [pd.Timestamp("2026-08-01")]
    assert v.plan.validate == [pd.Timestamp("2026-09-01"), pd.Timestamp("2026-10-01")]
    assert v.plan.short_history
    m = v.metrics
    # recorded on the seed-7 small sample (tests/smoke/conftest.py)
    assert m.loc["model", "auc"] == pytest.approx(0.6870, abs=2e-3)
    assert m.loc["rules", "auc"] == pytest.approx(0.5577, abs=2e-3)
    assert m.loc["model", "precision_at_k"] == pytest.approx(0.1100, abs=5e-3)
    assert m.loc["rules", "precision_at_k"] == pytest.approx(0.0833, abs=5e-3)
    assert m.loc["model", "brier"] < m.loc["rules", "brier"] < m.loc["model", "base_rate"] * (1 - m.loc["model", "base_rate"]) + 1e-3
    assert m.loc["model", "churners"] == 432 and m.loc["model", "rows"] == 18456


def test_later_data_changes_nothing_before_the_cutoff(small_sample, params):
    """Features at 2026-09-01 from data known at August's end == from everything known at October's end."""
    early = ccnb.churn.features(ccnb.data.load(small_sample, month="2026-08"), "2026-09-01", params)
    late = ccnb.churn.features(ccnb.data.load(small_sample, month="2026-10"), "2026-09-01", params)
    assert len(early) > 1000
    pd.testing.assert_frame_equal(early, late)


def test_flags_are_deterministic(tables, params):
    a = ccnb.churn.flags(tables, None, params)
    b = ccnb.churn.flags(ccnb.data.load(tables.source, month="2026-10"), None, params)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["cutoff"] == pd.Timestamp("2026-11-01")


@pytest.fixture(scope="module")
def pack(small_sample, tmp_path_factory):
    nbdir = tmp_path_factory.mktemp("notebooks")
    shutil.copy(config.NOTEBOOKS_DIR / "30_churn_risk.ipynb", nbdir)
    return report.run("2026-10", data=small_sample, out=tmp_path_factory.mktemp("reports"), notebooks_dir=nbdir,
                      progress=None)


def test_pack_keeps_identifiers_out_of_html_and_pdf(pack, pdf_text):
    html = (pack / "30_churn_risk.html").read_text(encoding="utf-8")
    pdf = pdf_text(pack / "pdf" / "30_churn_risk.pdf")
    index = (pack / "index.html").read_text(encoding="utf-8")
    csv = pack / "restricted" / "churn_outreach_2026-10.csv"
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    out = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
    assert len(out) > 100
    secrets = set(out["Customer ID"]) | set(out["Phone"].dropna()) | set(out["E-mail"].dropna())
    leaked = [s for s in secrets if s in html or s in pdf]
    assert not leaked, leaked[:5]
    assert not re.search(r"\bCU\d{5,}", html + pdf)             # no id-shaped text at all
    assert "restricted" not in re.findall(r'href="([^"]*)"', html + index).__str__()
    # the examples carry masked references that the outreach list maps back to customers
    refs = re.findall(r"\bC[A-Z2-7]{8}\b", html)
    assert len(refs) == load_params().churn.examples
    assert set(refs) <= set(out["Report reference"])
    assert set(refs) == set(out["Report reference"][: len(refs)])  # the highest-risk ones
    assert "Customers at risk of leaving" in pdf and "AUC" in pdf


def test_outreach_excel_opens(pack):
    wb = openpyxl.load_workbook(pack / "restricted" / "churn_outreach_2026-10.xlsx", read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("Rank", "Within capacity", "Customer ID", "Report reference")
    assert rows[1][0] == 1 and 0 < rows[1][9] <= 1 and rows[1][10] in ("High", "Medium", "Low")
    assert not list((pack / "files").glob("churn*"))            # nothing with identifiers among linked files
