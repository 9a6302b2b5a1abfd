"""Churn features on a tiny hand-built history, computed by hand; labels; no leakage past the cutoff.

Cutoff 2026-10-01 00:00 (the end of September). Windows: 30 days (from 2026-09-01) and
90 days (from 2026-07-03). FCR window 7 days, long wait >= 120 s, low CSAT <= 2, high
effort CES <= 3 (the defaults).

Customers: C1 (consumer, 50 CNY, since 2024-01-01), C2 (small business, value unknown,
since 2026-06-15), C3 (vip, left 2026-09-20: gone before the cutoff), C4 (consumer, 80 CNY,
since 2025-05-01, leaves 2026-10-15), C5 (signs up 2026-10-05: after the cutoff), C6 (consumer,
no contacts: scored only with population "active").
"""
import pandas as pd
import pytest

import ccnb.churn
from ccnb.data import Tables
from ccnb.params import load_params

CUTOFF = "2026-10-01"

CUSTOMERS = [
    # customer_id, segment, value, signup_date, churn_date
    ("C1", "consumer", 50.0, "2024-01-01", None),
    ("C2", "small_business", None, "2026-06-15", None),
    ("C3", "vip", 1500.0, "2025-01-01", "2026-09-20"),
    ("C4", "consumer", 80.0, "2025-05-01", "2026-10-15"),
    ("C5", "consumer", 20.0, "2026-10-05", None),
    ("C6", "consumer", 60.0, "2023-03-01", None),
]

CONTACTS = [
    # id, customer, arrival, direction, reason, answered, wait_s, abandoned, transferred, resolved
    ("X1", "C1", "2026-06-20 10:00:00", "inbound", "bill", True, 10, False, False, True),    # before every window
    ("X1b", "C1", "2026-06-30 10:00:00", "inbound", "bill", True, 10, False, False, True),   # only seen by the lag
    ("X2", "C1", "2026-07-05 10:00:00", "inbound", "bill", True, 10, False, False, True),    # repeat of X1b (5 d)
    ("X3", "C1", "2026-09-10 09:00:00", "inbound", "refund", True, 150, False, True, False),  # long wait, transfer
    ("X4", "C1", "2026-09-12 09:00:00", "inbound", "refund", False, 200, True, False, None),  # repeat, abandon
    ("X5", "C1", "2026-09-25 09:00:00", "inbound", "refund", True, 10, False, False, True),   # 13 d later: no repeat
    ("X6", "C1", "2026-09-30 23:59:59", "inbound", "refund", False, 30, True, False, None),   # repeat (5 d), abandon
    ("X7", "C1", "2026-10-01 00:00:00", "inbound", "refund", True, 10, False, False, True),   # at the cutoff: unseen
    ("X8", "C1", "2026-09-28 11:00:00", "outbound", "renewal", True, 0, False, False, True),  # outbound: not counted
    ("Y1", "C2", "2026-08-15 10:00:00", "inbound", "device_setup", True, 5, False, False, True),
    ("Y2", "C2", "2026-09-05 10:00:00", "inbound", None, True, 5, False, False, None),
    ("Y3", "C2", "2026-09-06 10:00:00", "inbound", None, False, 60, True, False, None),       # repeat (same: no reason)
    ("Z1", "C4", "2026-09-29 10:00:00", "inbound", "cancellation", True, 5, False, False, True),
    ("W1", "C3", "2026-09-01 10:00:00", "inbound", "bill", True, 5, False, False, True),      # C3 left before cutoff
]

SURVEYS = [("X3", 2, 3, 2), ("X5", 4, 9, None), ("Y1", None, None, 6)]

COMPLAINTS = [
    # id, customer, opened, resolved
    ("K1", "C1", "2026-09-11 12:00:00", "2026-09-15 12:00:00"),  # resolved in 4.0 days
    ("K2", "C1", "2026-09-20 00:00:00", "2026-10-03 00:00:00"),  # resolved after the cutoff: open at it, 11 days old
    ("K3", "C1", "2026-06-01 00:00:00", None),                    # open 122 days; before the 90-day window
    ("K4", "C2", "2026-08-20 00:00:00", "2026-08-22 00:00:00"),  # 2.0 days, in the 90-day window only
    ("K5", "C4", "2026-10-01 00:00:00", None),                    # at the cutoff: unseen
]


def frames(contacts=CONTACTS, surveys=SURVEYS, complaints=COMPLAINTS, customers=CUSTOMERS):
    rows = []
    for cid, cust, arr, direction, reason, answered, wait, abandoned, transferred, resolved in contacts:
        a = pd.Timestamp(arr)
        rows.append(dict(
            contact_id=cid, channel="voice", direction=direction, queue="billing", arrival_ts=a,
            answer_ts=a + pd.Timedelta(seconds=wait) if answered else pd.NaT,
            end_ts=a + pd.Timedelta(seconds=wait + (200 if answered else 0)), customer_id=cust,
            agent_id="A1" if answered else None, wait_s=float(wait), talk_s=200.0 if answered else 0.0, hold_s=0.0,
            acw_s=0.0, abandoned=abandoned, transferred=transferred, self_served=False, reason=reason,
            resolved=resolved, converted=False))
    inter = pd.DataFrame(rows)
    inter["resolved"] = inter["resolved"].astype("boolean")
    cust = pd.DataFrame(CUSTOMERS if customers is None else customers,
                        columns=["customer_id", "segment", "value", "signup_date", "churn_date"])
    cust["signup_date"] = pd.to_datetime(cust["signup_date"]).dt.date
    cust["churn_date"] = pd.to_datetime(cust["churn_date"]).dt.date
    surv = pd.DataFrame(surveys, columns=["contact_id", "csat", "nps", "ces"]).astype(
        {"csat": "Int64", "nps": "Int64", "ces": "Int64"})
    comp = pd.DataFrame(complaints, columns=["complaint_id", "customer_id", "opened_ts", "resolved_ts"])
    comp["opened_ts"] = pd.to_datetime(comp["opened_ts"])
    comp["resolved_ts"] = pd.to_datetime(comp["resolved_ts"])
    comp["contact_id"] = None
    comp["category"] = "billing"
    agents = pd.DataFrame([dict(agent_id="A1", team="T1", supervisor="S1", site="Shanghai", shift="day",
                                hire_date=pd.Timestamp("2024-01-01").date(), leave_date=None)])
    return {"interactions": inter, "customers": cust, "surveys": surv, "complaints": comp, "agents": agents}


@pytest.fixture(scope="module")
def params():
    return load_params()


@pytest.fixture(scope="module")
def feats(params):
    f = ccnb.churn.features(Tables.from_frames(frames()), CUTOFF, params)
    return f.set_index("customer_id")


def test_population_is_active_contacted_customers(feats, params):
    assert list(feats.index) == ["C1", "C2", "C4"]  # C3 left, C5 not yet a customer, C6 never contacted
    active = params.model_copy(update={"churn": params.churn.model_copy(update={"population": "active"})})
    f = ccnb.churn.features(Tables.from_frames(frames()), CUTOFF, active)
    assert list(f["customer_id"]) == ["C1", "C2", "C4", "C6"]
    c6 = f.set_index("customer_id").loc["C6"]
    assert c6["contacts_90d"] == 0 and pd.isna(c6["days_since_contact"]) and c6["r_score"] == 1


def test_contact_features_by_hand(feats):
    c1 = feats.loc["C1"]
    # 30 days: X3 X4 X5 X6 (X8 outbound, X7 at the cutoff); 90 days: + X2 (X1, X1b before the window)
    assert (c1["contacts_30d"], c1["contacts_90d"]) == (4, 5)
    # repeats: X4 (2 d after X3), X6 (5 d after X5); X2 repeats X1b, seen only by the lag; X5 is 13 d after X4
    assert (c1["repeats_30d"], c1["repeats_90d"]) == (2, 3)
    assert (c1["unresolved_30d"], c1["transfers_30d"], c1["abandons_30d"]) == (1, 1, 2)
    assert c1["long_waits_30d"] == 2  # X3 answered after 150 s, X4 abandoned after 200 s; X6 waited 30 s
    c2 = feats.loc["C2"]
    assert (c2["contacts_30d"], c2["contacts_90d"], c2["repeats_30d"], c2["abandons_30d"]) == (2, 3, 1, 1)
    assert c2["unresolved_30d"] == 0  # Y2's resolution is unknown, not "unresolved"
    assert feats.loc["C4", "contacts_30d"] == 1


def test_survey_features_by_hand(feats):
    c1 = feats.loc["C1"]
    assert c1["surveys_30d"] == 2
    assert c1["csat_mean_30d"] == pytest.approx((2 + 4) / 2)
    assert (c1["low_csat_30d"], c1["detractors_30d"], c1["high_effort_30d"]) == (1, 1, 1)
    assert c1["ces_mean_30d"] == pytest.approx(2.0)  # X5 has no CES answer
    c2 = feats.loc["C2"]
    assert c2["surveys_30d"] == 0 and pd.isna(c2["csat_mean_30d"])
    assert c2["surveys_90d"] == 1 and c2["ces_mean_90d"] == pytest.approx(6.0) and pd.isna(c2["csat_mean_90d"])


def test_complaint_features_by_hand(feats):
    c1 = feats.loc["C1"]
    assert (c1["complaints_30d"], c1["complaints_unresolved_30d"], c1["complaints_90d"]) == (2, 1, 2)
    assert c1["complaint_days_30d"] == pytest.approx(4.0)   # K1 only: K2 is resolved after the cutoff
    assert c1["complaints_open"] == 2                        # K2 and K3
    assert c1["open_complaint_days"] == pytest.approx(122)   # K3: 2026-06-01 -> 2026-10-01
    c2 = feats.loc["C2"]
    assert (c2["complaints_30d"], c2["complaints_90d"], c2["complaints_open"]) == (0, 1, 0)
    assert c2["complaint_days_90d"] == pytest.approx(2.0) and pd.isna(c2["complaint_days_30d"])
    assert pd.isna(c2["open_complaint_days"])
    assert feats.loc["C4", "complaints_open"] == 0           # K5 opens at the cutoff


def test_recency_tenure_and_rfm_by_hand(feats):
    assert feats.loc["C1", "days_since_contact"] == pytest.approx(1 / 86400)
    assert feats.loc["C2", "days_since_contact"] == pytest.approx(24 + 14 / 24)
    assert feats.loc["C4", "days_since_contact"] == pytest.approx(1 + 14 / 24)
    assert feats.loc["C1", "last_contact_ts"] == pd.Timestamp("2026-09-30 23:59:59")
    # C1 2024-01-01 -> 2026-10-01: 366 + 365 + 273 days; C2 2026-06-15 -> 10-01: 16 + 31 + 31 + 30;
    # C4 2025-05-01 -> 2026-10-01: 365 + 153
    assert list(feats["tenure_days"]) == [1004, 108, 518]
    # R by recency (C2 < C4 < C1), F by 90-day contacts (C4 1 < C2 3 < C1 5), M by value (C1 50 < C4 80)
    assert list(feats["r_score"]) == [3, 1, 2]
    assert list(feats["f_score"]) == [3, 2, 1]
    assert feats.loc["C1", "m_score"] == 2 and feats.loc["C4", "m_score"] == 3 and pd.isna(feats.loc["C2", "m_score"])
    assert list(feats["rfm"]) == ["R3F3M2", "R1F2M-", "R2F1M3"]
    # C2 has no value: tier from contact history, (R1 + F2) / 2 = 1.5 rounds to 2
    assert list(feats["value_tier"]) == ["medium", "medium", "high"]


def test_labels_churn_within_the_horizon(params):
    lab = ccnb.churn.labels(Tables.from_frames(frames()), CUTOFF, params).set_index("customer_id")["churned"]
    assert lab.to_dict() == {"C1": False, "C2": False, "C4": True, "C6": False}  # C4 leaves 2026-10-15 < 10-31
    # a month earlier C3 is still a customer; it leaves on 09-20, after that cutoff's window [08-01, 08-31)
    lab = ccnb.churn.labels(Tables.from_frames(frames()), "2026-08-01", params).set_index("customer_id")["churned"]
    assert lab.to_dict() == {"C1": False, "C2": False, "C3": False, "C4": False, "C6": False}
    lab = ccnb.churn.labels(Tables.from_frames(frames()), "2026-09-01", params).set_index("customer_id")["churned"]
    assert lab["C3"]


def test_label_must_be_observed(params):
    t = Tables.from_frames(frames(), month="2026-10")
    with pytest.raises(ValueError, match="not fully observed"):
        ccnb.churn.labels(t, "2026-10-15", params)
    with pytest.raises(ValueError, match="after what the data shows"):
        ccnb.churn.features(t, "2026-11-02", params)


def test_future_events_change_nothing_before_the_cutoff(feats, params):
    """Move, add and delete events at or after the cutoff: the features must not move."""
    later = pd.Timestamp("2026-10-01")
    contacts = [c for c in CONTACTS if pd.Timestamp(c[2]) < later]  # delete every later contact (X7)
    contacts += [  # new contacts after the cutoff, on the same reasons (would be repeats), abandons, long waits
        ("F1", "C1", "2026-10-01 00:00:00", "inbound", "refund", False, 500, True, True, None),
        ("F2", "C2", "2026-10-02 08:00:00", "inbound", None, True, 300, False, True, False),
        ("F3", "C4", "2026-10-03 08:00:00", "inbound", "cancellation", True, 300, False, False, False),
        ("F4", "C6", "2026-10-04 08:00:00", "inbound", "bill", True, 5, False, False, True),
    ]
    surveys = SURVEYS + [("F2", 1, 0, 1), ("F3", 1, 0, 1)]
    complaints = [k for k in COMPLAINTS if k[0] != "K5"] + [
        ("F5", "C2", "2026-10-02 00:00:00", None),
        ("F6", "C1", "2026-10-05 00:00:00", "2026-10-06 00:00:00"),
    ]
    complaints = [(k, c, o, "2026-10-01 00:00:00" if k == "K3" else r) for k, c, o, r in complaints]  # K3 resolved at cutoff
    complaints = [(k, c, o, "2027-01-01 00:00:00" if k == "K2" else r) for k, c, o, r in complaints]  # K2 later still
    customers = [(c, s, v, d, "2026-10-02" if c == "C1" else ("2026-12-01" if c == "C4" else ch))
                 for c, s, v, d, ch in CUSTOMERS]  # churn dates after the cutoff moved or added
    moved = Tables.from_frames(frames(contacts, surveys, complaints, customers))
    f2 = ccnb.churn.features(moved, CUTOFF, params).set_index("customer_id")
    pd.testing.assert_frame_equal(f2, feats)


def test_cached_features_are_copies(params):
    t = Tables.from_frames(frames())
    a = ccnb.churn.features(t, CUTOFF, params)
    a.loc[0, "contacts_30d"] = 999
    assert ccnb.churn.features(t, CUTOFF, params).loc[0, "contacts_30d"] == 4


def test_cutoff_must_be_a_date():
    from ccnb.churn.features import to_cutoff

    assert to_cutoff(pd.Period("2026-09", "M")) == pd.Timestamp(CUTOFF)
    with pytest.raises(ValueError, match="midnight"):
        to_cutoff("2026-10-01 12:00")


def test_public_api_names_are_stable():
    import inspect

    for name, first in (("features", ["tables", "cutoff", "params"]), ("flags", ["tables", "cutoff", "params"]),
                        ("validate", ["tables", "params"])):
        fn = getattr(ccnb.churn, name)
        assert inspect.isfunction(fn), name
        assert list(inspect.signature(fn).parameters)[: len(first)] == first, name


def test_short_history_leaves_long_windows_out_of_the_model(params):
    from ccnb.churn.out_of_time import model_features

    full = model_features(params)
    short = model_features(params, history_days=45)
    assert "repeats_90d" in full and "repeats_90d" not in short
    assert "repeats_30d" in short and "tenure_days" in short and "segment" in short
    assert [f for f in full if not f.endswith("_90d")] == short
