"""Mapping centers' own exports onto the contract (ccnb.data.sources, ccnb.params.sources).

Vendor fixtures (tests/data/vendors/<profile>/) are hand-made in each vendor's own format; the
expected values below are worked out by hand from their rows (the center is in Asia/Shanghai,
UTC+8, no daylight saving). The typed values come from the contract validator
(``ccnb.data.validate``), the path the loader takes, so these tests also show that a mapped
view is what the validator expects of a raw table.
"""
from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pydantic
import pytest

from ccnb.catalog.contract import TABLES
from ccnb.data.errors import DataError
from ccnb.data.sources import PROFILES_DIR, check_mapped, install_macros, load_profile, map_source, resolve_sources
from ccnb.data.validate import TableBuilder
from ccnb.params.sources import DataSources, Source

VENDORS = Path(__file__).resolve().parents[1] / "data" / "vendors"
TZ = "Asia/Shanghai"
T = pd.Timestamp


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def typed(con, m, tmp_path) -> tuple[pd.DataFrame, list]:
    """The mapped view typed and checked by the contract validator: (rows by _row, problems)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw_{m.table} AS SELECT * FROM {m.view}")
    b = TableBuilder(con, TABLES[m.table], TZ, tmp_path)
    b.files = m.files
    assert b.convert(f"raw_{m.table}", m.table), [str(p) for p in b.problems]
    b.check_values(m.table)
    df = con.sql(f"SELECT * FROM {m.table} ORDER BY _row").df().set_index("_row")
    return df, b.problems


def rule_rows(problems, rule: str) -> list[int]:
    return [r for p in problems if f"rule '{rule}'" in p.found for r in p.rows]


def map_profile(con, name: str, tmp_path):
    src = resolve_sources(DataSources(profile=name))["interactions"]
    return map_source(con, VENDORS / name, "interactions", src, timezone=TZ, workdir=tmp_path / "work")


# ----------------------------------------------------------------------------- vendor profiles
def test_shipped_profiles_are_the_four_documented_ones():
    assert sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")) == ["amazon_connect", "cisco_ucce", "genesys_cloud",
                                                                   "nice_cxone"]
    for p in PROFILES_DIR.glob("*.yaml"):
        head = p.read_text(encoding="utf-8").split("sources:")[0]
        assert "https://" in head, f"{p.name} cites no vendor documentation"
        assert "lacks" in head, f"{p.name} does not say what the export lacks"


def test_amazon_connect_ctr(con, tmp_path):
    m = map_profile(con, "amazon_connect", tmp_path)
    assert check_mapped(con, m) == 21  # 22 records, the TASK one filtered out by the profile's where
    assert m.lacking == ["reason", "resolved", "converted"]
    df, problems = typed(con, m, tmp_path)
    assert 9 not in df.index  # line 9 is the TASK
    r = df.loc[2]  # answered call: enqueue 01:15:03Z, agent 01:15:21Z, disconnect 01:19:56Z
    assert (r.contact_id, r.channel, r.direction, r.queue, r.agent_id) == (
        "7c1e2a40-0001-4b6e-9f00-000000000001", "voice", "inbound", "billing", "li.wei")
    assert (r.arrival_ts, r.answer_ts, r.end_ts) == (T("2026-03-02 09:15:03"), T("2026-03-02 09:15:21"),
                                                     T("2026-03-02 09:19:56"))
    assert (r.wait_s, r.talk_s, r.hold_s, r.acw_s) == (18, 245, 30, 42)
    assert not r.abandoned and not r.self_served and not r.transferred
    a = df.loc[3]  # abandoned after 55 s in queue
    assert a.abandoned and pd.isna(a.answer_ts) and pd.isna(a.agent_id) and a.wait_s == 55 and a.talk_s == 0
    assert df.loc[4].self_served and df.loc[4].queue == "ivr"          # ended in the flow
    assert df.loc[6].direction == "outbound" and df.loc[10].transferred
    mid = df.loc[8]  # 15:59:00Z -> 23:59:00 local, ends 16:05:40Z -> 00:05:40 the next day
    assert (mid.answer_ts, mid.end_ts) == (T("2026-03-02 23:59:00"), T("2026-03-03 00:05:40"))
    assert df.loc[12].channel == "email" and df.loc[12].wait_s == 3600
    # the dirty rows, as the validator sees them: the answer stamped 1 s before the enqueue, and
    # an answered contact whose agent name is empty
    assert rule_rows(problems, "answer in span") == [7]
    assert df.loc[7].answer_ts - df.loc[7].arrival_ts == pd.Timedelta(seconds=-1)
    assert rule_rows(problems, "handled has agent") == [11]


def test_genesys_cloud_conversation_details(con, tmp_path):
    m = map_profile(con, "genesys_cloud", tmp_path)
    assert check_mapped(con, m) == 20
    assert m.lacking == ["resolved", "converted"]
    df, problems = typed(con, m, tmp_path)
    r = df.loc[2]  # start 01:15:00.000Z + IVR 12.5 s; answered 8.25 s later; ms metrics
    assert (r.arrival_ts, r.answer_ts, r.end_ts) == (T("2026-03-02 09:15:12.500"), T("2026-03-02 09:15:20.750"),
                                                     T("2026-03-02 09:18:46.150"))
    assert (r.wait_s, r.talk_s, r.hold_s, r.acw_s, r.reason) == (8.25, 185.4, 20, 45, "billing_question")
    assert not r.abandoned
    a = df.loc[3]
    assert a.abandoned and a.wait_s == 35.5 and pd.isna(a.answer_ts) and a.arrival_ts == T("2026-03-02 09:30:20")
    ivr = df.loc[11]  # no queue: arrives at its start, not after its 95 s in the IVR
    assert ivr.self_served and ivr.arrival_ts == T("2026-03-02 15:30:00") and ivr.queue == "ivr"
    assert df.loc[8].channel == "chat" and df.loc[7].direction == "outbound" and df.loc[10].transferred
    assert df.loc[5].end_ts == T("2026-03-03 00:06:05")  # crosses midnight local time
    assert rule_rows(problems, "end after arrival") == [4]   # ended 1 s before it arrived
    assert rule_rows(problems, "handled has agent") == [6]   # answered, no user


def test_cisco_ucce_termination_call_detail(con, tmp_path):
    m = map_profile(con, "cisco_ucce", tmp_path)
    assert check_mapped(con, m) == 20
    df, problems = typed(con, m, tmp_path)
    r = df.loc[2]  # start 01:15:03 UTC; Delay 1 + LocalQ 17 + Ring 3; written 09:20:19 after 35 s wrap-up
    assert (r.arrival_ts, r.answer_ts, r.end_ts) == (T("2026-03-02 09:15:03"), T("2026-03-02 09:15:24"),
                                                     T("2026-03-02 09:19:44"))
    assert (r.wait_s, r.talk_s, r.hold_s, r.acw_s, r.agent_id, r.queue) == (21, 240, 20, 35, "1001", "skill_5010")
    assert df.loc[3].abandoned and pd.isna(df.loc[3].agent_id)           # CallDisposition 2
    assert df.loc[11].abandoned                                          # 3: abandoned ringing
    assert df.loc[7].transferred                                         # 28
    vru = df.loc[8]  # a VRU leg: no agent target, its 80 s TalkTime is IVR time
    assert vru.self_served and vru.talk_s == 0 and vru.queue == "ivr" and pd.isna(vru.reason)  # 'NULL' -> empty
    mid = df.loc[5]
    assert (mid.arrival_ts, mid.end_ts) == (T("2026-03-02 23:57:00"), T("2026-03-03 00:07:45"))
    assert rule_rows(problems, "end after arrival") == [4]
    assert rule_rows(problems, "handled has agent") == [6]


def test_nice_cxone_call_detail(con, tmp_path):
    m = map_profile(con, "nice_cxone", tmp_path)
    assert check_mapped(con, m) == 20
    assert m.lacking == ["transferred", "reason", "resolved", "converted"]
    df, problems = typed(con, m, tmp_path)
    r = df.loc[2]  # 03/02/2026 09:15:00, PreQueue 12, InQueue 18, Total_Time 290
    assert (r.arrival_ts, r.answer_ts, r.end_ts) == (T("2026-03-02 09:15:12"), T("2026-03-02 09:15:30"),
                                                     T("2026-03-02 09:19:50"))
    assert (r.wait_s, r.talk_s, r.hold_s, r.acw_s, r.agent_id, r.queue) == (18, 240, 20, 35, "2001", "Billing Inbound")
    assert df.loc[3].abandoned and df.loc[3].wait_s == 45
    assert df.loc[7].self_served and df.loc[8].channel == "chat" and df.loc[9].channel == "email"
    assert df.loc[9].customer_id == "customer308@example.com"
    assert df.loc[5].end_ts == T("2026-03-03 00:05:35")  # starts 23:58:20 on 03/02
    assert rule_rows(problems, "end after arrival") == [4]
    assert rule_rows(problems, "handled has agent") == [6]


# ----------------------------------------------------------------------------- mapping rules
def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


BANK = """呼叫编号,日期,排队开始,应答时间,结束时间,通话时长,结果,坐席,队列,备注
C001,2026-03-02,9:15:03,9:15:21,9:20:05,0:04:44,ANS,王芳,信用卡,ok
C002,2026-03-02,9:20:12,0:00:00,9:21:07,0:00:00,HANG,NO_SERVER,信用卡,
C003,2026-03-02,23:58:30,23:59:00,0:05:40,6:40,ANS,李伟,贷款,跨午夜
C004,2026-03-02,0:00:00,0:00:00,9:30:00,0:00:00,HANG,NO_SERVER,IVR,phantom
"""

BANK_COLUMNS = {
    "contact_id": "呼叫编号",
    "queue": "队列",
    "arrival_ts": "ccnb_ts(日期, 排队开始)",
    "answer_ts": "ccnb_after(ccnb_ts(日期, 应答时间), ccnb_ts(日期, 排队开始))",
    "end_ts": "ccnb_after(ccnb_ts(日期, 结束时间), ccnb_ts(日期, 排队开始))",
    "talk_s": "coalesce(ccnb_duration_s(通话时长), 0)",
    "agent_id": "坐席",
    # the recipe; with 0:00:00 read as empty the queue-start test is an IS NOT NULL
    "abandoned": "coalesce(结果 = 'HANG' AND 排队开始 IS NOT NULL, false)",
}


@pytest.mark.parametrize("encoding", ["auto", "gbk", "gb18030"])
def test_gbk_bank_export_with_null_values_and_recipes(con, tmp_path, encoding):
    _write(tmp_path / "data" / "acd_calls.csv", BANK, "gbk")
    src = Source(file="acd_*.csv", encoding=encoding, columns=BANK_COLUMNS,
                 null_values=["0:00:00", "NO_SERVER"], where="排队开始 IS NOT NULL")
    m = map_source(con, tmp_path / "data", "interactions", src, timezone=TZ, workdir=tmp_path / "work")
    assert check_mapped(con, m) == 3  # the phantom call (no queue start) is filtered out
    rows = con.sql(f"SELECT * FROM {m.view} ORDER BY _row").df().set_index("_row")
    assert list(rows.index) == [2, 3, 4] and set(rows._file) == {"acd_calls.csv"}
    assert rows.loc[2, "queue"] == "信用卡" and rows.loc[2, "agent_id"] == "王芳"
    assert rows.loc[2, "talk_s"] == 4 * 60 + 44 and rows.loc[4, "talk_s"] == 6 * 60 + 40  # H:MM:SS and MM:SS
    assert rows.loc[2, "answer_ts"] == T("2026-03-02 09:15:21")
    assert pd.isna(rows.loc[3, "agent_id"]) and pd.isna(rows.loc[3, "answer_ts"])  # NO_SERVER, 0:00:00 -> NULL
    assert rows.loc[3, "talk_s"] == 0 and rows.loc[3, "abandoned"] and not rows.loc[2, "abandoned"]
    # answer and end after midnight move to the next day; the arrival stays
    assert (rows.loc[4, "arrival_ts"], rows.loc[4, "answer_ts"], rows.loc[4, "end_ts"]) == (
        T("2026-03-02 23:58:30"), T("2026-03-02 23:59:00"), T("2026-03-03 00:05:40"))


def test_without_null_values_the_placeholders_stay_text(con, tmp_path):
    _write(tmp_path / "acd_calls.csv", BANK, "gbk")
    m = map_source(con, tmp_path, "interactions", Source(file="acd_calls.csv", columns={"agent_id": "坐席"}),
                   timezone=TZ, workdir=tmp_path / "w")
    assert con.sql(f"SELECT agent_id FROM {m.view} WHERE _row = 3").fetchall() == [("NO_SERVER",)]


def test_unmapped_source_columns_are_ignored_and_same_names_found(con, tmp_path):
    _write(tmp_path / "calls.csv", "contact_id,Queue Name,junk,备注,queue_extra\nA,billing,x,y,z\n")
    m = map_source(con, tmp_path, "interactions", Source(file="calls.csv", columns={"queue": "Queue Name"}),
                   timezone=TZ, workdir=tmp_path / "w")
    view_cols = [d[0] for d in con.execute(f"DESCRIBE {m.view}").fetchall()]
    assert view_cols == ["contact_id", "queue", "_file", "_row"]
    assert m.columns["contact_id"].status == "found" and m.columns["queue"].status == "mapped"
    assert "channel" in m.lacking and "junk" not in m.columns
    # a mapping that differs only in case still finds its column
    map_source(con, tmp_path, "interactions", Source(file="calls.csv", columns={"queue": "queue name"}),
                    timezone=TZ, workdir=tmp_path / "w", view="v2")
    assert con.sql("SELECT queue FROM v2").fetchall() == [("billing",)]


def _mapping_problem(excinfo):
    assert len(excinfo.value.problems) == 1
    return excinfo.value.problems[0], str(excinfo.value)


def test_a_bad_expression_names_table_column_expression_and_duckdb_message(con, tmp_path):
    _write(tmp_path / "calls.csv", "id,secs,outcome\nA,12,ANS\nB,n/a,HANG\n")
    with pytest.raises(DataError) as e:
        map_source(con, tmp_path, "interactions", Source(file="calls.csv", columns={"talk_s": "secnds * 1.0"}),
                   timezone=TZ, workdir=tmp_path / "w")
    p, msg = _mapping_problem(e)
    assert (p.table, p.column) == ("interactions", "talk_s")
    assert "'secnds * 1.0'" in msg and "Binder Error" in msg and '"secnds" not found' in msg
    # fails at run time (a value that does not convert): found by the scan, not the bind
    m = map_source(con, tmp_path, "interactions", Source(file="calls.csv", columns={"talk_s": "CAST(secs AS DOUBLE)"}),
                   timezone=TZ, workdir=tmp_path / "w")
    with pytest.raises(DataError) as e:
        check_mapped(con, m)
    p, msg = _mapping_problem(e)
    assert p.column == "talk_s" and "CAST(secs AS DOUBLE)" in msg and "Could not convert string 'n/a'" in msg


def test_a_bad_duration_names_the_value(con, tmp_path):
    _write(tmp_path / "calls.csv", "id,dur\nA,1:02:03\nB,about a minute\n")
    m = map_source(con, tmp_path, "interactions", Source(file="calls.csv", columns={"talk_s": "ccnb_duration_s(dur)"}),
                   timezone=TZ, workdir=tmp_path / "w")
    with pytest.raises(DataError) as e:
        check_mapped(con, m)
    p, msg = _mapping_problem(e)
    assert p.column == "talk_s" and "'about a minute' is not a duration" in msg


def test_type_filter_statement_and_name_errors(con, tmp_path):
    _write(tmp_path / "calls.csv", "id,q_start,outcome\nA,0:01:00,ANS\n")

    def err(**kw) -> str:
        with pytest.raises(DataError) as e:
            map_source(con, tmp_path, "interactions", Source(file="calls.csv", **kw), timezone=TZ,
                       workdir=tmp_path / "w")
        return str(e.value)

    msg = err(columns={"wait_s": "CAST(q_start AS INTERVAL)"})
    assert "column wait_s" in msg and "it gives INTERVAL" in msg and "ccnb_duration_s" in msg
    msg = err(columns={"abandoned": "outcome = 'HANG'"}, where="outcom = 'X'")
    assert "row filter where = \"outcom = 'X'\"" in msg and "Binder Error" in msg
    msg = err(columns={"queue": "outcome) FROM t; DROP TABLE x; SELECT (1"})
    assert "column queue" in msg and "more than one SQL statement" in msg
    con.execute("CREATE TABLE keep_me AS SELECT 1 AS x")
    msg = err(where="true); DROP TABLE keep_me; SELECT (1")
    assert "row filter" in msg and "more than one SQL statement" in msg
    assert con.execute("SELECT x FROM keep_me").fetchall() == [(1,)]  # nothing ran
    msg = err(columns={"queue_name": "outcome"})
    assert "column queue_name" in msg and "unknown contract column" in msg
    with pytest.raises(DataError) as e:
        map_source(con, tmp_path, "interactions", Source(file="exports/calls_*.csv"), timezone=TZ)
    assert "exports/calls_*.csv" in str(e.value) and "no file matches" in str(e.value)


def test_wrong_encoding_and_malformed_lines_name_the_file(con, tmp_path):
    _write(tmp_path / "g.csv", "id,队列\nA,信用卡\n", "gbk")
    with pytest.raises(DataError) as e:
        map_source(con, tmp_path, "interactions", Source(file="g.csv", encoding="utf-8"), timezone=TZ,
                   workdir=tmp_path / "w")
    p, msg = _mapping_problem(e)
    assert (p.table, p.file, p.rows) == ("interactions", "g.csv", [1]) and "does not decode as utf-8" in msg
    _write(tmp_path / "bad.csv", "id,a\nA,1\nB,2,3\nC,3\n")
    m = map_source(con, tmp_path, "interactions", Source(file="bad.csv", columns={"contact_id": "id"}), timezone=TZ,
                   workdir=tmp_path / "w")
    with pytest.raises(DataError) as e:
        check_mapped(con, m)
    p, msg = _mapping_problem(e)
    assert p.file == "bad.csv" and "CSV Error on Line: 3" in msg


# ----------------------------------------------------------------------------- formats
def test_parquet_keeps_its_types_and_row_numbers(con, tmp_path):
    pq.write_table(pa.table({"callId": ["P1", "P2"], "startEpochMs": [1772413503000, 1772413563500],
                             "talkMs": [65000, 0]}), tmp_path / "calls.parquet")
    src = Source(file="*.parquet", columns={"contact_id": "callId", "arrival_ts": "ccnb_epoch_ms(startEpochMs)",
                                            "talk_s": "talkMs / 1000.0"})
    m = map_source(con, tmp_path, "interactions", src, timezone=TZ, workdir=tmp_path / "w")
    got = con.sql(f"SELECT contact_id, arrival_ts, talk_s, _row FROM {m.view} ORDER BY _row").fetchall()
    local = [dt.datetime.fromtimestamp(ms / 1000, ZoneInfo(TZ)).replace(tzinfo=None) for ms in (1772413503000, 1772413563500)]
    assert got == [("P1", local[0], 65.0, 1), ("P2", local[1], 0.0, 2)]
    assert local[0] == dt.datetime(2026, 3, 2, 9, 5, 3)


def test_xlsx_is_streamed_with_excel_row_numbers(con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calls"
    other = wb.create_sheet("Notes")
    other.append(["ignore me"])
    ws.append(["Call ID", "Start", "Talk", "Waited (s)", "Agent"])
    ws.append(["X1", dt.datetime(2026, 3, 2, 9, 15, 3), dt.timedelta(minutes=4, seconds=44), 18.0, "A01"])
    ws.append([None, None, None, None, None])  # a blank row left by formatting
    ws.append(["X2", dt.datetime(2026, 3, 2, 10, 0), dt.timedelta(hours=1, seconds=5), 7.5, None])
    wb.save(tmp_path / "wfm.xlsx")
    src = Source(file="wfm.xlsx", sheet="Calls", columns={
        "contact_id": "Call ID", "arrival_ts": "CAST(Start AS TIMESTAMP)", "talk_s": "ccnb_duration_s(Talk)",
        "wait_s": "CAST(\"Waited (s)\" AS DOUBLE)", "agent_id": "Agent"})
    m = map_source(con, tmp_path, "interactions", src, timezone=TZ, workdir=tmp_path / "w")
    assert check_mapped(con, m) == 2
    got = con.sql(f"SELECT contact_id, arrival_ts, talk_s, wait_s, agent_id, _row FROM {m.view} ORDER BY _row").fetchall()
    assert got == [("X1", dt.datetime(2026, 3, 2, 9, 15, 3), 284.0, 18.0, "A01", 2),
                   ("X2", dt.datetime(2026, 3, 2, 10, 0), 3605.0, 7.5, None, 4)]
    with pytest.raises(DataError, match="sheet not found"):
        map_source(con, tmp_path, "interactions", Source(file="wfm.xlsx", sheet="Sheet9"), timezone=TZ,
                   workdir=tmp_path / "w")


def test_a_glob_unions_files_by_column_name(con, tmp_path):
    _write(tmp_path / "m" / "calls_2026-02.csv", "id,agent\nF1,a1\n")
    _write(tmp_path / "m" / "calls_2026-03.csv", "agent;id;extra\na2;M1;x\na3;M2;y\n")  # other order and separator
    (tmp_path / "m" / "calls_2026-04.csv.gz").write_bytes(gzip.compress("id,agent\nA1,坐席7\n".encode("gbk")))
    m = map_source(con, tmp_path, "interactions", Source(file="m/calls_*", columns={"contact_id": "id",
                                                                                   "agent_id": "agent"}),
                   timezone=TZ, workdir=tmp_path / "w")
    got = con.sql(f"SELECT _file, _row, contact_id, agent_id FROM {m.view} ORDER BY _file, _row").fetchall()
    assert got == [("m/calls_2026-02.csv", 2, "F1", "a1"), ("m/calls_2026-03.csv", 2, "M1", "a2"),
                   ("m/calls_2026-03.csv", 3, "M2", "a3"), ("m/calls_2026-04.csv.gz", 2, "A1", "坐席7")]


# ----------------------------------------------------------------------------- macros
def test_macros_against_independent_computations(con):
    install_macros(con, TZ)
    durations = ["1:02:03", "02:03", "45", "0:00:07.5", "12:00:00", " 3:05 ", "75:30", "100:00:00"]
    got = [con.execute("SELECT ccnb_duration_s(?)", [d]).fetchone()[0] for d in durations]
    assert got == [3723, 123, 45, 7.5, 43200, 185, 4530, 360000]
    for bad in ("1:75:00", "1::00", "-1:00", "1:02:03:04", "n/a"):
        with pytest.raises(duckdb.InvalidInputException, match=f"'{bad}' is not a duration"):
            con.execute("SELECT ccnb_duration_s(?)", [bad]).fetchall()
    assert con.execute("SELECT ccnb_duration_s(''), ccnb_duration_s(NULL), ccnb_duration_s(90)").fetchone() == (None, None, 90)
    epoch = 1772413503
    local = dt.datetime.fromtimestamp(epoch, ZoneInfo(TZ)).replace(tzinfo=None)
    assert con.execute("SELECT ccnb_epoch_s(?), ccnb_epoch_ms(?)", [epoch, epoch * 1000 + 250]).fetchone() == (
        local, local + dt.timedelta(milliseconds=250))
    assert con.execute("SELECT ccnb_utc('2026-03-02 16:30:00'), ccnb_local('2026-03-02T17:15:03+01:00')").fetchone() == (
        dt.datetime(2026, 3, 3, 0, 30), dt.datetime(2026, 3, 3, 0, 15, 3))
    assert con.execute("SELECT ccnb_ts('2026-03-02', '7:05:09')").fetchone()[0] == dt.datetime(2026, 3, 2, 7, 5, 9)
    after = "SELECT ccnb_after(ccnb_ts('2026-03-02', ?), ccnb_ts('2026-03-02', '23:58:30'))"
    assert con.execute(after, ["0:05:40"]).fetchone()[0] == dt.datetime(2026, 3, 3, 0, 5, 40)
    assert con.execute(after, ["23:58:29"]).fetchone()[0] == dt.datetime(2026, 3, 2, 23, 58, 29)  # a skew stays


# ----------------------------------------------------------------------------- params and profiles
def test_profile_merge_center_over_profile(tmp_path):
    data = DataSources(profile="amazon_connect", sources={
        "interactions": Source(file="exports/*.csv", columns={"reason": '"Attributes.reason"', "customer_id": None}),
        "agents": Source(file="roster.xlsx", columns={"agent_id": "Login"})})
    merged = resolve_sources(data)
    inter = merged["interactions"]
    assert inter.file == "exports/*.csv"
    assert inter.where == load_profile("amazon_connect").sources["interactions"].where  # kept from the profile
    assert inter.columns["reason"] == '"Attributes.reason"' and inter.columns["customer_id"] is None
    assert inter.columns["contact_id"] == "ContactId"
    assert merged["agents"].file == "roster.xlsx"
    # a removed mapping is lacking, even though the profile had one
    _write(tmp_path / "exports" / "a.csv", "ContactId,CustomerEndpoint.Address\nc1,+86\n")
    con = duckdb.connect()
    small = Source(file="exports/a.csv", columns={"contact_id": "ContactId", "customer_id": None})
    m = map_source(con, tmp_path, "interactions", small, timezone=TZ, workdir=tmp_path / "w")
    assert "customer_id" in m.lacking


def test_params_models_reject_bad_shapes():
    with pytest.raises(DataError, match="unknown data.profile 'avaya_cms'"):
        resolve_sources(DataSources(profile="avaya_cms"))
    for bad in ({"sources": {"interactions": {"columns": {"contact_id": "x"}}}},             # no file, no profile
                {"sources": {"Interactions": {"file": "a.csv"}}},                            # table name
                {"sources": {"interactions": {"file": "a.csv", "columns": {"Talk S": "x"}}}},  # column name
                {"sources": {"interactions": {"file": "a.csv", "columns": {"talk_s": " "}}}},  # empty expression
                {"sources": {"interactions": {"file": "a.csv", "encoding": "latin-1"}}},
                {"sources": {"interactions": {"file": "a.csv", "delimiter": ",,"}}},
                {"bad_rows": "drop"}, {"clock_skew_s": -1}, {"profile": "../etc"}):
        with pytest.raises(pydantic.ValidationError):
            DataSources.model_validate(bad)
    ok = DataSources.model_validate({"profile": "cisco_ucce", "bad_rows": "quarantine", "clock_skew_s": 2})
    assert ok.sources == {} and ok.bad_rows == "quarantine"
