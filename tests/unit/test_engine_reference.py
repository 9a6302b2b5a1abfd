"""The engine's KPI tables equal a plain pandas computation, written here independently of the SQL.

The data: a seeded random center (:func:`frames`: 3,000 contacts over September to mid
November 2026, 12 agents in 3 teams, surveys, WFM days, QA evaluations, complaints,
customers, no calendar) built to hit the definitions' edges: waits of exactly 20 s and
120 s, unknown customers and reasons, contacts handled by agents who left or were not yet
hired, repeats across the month end, complaints resolved after it, data after the month
(hidden by the as-of view). ``reference`` recomputes every registry KPI for October 2026
with pandas only; :func:`ccnb.kpi.compute` (DuckDB) must agree at center, queue, team and
agent level. The Spark engine is held to the same tables in
``tests/functional/test_spark_engine.py``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ccnb.data
import ccnb.kpi
from ccnb.kpi import REGISTRY

LO, HI = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-11-01")
SALES = ("sales",)


def frames(seed: int = 7, n: int = 3000) -> dict[str, pd.DataFrame]:
    """A random but contract-valid center (see the module docstring)."""
    r = np.random.default_rng(seed)
    agent_ids = [f"A{k:02d}" for k in range(12)]
    hire = pd.to_datetime(["2024-01-08"] * 9 + ["2026-09-14", "2026-10-12", "2026-11-03"])
    leave = pd.Series([pd.NaT] * 12, dtype="datetime64[us]")
    leave[2], leave[5], leave[7] = pd.Timestamp("2026-09-20"), pd.Timestamp("2026-10-18"), pd.Timestamp("2026-11-05")
    agents = pd.DataFrame({
        "agent_id": agent_ids, "agent_name": [f"Agent {k}" for k in range(12)],
        "team": [f"T{k % 3}" for k in range(12)], "supervisor": [f"S{k % 3}" for k in range(12)],
        "site": ["north" if k < 6 else "south" for k in range(12)],
        "shift": [("day", "night", "peak")[k % 3] for k in range(12)],
        "queue": [("billing", "sales", "tech_support")[k % 3] for k in range(12)],
        "hire_date": hire.date, "leave_date": leave.dt.date,
        "leave_reason": ["voluntary" if pd.notna(x) else None for x in leave]})
    customers = pd.DataFrame({
        "customer_id": [f"C{k:03d}" for k in range(200)],
        "segment": r.choice(["consumer", "vip"], 200), "value": r.gamma(2.0, 50.0, 200).round(2),
        "signup_date": (pd.Timestamp("2024-06-01") + pd.to_timedelta(r.integers(0, 900, 200), "D")).date})
    churn = pd.Series(pd.to_datetime(customers["signup_date"]) + pd.to_timedelta(r.integers(30, 800, 200), "D"))
    churn[r.random(200) < 0.6] = pd.NaT
    customers["churn_date"] = churn.dt.date.where(churn.notna(), None)

    start = pd.Timestamp("2026-09-01")
    arrival = (start + pd.to_timedelta(np.sort(r.integers(0, 70 * 86400, n)), "s"))
    channel = r.choice(["voice", "chat", "email"], n, p=[0.6, 0.3, 0.1])
    direction = np.where(r.random(n) < 0.9, "inbound", "outbound")
    queue = r.choice(["billing", "sales", "tech_support"], n)
    inbound = direction == "inbound"
    self_served = inbound & (r.random(n) < 0.08)
    abandoned = ~self_served & inbound & np.isin(channel, ["voice", "chat"]) & (r.random(n) < 0.12)
    answered = ~self_served & ~abandoned & (r.random(n) < 0.97)
    wait = np.where(self_served, 0, r.choice(np.r_[np.arange(0, 200), [20] * 40, [120] * 20], n)).astype(float)
    talk = np.where(answered, r.integers(30, 900, n), 0).astype(float)
    hold = np.where(answered, r.integers(0, 60, n), 0).astype(float)
    acw = np.where(answered, r.integers(0, 120, n), 0).astype(float)
    agent = np.where(answered, r.choice(agent_ids[:11], n), None)
    cust = np.where(r.random(n) < 0.9, r.choice(customers["customer_id"].to_numpy()[:60], n), None)
    reason = np.where(r.random(n) < 0.9, r.choice(["bill", "plan", "fault"], n), None)
    resolved = pd.array(np.where(r.random(n) < 0.75, True, False), dtype="boolean")
    resolved[~answered | (r.random(n) < 0.05)] = pd.NA
    ans_ts = pd.Series(arrival + pd.to_timedelta(wait, "s")).where(answered)
    end = arrival + pd.to_timedelta(wait + talk + hold + acw + np.where(self_served, 60, 0), "s")
    interactions = pd.DataFrame({
        "contact_id": [f"X{k:05d}" for k in range(n)], "channel": channel, "direction": direction, "queue": queue,
        "arrival_ts": arrival, "answer_ts": ans_ts, "end_ts": end, "customer_id": cust, "agent_id": agent,
        "wait_s": wait, "talk_s": talk, "hold_s": hold, "acw_s": acw, "abandoned": abandoned,
        "transferred": answered & (r.random(n) < 0.1), "self_served": self_served, "reason": reason,
        "resolved": resolved, "converted": answered & (queue == "sales") & (r.random(n) < 0.2)})

    surveyed = interactions[answered & (r.random(n) < 0.3)]
    k = len(surveyed)
    csat = pd.array(r.integers(1, 6, k), dtype="Int64")
    nps = pd.array(r.integers(0, 11, k), dtype="Int64")
    ces = pd.array(r.integers(1, 8, k), dtype="Int64")
    csat[r.random(k) < 0.15] = pd.NA
    nps[r.random(k) < 0.15] = pd.NA
    ces[(r.random(k) < 0.15) & ~csat.isna()] = pd.NA
    surveys = pd.DataFrame({"contact_id": surveyed["contact_id"].to_numpy(), "csat": csat, "nps": nps, "ces": ces})

    days = pd.date_range("2026-09-01", "2026-11-10", freq="D")
    ad = pd.DataFrame([(a, d) for a in agent_ids for d in days], columns=["agent_id", "date"])
    m = len(ad)
    sched = np.where(r.random(m) < 0.75, 28800.0, 0.0)
    present = (sched > 0) & (r.random(m) < 0.93) | (sched == 0) & (r.random(m) < 0.05)
    logged = np.where(present, r.integers(20000, 30000, m), 0).astype(float)
    parts = r.dirichlet([4, 0.3, 1, 2, 0.8], m) * (logged * 0.97)[:, None]
    ad = ad.assign(date=ad["date"].dt.date, scheduled_s=sched, logged_in_s=logged,
                   talk_s=parts[:, 0].round(1), hold_s=parts[:, 1].round(1), acw_s=parts[:, 2].round(1),
                   idle_s=parts[:, 3].round(1), break_s=parts[:, 4].round(1),
                   break_count=np.where(present, r.integers(1, 5, m), 0), present=present,
                   training_assigned=r.integers(0, 3, m))
    ad["training_completed"] = np.minimum(ad["training_assigned"], r.integers(0, 3, m))

    handled = interactions[answered].reset_index(drop=True)
    pick = handled.sample(220, random_state=seed)
    crit = r.random(220) < 0.07
    qa = pd.DataFrame({
        "evaluation_id": [f"E{k:04d}" for k in range(220)],
        "contact_id": np.where(r.random(220) < 0.9, pick["contact_id"], None),
        "agent_id": pick["agent_id"].to_numpy(), "evaluator_id": r.choice(["Q1", "Q2"], 220),
        "eval_date": (pick["arrival_ts"].dt.normalize() + pd.to_timedelta(r.integers(0, 6, 220), "D")).dt.date.to_numpy(),
        "total_score": r.integers(40, 101, 220).astype(float), "critical_fail": crit,
        "calibration": r.random(220) < 0.1})

    src = interactions[interactions["customer_id"].notna()].sample(90, random_state=seed + 1)
    opened = src["arrival_ts"] + pd.to_timedelta(r.integers(60, 3 * 86400, 90), "s")
    res = opened + pd.to_timedelta(r.integers(3600, 20 * 86400, 90), "s")
    complaints = pd.DataFrame({
        "complaint_id": [f"K{k:03d}" for k in range(90)], "customer_id": src["customer_id"].to_numpy(),
        "contact_id": np.where(r.random(90) < 0.85, src["contact_id"], None), "opened_ts": opened.to_numpy(),
        "resolved_ts": pd.Series(res.to_numpy()).where(r.random(90) < 0.8).to_numpy(),
        "category": r.choice(["billing", "service"], 90)})
    return {"interactions": interactions, "agents": agents, "customers": customers, "surveys": surveys,
            "agent_days": ad, "qa_evaluations": qa, "complaints": complaints}


# --------------------------------------------------------------------------- the pandas reference
def _as_of(f: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What is known at the end of October: rows placed after it dropped, later dates unknown."""
    d = {k: v.copy() for k, v in f.items()}
    i = d["interactions"]
    i = i[i["arrival_ts"] < HI]
    a = d["agents"]
    a = a[pd.to_datetime(a["hire_date"]) < HI].copy()
    gone = pd.to_datetime(a["leave_date"]) < HI
    a["leave_date"] = pd.to_datetime(a["leave_date"]).where(gone)
    c = d["customers"]
    c = c[pd.to_datetime(c["signup_date"]) < HI].copy()
    c["churn_date"] = pd.to_datetime(c["churn_date"]).where(pd.to_datetime(c["churn_date"]) < HI)
    k = d["complaints"]
    k = k[k["opened_ts"] < HI].copy()
    k["resolved_ts"] = k["resolved_ts"].where(k["resolved_ts"] < HI)
    ad = d["agent_days"]
    ad = ad[pd.to_datetime(ad["date"]) < HI]
    q = d["qa_evaluations"]
    q = q[pd.to_datetime(q["eval_date"]) < HI]
    s = d["surveys"][d["surveys"]["contact_id"].isin(i["contact_id"])]
    return {"interactions": i, "agents": a, "customers": c, "complaints": k, "agent_days": ad,
            "qa_evaluations": q, "surveys": s}


def _ratio(df: pd.DataFrame, key, num: pd.Series, den: pd.Series, scale: float = 1.0) -> pd.Series:
    g = pd.DataFrame({"k": key, "n": num.astype(float), "d": den.astype(float)}).dropna(subset=["k"]).groupby("k")
    s = g[["n", "d"]].sum()
    return (scale * s["n"] / s["d"]).where(s["d"] > 0)


def reference(f: dict[str, pd.DataFrame], level: str) -> pd.DataFrame:
    """Every registry KPI for October 2026 at ``level`` (center, queue, team, agent), by pandas."""
    d = _as_of(f)
    ag = d["agents"].set_index("agent_id")
    out: dict[str, pd.Series] = {}

    def unit(frame: pd.DataFrame, queue_col: str, agent_col: str) -> pd.Series:
        if level == "center":
            return pd.Series("center", index=frame.index)
        if level == "queue":
            return frame[queue_col]
        if level == "agent":
            return frame[agent_col]
        return frame[agent_col].map(ag[level])

    # contacts
    allc = d["interactions"]
    i = allc[(allc["arrival_ts"] >= LO) & (allc["arrival_ts"] < HI)]
    rt = (i["direction"] == "inbound") & i["channel"].isin(["voice", "chat"]) & ~i["self_served"]
    ans = i["answer_ts"].notna()
    ab = i["abandoned"]
    off = rt & (ans | ab)
    handled = ans & i["agent_id"].notna()
    sales = i["queue"].isin(SALES)
    rep = allc[(allc["direction"] == "inbound") & allc["customer_id"].notna()].copy()
    rep["r"] = rep["reason"].fillna("")
    rep = rep.sort_values(["arrival_ts", "contact_id"])
    rep["next_ts"] = rep.groupby(["customer_id", "r"])["arrival_ts"].shift(-1)
    nxt = i["contact_id"].map(rep.set_index("contact_id")["next_ts"])
    fcr_base = (i["direction"] == "inbound") & handled & i["customer_id"].notna()
    fcr_ok = i["resolved"].fillna(False).astype(bool) & (nxt.isna() | (nxt > i["arrival_ts"] + pd.Timedelta(days=7)))
    u = unit(i, "queue", "agent_id")
    one = pd.Series(1, index=i.index)
    if level in ("center", "queue"):
        out["answer_rate"] = _ratio(i, u, rt & ans, off)
        out["abandon_rate"] = _ratio(i, u, rt & ab, off)
        out["service_level"] = _ratio(i, u, rt & ans & (i["wait_s"] <= 20), off)
        out["asa_s"] = _ratio(i, u, (i["wait_s"] * (rt & ans)), rt & ans)
        out["long_wait_rate"] = _ratio(i, u, rt & (ans | ab) & (i["wait_s"] >= 120), off)
        inb = i["direction"] == "inbound"
        out["self_service_rate"] = _ratio(i, u, inb & i["self_served"], inb)
    hs = i["talk_s"] + i["hold_s"] + i["acw_s"]
    out["aht_s"] = _ratio(i, u, hs * handled, handled)
    out["transfer_rate"] = _ratio(i, u, handled & i["transferred"], handled)
    out["fcr"] = _ratio(i, u, fcr_base & fcr_ok, fcr_base)
    out["conversion"] = _ratio(i, u, handled & sales & i["converted"], handled & sales)
    del one

    # surveys
    s = d["surveys"].merge(i, on="contact_id")
    us = unit(s, "queue", "agent_id")
    c, n, e = (s[x].astype("Float64") for x in ("csat", "nps", "ces"))
    out["csat"] = _ratio(s, us, (c >= 4).fillna(False), c.notna())
    out["nps"] = _ratio(s, us, (n >= 9).fillna(False).astype(int) - (n <= 6).fillna(False).astype(int), n.notna(), 100)
    out["ces"] = _ratio(s, us, (e >= 5).fillna(False), e.notna())

    # agent days
    ad = d["agent_days"]
    ad = ad[(pd.to_datetime(ad["date"]) >= LO) & (pd.to_datetime(ad["date"]) < HI)].copy()
    ad["q"] = ad["agent_id"].map(ag["queue"])
    ua = unit(ad, "q", "agent_id")
    work = ad["talk_s"] + ad["hold_s"] + ad["acw_s"]
    out["occupancy"] = _ratio(ad, ua, work, ad["logged_in_s"] - ad["break_s"])
    out["utilization"] = _ratio(ad, ua, work + ad["idle_s"], ad["logged_in_s"])
    out["break_count"] = _ratio(ad, ua, ad["break_count"] * ad["present"], ad["present"])
    out["attendance"] = _ratio(ad, ua, (ad["scheduled_s"] > 0) & ad["present"], ad["scheduled_s"] > 0)
    out["training_completion"] = _ratio(ad, ua, ad["training_completed"], ad["training_assigned"])

    # QA (calibration excluded; queue of the contact, else the agent's)
    q = d["qa_evaluations"]
    q = q[(pd.to_datetime(q["eval_date"]) >= LO) & (pd.to_datetime(q["eval_date"]) < HI) & ~q["calibration"]].copy()
    q["q"] = q["contact_id"].map(allc.set_index("contact_id")["queue"]).fillna(q["agent_id"].map(ag["queue"]))
    uq = unit(q, "q", "agent_id")
    out["qa_score"] = _ratio(q, uq, q["total_score"].where(~q["critical_fail"], 0.0), pd.Series(1, index=q.index))
    out["qa_pass_rate"] = _ratio(q, uq, ~q["critical_fail"] & (q["total_score"] >= 80), pd.Series(1, index=q.index))
    out["qa_critical_rate"] = _ratio(q, uq, q["critical_fail"], pd.Series(1, index=q.index))

    # complaints (unit of the contact they were raised in)
    k = d["complaints"]
    k = k[(k["opened_ts"] >= LO) & (k["opened_ts"] < HI)].copy()
    ci = allc.set_index("contact_id")
    k["q"], k["a"] = k["contact_id"].map(ci["queue"]), k["contact_id"].map(ci["agent_id"])
    uk = unit(k, "q", "a")
    out["complaint_resolution"] = _ratio(k, uk, k["resolved_ts"].notna() & (k["resolved_ts"] < HI),
                                         pd.Series(1, index=k.index))

    # roster: attrition in October (not at agent level)
    if level != "agent":
        a = d["agents"].reset_index(drop=True)
        hd, ld = pd.to_datetime(a["hire_date"]), pd.to_datetime(a["leave_date"])
        a = a[(hd < HI) & (ld.isna() | (ld >= LO))]
        hd, ld = pd.to_datetime(a["hire_date"]), pd.to_datetime(a["leave_date"])
        at_start = (hd < LO) & (ld.isna() | (ld >= LO))
        at_end = (hd < HI) & (ld.isna() | (ld >= HI))
        left = (ld >= LO) & (ld < HI)
        ur = (pd.Series("center", index=a.index) if level == "center" else a[level])
        out["attrition"] = _ratio(a, ur, left, 0.5 * at_start + 0.5 * at_end, 12)
    if level == "center":
        cu = d["customers"]
        base_day = HI - pd.DateOffset(months=12)
        sd, cd = pd.to_datetime(cu["signup_date"]), pd.to_datetime(cu["churn_date"])
        cu = cu[(sd < base_day) & (cd.isna() | (cd >= base_day))]
        cd = pd.to_datetime(cu["churn_date"])
        out["customer_retention"] = _ratio(cu, pd.Series("center", index=cu.index), cd.isna() | (cd >= HI),
                                           pd.Series(1, index=cu.index))
    return pd.DataFrame(out)


def assert_matches_reference(got: pd.DataFrame, ref: pd.DataFrame, level: str) -> None:
    """Every KPI of the level: equal where the reference has a value, NaN where it has none."""
    keys = [k.key for k in REGISTRY.values() if level in k.levels]
    assert sorted(c for c in got.columns if c in REGISTRY) == sorted(keys)
    assert set(ref.dropna(how="all").index) <= set(got.index)
    for key in keys:
        want = ref[key].reindex(got.index).astype(float) if key in ref else pd.Series(np.nan, index=got.index)
        have = got[key].astype(float)
        assert np.allclose(have.to_numpy(), want.to_numpy(), rtol=1e-9, atol=1e-12, equal_nan=True), \
            f"{level} {key}:\n" + pd.DataFrame({"engine": have, "pandas": want}).to_string()


@pytest.fixture(scope="module")
def random_center():
    f = frames()
    return f, ccnb.data.Tables.from_frames(f, month="2026-10")


def test_fixture_exercises_the_edges(random_center):
    f, tables = random_center
    i = f["interactions"]
    assert (i["wait_s"] == 20).sum() > 10 and (i["wait_s"] == 120).sum() > 5
    assert (i["arrival_ts"] >= HI).sum() > 100            # hidden by the as-of view
    assert i["customer_id"].isna().sum() > 100 and i["reason"].isna().sum() > 100
    assert tables.counts()["interactions"] == (i["arrival_ts"] < HI).sum()
    assert tables.counts()["calendar"] == 0                # optional table absent: empty, typed view


def _surveys_view(tables) -> str:
    return tables.con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'surveys'").fetchone()[0]


def test_surveys_of_later_contacts_hidden_and_no_filter_when_none_exist(random_center):
    """As of October the surveys of November's contacts are hidden (a semi-join with the visible
    contacts); as of November, whose end is past every contact, that filter is left out (it is
    a no-op then, and a costly one on a year of contacts) and every survey is visible."""
    f, oct_ = random_center
    later = f["interactions"].loc[f["interactions"]["arrival_ts"] >= HI, "contact_id"]
    assert f["surveys"]["contact_id"].isin(later).sum() > 10
    assert "FROM interactions" in _surveys_view(oct_)
    assert oct_.counts()["surveys"] == (~f["surveys"]["contact_id"].isin(later)).sum()
    nov = ccnb.data.Tables.from_frames(f, month="2026-11")
    assert "interactions" not in _surveys_view(nov)
    assert nov.counts()["surveys"] == len(f["surveys"])


@pytest.mark.parametrize("level", ["center", "queue", "team", "agent"])
def test_duckdb_equals_pandas_reference(random_center, level):
    f, tables = random_center
    got = ccnb.kpi.compute(tables, "2026-10", level=level)
    ref = reference(f, level)
    assert len(ref.dropna(how="all")) >= {"center": 1, "queue": 3, "team": 3, "agent": 10}[level]
    assert_matches_reference(got, ref, level)


def test_reference_reproduces_the_hand_computed_tiny_center(project_root):
    """The reference itself, checked on the tiny data whose values are worked out by hand
    (tests/unit/test_kpi_values.py): a wrong reference could not agree with both."""
    tiny = project_root / "tests" / "data" / "tiny"
    t = ccnb.data.load(tiny, month="2026-10")
    f = {name: t.sql(f"SELECT * FROM store.{name}").drop(columns=["_file", "_row"])
         for name in ("interactions", "agents", "customers", "surveys", "agent_days", "qa_evaluations", "complaints")}
    f["interactions"]["resolved"] = f["interactions"]["resolved"].astype("boolean")
    f["qa_evaluations"]["calibration"] = f["qa_evaluations"]["calibration"].fillna(False).astype(bool)
    ref = reference(f, "center").loc["center"]
    assert ref["fcr"] == pytest.approx(7 / 8)
    assert ref["aht_s"] == pytest.approx(3030 / 9)
    assert ref["customer_retention"] == pytest.approx(5 / 7)
    assert ref["attrition"] == pytest.approx(1 / 3.5 * 12)
    got = ccnb.kpi.compute(t, "2026-10").loc[["center"]]
    assert_matches_reference(got, ref.to_frame().T, "center")
