"""Forecasting and staffing on the small generated center (seed 7, 2026-07..2026-10): recorded figures,
the forecaster against the baseline, and the notebook through the pipeline in English and Chinese."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import ccnb.data
from ccnb.core import config
from ccnb.forecast import desk_views, monthly, views
from ccnb.params import load_params
from ccnb.pipeline import report
from ccnb.staffing import actual, plan

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
    # Snapshots, re-recorded when ccnb.sample changes the generated contacts or the models change (issue 16's
    # level shrinkage and event ramp: backtest WAPE 0.2952 -> 0.2939, last month's daily WAPE 0.1351 -> 0.1354,
    # both within the tolerance).
    assert acc.loc["all", "model"] == "daily_regression"
    assert acc.loc["all", "wape"] == pytest.approx(0.2952, abs=2e-3)
    assert acc.loc["all", "naive_wape"] == pytest.approx(0.4342, abs=2e-3)
    last = monthly.last_month_accuracy(run).set_index("key")
    assert last.loc["all", "wape_daily"] == pytest.approx(0.1351, abs=2e-3)
    assert (last["wape"] < last["naive_wape"]).all() and (last["wape_daily"] < last["naive_wape_daily"]).all()


def test_recorded_staffing_figures(run, params):
    """The plan from the forecast with a fixed AHT (200 s), Erlang C and 30 % shrinkage: these figures rest on
    the arrivals only (AHT, patience and shrinkage estimates are checked by hand on tests/data/tiny)."""
    # snapshots of this run, not independent truths: re-recorded (issue 16) when daily_regression's level was
    # shrunk toward the long-run line at long leads and the 11.11 pre-sale (a 22-day run, 12 days of it in the
    # history) got a ramp: November's plan 12373.5 -> 13077.1 calls, required 6812 -> 6868, scheduled
    # 11925 -> 11976, FTE 34.78 -> 34.93 (the ramp carries the pre-sale's build-up into November 1-10; on the
    # full sample, November 2025 forecast from October's data: daily WAPE of November 1-10 0.118 -> 0.074)
    assert run.plan["calls"].sum() == pytest.approx(13077.1, rel=1e-3)
    inp = run.plan[["queue", "channel", "ts", "calls"]].assign(aht_s=200.0)
    pc = params.model_copy(deep=True)
    pc.staffing.model = "erlang_c"
    req = plan.requirements(inp, pc, shrinkage=0.3)
    assert int(req["required"].sum()) == pytest.approx(6868, abs=15)
    assert int(req["scheduled"].sum()) == pytest.approx(11976, abs=25)
    assert plan.fte(req, pc)["monthly"]["fte"].iloc[0] == pytest.approx(34.93, abs=0.1)
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


def test_last_month_required_vs_staffed(run, params, small_sample):
    """October on the small center: each agent counted once (the queues of a desk add up to it, an agent is
    at most one agent in an interval, the month's staffed hours within the agents' available time less
    outbound work), a desk's requirement on its pooled traffic, and the staffed estimate consistent,
    through the queueing model, with the service level achieved."""
    c = run.compare
    assert c.desk_of["billing"] == c.desk_of["vip"] == "voice" and c.desk_of["chat"] == "chat"
    tot = c.queues.groupby(["desk", "ts"])[["staffed", "required"]].sum()
    d = c.desks.set_index(["desk", "ts"])[["staffed", "required"]]
    j = tot.add_suffix("_queues").join(d, how="outer").fillna(0)
    assert np.allclose(j["staffed_queues"], j["staffed"]) and np.allclose(j["required_queues"], j["required"])
    tables = ccnb.data.load(small_sample, month="2026-10")
    a = actual.agent_intervals(tables, "2026-10-01", "2026-11-01", params)
    assert a.groupby(["agent_id", "ts"])["staffed"].sum().max() <= 1 + 1e-9
    staffed_h = c.desks["staffed"].sum() * params.center.interval_minutes / 60
    assert staffed_h == pytest.approx(a["staffed"].sum() * params.center.interval_minutes / 60)
    inbound_agents = ("SELECT DISTINCT agent_id FROM interactions WHERE direction = 'inbound' AND agent_id IS NOT NULL "
                      "AND answer_ts >= TIMESTAMP '2026-10-01'")
    avail_h = tables.sql(f"SELECT sum(talk_s + hold_s + acw_s + idle_s) / 3600 AS h FROM agent_days WHERE date >= "
                         f"DATE '2026-10-01' AND agent_id IN ({inbound_agents})")["h"].iloc[0]
    outbound_h = tables.sql(f"SELECT sum(talk_s + hold_s + acw_s) / 3600 AS h FROM interactions WHERE direction = "
                            f"'outbound' AND answer_ts >= TIMESTAMP '2026-10-01' AND agent_id IN ({inbound_agents})")["h"].iloc[0]
    # recorded 0.834: time before an agent's first or after their last contact is not seen (actual's module doc)
    assert staffed_h <= avail_h - outbound_h
    assert staffed_h / (avail_h - outbound_h) == pytest.approx(0.834, abs=0.01)
    # pooling: the voice queues staffed apart would need 70 % more agent-hours than the pooled desk (recorded)
    voice_q = c.queues[c.queues["desk"] == "voice"]
    voice_d = c.desks[c.desks["desk"] == "voice"]
    assert voice_q["required_own"].sum() / voice_d["required"].sum() == pytest.approx(1.70, abs=0.03)
    sm = actual.summary(c, params).set_index("unit")
    assert list(sm["level"]) == ["desk", "queue", "queue", "queue", "queue", "desk", "all"]  # busiest desk first
    assert list(sm.index[[0, 5]]) == ["voice", "chat"]
    # recorded (per queue, counting each agent wholly in the queue they answered most, vip was short in 98 % of
    # its half-hours, sales 68 %, the center 46 %)
    assert sm.loc["all", "under_share"] == pytest.approx(0.189, abs=0.01)
    assert sm.loc["voice", "under_share"] == pytest.approx(0.251, abs=0.01)
    assert sm.loc["chat", "under_share"] == pytest.approx(0.110, abs=0.01)
    assert sm.loc["vip", "under_share"] == pytest.approx(0.059, abs=0.01)
    model_sl, actual_sl = desk_views.model_check(run)
    assert actual_sl == pytest.approx(0.824, abs=2e-3)
    assert abs(model_sl - actual_sl) < 0.03             # recorded 0.807 (0.671 with agents counted per queue)
    items = dict(views.conclusions(run, params)["items"])
    assert items["forecast.c_under_worst"]["desk"] == "the voice desk"
    assert items["forecast.c_under"]["under"] == "19 %"


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


# --------------------------------------------------------------------------- next month's schedule (issue 17)
def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def test_schedule_in_the_pack(pack, params):
    """The forecast notebook's schedule section and its files: the roster has one row per agent per day of
    November, every break inside its window, and the weekly rules hold for every agent."""
    lang, folder = pack
    html = (folder / "10_forecast_staffing.html").read_text(encoding="utf-8")
    assert ("Next month&#x27;s schedule: November 2026" in html or "Next month's schedule: November 2026" in html) \
        if lang == "en" else "下月排班：2026年11月" in html
    files = folder / "files"
    roster = pd.read_csv(files / "schedule_2026-11_roster.csv", encoding="utf-8-sig", keep_default_na=False)
    plan_csv = pd.read_csv(files / "schedule_2026-11_plan.csv", encoding="utf-8-sig", keep_default_na=False)
    days = pd.date_range("2026-11-01", "2026-11-30").strftime("%Y-%m-%d")
    agents = roster["agent_id"].unique()
    assert "schedule_2026-11_roster.csv" in html and not [a for a in agents if f">{a}<" in html]  # a file, not a table
    assert len(roster) == len(agents) * 30 and not roster.duplicated(["agent_id", "date"]).any()
    assert set(roster["date"]) == set(days)
    work = roster[roster["activity"] == "work"]
    assert len(work) == plan_csv["agents"].sum()                          # every planned shift worked once
    sched = params.staffing.schedule
    win = {b.name: (b.earliest_min, b.latest_min) for b in sched.breaks}
    n_breaks = 0
    for r in work.itertuples():
        for part in r.breaks.split("; "):
            span, name = part.split(" ")[:2]
            off = (_minutes(span.split("-")[0]) - _minutes(r.start)) % 1440
            assert win[name][0] <= off <= win[name][1], (r.agent_id, r.date, part)
            n_breaks += 1
    assert n_breaks >= 2 * len(work)                                      # every shift has at least two breaks
    types = {a.name: a for a in sched.agent_types}
    wr = sched.weekly
    for aid, g in roster.assign(day=pd.to_datetime(roster["date"])).sort_values("day").groupby("agent_id"):
        on = (g["activity"] == "work").to_numpy()
        run = best = 0
        for x in on:
            run = run + 1 if x else 0
            best = max(best, run)
        assert best <= wr.max_consecutive_days, aid
        for _, w in g.groupby(g["day"].dt.to_period("W-SUN")):
            wo = (w["activity"] == "work").to_numpy()
            assert w["paid_hours"].sum() <= types[w["agent_type"].iat[0]].max_hours_week + 1e-9
            if len(w) == 7:
                assert (~wo).sum() >= wr.days_off and any(not wo[i] and not wo[i + 1] for i in range(6)), aid
        s = g[g["activity"] == "work"]
        st = pd.to_datetime(s["date"] + " " + s["start"])
        en = pd.to_datetime(s["end_date"] + " " + s["end"])
        rest_h = (st.iloc[1:].to_numpy() - en.iloc[:-1].to_numpy()) / np.timedelta64(1, "h")
        assert (rest_h >= wr.min_rest_h - 1e-9).all(), aid
    wb = load_workbook(files / "schedule_2026-11.xlsx", read_only=True)
    assert wb.sheetnames == ["plan", "roster"] and wb["roster"].max_row == len(roster) + 1
    summary = json.loads((folder / "summary" / "10_forecast_staffing.json").read_text(encoding="utf-8"))
    got = {i["key"]: i for i in summary["items"]}
    assert 0.5 < got["schedule.card_sl"]["value"] <= 1 and got["schedule.card_paid"]["value"] == \
        pytest.approx((plan_csv["paid_hours"] * plan_csv["agents"]).sum(), abs=1)
