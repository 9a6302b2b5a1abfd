"""The KPI scorecard and quality notebook through the pipeline on the small generated center, English
and Chinese: the figures it shows equal the package's own results, its files are what the QA team and
supervisors need, and no customer identity reaches the HTML or PDF."""
import json
import re
import shutil

import pandas as pd
import pytest

import ccnb.data
import ccnb.kpi
from ccnb import qa
from ccnb.core import config
from ccnb.kpi import views as scorecard
from ccnb.params import load_params
from ccnb.pipeline import report

pytestmark = pytest.mark.slow
NB = "20_kpi_scorecard"


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def tables(small_sample):
    return ccnb.data.load(small_sample, month="2026-10")


@pytest.fixture(scope="module")
def packs(small_sample, tmp_path_factory):
    nbdir = tmp_path_factory.mktemp("notebooks")
    shutil.copy(config.NOTEBOOKS_DIR / f"{NB}.ipynb", nbdir)
    out = tmp_path_factory.mktemp("reports")
    return {lang: report.run("2026-10", data=small_sample, out=out, notebooks_dir=nbdir, lang=lang, progress=None)
            for lang in ("en", "zh")}


def _summary(pack):
    doc = json.loads((pack / "summary" / f"{NB}.json").read_text(encoding="utf-8"))
    return {i["key"]: i for i in doc["items"]}


def test_headline_figures_are_the_packages(packs, tables, params):
    sc = scorecard.build(tables, "2026-10", params)
    s = _summary(packs["en"])
    assert s["kpi.summary_composite"]["value"] == pytest.approx(sc.center_score.iloc[0]["composite"])
    assert s["kpi.summary_on_target"]["value"] == pytest.approx(scorecard.on_target_share(sc))
    c = ccnb.kpi.compute(tables, "2026-10", keys=["qa_score"], params=params)
    assert s["qa.summary_score"]["value"] == pytest.approx(c.loc["center", "qa_score"])
    cal = qa.calibration(qa.calibration_evaluations(tables, "2026-10", params), params)
    assert s["qa.summary_icc"]["value"] == pytest.approx(cal.icc)
    assert 0 < cal.icc < 1 and "QA04" in cal.flagged          # the sample's harsh evaluator (ccnb.sample.spec)
    zh = _summary(packs["zh"])
    assert zh["kpi.summary_composite"]["value"] == pytest.approx(s["kpi.summary_composite"]["value"])
    assert zh["kpi.summary_composite"]["label"] == "中心综合得分"


def test_sampling_plan_file(packs, tables, params):
    f = packs["en"] / "files" / "qa_sampling_plan_2026-11.csv"
    assert f.read_bytes().startswith(b"\xef\xbb\xbf")                # opens in Excel with Chinese names
    plan = pd.read_csv(f, encoding="utf-8-sig", dtype=str)
    direct = qa.sampling_plan(tables, "2026-11-01", "2026-12-01", seed=params.qa.sampling.seed, params=params)
    assert len(plan) == len(direct) and list(plan["plan_id"]) == list(direct["plan_id"])
    assert list(plan["agent_id"]) == list(direct["agent_id"])
    assert list(plan["pick_after"]) == list(pd.to_datetime(direct["pick_after"]).dt.strftime("%Y-%m-%d %H:%M"))
    assert not {"customer_id", "phone", "email"} & set(plan.columns)
    per_line = plan.groupby("business_line").size()
    assert (per_line >= params.qa.sampling.min_per_line_month).all()
    weekly = plan[plan["top_up"] == "False"].groupby(["agent_id", "week"]).size()
    assert weekly.between(1, 10).all()
    # full weeks carry exactly the band's number
    full = plan[plan["week"].isin(["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"])
                & (plan["top_up"] == "False")].groupby(["agent_id", "week", "band"]).size().reset_index(name="n")
    hired = tables.sql("SELECT agent_id FROM agents WHERE leave_date IS NULL")["agent_id"]
    full = full[full["agent_id"].isin(hired)]
    assert (full["n"] == full["band"].map(params.qa.sampling.per_week)).all()


def test_agent_file_holds_every_agent(packs, tables, params):
    f = packs["en"] / "files" / "kpi_agents_2026-10.csv"
    df = pd.read_csv(f, encoding="utf-8-sig")
    agents = ccnb.kpi.compute(tables, "2026-10", level="agent", params=params)
    assert sorted(df["agent_id"]) == sorted(agents.index)
    assert set(df["status"]) <= {"scored", "insufficient"}
    scored = df[df["status"] == "scored"]
    assert scored["composite"].between(0, 100).all() and df.loc[df["status"] != "scored", "composite"].isna().all()


def test_no_customer_identity_in_html_or_pdf(packs, tables, pdf_text):
    cust = tables.sql("SELECT customer_id, phone, email FROM customers")
    secrets = set(cust["customer_id"]) | set(cust["phone"].dropna()) | set(cust["email"].dropna())
    for lang, pack in packs.items():
        html = (pack / f"{NB}.html").read_text(encoding="utf-8")
        pdf = pdf_text(pack / "pdf" / f"{NB}.pdf")
        assert not [s for s in secrets if s in html or s in pdf], lang
        assert not re.search(r"customer_id|\bCU\d{5,}", html)


def test_pages_read_as_the_report(packs, pdf_text):
    en = pdf_text(packs["en"] / "pdf" / f"{NB}.pdf")
    for words in ("KPI scorecard and quality", "Targets used", "Agent league table", "Where KPIs pull against",
                  "Sampling plan for November 2026", "Calibration"):
        assert words in en, words
    zh = pdf_text(packs["zh"] / "pdf" / f"{NB}.pdf")
    for words in ("绩效计分卡与质检", "本月使用的目标", "坐席排行榜", "抽检计划", "校准"):
        assert words in zh, words
    html = (packs["en"] / f"{NB}.html").read_text(encoding="utf-8")
    assert "Traceback" not in html and "ccnb.present.display" not in html
