"""A real center's way in: one raw vendor export and a params file, no conversion script, a whole pack.

The center: one month of contacts (October 2026, the sample's 148,000) written the way Amazon
Connect exports contact trace records (flattened CSV: ``Queue.Name``, ``Agent.Username``, ISO
8601 UTC timestamps, whole-second durations), plus two dirty rows real exports have: an answer
stamped one second before the contact entered the queue (a clock skew) and an answered contact
without an agent. Nothing else: no roster, no QA, no surveys, no customers, no complaints, no
calendar, and one month of history. The params file says only ``data.profile: amazon_connect``
and ``data.bad_rows: quarantine``.

The pack must hold every report, label what is missing, set the dirty row aside (and say so),
repair the skew, and its headline KPIs must equal a computation straight from the CSV with
pandas, independent of ccnb, under the domain brief's definitions.
"""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from ccnb.pipeline import report

pytestmark = pytest.mark.slow

MONTH = "2026-10"
TZ = "Asia/Shanghai"


def _utc(ts: pd.Series) -> pd.Series:
    """Local wall-clock timestamps -> ISO 8601 UTC text as Amazon Connect writes it; empty when missing."""
    out = ts.dt.tz_localize(TZ).dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out.where(ts.notna(), "")


def _ctr(contacts: pd.DataFrame) -> pd.DataFrame:
    """Contract-shaped contacts written as flattened Amazon Connect contact trace records."""
    c = contacts
    queued = ~c.self_served & (c.direction == "inbound")
    answered = c.answer_ts.notna()
    num = lambda s: s.round().astype("Int64").astype(str).where(answered, "")  # noqa: E731
    return pd.DataFrame({
        "ContactId": c.contact_id,
        "Channel": c.channel.str.upper(),
        "InitiationMethod": c.direction.map({"inbound": "INBOUND", "outbound": "OUTBOUND"}),
        "InitiationTimestamp": _utc(c.arrival_ts),
        "DisconnectTimestamp": _utc(c.end_ts),
        "Queue.Name": c.queue.where(queued | (c.direction == "outbound"), ""),
        "Queue.EnqueueTimestamp": _utc(c.arrival_ts.where(queued)),
        "Queue.Duration": c.wait_s.round().astype("Int64").astype(str).where(queued, ""),
        "Agent.Username": c.agent_id.fillna(""),
        "Agent.ConnectedToAgentTimestamp": _utc(c.answer_ts),
        "Agent.AgentInteractionDuration": num(c.talk_s),
        "Agent.CustomerHoldDuration": num(c.hold_s),
        "Agent.AfterContactWorkDuration": num(c.acw_s),
        "CustomerEndpoint.Address": c.customer_id.fillna(""),
        "TransferCompletedTimestamp": _utc(c.end_ts.where(c.transferred)),
        "Attributes.reason": c.reason.fillna(""),
    })


@pytest.fixture(scope="module")
def vendor_center(tmp_path_factory, sample_data):
    root = tmp_path_factory.mktemp("vendor")
    data = root / "exports"
    data.mkdir()
    contacts = pd.read_parquet(sample_data / "interactions" / f"{MONTH}.parquet")
    # Amazon Connect has no "abandoned without queue" for e-mail etc.: keep what the profile maps as the export would
    ctr = _ctr(contacts.sort_values(["arrival_ts", "contact_id"]).reset_index(drop=True))
    ans = ctr.index[(ctr["Agent.Username"] != "") & (ctr["Queue.EnqueueTimestamp"] != "")]
    skew, no_agent = ans[100], ans[200]
    ctr.loc[skew, "Agent.ConnectedToAgentTimestamp"] = (
        pd.Timestamp(ctr.loc[skew, "Queue.EnqueueTimestamp"]) - pd.Timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ctr.loc[skew, "Queue.Duration"] = "0"
    ctr.loc[no_agent, "Agent.Username"] = ""
    ctr.to_csv(data / f"ctr_{MONTH}.csv", index=False)
    params = root / "center.yaml"
    params.write_text("center: {timezone: Asia/Shanghai}\n"
                      "data: {profile: amazon_connect, bad_rows: quarantine}\n", encoding="utf-8")
    return data, params, ctr, ctr.loc[no_agent, "ContactId"]


@pytest.fixture(scope="module")
def vendor_pack(vendor_center, tmp_path_factory, notebooks):
    data, params, _, _ = vendor_center
    lines: list[str] = []
    pack = report.run(MONTH, data=data, params=params, out=tmp_path_factory.mktemp("vendor-reports"),
                      progress=lines.append, notice=lines.append)
    return pack, lines


def _expected(ctr: pd.DataFrame, no_agent_id: str) -> dict[str, float]:
    """Headline KPIs straight from the export (pandas; the domain brief's definitions, 20 s service level)."""
    c = ctr[ctr.ContactId != no_agent_id]                      # the quarantined row counts nowhere
    inbound_rt = (c.InitiationMethod == "INBOUND") & c.Channel.isin(["VOICE", "CHAT"]) & (c["Queue.EnqueueTimestamp"] != "")
    answered = c["Agent.ConnectedToAgentTimestamp"] != ""
    abandoned = (c["Queue.EnqueueTimestamp"] != "") & ~answered & (c.TransferCompletedTimestamp == "")
    offered = inbound_rt & (answered | abandoned)
    wait = pd.to_numeric(c["Queue.Duration"], errors="coerce").fillna(0)
    handled = answered & (c["Agent.Username"] != "")
    handle = sum(pd.to_numeric(c[k], errors="coerce").fillna(0) for k in
                 ("Agent.AgentInteractionDuration", "Agent.CustomerHoldDuration", "Agent.AfterContactWorkDuration"))
    return {
        "answer_rate": (offered & answered).sum() / offered.sum(),
        "abandon_rate": (offered & abandoned).sum() / offered.sum(),
        "service_level": (offered & answered & (wait <= 20)).sum() / offered.sum(),
        "asa_s": wait[offered & answered].mean(),
        "aht_s": handle[handled].mean(),
    }


def test_a_vendor_export_alone_gives_every_report(vendor_pack, notebooks):
    pack, lines = vendor_pack
    for nb in notebooks:
        html = (pack / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert (pack / "pdf" / f"{nb.stem}.pdf").is_file(), nb.stem
        text = re.sub(r"<[^>]+>", " ", html)
        for bad in ("Traceback", "NaN", "None", " inf ", "nan %"):
            assert bad not in text, (nb.stem, bad)


def test_the_index_says_what_was_missing_set_aside_and_repaired(vendor_pack):
    pack, _ = vendor_pack
    index = (pack / "index.html").read_text(encoding="utf-8")
    assert "Not supplied by this center" in index and "QA evaluations" in index
    assert "Agents were taken from the contacts they handled" in index
    assert "One row broke a data rule and was set aside" in index and "answered without an agent (1)" in index
    assert "A clock difference of up to 2 s was repaired in one contact: answered before entering the queue (1)" in index
    run = json.loads((pack / "run.json").read_text(encoding="utf-8"))
    intake = run["data"]["intake"]
    assert intake["set_aside"] == [{"table": "interactions", "rule": "handled_has_agent", "rows": 1}]
    assert intake["repaired"] == [{"table": "interactions", "rule": "answer_before_arrival", "rows": 1}]
    assert intake["derived"] == ["agents"]


def test_the_quarantined_row_is_kept_with_its_reason(vendor_pack, vendor_center):
    pack, _ = vendor_pack
    *_, no_agent_id = vendor_center
    q = pd.read_csv(pack / "restricted" / "quarantine" / "interactions.csv")
    assert list(q.rule) == ["handled_has_agent"]
    assert json.loads(q["values"][0])["contact_id"] == no_agent_id
    assert q.file[0] == f"ctr_{MONTH}.csv"


def test_headline_kpis_equal_an_independent_computation(vendor_pack, vendor_center):
    pack, _ = vendor_pack
    _, _, ctr, no_agent_id = vendor_center
    want = _expected(ctr, no_agent_id)
    items = {i["key"]: i for i in json.loads((pack / "summary" / "00_overview.json").read_text())["items"]}
    got = {k: items[k]["value"] for k in want if k in items}
    assert set(got) >= {"answer_rate", "service_level", "asa_s", "aht_s"}, sorted(items)
    for k, v in got.items():
        assert v == pytest.approx(want[k], rel=1e-9), k
