"""Rule flags and reasons: conditions, texts in both languages, and scoring of constructed customers.

The constructed customers live in a small seeded history (400 customers, January-June 2026,
abandoned calls raising the churn odds) so that a model can be trained; their own contacts in
June make exactly the rules below fire as of the cutoff 2026-07-01.
"""
import numpy as np
import pandas as pd
import pytest

import ccnb.churn
from ccnb.churn import rules
from ccnb.data import Tables
from ccnb.params import load_params


@pytest.fixture(scope="module")
def params():
    return load_params()


def rule(params, code):
    return next(r for r in params.churn.rules if r.code == code)


# --------------------------------------------------------------------------- rules on a feature table
def test_rules_fire_when_all_conditions_hold(params):
    f = pd.DataFrame({
        "complaints_unresolved_30d": [1, 0, 0, 0], "open_complaint_days": [3.0, np.nan, 8.0, 0.0],
        "complaints_90d": [1, 2, 0, 0], "detractors_30d": [1, 1, 0, 0], "repeats_30d": [0, 1, 3, 0],
        "abandons_30d": [0, 0, 2, 1], "long_waits_30d": [0, 0, 0, 2], "low_csat_30d": [0, 0, 0, 1],
    })
    fired = rules.fired(f, params.churn.rules)
    got = [sorted(fired.columns[fired.iloc[i]]) for i in range(len(f))]
    assert got == [
        ["UNRESOLVED_COMPLAINT"],                                  # open only 3 days: OPEN_COMPLAINT not yet
        ["DETRACTOR_REPEAT", "REPEAT_COMPLAINTS"],                # no open complaint (empty age is not >= 7)
        ["ABANDONS", "OPEN_COMPLAINT", "REPEAT_CONTACTS"],
        ["LONG_WAITS", "LOW_CSAT"],
    ]


def test_reason_texts_state_the_customers_figures(params):
    row = {"abandons_30d": 4, "open_complaint_days": 12.6, "detractors_30d": 1, "repeats_30d": 2}
    assert rules.reason_text(rule(params, "ABANDONS"), row, "en") == "4 abandoned contacts in the last 30 days"
    assert rules.reason_text(rule(params, "ABANDONS"), row, "zh") == "近 30 天放弃呼叫 4 次"
    assert rules.reason_text(rule(params, "OPEN_COMPLAINT"), row, "en") == "Oldest open complaint is 13 days old"
    assert "(2 repeat contacts in 30 days)" in rules.reason_text(rule(params, "DETRACTOR_REPEAT"), row, "en")


def test_changed_rule_without_its_own_text_falls_back_to_plain_figures(params):
    p = load_params(overrides={"churn": {"rules": [
        {"code": "ABANDONS", "when": [{"feature": "abandons_90d", "op": ">=", "value": 5}]},
        {"code": "MY_RULE", "when": [{"feature": "transfers_30d", "value": 2}],
         "name": {"en": "Bounced around", "zh": "多次转接"}, "text": {"en": "{transfers_30d} transfers", "zh": "转接 {transfers_30d} 次"}},
    ]}})
    row = {"abandons_90d": 6, "transfers_30d": 3}
    # the catalog text speaks of abandons_30d: not this rule's feature any more
    assert rules.reason_text(p.churn.rules[0], row, "en") == "Abandoned contacts, last 90 days: 6"
    assert rules.reason_text(p.churn.rules[1], row, "zh") == "转接 3 次"
    assert rules.rule_name(p.churn.rules[1], "en") == "Bounced around"
    t = rules.rules_table(p.churn.rules, "en")
    assert list(t["condition"]) == ["Abandoned contacts, last 90 days ≥ 5", "Transfers, last 30 days ≥ 2"]


def test_params_reject_unknown_features_and_duplicate_codes():
    from ccnb.params import ParamsError

    with pytest.raises(ParamsError, match="unknown churn feature"):
        load_params(overrides={"churn": {"rules": [{"code": "XX", "when": [{"feature": "abandons_7d", "value": 1}]}]}})
    with pytest.raises(ParamsError, match="used twice"):
        load_params(overrides={"churn": {"rules": [{"code": "XX", "when": [{"feature": "abandons_30d", "value": 1}]},
                                                   {"code": "XX", "when": [{"feature": "abandons_30d", "value": 2}]}]}})
    with pytest.raises(ParamsError, match="medium"):
        load_params(overrides={"churn": {"bands": {"high": 0.1, "medium": 0.2}}})


# --------------------------------------------------------------------------- constructed customers, scored
def _contact(cid, cust, ts, reason="bill", abandoned=False, wait=20.0):
    a = pd.Timestamp(ts)
    answered = not abandoned
    return dict(contact_id=cid, channel="voice", direction="inbound", queue="billing", arrival_ts=a,
                answer_ts=a + pd.Timedelta(seconds=wait) if answered else pd.NaT,
                end_ts=a + pd.Timedelta(seconds=wait + (180 if answered else 0)), customer_id=cust,
                agent_id="A1" if answered else None, wait_s=float(wait), talk_s=180.0 if answered else 0.0,
                hold_s=0.0, acw_s=0.0, abandoned=abandoned, transferred=False, self_served=False, reason=reason,
                resolved=True if answered else None, converted=False)


def history(seed=11):
    rng = np.random.default_rng(seed)
    n = 400
    ids = [f"H{i:03d}" for i in range(n)]
    signup = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D")
    churn = [None] * n
    contacts, surveys = [], []
    k = 0
    prev_abandons = np.zeros(n)
    for m in range(1, 7):
        start = pd.Timestamp(f"2026-{m:02d}-01")
        days = (start + pd.offsets.MonthBegin(1) - start).days
        if m > 1:  # churn decided at the month start from last month's abandoned calls
            p = 0.03 + 0.25 * (prev_abandons >= 1)
            for i in np.flatnonzero((rng.random(n) < p) & np.array([c is None for c in churn])):
                churn[i] = start + pd.Timedelta(days=int(rng.integers(0, days)))
        prev_abandons = np.zeros(n)
        for i in range(n):
            for _ in range(rng.poisson(1.2)):
                ts = start + pd.Timedelta(seconds=int(rng.integers(8 * 3600, days * 86400 - 8 * 3600)))
                if churn[i] is not None and ts >= churn[i]:
                    continue
                ab = bool(rng.random() < 0.12)
                prev_abandons[i] += ab
                cid = f"H{k:05d}"
                k += 1
                contacts.append(_contact(cid, ids[i], ts, reason=str(rng.choice(["bill", "tech", "plan"])), abandoned=ab))
                if not ab and rng.random() < 0.3:
                    surveys.append((cid, int(rng.integers(3, 6)), int(rng.integers(7, 11)), None))
    cust = pd.DataFrame({"customer_id": ids, "segment": "consumer", "value": np.round(rng.lognormal(4, 0.5, n), 2),
                         "signup_date": signup.date, "churn_date": [c.date() if c is not None else None for c in churn]})
    return cust, contacts, surveys


CONSTRUCTED = {
    "Q1": "ABANDONS",                           # three abandoned calls
    "Q2": "DETRACTOR_REPEAT",                   # detractor, then called back on the same issue
    "Q3": "UNRESOLVED_COMPLAINT, OPEN_COMPLAINT",  # complaint opened 11 days before the cutoff, still open
    "Q4": "",                                   # one happy contact
    "Q5": "LOW_CSAT",                           # CSAT 1
}


@pytest.fixture(scope="module")
def tables():
    cust, contacts, surveys = history()
    q = pd.DataFrame({"customer_id": list(CONSTRUCTED), "segment": "consumer", "value": 100.0,
                      "signup_date": pd.Timestamp("2025-06-01").date(), "churn_date": None})
    contacts += [_contact("Q1a", "Q1", "2026-06-10 10:00", abandoned=True),
                 _contact("Q1b", "Q1", "2026-06-12 10:00", abandoned=True),
                 _contact("Q1c", "Q1", "2026-06-14 10:00", abandoned=True),
                 _contact("Q2a", "Q2", "2026-06-05 10:00", reason="refund"),
                 _contact("Q2b", "Q2", "2026-06-08 10:00", reason="refund"),
                 _contact("Q3a", "Q3", "2026-06-20 10:00", reason="dispute"),
                 _contact("Q4a", "Q4", "2026-06-15 10:00"),
                 _contact("Q5a", "Q5", "2026-06-16 10:00")]
    surveys += [("Q2a", 4, 3, None), ("Q4a", 5, 10, 7), ("Q5a", 1, 7, None)]
    inter = pd.DataFrame(contacts)
    inter["resolved"] = inter["resolved"].astype("boolean")
    comp = pd.DataFrame([dict(complaint_id="K1", customer_id="Q3", contact_id="Q3a",
                              opened_ts=pd.Timestamp("2026-06-20 10:05"), resolved_ts=pd.NaT, category="billing")])
    agents = pd.DataFrame([dict(agent_id="A1", team="T1", supervisor="S1", site="Shanghai", shift="day",
                                hire_date=pd.Timestamp("2024-01-01").date(), leave_date=None)])
    surv = pd.DataFrame(surveys, columns=["contact_id", "csat", "nps", "ces"]).astype(
        {"csat": "Int64", "nps": "Int64", "ces": "Int64"})
    return Tables.from_frames({"interactions": inter, "customers": pd.concat([cust, q], ignore_index=True),
                               "surveys": surv, "complaints": comp, "agents": agents}, month="2026-06")


@pytest.fixture(scope="module")
def scored(tables, params):
    return ccnb.churn.scores(tables, "2026-07-01", params, "en").set_index("customer_id")


def test_reasons_match_the_rules_fired_on_constructed_customers(scored, params):
    order = [r.code for r in params.churn.rules]
    for cust, expected in CONSTRUCTED.items():
        row = scored.loc[cust]
        assert row["rules"] == expected, cust
        fired = [c for c in expected.split(", ") if c]
        codes = row["reason_codes"].split(", ") if row["reason_codes"] else []
        assert codes[:len(fired)] == fired == sorted(fired, key=order.index), cust  # rules first, params order
        assert all(c.startswith("M_") for c in codes[len(fired):]), cust
        assert len(codes) - len(fired) <= params.churn.model_reasons
        assert row["flagged"] == (bool(fired) or row["band"] != "low")
        if row["flagged"]:
            assert len(row["reasons"].split("; ")) == len(codes)
    assert "3 abandoned contacts in the last 30 days" in scored.loc["Q1", "reasons"]
    assert "M_ABANDONS" not in scored.loc["Q1", "reason_codes"]  # the rule already says it
    assert "(1 repeat contacts in 30 days)" in scored.loc["Q2", "reasons"]
    assert scored.loc["Q3", "reasons"].startswith("Complaints opened in the last 30 days and still unresolved: 1; "
                                                  "Oldest open complaint is 11 days old")
    assert "M_COMPLAINTS" not in scored.loc["Q3", "reason_codes"]
    assert "Low satisfaction scores in the last 30 days: 1" in scored.loc["Q5", "reasons"]


def test_reasons_in_chinese(tables, params):
    zh = ccnb.churn.scores(tables, "2026-07-01", params, "zh").set_index("customer_id")
    assert zh.loc["Q1", "reasons"].startswith("近 30 天放弃呼叫 3 次")
    assert "；" in zh.loc["Q3", "reasons"] and "近 30 天有 1 起投诉仍未解决" in zh.loc["Q3", "reasons"]


def test_flags_are_the_flagged_rows_highest_score_first(tables, params, scored):
    fl = ccnb.churn.flags(tables, "2026-07-01", params)
    assert set(fl["customer_id"]) == set(scored.index[scored["flagged"]])
    assert fl["score"].is_monotonic_decreasing
    assert {"score", "band", "reasons", "reason_codes", "rules"} <= set(fl.columns)
    assert fl["priority"].sum() == min(params.churn.outreach_capacity, len(fl))
    assert set(fl["band"]) <= {"high", "medium", "low"}
    assert fl.attrs["train_cutoffs"] == [pd.Timestamp(f"2026-0{m}-01") for m in (4, 5, 6)]
    # the model learned that abandoned calls precede churn in this history
    assert scored.loc["Q1", "score"] > scored.loc["Q4", "score"]
