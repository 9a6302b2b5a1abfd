"""Customer experience flags, counting-process rows and spells on a tiny hand-built history.

Report month October 2026; experience window 60 days (defaults: FCR window 7 days, long
wait >= 120 s, low CSAT <= 2). At the month start 2026-10-01 the window is
[2026-08-02, 2026-10-01); at 2026-09-01 it is [2026-07-03, 2026-09-01).

    C1 consumer, since 2024-01-01: resolved contact 10 Sep; unresolved contact 20 Sep after a
       150 s wait, CSAT 2; complaint opened 21 Sep, resolved 5 Oct (open on 1 Oct)
    C2 small business, since 2026-03-01: contact 5 Sep (bill) repeated on 8 Sep, which was
       abandoned after 60 s; complaint 10-12 Aug (resolved); a resolved contact 20 Aug
    C3 vip, since 2025-01-01, no contacts, leaves 15 Oct
    C4 consumer, since 2026-09-15: contact 28 Sep (bill), repeated on 2 Oct: unknown on 1 Oct
    C5 consumer, since 2025-05-01, left 20 Sep
    C6 consumer, since 2023-06-01: one contact on 10 Jul (inside the 1 Sep window only)
"""
import pandas as pd
import pytest

from ccnb.data import Tables
from ccnb.params import load_params
from ccnb.retention import customers as C

CUSTOMERS = [
    ("C1", "consumer", "2024-01-01", None), ("C2", "small_business", "2026-03-01", None),
    ("C3", "vip", "2025-01-01", "2026-10-15"), ("C4", "consumer", "2026-09-15", None),
    ("C5", "consumer", "2025-05-01", "2026-09-20"), ("C6", "consumer", "2023-06-01", None),
]
CONTACTS = [
    # id, customer, arrival, reason, answered, wait_s, resolved
    ("K0", "C6", "2026-07-10 10:00", "bill", True, 10, True),
    ("K1", "C1", "2026-09-10 10:00", "plan", True, 10, True),
    ("K2", "C1", "2026-09-20 10:00", "refund", True, 150, False),
    ("K3", "C2", "2026-09-05 10:00", "bill", True, 10, True),
    ("K4", "C2", "2026-09-08 10:00", "bill", False, 60, None),
    ("K5", "C2", "2026-08-20 10:00", "plan", True, 10, True),
    ("K6", "C4", "2026-09-28 10:00", "bill", True, 10, True),
    ("K7", "C4", "2026-10-02 10:00", "bill", True, 10, True),
]
COMPLAINTS = [("Q1", "C1", "2026-09-21 09:00", "2026-10-05 09:00"), ("Q2", "C2", "2026-08-10 09:00", "2026-08-12 09:00")]


def frames():
    cust = pd.DataFrame(CUSTOMERS, columns=["customer_id", "segment", "signup_date", "churn_date"])
    cust["signup_date"] = pd.to_datetime(cust["signup_date"]).dt.date
    cust["churn_date"] = pd.to_datetime(cust["churn_date"]).dt.date
    cust["value"] = 50.0
    rows = []
    for cid, who, arr, reason, answered, wait, resolved in CONTACTS:
        a = pd.Timestamp(arr)
        rows.append(dict(contact_id=cid, channel="voice", direction="inbound", queue="billing", arrival_ts=a,
                         answer_ts=a + pd.Timedelta(seconds=wait) if answered else pd.NaT,
                         end_ts=a + pd.Timedelta(seconds=wait + 200), customer_id=who,
                         agent_id="A1" if answered else None, wait_s=float(wait),
                         talk_s=200.0 if answered else 0.0, hold_s=0.0, acw_s=0.0, abandoned=not answered,
                         transferred=False, self_served=False, reason=reason, resolved=resolved, converted=False))
    inter = pd.DataFrame(rows)
    inter["resolved"] = inter["resolved"].astype("boolean")
    surv = pd.DataFrame([("K2", 2, None, None), ("K1", 5, None, None)], columns=["contact_id", "csat", "nps", "ces"]
                        ).astype({"csat": "Int64", "nps": "Int64", "ces": "Int64"})
    comp = pd.DataFrame(COMPLAINTS, columns=["complaint_id", "customer_id", "opened_ts", "resolved_ts"])
    comp["opened_ts"] = pd.to_datetime(comp["opened_ts"])
    comp["resolved_ts"] = pd.to_datetime(comp["resolved_ts"])
    comp["contact_id"] = None
    comp["category"] = "billing"
    agents = pd.DataFrame([dict(agent_id="A1", team="T1", supervisor="S1", site="Shanghai", shift="day",
                                hire_date=pd.Timestamp("2024-01-01").date(), leave_date=None)])
    return {"customers": cust, "interactions": inter, "surveys": surv, "complaints": comp, "agents": agents}


@pytest.fixture(scope="module")
def tables():
    return Tables.from_frames(frames(), month="2026-10")


@pytest.fixture(scope="module")
def params():
    return load_params(overrides={"retention": {"model_months": 2}})


def _flags(df, s):
    return df[df["s"] == pd.Timestamp(s)].set_index("customer_id")[list(C.FLAGS)].astype(int)


def test_experience_flags_by_hand(tables, params):
    df = C.experience(tables, [pd.Timestamp("2026-09-01"), pd.Timestamp("2026-10-01")], params)
    oct_ = _flags(df, "2026-10-01")
    # FLAGS: open_complaint resolved_complaint fcr_miss long_wait abandoned low_csat contacted
    assert sorted(oct_.index) == ["C1", "C2", "C3", "C4", "C6"]       # C5 left before 1 Oct
    assert oct_.loc["C1"].tolist() == [1, 0, 1, 1, 0, 1, 1]
    assert oct_.loc["C2"].tolist() == [0, 1, 1, 0, 1, 0, 1]
    assert oct_.loc["C3"].tolist() == [0] * 7
    assert oct_.loc["C4"].tolist() == [0, 0, 0, 0, 0, 0, 1]            # the 2 Oct repeat is not known yet
    assert oct_.loc["C6"].tolist() == [0] * 7                          # 10 Jul is outside the window
    sep = _flags(df, "2026-09-01")
    assert sorted(sep.index) == ["C1", "C2", "C3", "C5", "C6"]         # C4 signs up on 15 Sep
    assert sep.loc["C2"].tolist() == [0, 1, 0, 0, 0, 0, 1]
    assert sep.loc["C6"].tolist() == [0, 0, 0, 0, 0, 0, 1]
    assert sep.loc["C1"].tolist() == [0] * 7
    groups = tables.sql(f"SELECT customer_id, {C.GROUP_SQL} AS g "
                        f"FROM ({C.experience_sql([pd.Timestamp('2026-10-01')], params)}) e")
    assert groups.set_index("customer_id")["g"].to_dict() == {
        "C1": "open_complaint", "C2": "bad_experience", "C3": "no_contact", "C4": "good_experience",
        "C6": "no_contact"}


def test_landmark_spells_counted_by_group(tables, params):
    """Landmark 1 Sep (the first month start with 60 days of data behind it), followed to 1 Nov:
    C1 no contact before it, stays (61 days); C2 resolved complaint: bad experience, stays; C3 no
    contact, leaves 15 Oct (44 days); C5 no contact, leaves 20 Sep (19 days); C6 contacted, stays."""
    df, landmark = C.by_experience(tables, "2026-10", params)
    assert landmark == pd.Timestamp("2026-09-01")
    assert df.values.tolist() == [["bad_experience", 61, 0, 1], ["good_experience", 61, 0, 1],
                                  ["no_contact", 19, 1, 1], ["no_contact", 44, 1, 1], ["no_contact", 61, 0, 1]]
    exp = C.experience_survival(tables, "2026-10", params)
    assert exp["customers"] == 6 - 1 and exp["months"] == 2
    nc = exp["km"][exp["km"]["group"] == "no_contact"]
    assert nc["at_risk"].tolist() == [3, 3, 2]
    assert nc["survival"].tolist() == pytest.approx([1, 2 / 3, 1 / 3])   # C5 at 19 days, C3 at 44


def test_experience_does_not_look_past_the_month_start(tables, params):
    """Flags at 1 Sep from the data known at August's end == from all data known at October's end."""
    s = [pd.Timestamp("2026-09-01")]
    early = C.experience(tables.for_month("2026-08"), s, params).sort_values("customer_id").reset_index(drop=True)
    late = C.experience(tables, s, params).sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(early.drop(columns="churn_date"), late.drop(columns="churn_date"))


def test_counting_process_rows(tables, params):
    cp = C.counting_process(tables, "2026-10", params, share=1.0)
    days = lambda a, b: (pd.Timestamp(b) - pd.Timestamp(a)).days  # noqa: E731
    assert len(cp) == 9 and cp["event"].sum() == 2     # C1 2, C2 2, C3 1, C4 1, C5 1, C6 2 rows
    # C3: no experience in September or October -> one merged row; leaves 15 Oct
    c3 = cp[(cp["segment"] == "vip")]
    assert len(c3) == 1
    assert c3[["entry", "duration", "event"]].iloc[0].tolist() == [days("2025-01-01", "2026-09-01"),
                                                                   days("2025-01-01", "2026-10-15") + 0.5, 1]
    # C1: September clean, October with four flags -> two rows, the second ending at the cutoff
    c1 = cp[(cp["segment"] == "consumer") & (cp["entry"] >= days("2024-01-01", "2026-09-01"))
            & (cp["entry"] < days("2024-01-01", "2026-12-01"))].sort_values("entry")
    c1 = c1[c1["customer"] == c1["customer"].iloc[-1]]
    assert c1[["entry", "duration", "open_complaint"]].values.tolist() == [
        [days("2024-01-01", "2026-09-01"), days("2024-01-01", "2026-10-01"), 0],
        [days("2024-01-01", "2026-10-01"), days("2024-01-01", "2026-11-01"), 1]]
    # C5 leaves on 20 Sep: its only row ends there
    c5 = cp[cp["duration"] == days("2025-05-01", "2026-09-20") + 0.5]
    assert len(c5) == 1 and c5["event"].iloc[0] == 1


def test_customer_spells(tables):
    sp = C.customer_spells(tables, "signup").set_index("entity")
    assert "C5" in sp.index and sp.loc["C5", "event"] == 1           # left 20 Sep, after the data began (1 Jul)
    assert sp.loc["C1", "entry"] == (pd.Timestamp("2026-07-01") - pd.Timestamp("2024-01-01")).days
    assert sp.loc["C2", "entry"] == (pd.Timestamp("2026-07-01") - pd.Timestamp("2026-03-01")).days
    assert sp.loc["C3", ["event", "duration"]].tolist() == [1, (pd.Timestamp("2026-10-15") - pd.Timestamp("2025-01-01")).days]
    fc = C.customer_spells(tables, "first_contact").set_index("entity")
    assert sorted(fc.index) == ["C1", "C2", "C4", "C6"]
    assert fc.loc["C2", "start"] == pd.Timestamp("2026-08-20") and fc.loc["C2", "entry"] == 0


@pytest.mark.parametrize("by", ["signup", "first_contact"])
@pytest.mark.parametrize("as_of", ["2026-11-01", "2026-10-01"])
def test_spells_in_the_engine_equal_the_generic_spells(tables, by, as_of):
    """The SQL spells that cohorts and survival count in the engine (:func:`spells_sql`) are the
    rows of :func:`customer_spells` (the generic :func:`ccnb.retention.spells` in pandas)."""
    obs = C.observed_from(tables) if by == "signup" else None
    cols = ["segment", "duration", "event", "entry"]
    got = tables.sql(f"SELECT {', '.join(cols)} FROM ({C.spells_sql(by, as_of, obs)}) s")
    ref = C.customer_spells(tables, by, as_of)[cols]
    key = lambda df: df.sort_values(cols).reset_index(drop=True).astype({"event": "int64"})  # noqa: E731
    assert len(ref) >= 4
    pd.testing.assert_frame_equal(key(got), key(ref), check_dtype=False)
