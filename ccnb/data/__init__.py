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
import json
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
from ccnb.data import quarantine as quarantine_module
from ccnb.data import sources as sources_module
from ccnb.data import validate as validate_module
from ccnb.data.errors import DataError, Problem
from ccnb.data.quarantine import DERIVED_FILE
from ccnb.data.read import SourceFile, discover
from ccnb.data.source_files import find_files, rel_name
from ccnb.data.sources import map_source, resolve_sources
from ccnb.data.validate import build_all
from ccnb.engine.connection import LOCK, connect
from ccnb.params.sources import DataSources, Source

__all__ = ["load", "Tables", "DataError", "Problem", "TABLES"]

_CACHE_KEEP = 6
def _month(month: str | pd.Period | None) -> pd.Period | None:
    """The report month (:func:`ccnb.core.months.parse_month`), reported like every other bad input: a DataError."""
    try:
        return None if month is None else parse_month(month)
    except MonthError:
        raise DataError(f"month {month!r} is not a calendar month; expected YYYY-MM, e.g. 2026-10") from None


def _contract_hash() -> str:
    src = "".join(inspect.getsource(m) for m in (contract, validate_module, quarantine_module, sources_module))
    return hashlib.sha256(src.encode()).hexdigest()[:16]


def _fingerprint(root: Path, found: dict[str, list[Path]], tz: str, how: str = "") -> str:
    """Names, sizes and times of the input files, the contract and validator, the time zone and ``how``
    (the mapping and bad-row settings, as JSON)."""
    h = hashlib.sha256()
    h.update(f"{_contract_hash()}|{tz}|{root.resolve()}|{how}".encode())
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

    # -- what the center supplied ----------------------------------------------------------
    @property
    def lacking(self) -> dict[str, set[str]]:
        """Table -> the contract columns its source did not have (served as NULL); every column of
        a table that was not supplied, and the unknown attributes of a derived roster."""
        out = {t: set(TABLES[t].names) for t in TABLES if t not in self.files}
        for (v,) in self.con.execute("SELECT value FROM store._meta WHERE key = 'lacking'").fetchall():
            t, c = v.split(".", 1)
            out.setdefault(t, set()).add(c)
        return out

    def has(self, table: str, column: str | None = None) -> bool:
        """Whether the center supplied ``table`` (a derived table does not count), or its ``column`` with at
        least one value in the whole history (a column present but empty throughout is not supplied)."""
        if table not in self.files or table in self.derived and column is None:
            return False
        if column is None:
            return True
        if column in self.lacking.get(table, set()):
            return False
        return bool(self.con.execute(f'SELECT count("{column}") > 0 FROM store.{table}').fetchall()[0][0])

    # -- what the data layer did to the rows ------------------------------------------------
    @property
    def derived(self) -> set[str]:
        """Tables the center did not supply and ccnb derived (``agents`` from the contacts' agent ids)."""
        return {t for t, fs in self.files.items() if fs == [DERIVED_FILE]}

    def quarantine_counts(self) -> pd.DataFrame:
        """Rows set aside (``data.bad_rows: quarantine``): columns ``table``, ``rule``, ``rows``; empty when none."""
        return self.sql("SELECT table_name AS \"table\", rule, count(*) AS rows FROM store._quarantine "
                        "GROUP BY ALL ORDER BY 1, 2")

    def quarantined(self, table: str | None = None) -> pd.DataFrame:
        """The rows set aside: ``table``, ``file``, ``row`` (line or row in the file), ``rule``, ``expected``
        and ``values`` (the row as JSON, customer identities included: restricted)."""
        where = "" if table is None else f" WHERE table_name = '{table.replace(chr(39), chr(39) * 2)}'"
        return self.sql("SELECT table_name AS \"table\", _file AS file, _row AS \"row\", rule, detail AS expected, "
                        f"row_json AS \"values\" FROM store._quarantine{where} ORDER BY 1, 2, 3, 4")

    def repairs(self) -> pd.DataFrame:
        """Clock-skew repairs (``data.clock_skew_s``): columns ``table``, ``rule``, ``rows``."""
        return self.sql("SELECT table_name AS \"table\", rule, sum(rows)::BIGINT AS rows FROM store._repairs "
                        "GROUP BY ALL ORDER BY 1, 2")

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
         timezone: str = "Asia/Shanghai", *, sources: DataSources | None = None, cache: bool = True) -> Tables:
    """Validate the data folder ``path`` (default: the sample) and return its :class:`Tables`.

    With ``month`` (``"YYYY-MM"``) the tables show what was known at the end of that month,
    and a month without contacts is an error. ``sources``: the validated ``data`` section of the
    params (``params.data``): a vendor profile and/or per-table mappings of the center's own
    files (``docs/data_sources.md``), how rows that break a rule are handled and the clock-skew
    tolerance; tables it does not map are read from files named after them, as without it.
    Raises :class:`DataError`.
    """
    month = _month(month)
    root = Path(path) if path is not None else config.SAMPLE_DIR
    settings = sources if sources is not None else DataSources()
    mapped = resolve_sources(settings) if (settings.profile or settings.sources) else {}
    if not root.is_dir():
        discover(root, [])  # raises the DataError that names the folder
    matched = {t: find_files(root, t, src.file) for t, src in mapped.items()}
    claimed = {_top_entry(root, p) for ps in matched.values() for p in ps}
    optional = tuple(n for n, t in TABLES.items() if not t.required_table or n in mapped)
    found, problems = discover(root, [t for t in LOAD_ORDER if t not in mapped], optional, ignore=claimed)
    if problems:
        raise DataError(problems, str(root))
    how = json.dumps({"sources": {t: s.model_dump(mode="json") for t, s in sorted(mapped.items())},
                      "bad_rows": settings.bad_rows, "clock_skew_s": settings.clock_skew_s}, sort_keys=True)
    fp = _fingerprint(root, {**found, **matched}, timezone, how)
    cache_dir = Path(config.CACHE_DIR)
    cache_dir.mkdir(parents=True, exist_ok=True)
    db = cache_dir / f"{fp}.duckdb"
    if not (cache and db.exists()):
        _build(root, found, timezone, db, cache_dir / f"{fp}.work-{os.getpid()}", mapped, settings)
    con = connect()
    con.execute(f"SET TimeZone = '{timezone}'")
    con.execute(f"ATTACH '{db}' AS store (READ_ONLY)")
    files = {t: [str(p.relative_to(root)) for p in ps] for t, ps in found.items()}
    files.update({t: [rel_name(p, root) for p in ps] for t, ps in matched.items()})
    derived = {r[0] for r in con.execute("SELECT value FROM store._meta WHERE key = 'derived'").fetchall()}
    files.update({t: [DERIVED_FILE] for t in derived})
    return Tables(con, month=month, source=str(root), fingerprint=fp, timezone=timezone, files=files)


def _top_entry(root: Path, path: Path) -> str:
    """The name of the entry of ``root`` that holds ``path`` (a file or the folder it is under)."""
    try:
        return path.resolve().relative_to(root.resolve()).parts[0]
    except ValueError:
        return ""


def _build(root: Path, found: dict[str, list[Path]], tz: str, db: Path, workdir: Path,
           mapped: dict[str, Source] | None = None, settings: DataSources | None = None) -> None:
    settings = settings if settings is not None else DataSources()
    tmp = db.with_name(f"{db.stem}.tmp-{os.getpid()}-{threading.get_ident()}.duckdb")
    sources: dict = {}
    for t, paths in found.items():
        sources[t] = [SourceFile(t, p, str(p.relative_to(root)),
                                 "parquet" if p.name.lower().endswith((".parquet", ".pq")) else "csv") for p in paths]
    try:
        con = connect(str(tmp))
        con.execute(f"SET TimeZone = '{tz}'")
        con.execute(f"SET temp_directory = '{workdir}'")
        try:
            for t, src in (mapped or {}).items():
                sources[t] = map_source(con, root, t, src, timezone=tz, workdir=workdir / "sources")
            build_all(con, sources, tz, workdir, str(root), bad_rows=settings.bad_rows,
                      clock_skew_s=settings.clock_skew_s)
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
