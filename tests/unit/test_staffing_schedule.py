"""Shift scheduling: the plan's integer program on hand-solvable days, breaks, budget mode, the roster's
weekly rules, coverage recomputed independently from the roster, the service it delivers and the exports."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from ccnb.params import load_params
from ccnb.params.schedule import Break, Schedule, ShiftTemplate
from ccnb.staffing import coverage, roster_export
from ccnb.staffing.erlang import erlang_a
from ccnb.staffing.month_schedule import active_agents, name_agents
from ccnb.staffing.roster import Roster, build_roster
from ccnb.staffing.schedule import plan_shifts
from ccnb.staffing.shifts import ScheduleRuleError

DAY = pd.Timestamp("2026-11-02")  # a Monday


def _req(values: dict[str, float], day=DAY, step="1h", desk="voice") -> pd.DataFrame:
    """Requirement from {"HH:MM-HH:MM": agents} spans on one day."""
    rows = []
    for span, v in values.items():
        a, b = span.split("-")
        for ts in pd.date_range(day + pd.Timedelta(a + ":00"), day + pd.Timedelta(b + ":00"), freq=step,
                                inclusive="left"):
            rows.append((desk, ts, v))
    return pd.DataFrame(rows, columns=["desk", "interval_start", "required"])


def _two_types(**kw) -> Schedule:
    """A: 6 h starting 08:00-12:00; B: 4 h starting 08:00-14:00; open 08:00-18:00; no breaks."""
    base = dict(shifts=[ShiftTemplate(name="A", length_h=6, earliest_start="08:00", latest_start="12:00",
                                      start_step_min=60),
                        ShiftTemplate(name="B", length_h=4, earliest_start="08:00", latest_start="14:00",
                                      start_step_min=60)],
                breaks=[], opening_hours={"weekdays": ("08:00", "18:00"), "weekend": ("08:00", "18:00")},
                agent_types=[{"name": "any", "min_hours_week": 0, "max_hours_week": 40}],
                mip_gap=0.0, mip_gap_hours=0.0, time_limit_s=20)
    base.update(kw)
    return Schedule(**base)


def test_one_day_two_shift_types_hand_optimum():
    # 1 agent 08-18 and a second one 10-14: 14 required agent-hours. Every paid hour covers at most one
    # required agent-hour, so 14 paid hours is a lower bound; A 08-14 + B 14-18 + B 10-14 reaches it.
    p = plan_shifts(_req({"08:00-10:00": 1, "10:00-14:00": 2, "14:00-18:00": 1}), _two_types(), 3600)
    assert p.paid_hours == pytest.approx(14.0)
    assert p.coverage["short"].sum() == pytest.approx(0) and p.coverage["over"].sum() == pytest.approx(0)
    assert p.stats["status"].eq("optimal").all()


@pytest.mark.parametrize("penalty, paid, short", [(3.0, 0.0, 1.0), (5.0, 4.0, 0.0)])
def test_penalty_trades_paid_hours_against_shortfall(penalty, paid, short):
    # one agent needed 08-09 only: the cheapest shift is B (4 paid hours). With a penalty of 3 paid hours per
    # missing agent-hour leaving it short costs 3 < 4; with 5 the shift is cheaper.
    p = plan_shifts(_req({"08:00-09:00": 1}), _two_types(under_cover_penalty=penalty), 3600)
    assert p.paid_hours == pytest.approx(paid)
    assert p.coverage["short"].sum() == pytest.approx(short)


def test_budget_mode_never_exceeds_the_budget():
    # 14 required agent-hours and 10 paid hours: an exact cover of the base load (A + B) uses all 10 hours,
    # so the least shortfall is 14 - 10 = 4 agent-hours. With 13 h the best is 12 h used without waste
    # (A 08-14 + A 12-18, or B 08-12 + B 10-14 + B 14-18; no mix of 6s and 4s makes 13): 2 short.
    req = _req({"08:00-10:00": 1, "10:00-14:00": 2, "14:00-18:00": 1})
    for budget, short in [(10.0, 4.0), (13.0, 2.0), (100.0, 0.0)]:
        p = plan_shifts(req, _two_types(), 3600, budget_hours=budget)
        assert p.mode == "budget" and p.paid_hours <= budget + 1e-9
        assert p.coverage["short"].sum() == pytest.approx(short)



def test_budget_mode_spreads_the_shortfall():
    # one-hour shifts at 08:00 or 09:00; 3 agents needed 08-09 and 1 agent 09-10; 2 paid hours. Linear in the
    # agent-hours short every use of the budget leaves 2 short; weighing the k-th missing agent of an interval k,
    # (2, 0) leaves 1 + 1 short (cost 1 + 1) and (1, 1) leaves 2 + 0 (cost 1 + 2): two agents at 08:00.
    sched = _two_types(shifts=[ShiftTemplate(name="H", length_h=1, earliest_start="08:00", latest_start="09:00",
                                             start_step_min=60)])
    p = plan_shifts(_req({"08:00-09:00": 3, "09:00-10:00": 1}), sched, 3600, budget_hours=2.0)
    assert p.paid_hours == pytest.approx(2.0)
    cov = p.coverage.set_index("interval_start").loc[[DAY + pd.Timedelta("8h"), DAY + pd.Timedelta("9h")]]
    assert cov["scheduled"].tolist() == pytest.approx([2.0, 0.0])
    assert cov["short"].tolist() == pytest.approx([1.0, 1.0])


def _meal_rules(**kw) -> Schedule:
    base = dict(shifts=[ShiftTemplate(name="D", length_h=8, earliest_start="08:00", latest_start="08:00")],
                breaks=[Break(name="meal", minutes=30, paid=False, earliest_min=180, latest_min=300, step_min=30)],
                opening_hours={"weekdays": ("08:00", "16:00"), "weekend": ("08:00", "16:00")},
                under_cover_penalty=100, mip_gap=0.0, mip_gap_hours=0.0, time_limit_s=20,
                agent_types=[{"name": "ft", "min_hours_week": 0, "max_hours_week": 40}])
    base.update(kw)
    return Schedule(**base)


def test_breaks_inside_their_windows_and_coverage_net_of_breaks():
    # 2 agents needed 08-16, shifts 08-16 only, a 30-min unpaid meal 3-5 h after the start. Two agents leave a
    # gap at each meal (1 agent-hour short x 100); a third agent (7.5 paid h) lets the meals be staggered:
    # at most one meal per half hour keeps 2 on the phones. Optimum: 3 agents, 22.5 paid hours, none short.
    p = plan_shifts(_req({"08:00-16:00": 2}, step="30min"), _meal_rules(), 1800)
    assert p.shifts["agents"].sum() == 3 and p.paid_hours == pytest.approx(22.5)
    assert p.coverage["short"].sum() == pytest.approx(0)
    assert p.breaks["agents"].sum() == 3
    off = (p.breaks["start"] - DAY - pd.Timedelta("8h")).dt.total_seconds() / 60
    assert off.between(180, 300).all()
    # the most agents on a meal in one half hour is 1
    assert p.breaks.groupby("start")["agents"].sum().max() == 1


def _week_requirement(days=14, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.date_range(DAY, periods=days * 48, freq="30min")
    h = np.asarray(ts.hour + ts.minute / 60.0)
    base = 3 + 4 * np.exp(-((h - 11) / 2.5) ** 2) + 3 * np.exp(-((h - 16) / 2.0) ** 2)
    day_f = np.repeat(rng.uniform(0.8, 1.2, days), 48)
    req = np.where((h >= 7) & (h < 22), np.round(base * day_f, 1), 0.0)
    return pd.DataFrame({"desk": "voice", "interval_start": ts, "required": req})


@pytest.fixture(scope="module")
def fortnight():
    """Two weeks on the default rules, with starts every hour and breaks every 30 min (a smaller program)."""
    params = load_params()
    sched = params.staffing.schedule
    for t in sched.shifts:
        t.start_step_min = 60
    for b in sched.breaks:
        b.step_min = 30
    sched.mip_gap = 0.02
    req = _week_requirement()
    plan = plan_shifts(req, params, 1800)
    return params, req, plan, build_roster(plan, params)


def _coverage_from_roster(r, iv_min=30) -> pd.Series:
    """Agents on the phones per interval, recomputed minute by minute from the roster's rows (independent of
    the plan's matrices)."""
    work = r.days[r.days["activity"] == "work"]
    t0 = work["date"].min()
    n = int((work["end"].max() - t0) / pd.Timedelta("1min")) + 1
    minutes = np.zeros(n)
    for s, e in zip(work["start"], work["end"]):
        minutes[int((s - t0) / pd.Timedelta("1min")):int((e - t0) / pd.Timedelta("1min"))] += 1
    for s, e in zip(r.breaks["start"], r.breaks["end"]):
        minutes[int((s - t0) / pd.Timedelta("1min")):int((e - t0) / pd.Timedelta("1min"))] -= 1
    k = len(minutes) // iv_min
    per = minutes[:k * iv_min].reshape(k, iv_min).mean(axis=1)
    return pd.Series(per, index=t0 + pd.to_timedelta(np.arange(k) * iv_min, unit="min"))


def test_roster_coverage_equals_the_plan(fortnight):
    params, req, plan, r = fortnight
    got = _coverage_from_roster(r)
    want = plan.coverage.set_index("interval_start")["scheduled"]
    j = want.to_frame("plan").join(got.rename("roster"), how="left").fillna(0.0)
    assert np.allclose(j["plan"], j["roster"])
    # every planned shift went to exactly its agents, and every agent took each of its breaks once
    per_shift = r.days[r.days["activity"] == "work"].groupby("shift_id").size()
    assert per_shift.to_dict() == plan.shifts.set_index("shift_id")["agents"].to_dict()
    assert len(r.breaks) == int(plan.breaks["agents"].sum())


def test_roster_breaks_inside_their_windows(fortnight):
    params, _, _, r = fortnight
    sched = params.staffing.schedule
    win = {b.name: (b.earliest_min, b.latest_min, b.minutes) for b in sched.breaks}
    j = r.breaks.merge(r.days[["agent_id", "date", "start"]].rename(columns={"start": "shift_start"}),
                       on=["agent_id", "date"])
    off = (j["start"] - j["shift_start"]).dt.total_seconds() / 60
    lo = j["break"].map(lambda b: win[b][0])
    hi = j["break"].map(lambda b: win[b][1])
    assert (off >= lo).all() and (off <= hi).all()
    assert ((j["end"] - j["start"]).dt.total_seconds() / 60 == j["break"].map(lambda b: win[b][2])).all()


def test_weekly_rules_hold_for_every_agent(fortnight):
    params, _, _, r = fortnight
    sched = params.staffing.schedule
    wr = sched.weekly
    types = {t.name: t for t in sched.agent_types}
    d = r.days.sort_values(["agent_id", "date"])
    for aid, g in d.groupby("agent_id"):
        works = (g["activity"] == "work").to_numpy()
        # at most one row per day, and every agent of the horizon has all its days
        assert g["date"].is_unique and len(g) == 14
        t = types[g["agent_type"].iat[0]]
        for wk, w in g.groupby(g["date"].dt.to_period("W-SUN")):
            on = (w["activity"] == "work").to_numpy()
            assert (~on).sum() >= wr.days_off
            assert any(not on[i] and not on[i + 1] for i in range(6)), (aid, wk)
            hours = w["paid_h"].sum()
            assert t.min_hours_week - 1e-9 <= hours <= t.max_hours_week + 1e-9
            assert set(w.loc[w["activity"] == "work", "shift"]) <= set(t.shifts)
        run = best = 0
        for x in works:
            run = run + 1 if x else 0
            best = max(best, run)
        assert best <= wr.max_consecutive_days
        shifts = g[g["activity"] == "work"]
        gaps = (shifts["start"].iloc[1:].to_numpy() - shifts["end"].iloc[:-1].to_numpy()) / np.timedelta64(1, "h")
        assert (gaps >= wr.min_rest_h - 1e-9).all()


def test_same_input_same_tables(fortnight):
    params, req, _, _ = fortnight
    part = req[req["interval_start"] < DAY + pd.Timedelta(days=3)]
    one, two = plan_shifts(part, params, 1800), plan_shifts(part, params, 1800)
    pd.testing.assert_frame_equal(one.shifts, two.shifts)
    pd.testing.assert_frame_equal(one.breaks, two.breaks)
    r1, r2 = build_roster(one, params), build_roster(two, params)
    pd.testing.assert_frame_equal(r1.days, r2.days)


def test_service_is_erlang_a_of_the_scheduled_agents(fortnight):
    params, req, plan, _ = fortnight
    demand = req.assign(calls=req["required"] * 9.0, aht_s=180.0, patience_s=120.0)
    svc = coverage.interval_service(plan, demand, params)
    whole = svc[(svc["calls"] > 0) & np.isclose(svc["scheduled"], np.round(svc["scheduled"]))].head(20)
    ref = erlang_a(whole["calls"].to_numpy(), 180.0, 120.0, np.round(whole["scheduled"].to_numpy()), 1800, 20)
    assert np.allclose(whole["service_level"], ref["service_level"])
    half = svc[(svc["calls"] > 0) & np.isclose(svc["scheduled"] % 1, 0.5)].head(5)
    lo = erlang_a(half["calls"].to_numpy(), 180.0, 120.0, np.floor(half["scheduled"].to_numpy()), 1800, 20)
    hi = erlang_a(half["calls"].to_numpy(), 180.0, 120.0, np.floor(half["scheduled"].to_numpy()) + 1, 1800, 20)
    assert np.allclose(half["asa_s"], (lo["asa_s"] + hi["asa_s"]) / 2)
    s = coverage.summary(plan, params, svc).set_index("desk").loc["voice"]
    iv_h = 0.5
    assert s["required_h"] == pytest.approx(req["required"].sum() * iv_h)
    assert s["paid_h"] == pytest.approx(plan.paid_hours)
    assert s["fte_plan_h"] == pytest.approx(s["required_h"] / (1 - params.staffing.shrinkage))
    assert s["over_h"] - s["under_h"] == pytest.approx(s["on_phone_h"] - s["required_h"])


def test_exports_one_row_per_agent_per_day(fortnight, tmp_path):
    _, _, plan, r = fortnight
    paths = roster_export.write(plan, r, tmp_path)
    csv = pd.read_csv(paths["roster_csv"], encoding="utf-8-sig", keep_default_na=False)
    assert len(csv) == r.agents.shape[0] * 14
    assert list(csv.columns[:7]) == ["agent_id", "agent_type", "desk", "date", "activity", "start", "end"]
    assert not csv.duplicated(["agent_id", "date"]).any()
    w = csv[csv["activity"] == "work"]
    assert w["start"].str.match(r"^\d\d:\d\d$").all() and (w["breaks"] != "").all()
    wb = load_workbook(paths["xlsx"], read_only=True)
    assert wb.sheetnames == ["plan", "roster"]
    assert wb["roster"].max_row == len(csv) + 1
    assert pd.read_csv(paths["plan_csv"])["agents"].sum() == plan.shifts["agents"].sum()


def _one_shift_a_day(days=7, start="08:00", **kw) -> tuple[Schedule, pd.DataFrame]:
    sched = _meal_rules(breaks=[], **kw)
    req = pd.concat([_req({f"{start}-16:00": 1}, day=DAY + pd.Timedelta(days=i), step="30min")
                     for i in range(days)])
    return sched, req


def test_infeasible_rules_name_the_rule():
    # a meal window that does not fit in the shift
    with pytest.raises(ScheduleRuleError, match=r"^breaks\.meal: ") as e:
        plan_shifts(_req({"08:00-16:00": 1}, step="30min"),
                    _meal_rules(breaks=[Break(name="meal", minutes=30, paid=False, earliest_min=400,
                                              latest_min=460)]), 1800)
    assert e.value.rule == "breaks.meal" and isinstance(e.value, ValueError)
    # one agent, one 8-h shift every day of a week: two days off cannot be had (max consecutive days relaxed)
    six = [{"name": "ft", "min_hours_week": 0, "max_hours_week": 60}]  # 7 x 8 h fits the hours
    sched, req = _one_shift_a_day(weekly={"max_consecutive_days": 7}, agent_types=six)
    plan = plan_shifts(req, sched, 1800)
    one = pd.DataFrame({"agent_id": ["li"], "agent_type": ["ft"]})
    with pytest.raises(ScheduleRuleError) as e:
        build_roster(plan, sched, one)
    assert e.value.rule == "weekly.days_off"
    # with no days off required, seven days in a row break max_consecutive_days (6)
    sched, req = _one_shift_a_day(weekly={"days_off": 0, "consecutive_days_off": False}, agent_types=six)
    with pytest.raises(ScheduleRuleError) as e:
        build_roster(plan_shifts(req, sched, 1800), sched, one)
    assert e.value.rule == "weekly.max_consecutive_days"
    # three 8-h shifts in the week (Mon-Wed) cannot give a full-timer 32 h: an error when the minimum is strict
    sched, req = _one_shift_a_day(days=3, agent_types=[{"name": "ft", "min_hours_week": 32, "max_hours_week": 40}],
                                  min_hours="strict")
    sched.weekly.days_off = 0
    req = pd.concat([req, _req({"08:00-08:30": 0}, day=DAY + pd.Timedelta(days=6), step="30min")])
    plan = plan_shifts(req, sched, 1800)
    with pytest.raises(ScheduleRuleError) as e:
        build_roster(plan, sched, one)
    assert e.value.rule == "agent_types.min_hours_week"
    # ... and reported when it is not: 3 shifts x 8 paid hours = 24 h, 8 contracted hours unused
    sched.min_hours = "report"
    r = build_roster(plan, sched, one)
    assert (r.days["activity"] == "work").sum() == 3
    assert r.stats["unused_contract_h"].sum() == pytest.approx(32 - 24, abs=1e-4)


def test_minimum_rest_between_shifts():
    # one agent, Monday 15:30-23:30 then Tuesday 06:00-14:00: 6.5 h of rest < 11 h
    sched = Schedule(shifts=[ShiftTemplate(name="D", length_h=8, earliest_start="06:00", latest_start="15:30")],
                     breaks=[], under_cover_penalty=100, mip_gap=0.0, mip_gap_hours=0.0,
                     opening_hours={"weekdays": ("06:00", "24:00"), "weekend": ("06:00", "24:00")},
                     agent_types=[{"name": "ft", "min_hours_week": 0, "max_hours_week": 40}])
    req = pd.concat([_req({"15:30-23:30": 1}, step="30min"),
                     _req({"06:00-14:00": 1}, day=DAY + pd.Timedelta(days=1), step="30min"),
                     _req({"08:00-08:30": 0}, day=DAY + pd.Timedelta(days=6), step="30min")])  # a whole week
    plan = plan_shifts(req, sched, 1800)
    assert plan.shifts["start"].dt.strftime("%H:%M").tolist() == ["15:30", "06:00"]
    with pytest.raises(ScheduleRuleError) as e:
        build_roster(plan, sched, pd.DataFrame({"agent_id": ["li"], "agent_type": ["ft"]}))
    assert e.value.rule == "weekly.min_rest_h"
    # generated agents: a second agent takes Tuesday
    r = build_roster(plan, sched)
    assert len(r.agents) == 2 and (r.days["activity"] == "work").sum() == 2


def test_the_weekend_is_the_forecasts():
    # one source: center.weekend. With a Friday-Saturday weekend open 10:00-14:00, Friday 08:00-09:00
    # cannot be reached by any shift; with the default Saturday-Sunday weekend it is a working day, open from 08:00
    params = load_params()
    params.staffing.schedule = _two_types(opening_hours={"weekdays": ("08:00", "18:00"), "weekend": ("10:00", "14:00")})
    friday = DAY + pd.Timedelta(days=4)
    req = _req({"08:00-09:00": 1}, day=friday)
    assert plan_shifts(req, params, 3600).coverage.set_index("interval_start").at[friday + pd.Timedelta("8h"),
                                                                                    "reachable"]
    params.center.weekend = ["fri", "sat"]
    p = plan_shifts(req, params, 3600)
    assert not p.coverage.set_index("interval_start").at[friday + pd.Timedelta("8h"), "reachable"]
    assert p.paid_hours == 0.0


def test_current_agents_take_full_time_slots_then_hires():
    params = load_params()
    slots = pd.DataFrame({"desk": ["voice"] * 3 + ["chat"] * 2, "agent_id": ["voice agent 1", "voice agent 2",
                          "voice agent 3", "chat agent 1", "chat agent 2"],
                          "agent_type": ["full_time", "full_time", "part_time", "full_time", "part_time"]})
    agents = pd.DataFrame({"agent_id": ["A3", "A1", "A9", "A5", "A7"],
                           "queue": ["billing", "sales", "chat", "vip", "chat"],
                           "hire_date": ["2024-01-01"] * 4 + ["2027-01-01"],          # A7 not yet hired
                           "leave_date": [None, None, None, "2026-10-15", None]})     # A5 has left
    known = active_agents(agents, params, "2026-11-01")
    assert known.values.tolist() == [["chat", "A9"], ["voice", "A1"], ["voice", "A3"]]
    days = slots.assign(date=pd.Timestamp("2026-11-02"))
    r, staff = name_agents(Roster(days, days.iloc[0:0], slots, pd.DataFrame()), known, "full_time")
    assert r.agents["agent_id"].tolist() == ["A1", "A3", "voice new part_time 1", "A9", "chat new part_time 1"]
    assert staff.set_index("desk")[["known", "hires", "not_needed"]].to_dict("index") == \
        {"chat": {"known": 1, "hires": 1, "not_needed": 0}, "voice": {"known": 2, "hires": 1, "not_needed": 0}}
