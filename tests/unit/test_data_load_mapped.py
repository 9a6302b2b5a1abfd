"""A center's own export through ``ccnb.data.load``: mapping, quarantine, clock skew, derived roster.

The fixture ``tests/data/bank_log`` is six rows of a bank's ACD log written the way the bank's
system exports it; every expected value below is worked out by hand from those rows.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import ccnb.data
from ccnb.data import DataError
from ccnb.data.supplied import columns_supplied
from ccnb.params import load_params

BANK = Path(__file__).resolve().parents[1] / "data" / "bank_log"
VENDORS = Path(__file__).resolve().parents[1] / "data" / "vendors"


def _load(overrides=None, **kw):
    prm = load_params(BANK / "params.yaml", overrides)
    return ccnb.data.load(BANK, timezone=prm.center.timezone, sources=prm.data, cache=False, **kw), prm


def test_bank_log_mapped_with_quarantine_and_skew_repair():
    t, prm = _load()
    i = t.interactions.sort_values("contact_id").reset_index(drop=True)
    # row 4 never reached a queue (where: q_start IS NOT NULL): not a contact; row 6 answered without an agent
    assert list(i.contact_id) == ["1", "2", "3", "5"]
    assert list(i.abandoned) == [False, True, False, False]
    # row 3: answered at 9:02:03, one second before it entered the queue at 9:02:04: repaired to 9:02:04
    assert i.answer_ts[2] == pd.Timestamp("2003-10-01 09:02:04")
    # row 5 crosses midnight: service ends 00:03:40 the next day, 240 s of talk
    assert i.end_ts[3] == pd.Timestamp("2003-10-02 00:03:40")
    assert list(i.talk_s) == [300.0, 0.0, 120.0, 240.0]
    assert list(i.wait_s) == [30.0, 60.0, 0.0, 30.0]
    # stand-ins for what a call log lacks, recorded as lacking
    assert set(i.channel) == {"voice"} and set(i.direction) == {"inbound"}
    assert i.resolved.isna().all() and not i.converted.any()
    assert {"channel", "direction", "hold_s", "acw_s", "resolved", "converted", "reason"} <= t.lacking["interactions"]
    assert not t.has("interactions", "resolved") and t.has("interactions", "talk_s")

    q = t.quarantined()
    assert list(q.rule) == ["handled_has_agent"] and list(q.file) == ["calls.csv"]
    assert list(q["row"]) == [7]  # CSV line 7 (the header is line 1)
    assert json.loads(q["values"][0])["contact_id"] == "6"
    assert t.quarantine_counts().to_dict("records") == [{"table": "interactions", "rule": "handled_has_agent", "rows": 1}]
    assert t.repairs().to_dict("records") == [{"table": "interactions", "rule": "answer_before_arrival", "rows": 1}]


def test_a_roster_is_derived_from_the_contacts_never_invented():
    t, _ = _load()
    a = t.agents.sort_values("agent_id")
    assert list(a.agent_id) == ["ANNA", "BOB"]
    assert set(a.team) == {"unassigned"} and list(a.queue) == ["retail", "retail"]
    assert a.hire_date.isna().all() and a.supervisor.isna().all() and a.site.isna().all()
    assert t.derived == {"agents"} and not t.has("agents") and not t.has("agents", "hire_date")
    assert t.files["agents"] == ["(derived from the contacts)"]


def test_without_tolerance_or_quarantine_the_rules_stop_the_run():
    with pytest.raises(DataError) as e:
        _load({"data": {"bad_rows": "stop", "clock_skew_s": 0}})
    text = str(e.value)
    assert "answer in span" in text and "line 4" in text          # the skewed answer, not repaired
    assert "handled has agent" in text and "line 7" in text       # the answer without an agent




def test_a_skew_beyond_the_tolerance_is_quarantined_under_its_rule():
    t, _ = _load({"data": {"clock_skew_s": 0.5}})
    assert t.repairs().empty
    assert sorted(t.quarantined().rule) == ["answer_in_span", "handled_has_agent"]
    assert sorted(t.interactions.contact_id) == ["1", "2", "5"]


def test_a_failing_expression_names_table_column_expression_and_duckdb_message(tmp_path):
    with pytest.raises(DataError) as e:
        _load({"data": {"sources": {"interactions": {"columns": {"talk_s": "CAST(outcome AS DOUBLE)"}}}}})
    text = str(e.value)
    assert "interactions" in text and "talk_s" in text and "CAST(outcome AS DOUBLE)" in text
    assert "Could not convert string 'AGENT'" in text


def test_columns_supplied_says_found_mapped_derived_lacking():
    t, prm = _load()
    c = columns_supplied(t, prm.data).set_index(["table", "column"]).status
    assert c["interactions", "contact_id"] == "mapped"
    assert c["interactions", "arrival_ts"] == "derived"
    assert c["interactions", "resolved"] == "lacking"
    assert c["agents", "agent_id"] == "derived" and c["agents", "hire_date"] == "lacking"
    assert c["qa_evaluations", "evaluation_id"] == "not supplied"


@pytest.mark.parametrize("vendor", ["amazon_connect", "genesys_cloud", "cisco_ucce", "nice_cxone"])
def test_each_vendor_profile_loads_its_export_by_name(vendor):
    prm = load_params(overrides={"data": {"profile": vendor, "bad_rows": "quarantine"}})
    t = ccnb.data.load(VENDORS / vendor, month="2026-03", timezone=prm.center.timezone, sources=prm.data, cache=False)
    # each fixture holds one answered row without an agent (a dirty row real exports have)
    assert t.quarantine_counts().to_dict("records") == [{"table": "interactions", "rule": "handled_has_agent", "rows": 1}]
    assert len(t.interactions) >= 19 and t.derived == {"agents"}
