"""The sample generator on a small centre: contract, determinism, completion, realism.

One generated data set (October-November 2025, two thirds of the natural centre's size:
National Day and 11.11 inside) serves the contract and realism checks; two tiny
one-month runs check determinism and ``only_missing``.
"""
from __future__ import annotations

import filecmp
import shutil

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.stats import skew, spearmanr

from ccnb.catalog.contract import TABLES
from ccnb.core import config
from ccnb.sample import PARTITIONED, write_sample

SEED = 4242
CONTACTS = 200_000
ARROW = {"string": "string", "int": "int64", "float": "double", "bool": "bool", "date": "date32[day]",
         "timestamp": "timestamp[us]"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "CACHE_DIR", tmp_path_factory.mktemp("ccnb-cache"))
        yield


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    lines: list[str] = []
    manifest = write_sample(out, seed=SEED, months="2025-10..2025-11", contacts=CONTACTS, progress=lines.append)
    return out, manifest, lines


def _files(root, name):
    return sorted((root / name).glob("*.parquet")) if name in PARTITIONED else [root / f"{name}.parquet"]


@pytest.fixture(scope="module")
def db(small):
    root = small[0]
    con = duckdb.connect()
    for name in TABLES:
        files = ", ".join(f"'{f}'" for f in _files(root, name))
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{files}])")
    return con


def one(con, sql):
    return con.execute(sql).fetchall()[0][0]


# ----------------------------------------------------------------------------- contract
def test_files_and_manifest(small):
    root, m, lines = small
    assert m["months"] == ["2025-10", "2025-11"] and m["seed"] == SEED
    for name in PARTITIONED:
        assert [f.name for f in _files(root, name)] == ["2025-10.parquet", "2025-11.parquet"]
    on_disk = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))
    assert on_disk == [f["path"] for f in m["files"]]
    for f in m["files"]:
        assert pq.read_metadata(root / f["path"]).num_rows == f["rows"]
    assert abs(m["rows"]["interactions"] / CONTACTS - 1) < 0.05  # the target is met within 5 %
    assert any("2025-11" in ln and "service level" in ln for ln in lines)


def test_columns_and_types_are_the_contracts(small):
    root, m, _ = small
    items = m["qa_items"]
    assert items == ["greeting", "understanding", "accuracy", "empathy", "compliance", "closing"]
    for name, t in TABLES.items():
        want = [(c.name, ARROW[c.type]) for c in t.columns]
        if t.extra_prefix:
            want += [(f"{t.extra_prefix}{k}", ARROW[t.extra_type]) for k in items]
        for f in _files(root, name):
            schema = pq.read_schema(f)
            assert [(x.name, str(x.type)) for x in schema] == want, f
            assert b"pandas" not in (schema.metadata or {})


def test_values_keys_rules_and_foreign_keys(db):
    for name, t in TABLES.items():
        for c in t.columns:
            if not c.nullable:
                assert one(db, f"SELECT count(*) FROM {name} WHERE {c.name} IS NULL") == 0, (name, c.name)
            if c.allowed:
                vals = {r[0] for r in db.execute(f"SELECT DISTINCT {c.name} FROM {name}").fetchall()} - {None}
                assert vals <= set(c.allowed), (name, c.name, vals)
            if c.min is not None:
                assert one(db, f"SELECT count(*) FROM {name} WHERE {c.name} < {c.min}") == 0, (name, c.name)
            if c.max is not None:
                assert one(db, f"SELECT count(*) FROM {name} WHERE {c.name} > {c.max}") == 0, (name, c.name)
        key = ", ".join(t.key)
        assert one(db, f"SELECT count(*) - count(DISTINCT ({key})) FROM {name}") == 0, name
        for r in t.rules:
            assert one(db, f"SELECT count(*) FROM {name} WHERE NOT coalesce({r.sql}, true)") == 0, (name, r.name)
        for fk in t.foreign_keys:
            bad = one(db, f"SELECT count(*) FROM {name} WHERE {fk.column} IS NOT NULL AND {fk.column} NOT IN "
                          f"(SELECT {fk.ref_column} FROM {fk.table})")
            assert bad == 0, (name, fk)


def test_the_data_layer_loads_it(small, cache):
    import ccnb.data

    root, m, _ = small
    tables = ccnb.data.load(root)
    assert tables.counts() == m["rows"]
    oct_ = ccnb.data.load(root, month="2025-10")
    assert oct_.counts()["interactions"] == next(f["rows"] for f in m["files"]
                                                 if f["path"] == "interactions/2025-10.parquet")


def test_calendar_covers_the_period_and_two_more_months(db):
    lo, hi = db.execute("SELECT min(date), max(date) FROM calendar").fetchall()[0]
    assert str(lo) <= "2025-10-01" and str(hi) >= "2026-01-01"
    kinds = {r[0] for r in db.execute("SELECT DISTINCT kind FROM calendar").fetchall()}
    assert {"holiday", "workday", "promotion", "billing"} <= kinds
    assert one(db, "SELECT count(*) FROM calendar WHERE name = 'Singles Day 11.11'") == 1
    assert one(db, "SELECT count(*) FROM calendar WHERE date = '2026-01-01' AND kind = 'holiday'") == 1


# ----------------------------------------------------------------------------- determinism
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    a, b = tmp_path_factory.mktemp("tiny-a"), tmp_path_factory.mktemp("tiny-b")
    write_sample(a, seed=7, months="2026-10", contacts=20_000)
    write_sample(b, seed=7, months="2026-10", contacts=20_000)
    return a, b


def test_same_seed_same_bytes(tiny):
    a, b = tiny
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) == 9  # 4 monthly tables x 1 month, 4 whole tables, the manifest
    assert sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) == files
    match, mismatch, errors = filecmp.cmpfiles(a, b, [str(f) for f in files], shallow=False)
    assert not mismatch and not errors


def test_another_seed_other_data(tiny, tmp_path):
    write_sample(tmp_path, seed=8, months="2026-10", contacts=20_000)
    assert (tmp_path / "interactions/2026-10.parquet").read_bytes() != (tiny[0] / "interactions/2026-10.parquet").read_bytes()


def test_only_missing_completes_identically_and_keeps_existing_files(tiny, tmp_path):
    a, _ = tiny
    dst = tmp_path / "fill"
    shutil.copytree(a, dst)
    for rel in ("interactions/2026-10.parquet", "customers.parquet", "MANIFEST.json"):
        (dst / rel).unlink()
    (dst / "agents.parquet").write_bytes(b"local edit")  # an existing file is never overwritten
    m = write_sample(dst, seed=7, months="2026-10", contacts=20_000, only_missing=True)
    assert sorted(m["written"]) == ["MANIFEST.json", "customers.parquet", "interactions/2026-10.parquet"]
    for rel in ("interactions/2026-10.parquet", "customers.parquet", "MANIFEST.json"):
        assert (dst / rel).read_bytes() == (a / rel).read_bytes(), rel
    assert (dst / "agents.parquet").read_bytes() == b"local edit"
    with pytest.raises(ValueError, match="other settings"):
        write_sample(dst, seed=8, months="2026-10", contacts=20_000, only_missing=True)


# ----------------------------------------------------------------------------- realism
NORMAL = "arrival_ts::date NOT IN (SELECT date FROM calendar WHERE kind IN ('holiday', 'promotion', 'workday'))"


def test_intraday_double_peak(db):
    hourly = dict(db.execute(f"""SELECT hour(arrival_ts), count(*) FROM interactions
        WHERE direction = 'inbound' AND dayofweek(arrival_ts) BETWEEN 1 AND 5 AND {NORMAL} GROUP BY 1""").fetchall())
    h = np.array([hourly.get(i, 0) for i in range(24)])
    peaks = [i for i in range(1, 23) if h[i] > h[i - 1] and h[i] > h[i + 1] and h[i] > 0.5 * h.max()]
    assert len(peaks) == 2 and peaks[0] in (10, 11) and 14 <= peaks[1] <= 16, h
    assert h[12] < 0.7 * min(h[peaks[0]], h[peaks[1]])


def test_weekday_pattern_holidays_and_singles_day(db):
    days = db.execute(f"""SELECT arrival_ts::date d, dayofweek(arrival_ts::date) w, count(*) n,
        {NORMAL} normal FROM interactions GROUP BY ALL""").df()
    normal = days[days.normal]
    by_w = normal.groupby("w").n.mean()
    assert by_w[1] > 1.25 * by_w[6]           # Monday busier than Saturday
    assert by_w[1] == by_w.max()
    singles = days.set_index("d").n[np.datetime64("2025-11-11")]
    tuesday = normal[normal.w == 2].n.median()
    assert singles > 2 * tuesday
    national = days[(days.d >= np.datetime64("2025-10-01")) & (days.d <= np.datetime64("2025-10-08"))].n.mean()
    assert national < 0.7 * normal.n.mean()


def test_opening_hours_and_outbound(db):
    assert one(db, """SELECT count(*) FROM interactions WHERE queue IN ('billing', 'sales') AND direction = 'inbound'
        AND (hour(arrival_ts) < 8 OR hour(arrival_ts) >= 21)""") == 0
    assert one(db, "SELECT count(*) FROM interactions WHERE queue = 'chat' AND hour(arrival_ts) < 8") == 0
    for q in ("tech_support", "vip"):
        assert one(db, f"SELECT count(*) FROM interactions WHERE queue = '{q}' AND hour(arrival_ts) < 6") > 50
    out = db.execute("""SELECT count(*), max(wait_s), max(abandoned::int), min(queue), max(queue)
        FROM interactions WHERE direction = 'outbound'""").fetchall()[0]
    assert out[0] > 1000 and out[1] == 0 and out[2] == 0 and out[3] == out[4] == "sales"
    assert one(db, "SELECT DISTINCT channel FROM interactions WHERE queue = 'chat'") == "chat"


def test_service_level_and_abandonment_follow_staffing(db):
    sl, ab = db.execute("""SELECT avg((answer_ts IS NOT NULL AND wait_s <= 20)::int), avg(abandoned::int)
        FROM interactions WHERE direction = 'inbound' AND NOT self_served""").fetchall()[0]
    # a center of two thirds the natural size, from a fresh roster, over National Day and 11.11
    assert 0.65 < sl < 0.92 and 0.02 < ab < 0.12
    by_month = dict(db.execute("""SELECT strftime(arrival_ts, '%Y-%m'), avg((answer_ts IS NOT NULL
        AND wait_s <= 20)::int) FROM interactions WHERE direction = 'inbound' AND NOT self_served GROUP BY 1""").fetchall())
    assert by_month["2025-11"] < by_month["2025-10"]  # 11.11 busier than the planner expected
    # occupancy proxy per desk and 30 minutes: offered work (offered x the desk's AHT) per agent answering
    # (agents are pooled across the queues of their desk: voice, chat; a chat agent holds two chats)
    iv = db.execute("""WITH i AS (SELECT *, channel AS desk FROM interactions WHERE direction = 'inbound'
            AND NOT self_served),
        a AS (SELECT desk, avg(talk_s + hold_s + acw_s) aht FROM i WHERE agent_id IS NOT NULL GROUP BY 1)
        SELECT desk, time_bucket(INTERVAL 30 MINUTE, arrival_ts) iv, avg(abandoned::int) ab,
            count(*) * any_value(a.aht) / (count(DISTINCT agent_id) * any_value(CASE desk WHEN 'chat' THEN 2
            ELSE 1 END) * 1800.0) occ
        FROM i JOIN a USING (desk) GROUP BY ALL HAVING count(*) >= 10 AND count(DISTINCT agent_id) > 0""").df()
    assert spearmanr(iv.occ, iv.ab).statistic > 0.35
    for q, g in iv.groupby("desk"):
        assert spearmanr(g.occ, g.ab).statistic > 0.4, q


def test_handling_times(db):
    h = db.execute("""SELECT queue, talk_s + hold_s + acw_s AS h FROM interactions
        WHERE agent_id IS NOT NULL AND direction = 'inbound'""").df()
    aht = h.groupby("queue").h.mean()
    assert aht.between(170, 270).all(), aht
    assert 200 < h.h.mean() < 235  # a bit above the 200 s target
    assert skew(h.h) > 1 and abs(skew(np.log(h.h))) < 0.4  # lognormal-ish


def test_fcr_surveys_and_complaints(db):
    fcr = one(db, """WITH h AS (SELECT customer_id, reason, arrival_ts, resolved FROM interactions
        WHERE direction = 'inbound' AND agent_id IS NOT NULL AND customer_id IS NOT NULL
        AND arrival_ts < '2025-11-23')
        SELECT avg((coalesce(resolved, false) AND NOT EXISTS (SELECT 1 FROM interactions i
            WHERE i.customer_id = h.customer_id AND i.reason = h.reason AND i.arrival_ts > h.arrival_ts
            AND i.arrival_ts <= h.arrival_ts + INTERVAL 7 DAY))::int) FROM h""")
    assert 0.62 < fcr < 0.8
    rate = one(db, """SELECT count(*) / (SELECT count(*) FROM interactions WHERE agent_id IS NOT NULL
        AND direction = 'inbound' AND customer_id IS NOT NULL) FROM surveys""")
    assert 0.14 < rate < 0.20
    # CSAT follows resolution
    good, bad = db.execute("""SELECT avg(csat) FILTER (WHERE resolved), avg(csat) FILTER (WHERE NOT resolved)
        FROM surveys JOIN interactions USING (contact_id)""").fetchall()[0]
    assert good > bad + 0.5
    assert one(db, "SELECT count(*) FROM surveys WHERE csat IS NULL OR nps IS NULL OR ces IS NULL") > 0
    res, no_contact = db.execute("""SELECT avg((resolved_ts IS NOT NULL)::int), avg((contact_id IS NULL)::int)
        FROM complaints""").fetchall()[0]
    assert 0.85 < res < 0.99 and 0.03 < no_contact < 0.2
    # complaints come from bad experiences
    from_unresolved = one(db, """SELECT avg((NOT i.resolved)::int) FROM complaints c JOIN interactions i
        USING (contact_id) WHERE i.agent_id IS NOT NULL""")
    base = one(db, "SELECT avg((NOT resolved)::int) FROM interactions WHERE agent_id IS NOT NULL")
    assert from_unresolved > 2 * base


def test_qa_scores(db):
    per_week = one(db, """SELECT avg(n) FROM (SELECT agent_id, date_trunc('week', eval_date), count(*) n
        FROM qa_evaluations WHERE NOT calibration GROUP BY ALL)""")
    assert 3 <= per_week <= 10
    assert one(db, """SELECT max(abs(total_score - (item_greeting + item_understanding + item_accuracy + item_empathy
        + item_compliance + item_closing))) FROM qa_evaluations""") == 0
    assert one(db, """SELECT count(*) FROM qa_evaluations WHERE critical_fail
        <> (item_accuracy = 0 OR item_compliance = 0)""") == 0
    for item, mx in (("greeting", 10), ("understanding", 20), ("accuracy", 25), ("closing", 15)):
        assert one(db, f"SELECT max(item_{item}) FROM qa_evaluations") <= mx
    assert 0.005 < one(db, "SELECT avg(critical_fail::int) FROM qa_evaluations") < 0.08
    # calibration: several raters on one contact; QA04 scores below the others on most contacts
    cal = db.execute("""SELECT contact_id, evaluator_id, total_score FROM qa_evaluations WHERE calibration""").df()
    assert cal.groupby("contact_id").evaluator_id.nunique().min() >= 3
    with_harsh = cal[cal.contact_id.isin(cal[cal.evaluator_id == "QA04"].contact_id)]
    lower = [g.set_index("evaluator_id").total_score["QA04"] < g[g.evaluator_id != "QA04"].total_score.mean()
             for _, g in with_harsh.groupby("contact_id")]
    assert len(lower) >= 8 and np.mean(lower) > 0.75


def test_agent_days_add_up_to_the_contacts(db):
    diff = db.execute("""WITH c AS (SELECT agent_id, sum(talk_s) t, sum(hold_s) h, sum(acw_s) a
            FROM interactions WHERE agent_id IS NOT NULL AND channel = 'voice' GROUP BY 1),
        d AS (SELECT agent_id, sum(talk_s) t, sum(hold_s) h, sum(acw_s) a FROM agent_days GROUP BY 1)
        SELECT max(abs(c.t - d.t)), max(abs(c.h - d.h)), max(abs(c.a - d.a)), count(*) FROM c JOIN d USING (agent_id)
        JOIN agents USING (agent_id) WHERE agents.queue <> 'chat'""").fetchall()[0]
    assert diff[:3] == (0, 0, 0) and diff[3] > 20
    assert one(db, """SELECT max(talk_s + hold_s + acw_s + idle_s + break_s - logged_in_s) FROM agent_days""") <= 0
    assert one(db, "SELECT count(*) FROM agent_days WHERE NOT present AND (talk_s > 0 OR break_count > 0)") == 0
    att, occ, util, brk = db.execute("""SELECT avg(present::int),
        sum(talk_s + hold_s + acw_s) / sum(logged_in_s - break_s),
        sum(talk_s + hold_s + acw_s + idle_s) / sum(logged_in_s), avg(break_count) FILTER (WHERE logged_in_s > 0)
        FROM agent_days""").fetchall()[0]
    assert 0.9 < att < 0.98 and 0.62 < occ < 0.82 and 0.84 < util < 0.92 and 2.5 < brk < 4
    by_queue = dict(db.execute("""SELECT a.queue, sum(talk_s + hold_s + acw_s) / sum(logged_in_s - break_s)
        FROM agent_days d JOIN agents a USING (agent_id) GROUP BY 1""").fetchall())
    assert len(by_queue) == 5 and min(by_queue.values()) > 0.5, by_queue  # every desk's agents are busy
    # new hires train in a classroom first: present, not logged in
    assert one(db, """SELECT count(*) FROM agent_days d JOIN agents a USING (agent_id)
        WHERE d.date < a.hire_date + 14 AND d.logged_in_s > 0""") == 0
    assert one(db, """SELECT count(*) FROM agent_days d JOIN agents a USING (agent_id)
        WHERE d.date < a.hire_date + 14 AND d.present AND d.training_assigned > 0""") > 0
    assert 0.6 < one(db, "SELECT sum(training_completed) / sum(training_assigned) FROM agent_days") < 1


def test_roster(db):
    n, teams, sites = db.execute("""SELECT count(*), count(DISTINCT team), count(DISTINCT site) FROM agents
        WHERE leave_date IS NULL""").fetchall()[0]
    assert 35 <= n <= 90 and sites == 2
    assert one(db, "SELECT max(n) FROM (SELECT team, count(*) n FROM agents WHERE leave_date IS NULL GROUP BY 1)") <= 15
    assert one(db, "SELECT count(DISTINCT supervisor) = count(DISTINCT team) FROM agents")
    assert {r[0] for r in db.execute("SELECT DISTINCT shift FROM agents").fetchall()} == {"day", "night", "peak"}
    names = [r[0] for r in db.execute("SELECT agent_name FROM agents").fetchall()]
    assert all(2 <= len(x) <= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in x) for x in names)


def test_customers(db):
    n, segs = db.execute("SELECT count(*), count(DISTINCT segment) FROM customers").fetchall()[0]
    assert 50_000 < n < 120_000 and segs == 3
    assert one(db, """SELECT count(*) FROM interactions i JOIN customers c USING (customer_id)
        WHERE i.arrival_ts::date > c.churn_date OR i.arrival_ts::date < c.signup_date""") == 0
    assert one(db, "SELECT count(*) FROM customers WHERE signup_date >= '2025-10-01'") > 1000
    assert one(db, "SELECT min(signup_date) FROM customers") < np.datetime64("2020-01-01")
    assert one(db, "SELECT avg(phone IS NULL::int) FROM customers") < 0.1
    assert one(db, "SELECT avg(regexp_matches(phone, '^1[3-9][0-9]{9}$')::int) FROM customers") == 1
    vip, consumer = db.execute("""SELECT median(value) FILTER (WHERE segment = 'vip'),
        median(value) FILTER (WHERE segment = 'consumer') FROM customers""").fetchall()[0]
    assert vip > 10 * consumer
