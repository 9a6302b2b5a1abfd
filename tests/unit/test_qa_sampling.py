"""The QA sampling plan on the tiny data set: counts by hand, strata, business-line minimum, determinism.

Plan for November 2026 from the data as of October's end. November 2026 starts on a Sunday, so its
Monday-based weeks are: 26 Oct (1 day in the period: Sun 1 Nov), 2, 9, 16, 23 Nov (7 days), 30 Nov (1 day).
Agents: A1, A2, A3 (A4 left on 20 Oct). Bands from October's QA score: A1 80 (= pass mark, below 90)
average; A2 0 (critical fail) weak; A3 85 average. Per week: weak 8, average 5.
  average: 1-day weeks max(1, round(5/7)) = 1 each, 4 full weeks x 5 -> 22
  weak:    1-day weeks max(1, round(8/7)) = 1 each, 4 full weeks x 8 -> 34
Queues in the 90 days before 1 Nov: A1 and A2 billing only (consumer line), A3 sales only (I05, I08).
"""
import pandas as pd
import pytest

import ccnb.data
from ccnb import qa
from ccnb.params import load_params

TINY = "tests/data/tiny"


@pytest.fixture(scope="module")
def tables(project_root):
    return ccnb.data.load(project_root / TINY, month="2026-10")


@pytest.fixture(scope="module")
def plan(tables):
    return qa.sampling_plan(tables, "2026-11-01", "2026-12-01", seed=3, params=load_params())


def test_bands(tables):
    b = qa.bands(tables, pd.Timestamp("2026-11-01"), load_params()).set_index("agent_id")
    assert list(b.index) == ["A1", "A2", "A3"]
    assert list(b["band"]) == ["average", "weak", "average"]
    assert b.loc["A2", "band_reason"] == "below_pass"


def test_counts_by_hand(plan):
    per_agent = plan.groupby("agent_id").size()
    assert per_agent.to_dict() == {"A1": 22, "A2": 34, "A3": 22}
    weekly = plan.groupby(["agent_id", "week"]).size()
    assert weekly["A2"].tolist() == [1, 8, 8, 8, 8, 1]
    assert weekly["A1"].tolist() == [1, 5, 5, 5, 5, 1]
    assert set(plan.loc[plan["agent_id"] == "A3", "queue"]) == {"sales"}
    assert set(plan.loc[plan["agent_id"] != "A3", "queue"]) == {"billing"}
    assert not plan["top_up"].any()
    # premium (vip) and digital (chat): nobody handled them, so their 20 cannot be planned
    assert plan.attrs["line_minimum"] == 20 and plan.attrs["shortfall"] == {"digital": 20, "premium": 20}


def test_business_line_minimum_tops_up(tables):
    """With 30 a month per line, sales (22 planned) gets 8 more, all for A3, its only agent."""
    p = load_params(overrides={"qa": {"sampling": {"min_per_line_month": 30}}})
    plan = qa.sampling_plan(tables, "2026-11-01", "2026-12-01", seed=3, params=p)
    assert len(plan) == 78 + 8
    top = plan[plan["top_up"]]
    assert len(top) == 8 and set(top["agent_id"]) == {"A3"} and set(top["business_line"]) == {"sales"}
    assert plan.groupby("business_line").size().to_dict() == {"consumer": 56, "sales": 30}


def test_moments_follow_the_agents_pattern(plan):
    """A1's handled contacts: Thu 10 Sep 9h, Mon 5 Oct 9h (twice), Sun 25 Oct 10h; each pick falls in
    its week, in November, on one of those weekday-hour cells."""
    assert (pd.to_datetime(plan["pick_after"]) >= pd.Timestamp("2026-11-01")).all()
    assert (pd.to_datetime(plan["pick_after"]) < pd.Timestamp("2026-12-01")).all()
    wk = pd.to_datetime(plan["week"])
    assert ((pd.to_datetime(plan["pick_after"]) - wk) < pd.Timedelta(days=7)).all()
    a1 = pd.to_datetime(plan.loc[plan["agent_id"] == "A1", "pick_after"])
    assert set(zip(a1.dt.day_of_week, a1.dt.hour)) <= {(0, 9), (3, 9), (6, 10)}


def test_deterministic(tables, plan):
    again = qa.sampling_plan(tables, "2026-11-01", "2026-12-01", seed=3, params=load_params())
    pd.testing.assert_frame_equal(plan, again)
    other = qa.sampling_plan(tables, "2026-11-01", "2026-12-01", seed=4, params=load_params())
    assert len(other) == len(plan) and not other["pick_after"].equals(plan["pick_after"])


def test_no_customer_identifiers(plan):
    assert not {"customer_id", "phone", "email"} & set(plan.columns)


def test_resolve_contacts_in_a_past_period(tables):
    """For October (in the data) the picks become contact ids: the agent's own contacts on the queue,
    at or after the pick time and in the same week, each at most once."""
    plan = qa.sampling_plan(tables, "2026-10-01", "2026-11-01", seed=1, params=load_params())
    got = qa.resolve_contacts(tables, plan).dropna(subset=["contact_id"])
    assert len(got) > 0 and got["contact_id"].is_unique
    inter = tables.interactions.set_index("contact_id")
    for r in got.itertuples():
        c = inter.loc[r.contact_id]
        assert c["agent_id"] == r.agent_id and c["queue"] == r.queue
        assert r.pick_after <= c["arrival_ts"] < pd.Timestamp(r.week) + pd.Timedelta(days=7)


def test_sampling_params_are_checked():
    from ccnb.params import ParamsError

    with pytest.raises(ParamsError, match="per_week must be 3-10 evaluations per agent per week"):
        load_params(overrides={"qa": {"sampling": {"per_week": {"weak": 12}}}})
