"""The committed sample slice (data/sample) is what the seed regenerates; the whole period is realistic.

Regenerates the default sample (16 months, the natural centre, about 40 s) into a
temporary folder once, compares it with the committed files, and checks the
effects that need the whole period (occupancy and service level month by month,
attrition and its warning signs, churn, holidays, outages). Byte equality is required when the committed file was written
by the same pyarrow version (its ``created_by``); another pyarrow may encode pages
differently, and then the decoded tables must be equal.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from ccnb.core import config
from ccnb.sample import DEFAULT_MONTHS, PARTITIONED, WHOLE, write_sample

pytestmark = pytest.mark.slow

COMMITTED = [f"{t}.parquet" for t in WHOLE] + [f"{t}/{config.SAMPLE_MONTH}.parquet" for t in PARTITIONED]


@pytest.fixture(scope="module")
def regen(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-default")
    manifest = write_sample(out, seed=config.SAMPLE_SEED, months=DEFAULT_MONTHS)
    return out, manifest


@pytest.fixture(scope="module")
def db(regen):
    root = regen[0]
    con = duckdb.connect()
    for t in PARTITIONED:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{root}/{t}/*.parquet')")
    for t in WHOLE:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{root}/{t}.parquet')")
    return con


def one(con, sql):
    return con.execute(sql).fetchall()[0][0]


def test_the_slice_is_committed_and_small():
    missing = [f for f in COMMITTED if not (config.SAMPLE_DIR / f).is_file()]
    assert not missing, f"committed sample files missing: {missing}"
    sizes = {f: (config.SAMPLE_DIR / f).stat().st_size for f in COMMITTED}
    assert max(sizes.values()) < 3 * 2**20 and sum(sizes.values()) < 6 * 2**20, sizes
    ignore = (config.SAMPLE_DIR / ".gitignore").read_text()
    for f in COMMITTED:
        if "/" in f:
            assert f"!/{f}" in ignore
    assert (config.SAMPLE_DIR / "README.md").is_file()


def test_regenerating_reproduces_every_sample_file(regen):
    root, manifest = regen
    present = sorted(p.relative_to(config.SAMPLE_DIR).as_posix() for p in config.SAMPLE_DIR.rglob("*.parquet"))
    assert set(COMMITTED) <= set(present)
    entries = {f["path"]: f for f in manifest["files"]}
    for rel in present:
        mine, theirs = config.SAMPLE_DIR / rel, root / rel
        if pq.read_metadata(mine).created_by == pq.read_metadata(theirs).created_by:
            assert mine.read_bytes() == theirs.read_bytes(), rel
        else:  # another pyarrow wrote the committed file: same content, perhaps other bytes
            assert pq.read_table(mine).equals(pq.read_table(theirs)), rel
        assert pq.read_metadata(mine).num_rows == entries[rel]["rows"]


def test_the_data_layer_loads_the_report_month(regen, tmp_path):
    import ccnb.data

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "CACHE_DIR", tmp_path / "cache")
        t = ccnb.data.load(regen[0], month=config.SAMPLE_MONTH)
        assert t.counts()["interactions"] == regen[1]["rows"]["interactions"]


def test_agent_attrition_and_its_warning_signs(db):
    months = db.execute("""WITH m AS (SELECT DISTINCT date_trunc('month', date) m FROM agent_days)
        SELECT (SELECT count(*) FROM agents WHERE hire_date <= m AND (leave_date IS NULL OR leave_date >= m)),
               (SELECT count(*) FROM agents WHERE leave_date >= m AND leave_date < m + INTERVAL 1 MONTH)
        FROM m""").fetchall()
    head = np.array([h for h, _ in months])
    annual = sum(n for _, n in months) / head.mean() / len(months) * 12
    assert 0.2 < annual < 0.45, annual
    assert 60 <= head.min() and head.max() <= 120
    assert {r[0] for r in db.execute("SELECT DISTINCT leave_reason FROM agents WHERE leave_date IS NOT NULL")
            .fetchall()} == {"voluntary", "involuntary"}
    w = db.execute("""SELECT a.leave_date IS NOT NULL AND d.date >= a.leave_date - 42 AS last6w,
            avg(present::int) att, avg(break_count) FILTER (WHERE present) brk
        FROM agent_days d JOIN agents a USING (agent_id)
        WHERE a.leave_date IS NOT NULL OR d.date < '2026-09-01' GROUP BY 1""").df().set_index("last6w")
    assert w.att[True] < w.att[False] - 0.03 and w.brk[True] > w.brk[False] + 0.15
    qa = db.execute("""SELECT a.leave_date IS NOT NULL AND e.eval_date >= a.leave_date - 42 AS last6w,
        avg(total_score) s FROM qa_evaluations e JOIN agents a USING (agent_id) GROUP BY 1""").df().set_index("last6w")
    assert qa.s[True] < qa.s[False] - 8
    hot = db.execute("""WITH d AS (SELECT d.date, a.queue, a.shift, a.leave_date,
            (talk_s + hold_s + acw_s) / (logged_in_s - break_s) occ FROM agent_days d JOIN agents a USING (agent_id)
            WHERE present AND logged_in_s > break_s),
        q AS (SELECT queue, shift, date, avg(occ) m FROM d GROUP BY ALL)
        SELECT avg(occ - m) FILTER (WHERE leave_date IS NOT NULL AND date >= leave_date - 100),
               avg(occ - m) FILTER (WHERE leave_date IS NULL) FROM d JOIN q USING (queue, shift, date)""").fetchall()[0]
    assert hot[0] > hot[1] + 0.01  # leavers ran hotter than their colleagues (same queue and shift, same day)


def test_agents_are_busy_as_in_a_healthy_center_and_service_holds(db):
    """Occupancy in the healthy band every month (pooled multi-skilled desks, a planner staffing the day
    for 80/20 by Erlang A, blended outbound), utilization about 90 %, and the 80/20 service level kept
    most months, 11.11 dipping below."""
    m = db.execute("""SELECT strftime(date, '%Y-%m') m, sum(talk_s + hold_s + acw_s) / sum(logged_in_s - break_s) occ,
        sum(talk_s + hold_s + acw_s + idle_s) / sum(logged_in_s) util FROM agent_days GROUP BY 1""").df()
    s = db.execute("""SELECT strftime(arrival_ts, '%Y-%m') m, avg((answer_ts IS NOT NULL AND wait_s <= 20)::int) sl,
        avg(abandoned::int) ab FROM interactions WHERE direction = 'inbound' AND NOT self_served GROUP BY 1""").df()
    d = m.merge(s).set_index("m")
    assert len(d) == 16
    assert d.occ.between(0.70, 0.82).all() and d.occ.mean() > 0.72, d.occ
    assert d.util.between(0.85, 0.92).all(), d.util
    assert d.sl.between(0.74, 0.86).sum() >= 13 and 0.76 < d.sl.median() < 0.84, d.sl
    assert d.sl["2025-11"] == d.sl.min()  # 11.11: busier than the planner expected
    assert d.ab.between(0.03, 0.09).all(), d.ab
    q = dict(db.execute("""SELECT a.queue || CASE WHEN a.shift = 'night' THEN ' night' ELSE '' END,
        sum(talk_s + hold_s + acw_s) / sum(logged_in_s - break_s) FROM agent_days d JOIN agents a USING (agent_id)
        GROUP BY 1""").fetchall())
    assert min(v for k, v in q.items() if k != "tech_support night") > 0.65, q  # every queue's agents busy
    assert 0.2 < q["tech_support night"] < 0.5  # the night team: quiet hours, but not idle


def test_new_hires_are_slower(db):
    new, old = db.execute("""SELECT avg(talk_s + hold_s + acw_s) FILTER (WHERE i.arrival_ts::date < a.hire_date + 30),
            avg(talk_s + hold_s + acw_s) FILTER (WHERE i.arrival_ts::date >= a.hire_date + 365)
        FROM interactions i JOIN agents a USING (agent_id) WHERE i.direction = 'inbound'""").fetchall()[0]
    assert new > 1.15 * old


def test_customer_churn_follows_bad_experiences(db):
    rates = db.execute("""WITH m AS (SELECT DISTINCT date_trunc('month', arrival_ts)::date m FROM interactions)
        SELECT (SELECT count(*) FROM customers WHERE churn_date >= m AND churn_date < m + INTERVAL 1 MONTH)
             / (SELECT count(*) FROM customers WHERE signup_date < m AND (churn_date IS NULL OR churn_date >= m))
        FROM m""").fetchall()
    assert all(0.01 < r[0] < 0.04 for r in rates), rates
    open_c, none = db.execute("""SELECT
        avg((churn_date IS NOT NULL)::int) FILTER (WHERE customer_id IN
            (SELECT customer_id FROM complaints WHERE resolved_ts IS NULL)),
        avg((churn_date IS NOT NULL)::int) FILTER (WHERE customer_id NOT IN (SELECT customer_id FROM complaints))
        FROM customers""").fetchall()[0]
    assert open_c > 1.3 * none
    # churned customers stop contacting; some call to cancel on the day
    assert one(db, """SELECT count(*) FROM interactions i JOIN customers c USING (customer_id)
        WHERE i.arrival_ts::date > c.churn_date""") == 0
    assert one(db, """SELECT count(*) FROM interactions i JOIN customers c USING (customer_id)
        WHERE i.reason = 'cancellation' AND i.arrival_ts::date = c.churn_date""") > 1000


def test_holidays_and_outages_move_volume(db):
    daily = db.execute("""SELECT arrival_ts::date d, count(*) n FROM interactions GROUP BY 1 ORDER BY 1""").df().set_index("d").n
    sf = daily["2026-02-16":"2026-02-22"].mean()
    assert sf < 0.45 * daily["2026-03-09":"2026-03-13"].mean()
    assert daily[np.datetime64("2026-02-24")] > 1.2 * daily["2026-03-09":"2026-03-13"].mean()  # back to work
    outages = db.execute("SELECT date FROM calendar WHERE kind = 'outage'").fetchall()
    assert len(outages) >= 3
    # an outage lasts a few hours: some hour of the day carries 2x+ the usual tech_support volume of that hour
    tech = db.execute("""SELECT arrival_ts::date d, dayofweek(arrival_ts) w, hour(arrival_ts) h, count(*) n
        FROM interactions WHERE queue = 'tech_support' GROUP BY ALL""").df()
    usual = tech.groupby(["w", "h"]).n.median()
    for (day,) in outages:
        that = tech[tech.d == np.datetime64(day)]
        ratio = (that.set_index(["w", "h"]).n / usual).dropna()
        assert ratio[ratio.index.get_level_values("h") >= 7].max() > 2, day
