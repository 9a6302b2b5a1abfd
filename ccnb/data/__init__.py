"""Loading a center's data: find the files, validate them against the contract, serve them.

>>> tables = ccnb.data.load("data/sample", month="2026-10")
>>> tables.interactions            # pandas DataFrame (whole table, up to the month's end)
>>> tables.sql("SELECT queue, count(*) AS n FROM interactions GROUP BY queue")

Validated tables are cached as a DuckDB file keyed by a fingerprint of the input
files (names, sizes, modification times), the contract and the time zone, so that
every notebook of a report run, and an analyst's re-run, pays for validation once.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ccnb.catalog import contract
from ccnb.catalog.as_of import as_of_sql
from ccnb.catalog.contract import LOAD_ORDER, TABLES
from ccnb.core import config
from ccnb.core.months import MonthError, parse_month
from ccnb.data.errors import DataError, Problem
from ccnb.data.read import SourceFile, discover
from ccnb.data.validate import build_all
from ccnb.engine.connection import LOCK, connect

__all__ = ["load", "Tables", "DataError", "Problem", "TABLES"]

_CACHE_KEEP = 6
def _month(month: str | pd.Period | None) -> pd.Period | None:
    """The report month (:func:`ccnb.core.months.parse_month`), reported like every other bad input: a DataError."""
    try:
        return None if month is None else parse_month(month)
    except MonthError:
        raise DataError(f"month {month!r} is not a calendar month; expected YYYY-MM, e.g. 2026-10") from None


def _contract_hash() -> str:
    src = inspect.getsource(contract) + inspect.getsource(__import__("ccnb.data.validate", fromlist=["x"]))
    return hashlib.sha256(src.encode()).hexdigest()[:16]


def _fingerprint(root: Path, found: dict[str, list[Path]], tz: str) -> str:
    h = hashlib.sha256()
    h.update(f"{_contract_hash()}|{tz}|{root.resolve()}".encode())
    for t in sorted(found):
        for p in found[t]:
            st = p.stat()
            h.update(f"|{t}|{p.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


class Tables:
    """Validated contract tables, served from DuckDB.

    Attributes named after the tables (``interactions``, ``agents``, ...) return
    pandas DataFrames; ``sql`` runs a query over the views; ``con`` is the DuckDB
    connection for code that keeps the work in the engine.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, *, month: pd.Period | None, source: str,
                 fingerprint: str, timezone: str, files: dict[str, list[str]]):
        self.con = con
        self.month = month
        self.source = source
        self.fingerprint = fingerprint
        self.timezone = timezone
        self.files = files
        #: The engine :func:`ccnb.engine.use` attached (None: the one the settings choose).
        self.engine = None
        #: Spark's staging folder name for tables built from DataFrames (set when first staged).
        self.stage_key: str | None = None
        self.start = month.start_time if month is not None else None
        self.end = (month + 1).start_time if month is not None else None
        self._frames: dict[str, pd.DataFrame] = {}
        self._make_views()
        if month is not None:
            self._check_month()

    # -- views ---------------------------------------------------------------------------
    def _make_views(self) -> None:
        end = f"TIMESTAMP '{self.end}'" if self.end is not None else None
        before_end = False
        if end is not None and "interactions" in self.files:
            last = self.con.execute("SELECT max(arrival_ts) FROM store.interactions").fetchone()[0]
            before_end = last is None or pd.Timestamp(last) < self.end
        for name, spec in TABLES.items():
            cols = ", ".join(f'"{c}"' for c in self.columns_of(name))
            if name not in self.files:  # an optional table that was not given: empty, typed
                sel = ", ".join(f"CAST(NULL AS {c.duckdb_type}) AS {c.name}" for c in spec.columns)
                self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {sel} WHERE false")
                continue
            q = f"SELECT {cols} FROM store.{name}"
            if end is not None:
                q = as_of_sql(name, self.columns_of(name), end, contacts_before_end=before_end)
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {q}")

    def columns_of(self, name: str) -> list[str]:
        if name not in self.files:
            return TABLES[name].names
        rows = self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'store' AND table_name = ? ORDER BY column_index",
            [name]).fetchall()
        return [r[0] for r in rows if not r[0].startswith("_")]

    def _check_month(self) -> None:
        n = self.con.execute("SELECT count(*) FROM interactions WHERE arrival_ts >= ?", [self.start]).fetchall()[0][0]
        if n == 0:
            lo, hi = self.con.execute("SELECT min(arrival_ts), max(arrival_ts) FROM store.interactions").fetchall()[0]
            span = f"the data covers {lo:%Y-%m-%d} to {hi:%Y-%m-%d}" if lo is not None else "the data has no contacts"
            raise DataError([Problem("interactions", ", ".join(self.files.get("interactions", [])), "arrival_ts", [],
                                     f"contacts arriving in {self.month}", f"no contacts in {self.month} ({span})")],
                            self.source)

    # -- access --------------------------------------------------------------------------
    def sql(self, query: str, params: Any = None) -> pd.DataFrame:
        """Run ``query`` over the table views and return a DataFrame."""
        with LOCK:
            return self.con.execute(query, params).df() if params is not None else self.con.sql(query).df()

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES:
            if name not in self._frames:
                self._frames[name] = self.sql(f"SELECT * FROM {name}")
            return self._frames[name]
        raise AttributeError(name)

    def __dir__(self):
        return list(super().__dir__()) + list(TABLES)

    def __repr__(self) -> str:
        counts = {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
        m = f", month={self.month}" if self.month is not None else ""
        return f"Tables({self.source!r}{m}: " + ", ".join(f"{t}={n:,}" for t, n in counts.items()) + ")"

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}

    def for_month(self, month: str | pd.Period | None) -> "Tables":
        """The same validated data seen as of another month's end (no re-validation)."""
        con = self.con.cursor()
        return Tables(con, month=_month(month), source=self.source, fingerprint=self.fingerprint,
                      timezone=self.timezone, files=self.files)

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame], month: str | pd.Period | None = None,
                    timezone: str = "Asia/Shanghai") -> "Tables":
        """Validate in-memory DataFrames (tests, notebooks building data by hand)."""
        month = _month(month)
        unknown = sorted(set(frames) - set(TABLES))
        if unknown:
            raise DataError(f"unknown tables {unknown}; expected some of {list(TABLES)}")
        con = connect()
        con.execute(f"SET TimeZone = '{timezone}'")
        con.execute("ATTACH ':memory:' AS store")
        con.execute("USE store")
        files = build_all(con, dict(frames), timezone, Path(config.CACHE_DIR) / "work", "DataFrames")
        con.execute("USE memory")
        return cls(con, month=month, source="DataFrames", fingerprint="frames", timezone=timezone, files=files)


def load(path: str | os.PathLike | None = None, month: str | pd.Period | None = None,
         timezone: str = "Asia/Shanghai", *, cache: bool = True) -> Tables:
    """Validate the data folder ``path`` (default: the sample) and return its :class:`Tables`.

    With ``month`` (``"YYYY-MM"``) the tables show what was known at the end of that month,
    and a month without contacts is an error. Raises :class:`DataError`.
    """
    month = _month(month)
    root = Path(path) if path is not None else config.SAMPLE_DIR
    optional = tuple(n for n, t in TABLES.items() if not t.required_table)
    found, problems = discover(root, list(LOAD_ORDER), optional)
    if problems:
        raise DataError(problems, str(root))
    fp = _fingerprint(root, found, timezone)
    cache_dir = Path(config.CACHE_DIR)
    cache_dir.mkdir(parents=True, exist_ok=True)
    db = cache_dir / f"{fp}.duckdb"
    if not (cache and db.exists()):
        _build(root, found, timezone, db, cache_dir / f"{fp}.work-{os.getpid()}")
    con = connect()
    con.execute(f"SET TimeZone = '{timezone}'")
    con.execute(f"ATTACH '{db}' AS store (READ_ONLY)")
    files = {t: [str(p.relative_to(root)) for p in ps] for t, ps in found.items()}
    tables = Tables(con, month=month, source=str(root), fingerprint=fp, timezone=timezone, files=files)
    if not cache:
        pass
    return tables


def _build(root: Path, found: dict[str, list[Path]], tz: str, db: Path, workdir: Path) -> None:
    tmp = db.with_name(f"{db.stem}.tmp-{os.getpid()}-{threading.get_ident()}.duckdb")
    sources: dict[str, list[SourceFile]] = {}
    for t, paths in found.items():
        sources[t] = [SourceFile(t, p, str(p.relative_to(root)),
                                 "parquet" if p.name.lower().endswith((".parquet", ".pq")) else "csv") for p in paths]
    try:
        con = connect(str(tmp))
        con.execute(f"SET TimeZone = '{tz}'")
        con.execute(f"SET temp_directory = '{workdir}'")
        try:
            build_all(con, sources, tz, workdir, str(root))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db)
    finally:
        for p in (tmp, Path(str(tmp) + ".wal")):
            p.unlink(missing_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)
    _evict(db.parent)


def _evict(cache_dir: Path) -> None:
    dbs = sorted(cache_dir.glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in dbs[_CACHE_KEEP:]:
        if ".tmp-" in old.name:
            continue
        try:
            if time.time() - old.stat().st_mtime > 3600:
                old.unlink()
        except OSError:
            pass
