"""DuckDB connections configured for ccnb: memory and threads from the engine settings, spilling to disk.

Every ccnb connection is capped by ``engine.duckdb.memory_limit`` / ``threads`` of the validated
params (:func:`ccnb.engine.current`: ``$CCNB_DUCKDB_MEMORY_LIMIT`` / ``$CCNB_DUCKDB_THREADS``
first, which ``ccnb report`` sets for its notebook kernels); beyond the cap DuckDB spills to the
data cache's ``spill/`` folder instead of growing: validating 10M contacts takes 7 GB uncapped,
2.3 GB with ``memory_limit: 2GB`` and is no slower (the default is 1GB: see README, Performance).

:data:`LOCK` serialises queries on one shared connection across threads (DuckDB's Python
connection is not safe to use from two threads at once).
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

import duckdb

from ccnb.core import config
from ccnb.engine.settings import configure_duckdb, current

#: Held while a query runs on a shared connection (``Tables.sql``, Spark's staging export).
LOCK = threading.Lock()

_UNITS = {"": 1, "bytes": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def connect(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection configured for ccnb: no progress bar (it would print into notebooks),
    DuckDB's memory and threads capped as the engine settings say, in-memory ones spilling to the cache."""
    con = duckdb.connect(database)
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        # Inside a Jupyter kernel DuckDB refuses to touch the setting without ipywidgets,
        # and then shows no progress bar anyway.
        pass
    s = current()
    if s.duckdb_memory_limit or s.duckdb_threads:
        configure_duckdb(con, s.duckdb_memory_limit, s.duckdb_threads)
        if database == ":memory:":
            spill = Path(config.CACHE_DIR) / "spill"
            spill.mkdir(parents=True, exist_ok=True)
            con.execute(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")
    return con


def release_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Hand DuckDB's cached blocks back to the operating system, keeping the connection's limit.

    DuckDB keeps what a query read or built in its buffer pool, up to ``memory_limit``, until
    something needs the room; Python's allocations never ask, so after a heavy query a process
    can hold DuckDB's whole limit beside its own DataFrames. Lowering the limit evicts those blocks
    (back to disk or dropped: they are caches) and returns the memory; the configured limit
    (:func:`ccnb.engine.current`) is then set again. Costs milliseconds; the next query re-reads
    what it needs from the cache file. Call it between phases (e.g. after streaming a large
    result), not while a result is open.
    """
    mem = current().duckdb_memory_limit
    try:
        con.execute("SET memory_limit = '16MB'")
    except duckdb.Error:  # something is pinned above it: nothing to give back now
        pass
    finally:
        if mem:
            configure_duckdb(con, mem)
        else:
            con.execute("RESET memory_limit")


def memory_limit_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """The connection's current DuckDB ``memory_limit`` in bytes (DuckDB reports it as text, e.g. ``1.8 GiB``)."""
    text = con.execute("SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'").fetchone()[0]
    m = re.fullmatch(r"\s*([\d.]+)\s*([A-Za-z]*)\s*", str(text))
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"DuckDB reported an unreadable memory_limit: {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


__all__ = ["LOCK", "connect", "memory_limit_bytes", "release_memory"]
