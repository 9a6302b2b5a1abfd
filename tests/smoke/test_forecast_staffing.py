"""Forecasting and staffing on the small generated center (seed 7, 2026-07..2026-10): recorded figures,
the forecaster against the baseline, and the notebook through the pipeline in English and Chinese."""
import shutil

import pandas as pd
import pytest

import ccnb.data
from ccnb import config, report
from ccnb.forecast import monthly, views
from ccnb.staffing import plan
from ccnb.params import load_params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def run(small_sample, params):
    return monthly.run(ccnb.data.load(small_sample, month="2026-10"), params)


def test_the_chosen_forecasts_beat_the_weekly_seasonal_naive(run):
    acc = monthly.accuracy_table(run).set_index("key")
    assert acc["beats_naive"].all()
    # recorded on the seed-7 small sample (tests/smoke/conftest.py): whole center, 2 origins x 28 days.
    # Re-record when ccnb.sample changes the generated contacts.
    assert acc.loc["all", "model"] == "daily_regression"
    assert acc.loc["all", "wape"] == pytest.approx(0.2941, abs=2e-3)
    assert acc.loc["all", "naive_wape"] == pytest.approx(0.4342, abs=2e-3)
    last = monthly.last_month_accuracy(run).set_index("key")
    assert last.loc["all", "wape_daily"] == pytest.approx(0.1437, abs=2e-3)
    assert (last["wape"] < last["naive_wape"]).all() and (last["wape_daily"] < last["naive_wape_daily"]).all()


def test_recorded_staffing_figures(run, params):
    """The plan from the forecast with a fixed AHT (200 s), Erlang C and 30 % shrinkage: these figures rest on
    the arrivals only (AHT, patience and shrinkage estimates are checked by hand on tests/data/tiny)."""
    assert run.plan["calls"].sum() == pytest.approx(12292.7, rel=1e-3)
    inp = run.plan[["queue", "channel", "ts", "calls"]].assign(aht_s=200.0)
    pc = params.model_copy(deep=True)
    pc.staffing.model = "erlang_c"
    req = plan.requirements(inp, pc, shrinkage=0.3)
    assert int(req["required"].sum()) == pytest.approx(6797, abs=15)
    assert int(req["scheduled"].sum()) == pytest.approx(11909, abs=25)
    assert plan.fte(req, pc)["monthly"]["fte"].iloc[0] == pytest.approx(34.73, abs=0.1)
    # the run's own plan: November, every queue, scheduled >= required, Erlang A below Erlang C
    assert run.plan["ts"].min() == pd.Timestamp("2026-11-01") and run.plan["ts"].max() < pd.Timestamp("2026-12-01")
    assert set(run.plan["queue"]) == set(run.queues)
    assert (run.plan["scheduled"] >= run.plan["required"]).all()
    assert run.patience.notna().all()
    c = views.conclusions(run, params)
    assert len(c["sentences"]) >= 5 and c["fte"] > 0
    # with only July-October in the history, 11.11 itself was never seen: the busiest promotion day is
    # a pre-sale day, whose effect the history does show
    assert c["event"]["name"] == "Singles Day 11.11 pre-sale"


def test_planner_file(run, tmp_path):
    path = monthly.write_planner_csv(run, tmp_path)
    assert path.name == "forecast_staffing_2026-11.csv" and path.read_bytes().startswith(b"\xef\xbb\xbf")
    f = pd.read_csv(path, encoding="utf-8-sig")
    assert list(f.columns[:4]) == ["queue", "date", "interval_start", "forecast_contacts"]
    assert (f["forecast_low"] <= f["forecast_high"]).all() and (f["scheduled_agents"] >= f["required_agents"]).all()
    assert f["forecast_contacts"].sum() == pytest.approx(run.plan["calls"].sum(), rel=1e-4)


@pytest.fixture(scope="module", params=["en", "zh"])
def pack(request, small_sample, tmp_path_factory):
    nbdir = tmp_path_factory.mktemp("notebooks")
    shutil.copy(config.NOTEBOOKS_DIR / "10_forecast_staffing.ipynb", nbdir)
    out = report.run("2026-10", data=small_sample, out=tmp_path_factory.mktemp("reports"), notebooks_dir=nbdir,
                     lang=request.param, progress=None)
    return request.param, out


def test_notebook_in_the_pack(pack, pdf_text):
    lang, folder = pack
    html = (folder / "10_forecast_staffing.html").read_text(encoding="utf-8")
    pdf = pdf_text(folder / "pdf" / "10_forecast_staffing.pdf")
    assert "monthly.run" not in html and "import ccnb" not in html          # no code for managers
    assert (folder / "files" / "forecast_staffing_2026-11.csv").exists()
    if lang == "en":
        assert "Volume forecast and staffing plan: November 2026" in html
        assert "Agents to schedule by weekday" in pdf.replace("\n", " ") or "Staffing plan for November 2026" in pdf
    else:
        assert "话务量预测与排班计划" in html and "排班计划" in pdf
    assert html.count("<img") >= 8                                          # the charts
