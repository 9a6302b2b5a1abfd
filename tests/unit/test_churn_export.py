"""Masked references, the outreach list in CSV (UTF-8 BOM) and Excel, and what the report tables show."""
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ccnb.churn import export, views
from ccnb.data import Tables
from ccnb.params import load_params

KEY = b"test-key"


def test_mask_is_keyed_stable_and_does_not_show_the_id():
    ids = [f"CU{i:07d}" for i in range(20000)]
    masked = export.mask_ids(ids, KEY)
    assert all(re.fullmatch(r"C[A-Z2-7]{8}", m) for m in masked)
    assert masked.nunique() == len(ids)                       # 40 bits: no collision among 20,000
    assert export.mask_id("CU0000001", KEY) == masked[1]      # same key, same reference
    assert export.mask_id("CU0000001", b"other") != masked[1]  # another key, another reference
    assert not any(i[2:] in m or i in m for i, m in zip(ids[:200], masked[:200]))
    # without the key, hashing every possible id does not find it (what a salt in a public file would allow)
    import hashlib

    unkeyed = {hashlib.sha256(i.encode()).hexdigest()[:8].upper() for i in ids}
    assert not unkeyed & {m[1:] for m in masked}


def test_mask_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("CCNB_MASK_KEY", "s3cret")
    a = export.mask_id("CU1")
    monkeypatch.setenv("CCNB_MASK_KEY", "other")
    assert export.mask_id("CU1") != a
    monkeypatch.delenv("CCNB_MASK_KEY")


def test_mask_key_is_created_once_per_machine_and_kept_private(monkeypatch, tmp_path):
    """Without the variable, one secret per machine: the same references in every run."""
    from ccnb.core import config

    monkeypatch.delenv("CCNB_MASK_KEY", raising=False)
    monkeypatch.setattr(config, "SECRETS_DIR", tmp_path / "secrets")
    a = export.mask_id("CU1")
    key = tmp_path / "secrets" / "mask.key"
    assert key.exists() and (key.stat().st_mode & 0o777) == 0o600 and len(key.read_bytes()) == 32
    assert export.mask_id("CU1") == a == export.mask_id("CU1", key.read_bytes())
    key.write_bytes(b"x" * 32)  # another machine, another key: other references
    assert export.mask_id("CU1") != a


def flagged_frame():
    return pd.DataFrame({
        "customer_id": ["CU1", "CU2", "CU3"],
        "segment": ["consumer", "vip", "small_business"],
        "value": [35.5, 1500.0, np.nan],
        "value_tier": ["low", "high", "medium"],
        "score": [0.31, 0.12, 0.05],
        "band": ["high", "medium", "low"],
        "priority": [True, True, False],
        "reasons": ["=HYPERLINK(\"http://x\",\"click\")", "近 30 天放弃呼叫 3 次", "@SUM(1)"],
        "reason_codes": ["ABANDONS", "ABANDONS", "LOW_CSAT"],
        "last_contact_ts": pd.to_datetime(["2026-10-30 09:15", "2026-10-02 18:00", "2026-09-01 08:00"]),
        "days_since_contact": [1.6, 29.2, 60.7],
    })


@pytest.fixture()
def tables():
    cust = pd.DataFrame({"customer_id": ["CU1", "CU2", "CU3", "CU4"], "segment": "consumer", "value": 1.0,
                         "signup_date": pd.Timestamp("2024-01-01").date(), "churn_date": None,
                         "phone": ["+86 138 0000 0001", "13800000002", None, "13800000004"],
                         "email": ["a@example.com", None, "=cmd|' /C calc'!A0", "d@example.com"]})
    return Tables.from_frames({"customers": cust})


def test_outreach_files_open_in_a_spreadsheet(tmp_path, tables):
    out = export.outreach_table(flagged_frame(), tables, "zh", key=KEY)
    assert list(out.columns) == list(export.COLUMNS)
    assert list(out["customer_id"]) == ["CU1", "CU2", "CU3"] and list(out["rank"]) == [1, 2, 3]
    assert list(out["phone"][:2]) == ["+86 138 0000 0001", "13800000002"] and pd.isna(out["phone"][2])
    assert list(out["segment"]) == ["个人客户", "贵宾", "小微企业"]
    csv, xlsx = export.write_outreach(out, tmp_path / "restricted", "2026-10", "zh", cutoff="2026-11-01", days=30)
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                    # BOM: Excel reads the Chinese correctly
    back = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
    assert list(back.columns[:4]) == ["排名", "在外呼能力内", "客户编号", "报告编号"]
    assert back.loc[1, "原因"] == "近 30 天放弃呼叫 3 次"
    assert back.loc[0, "原因"].startswith("'=HYPERLINK")    # formula defused
    assert back.loc[2, "原因"] == "'@SUM(1)"
    assert back.loc[0, "电话"] == "+86 138 0000 0001"        # a phone number is not a formula
    assert back.loc[0, "流失概率 (%)"] == "31.0" and back.loc[0, "在外呼能力内"] == "是"
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.worksheets[0]
    assert ws.title == "挽留名单" and wb.sheetnames[1] == "说明"
    assert [c.value for c in ws[1]][:3] == ["排名", "在外呼能力内", "客户编号"]
    assert ws.cell(row=2, column=3).value == "CU1"
    score = ws.cell(row=2, column=list(export.COLUMNS).index("score") + 1)
    assert score.value == pytest.approx(0.31) and score.number_format == "0.0%"
    reason = ws.cell(row=2, column=list(export.COLUMNS).index("reasons") + 1)
    assert reason.value.startswith("=HYPERLINK") and reason.data_type == "s"  # text, never a formula
    email = ws.cell(row=4, column=list(export.COLUMNS).index("email") + 1)
    assert email.data_type == "s"
    last = ws.cell(row=2, column=list(export.COLUMNS).index("last_contact") + 1)
    assert last.value == pd.Timestamp("2026-10-30 09:15").to_pydatetime()
    assert "2026-10-31" in wb.worksheets[1]["A1"].value and ws.freeze_panes == "A2"  # data up to that day
    assert not list((tmp_path / "restricted").glob(".*"))  # no temporary files left


def test_report_examples_show_masked_references_only():
    params = load_params()
    ex = views.examples(flagged_frame(), params, "en", key=KEY)
    text = ex.to_string()
    assert "CU1" not in text and "CU2" not in text
    assert list(ex["Reference"]) == list(export.mask_ids(["CU1", "CU2", "CU3"], KEY))


def test_a_list_longer_than_excel_allows_is_cut_and_says_so(tmp_path, tables, monkeypatch):
    out = export.outreach_table(flagged_frame(), tables, "en", key=KEY)
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 3)  # a header and two rows
    csv, xlsx = export.write_outreach(out, tmp_path, "2026-10", "en", cutoff="2026-11-01", days=30)
    assert len(pd.read_csv(csv, encoding="utf-8-sig")) == 3
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.worksheets[0]
    assert ws.max_row == 3 and [ws.cell(row=r, column=3).value for r in (2, 3)] == ["CU1", "CU2"]
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(export.COLUMNS))}3"
    assert "the 2 highest-risk customers of 3" in wb.worksheets[1]["A1"].value
