"""ccnb.engine.connection.release_memory: DuckDB's cached blocks go back, the configured limit stays."""
from __future__ import annotations

from ccnb import engine
from ccnb.engine import connection
from ccnb.params import load_params


def _used(con) -> int:
    return int(con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0] or 0)


def _limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_release_memory_evicts_cached_blocks_and_keeps_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("CCNB_DUCKDB_MEMORY_LIMIT", "1GB")
    db = tmp_path / "t.duckdb"
    con = connection.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(6000000)")
    con.close()

    con = connection.connect(str(db))
    limit = _limit(con)
    assert con.execute("SELECT count(DISTINCT s), sum(i) FROM t").fetchone() == (6_000_000, 17_999_997_000_000)
    before = _used(con)
    assert before > 80 * 2**20           # the scan left the table's blocks in DuckDB's buffer pool
    connection.release_memory(con)
    assert _used(con) <= 16 * 2**20 < before / 5
    assert _limit(con) == limit           # 1GB again, not the 16MB used to evict
    # the data is still all there
    assert con.execute("SELECT count(*), max(i) FROM t").fetchone() == (6_000_000, 5_999_999)


def test_release_memory_without_a_configured_limit_resets_to_duckdbs_default(tmp_path, monkeypatch):
    monkeypatch.delenv("CCNB_DUCKDB_MEMORY_LIMIT", raising=False)
    engine.configure(load_params(overrides={"engine": {"duckdb": {"memory_limit": None}}}))
    try:
        con = connection.connect()
        default = _limit(con)
        connection.release_memory(con)
        assert _limit(con) == default
    finally:
        engine.configure(None)


def test_memory_limit_in_bytes_sizes_the_churn_parts(monkeypatch):
    import duckdb

    from ccnb.churn import stream

    con = duckdb.connect()
    for text, n in (("1GB", 10**9), ("750MB", 750 * 10**6), ("2GiB", 2 * 2**30)):
        con.execute(f"SET memory_limit = '{text}'")
        # DuckDB reports the limit rounded to 3-4 significant digits ("953.6 MiB")
        assert abs(connection.memory_limit_bytes(con) - n) < n * 1e-3, text
    con.execute("SET memory_limit = '1GB'")
    assert abs(stream.part_rows(con) - 500_000) < 500       # 2,000 bytes per customer
    con.execute("SET memory_limit = '16MB'")
    assert stream.part_rows(con) == 50_000                  # never smaller
    monkeypatch.setattr(stream, "PART_ROWS", 1234)
    assert stream.part_rows(con) == 1234
