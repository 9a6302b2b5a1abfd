"""Contract checks, run inside DuckDB so they scale to files that do not fit in memory.

For each table: columns present (and no unknown ones), values convertible to
their contract type, no empty required values, allowed values and ranges, a
unique key, the table's row rules, then foreign keys across tables. Every
finding is a :class:`~ccnb.data.errors.Problem` naming file, column and the
first offending rows. A table is stored typed as ``<name>`` with two extra
columns ``_file`` and ``_row`` (where each row came from).
"""
from __future__ import annotations

import difflib
from pathlib import Path

import duckdb
import pandas as pd

from ccnb.catalog.contract import LOAD_ORDER, TABLES, Column, Table
from ccnb.data.errors import DataError, Problem
from ccnb.data.quarantine import (
    DERIVED_FILE,
    create_store_tables,
    derive_agents,
    remove_set_aside,
    repair_clock_skew,
    set_aside,
)
from ccnb.data.read import (
    PARQUET_SUFFIXES,
    SourceFile,
    check_csv_rejects,
    csv_relation_sql,
    ident,
    parquet_nonnull,
    parquet_relation_sql,
    parquet_schema,
    prepare_csv,
    sql_string,
    stored_type_fits,
)
from ccnb.data.sources import MappedTable, mapping_error

EXAMPLES = 5
TRUE_WORDS = ("true", "t", "1", "yes", "y", "是")
FALSE_WORDS = ("false", "f", "0", "no", "n", "否")
_OFFSET_RE = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$"
#: Tables that must not be empty when given (the rest may legitimately have no rows, e.g. no complaints).
NON_EMPTY = ("interactions",)


def _line_word(kind: str, file: str = "") -> str:
    """``line`` for a CSV file's line numbers, ``row`` for Parquet and DataFrame rows (by the file when known)."""
    if file:
        return "row" if file.lower().endswith(PARQUET_SUFFIXES) or file.endswith(" DataFrame") else "line"
    return "line" if kind == "csv" else "row"


_STORED_EXPECTED = {
    "float": "a numeric Parquet column (or numbers as text)",
    "int": "an integer Parquet column (or whole numbers as text)",
    "bool": "a BOOLEAN Parquet column (or 1/0, or true/false as text)",
    "date": "a DATE or TIMESTAMP Parquet column (or text like 2026-01-31)",
    "timestamp": "a TIMESTAMP Parquet column (or text like 2026-01-31 09:15:00)",
}


# ----------------------------------------------------------------------------- conversion
def convert_expr(col: Column, src_type: str, tz: str) -> tuple[str, str]:
    """(typed SQL expression, SQL condition true when a present value did not convert)."""
    c = ident(col.name)
    src_type = src_type.upper()
    is_text = src_type.startswith("VARCHAR")
    v = f"NULLIF(trim({c}), '')" if is_text else c
    if col.type == "string":
        expr = v if is_text else f"CAST({c} AS VARCHAR)"
        return expr, "false"
    if col.type == "float":
        expr = f"TRY_CAST({v} AS DOUBLE)"
    elif col.type == "int":
        d = f"TRY_CAST({v} AS DOUBLE)"
        expr = f"COALESCE(TRY_CAST({v} AS BIGINT), CASE WHEN {d} = floor({d}) AND abs({d}) < 9e15 THEN CAST({d} AS BIGINT) END)"
    elif col.type == "bool":
        if is_text:
            t = ", ".join(sql_string(w) for w in TRUE_WORDS)
            f = ", ".join(sql_string(w) for w in FALSE_WORDS)
            expr = f"CASE WHEN lower({v}) IN ({t}) THEN true WHEN lower({v}) IN ({f}) THEN false END"
        elif src_type == "BOOLEAN":
            expr = c
        else:
            expr = f"CASE WHEN {c} = 1 THEN true WHEN {c} = 0 THEN false END"
    elif col.type == "date":
        if is_text:
            expr = f"COALESCE(TRY_CAST({v} AS DATE), CAST(TRY_CAST({v} AS TIMESTAMP) AS DATE))"
        elif "TIME ZONE" in src_type:
            expr = f"CAST(timezone({sql_string(tz)}, {c}) AS DATE)"
        else:
            expr = f"TRY_CAST({c} AS DATE)"
    elif col.type == "timestamp":
        if is_text:
            expr = (f"CASE WHEN regexp_matches({v}, {sql_string(_OFFSET_RE)}) THEN timezone({sql_string(tz)}, TRY_CAST({v} AS TIMESTAMPTZ)) "
                    f"ELSE TRY_CAST({v} AS TIMESTAMP) END")
        elif "TIME ZONE" in src_type:
            expr = f"timezone({sql_string(tz)}, {c})"
        else:
            expr = f"TRY_CAST({c} AS TIMESTAMP)"
    else:  # pragma: no cover - contract types are closed
        raise ValueError(col.type)
    return expr, f"({v} IS NOT NULL AND ({expr}) IS NULL)"


def _expected_type(col: Column) -> str:
    return {
        "float": "a number",
        "int": "a whole number",
        "bool": "true/false (also 1/0, yes/no)",
        "date": "a date like 2026-01-31",
        "timestamp": "a timestamp like 2026-01-31 09:15:00 (optionally with a UTC offset such as +08:00)",
        "string": "text",
    }[col.type]


# ----------------------------------------------------------------------------- per-table build
class TableBuilder:
    """Reads one table's sources into ``con`` as a typed table, collecting problems."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: Table, tz: str, workdir: Path, bad_rows: str = "stop"):
        self.con, self.spec, self.tz, self.workdir = con, spec, tz, workdir
        #: quarantine: rows that break a rule are set aside (ccnb.data.quarantine) instead of reported
        self.quarantine = bad_rows == "quarantine"
        self.problems: list[Problem] = []
        create_store_tables(con)  # the bookkeeping a build writes to (lacking columns, quarantine, repairs)
        self.kind = "csv"
        self.files: list[str] = []

    # -- helpers
    def _examples(self, where: str, show: str, relation: str) -> tuple[list[int], list[str], int]:
        n = self.con.execute(f"SELECT count(*) FROM {relation} WHERE {where}").fetchall()[0][0]
        rows = self.con.execute(
            f"SELECT _file, _row, {show} FROM {relation} WHERE {where} ORDER BY _file, _row LIMIT {EXAMPLES}").fetchall()
        multi = len(self.files) > 1
        ex = [f"{(r[0] + ' ') if multi else ''}{_line_word(self.kind, r[0])} {r[1]}: {r[2]}" for r in rows]
        return [r[1] for r in rows], ex, n

    def _file_of(self, relation: str, where: str) -> str:
        r = self.con.execute(f"SELECT DISTINCT _file FROM {relation} WHERE {where} ORDER BY 1 LIMIT 3").fetchall()
        return ", ".join(x[0] for x in r) or ", ".join(self.files)

    def add(self, column, found, expected, where=None, show=None, relation=None, file=None, rule=None, stop=False):
        """A problem; in quarantine mode (and unless ``stop``), the rows ``where`` selects are set aside instead."""
        if self.quarantine and where is not None and not stop:
            set_aside(self.con, self.spec.name, relation, where, rule or f"{found} ({column})", f"expected {expected}")
            return
        rows, ex, n = ([], [], None)
        if where is not None:
            rows, ex, n = self._examples(where, show or "NULL", relation)
            file = file or self._file_of(relation, where)
        self.problems.append(Problem(self.spec.name, file or ", ".join(self.files), column, rows, expected, found, ex, n))

    # -- sources
    def _check_columns(self, rel: str, cols: tuple[str, ...]) -> None:
        spec = self.spec
        missing = [c.name for c in spec.columns if c.must_be_given and c.name not in cols]
        extra = [c for c in cols if c not in spec.names and not (spec.extra_prefix and c.startswith(spec.extra_prefix))]
        for m in missing:
            near = difflib.get_close_matches(m, extra, n=1)
            hint = f" (the file has {near[0]!r})" if near else ""
            self.problems.append(Problem(spec.name, rel, m, [1] if self.kind == "csv" else [],
                                         f"a column named {m!r} ({spec.column(m).description})",
                                         f"required column is missing{hint}"))
        for e in extra:
            near = difflib.get_close_matches(e, spec.names, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            allowed = f"; or {spec.extra_prefix}<name> columns" if spec.extra_prefix else ""
            self.problems.append(Problem(spec.name, rel, e, [1] if self.kind == "csv" else [],
                                         f"only the contract's columns ({', '.join(spec.names)}{allowed})",
                                         f"unknown column{hint}"))

    def load_files(self, sources: list[SourceFile]) -> str | None:
        """Create ``raw_<table>``; return its name or None when columns are wrong."""
        parts = []
        for i, sf in enumerate(sources):
            self.files.append(sf.rel)
            if sf.kind == "csv":
                self.kind = "csv"
                prepare_csv(sf, self.workdir)
                cols = sf.columns
                self._check_columns(sf.rel, cols)
                sql = csv_relation_sql(sf, f"ccnb_rejects_{self.spec.name}_{i}")
            else:
                self.kind = "parquet"
                schema = parquet_schema(self.con, sf)
                cols = tuple(schema)
                self._check_columns(sf.rel, cols)
                self._check_stored_types(sf, schema)
                sql = parquet_relation_sql(sf)
            parts.append(sql)
        if self.problems:
            return None
        raw = f"raw_{self.spec.name}"
        union = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS {union}")
        except (duckdb.ConversionException, duckdb.BinderException, duckdb.InvalidInputException) as e:
            self.problems.append(Problem(self.spec.name, ", ".join(self.files), None, [],
                                         "files whose columns have types that combine (one type per column)",
                                         f"the files cannot be read together ({str(e).splitlines()[0]})"))
            return None
        for i, sf in enumerate(sources):
            if sf.kind == "csv" and self._has(f"ccnb_rejects_{self.spec.name}_{i}"):
                check_csv_rejects(self.con, sf, f"ccnb_rejects_{self.spec.name}_{i}")
        return raw

    def load_mapped(self, m: MappedTable) -> str | None:
        """Create ``raw_<table>`` from a mapped source view (:func:`ccnb.data.sources.map_source`)."""
        self.kind = "parquet" if all(f.lower().endswith((".parquet", ".pq")) for f in m.files) else "csv"
        self.files = list(m.files)
        for c in self.spec.columns:
            if c.must_be_given and c.name not in m.mapped:
                self.problems.append(Problem(self.spec.name, m.pattern, c.name, [],
                                             f"data.sources.{self.spec.name}.columns.{c.name}: a source column or an "
                                             f"SQL expression ({c.description})",
                                             "required column is not mapped and the source has no column of that name"))
        if self.problems:
            return None
        raw = f"raw_{self.spec.name}"
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM {ident(m.view)}")
        except duckdb.Error as e:
            raise mapping_error(self.con, m, e) from None
        return raw

    def _check_stored_types(self, sf: SourceFile, schema: dict[str, str]) -> None:
        """A Parquet column whose physical type cannot hold the contract's (``arrival_ts`` as int64): one
        problem naming file, column, the stored type and the expected one (as CSV values get)."""
        spec = self.spec
        for name, stored in schema.items():
            if name in spec.names:
                col = spec.column(name)
            elif spec.extra_prefix and name.startswith(spec.extra_prefix):
                col = Column(name, spec.extra_type, "form item", nullable=True)
            else:
                continue
            if stored_type_fits(col.type, stored) or not parquet_nonnull(self.con, sf, name):
                continue
            self.problems.append(Problem(spec.name, sf.rel, name, [], _STORED_EXPECTED[col.type],
                                         f"the column is stored as {stored}, which cannot hold {col.type} values"))

    def load_frame(self, df: pd.DataFrame) -> str | None:
        self.kind = "frame"
        self.files = [f"{self.spec.name} DataFrame"]
        self._check_columns(self.files[0], tuple(str(c) for c in df.columns))
        if self.problems:
            return None
        name = f"frame_{self.spec.name}"
        self.con.register(name, df)
        raw = f"raw_{self.spec.name}"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT *, {sql_string(self.files[0])} AS _file, "
                         f"(row_number() OVER ()) AS _row FROM {name}")
        self.con.unregister(name)
        return raw

    def _has(self, table: str) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])

    # -- checks
    def convert(self, raw: str, target: str) -> bool:
        spec = self.spec
        types = dict(self.con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {raw})").fetchall())
        if types and not self.con.execute(f"SELECT count(*) FROM {raw}").fetchall()[0][0]:
            if spec.name in NON_EMPTY:
                self.problems.append(Problem(spec.name, ", ".join(self.files), None, [],
                                             f"at least one row of {spec.name}", "the table has a header but no rows"))
                return False
        extra_cols = [c for c in types if spec.extra_prefix and c.startswith(spec.extra_prefix)]
        cols = list(spec.columns) + [Column(c, spec.extra_type, "form item", nullable=True, min=0) for c in extra_cols]
        exprs, fails = [], []
        for col in cols:
            if col.name not in types:  # a column the source lacks: empty (or its stand-in), recorded as lacking
                exprs.append(f"CAST({col.absent or 'NULL'} AS {col.duckdb_type}) AS {ident(col.name)}")
                self.con.execute("INSERT INTO _meta VALUES ('lacking', ?)", [f"{spec.name}.{col.name}"])
                continue
            expr, bad = convert_expr(col, types[col.name], self.tz)
            exprs.append(f"CAST({expr} AS {col.duckdb_type}) AS {ident(col.name)}")
            if bad != "false":
                fails.append((col, bad))
        if fails:
            counts = self.con.execute(
                "SELECT " + ", ".join(f"count_if({b})" for _, b in fails) + f" FROM {raw}").fetchall()[0]
            for (col, bad), n in zip(fails, counts):
                if n:
                    self.add(col.name, "values of the wrong type", _expected_type(col), bad,
                             f"'''' || CAST({ident(col.name)} AS VARCHAR) || ''''", raw, rule=f"wrong_type:{col.name}")
            if self.quarantine:
                remove_set_aside(self.con, spec.name, raw)
        self._check_time_zones(raw, types)
        if self.problems:
            return False
        self.con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {', '.join(exprs)}, _file, _row FROM {raw}")
        self.columns = [c for c in cols]
        return True

    def _check_time_zones(self, raw: str, types: dict) -> None:
        """Per file (docs/data.md: "a file may carry UTC offsets on every row"): a file mixing rows with and
        without an offset names the rows of the minority; a file of local times must not name times a
        daylight-saving change skipped."""
        for col in self.spec.columns:
            if col.type != "timestamp" or col.name not in types or not types[col.name].startswith("VARCHAR"):
                continue
            c = ident(col.name)
            v = f"NULLIF(trim({c}), '')"
            has = f"regexp_matches({v}, {sql_string(_OFFSET_RE)})"
            lacks = f"{v} IS NOT NULL AND NOT {has}"
            per_file = self.con.execute(f"SELECT _file, count_if({has}), count_if({lacks}) FROM {raw} "
                                        f"GROUP BY _file ORDER BY _file").fetchall()
            local = []
            for file, with_off, without in per_file:
                if with_off and without:
                    minority = has if with_off < without else lacks
                    self.add(col.name, "some timestamps carry a UTC offset and others do not",
                             "all timestamps of a column with an offset (e.g. +08:00) or all without (local time)",
                             f"_file = {sql_string(file)} AND {minority}", f"'''' || {c} || ''''", raw, file=file, stop=True)
                elif without:
                    local.append(file)
            if not local:
                continue
            ts = f"TRY_CAST({v} AS TIMESTAMP)"
            gap = (f"_file IN ({', '.join(sql_string(f) for f in local)}) AND {ts} IS NOT NULL AND "
                   f"timezone({sql_string(self.tz)}, timezone({sql_string(self.tz)}, {ts})) <> {ts}")
            if self.con.execute(f"SELECT count_if({gap}) FROM {raw}").fetchall()[0][0]:
                self.add(col.name, f"local times that do not exist in {self.tz} (skipped by a daylight-saving change)",
                         "wall-clock times that exist in the center's time zone", gap, f"'''' || {c} || ''''", raw,
                         stop=True)

    def check_values(self, t: str) -> None:
        spec = self.spec
        conds = []
        for col in self.columns:
            c = ident(col.name)
            if not col.nullable:
                conds.append((col, f"{c} IS NULL", "empty values in a required column", f"a value in every row ({_expected_type(col)})",
                              f"empty:{col.name}"))
            if col.allowed:
                vals = ", ".join(sql_string(a) for a in col.allowed)
                conds.append((col, f"{c} IS NOT NULL AND {c} NOT IN ({vals})", "values outside the allowed set",
                              "one of " + ", ".join(col.allowed), f"not_allowed:{col.name}"))
            finite = "true"
            if col.type == "float":  # inf (e.g. 1e309 in a CSV), -inf and nan are no amounts
                finite = f"isfinite({c})"
                conds.append((col, f"{c} IS NOT NULL AND NOT {finite}", "values that are not finite numbers",
                              "a finite number (not inf or nan)", f"not_finite:{col.name}"))
            if col.min is not None or col.max is not None:
                lo = f"{c} < {col.min}" if col.min is not None else "false"
                hi = f"{c} > {col.max}" if col.max is not None else "false"
                what = "negative or absurd durations" if col.unit == "s" else "values out of range"
                unit = f" {col.unit}" if col.unit and not col.unit[0].isdigit() else ""
                rng = (f"between {col.min:g} and {col.max:g}{unit}" if col.max is not None else f"at least {col.min:g}{unit}")
                conds.append((col, f"{c} IS NOT NULL AND {finite} AND ({lo} OR {hi})", what, rng, f"out_of_range:{col.name}"))
        if conds:
            counts = self.con.execute("SELECT " + ", ".join(f"count_if({w})" for _, w, _, _, _ in conds) + f" FROM {t}").fetchall()[0]
            for (col, where, found, expected, rule), n in zip(conds, counts):
                if n:
                    self.add(col.name, found, expected, where,
                             f"coalesce('''' || CAST({ident(col.name)} AS VARCHAR) || '''', '(empty)')", t, rule=rule)
        key = ", ".join(ident(k) for k in spec.key)
        dup = self.con.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM {t} GROUP BY ALL HAVING count(*) > 1)").fetchall()[0][0]
        if dup:
            shown = " || ', ' || ".join(f"CAST({ident(k)} AS VARCHAR)" for k in spec.key)
            where = f"({key}) IN (SELECT ({key}) FROM {t} GROUP BY ALL HAVING count(*) > 1)" if len(spec.key) > 1 else \
                f"{key} IN (SELECT {key} FROM {t} GROUP BY ALL HAVING count(*) > 1)"
            if self.quarantine:  # the first copy (by file and row) stays; the later ones are set aside
                where = (f"(_file, _row) IN (SELECT (_file, _row) FROM (SELECT _file, _row, row_number() OVER "
                         f"(PARTITION BY {key} ORDER BY _file, _row) AS k FROM {t}) WHERE k > 1)")
            self.add(", ".join(spec.key), f"duplicate key ({dup} key value{'s' if dup > 1 else ''} repeated)",
                     f"each {', '.join(spec.key)} once", where, f"'''' || {shown} || ''''", t, rule="duplicate_key")
        for rule in spec.rules:
            cols_in = [c.name for c in spec.columns if c.name in rule.sql][:3]
            show = " || ', ' || ".join(f"'{n}=' || coalesce(CAST({ident(n)} AS VARCHAR), 'NULL')" for n in cols_in)
            if self.con.execute(f"SELECT count_if(NOT ({rule.sql})) FROM {t}").fetchall()[0][0]:
                self.add(", ".join(cols_in), f"rows break the rule '{rule.name.replace('_', ' ')}'", rule.expected,
                         f"NOT ({rule.sql})", show, t, rule=rule.name)
        if self.quarantine:
            remove_set_aside(self.con, spec.name, t)


def check_foreign_keys(con: duckdb.DuckDBPyConnection, spec: Table, present: set[str], kind: str,
                       files: list[str], quarantine: bool = False) -> list[Problem]:
    """Problems for references to rows another table lacks; in quarantine mode those rows are set aside."""
    problems = []
    for fk in spec.foreign_keys:
        if fk.table not in present:
            continue
        c = ident(fk.column)
        where = f"{c} IS NOT NULL AND {c} NOT IN (SELECT {ident(fk.ref_column)} FROM {fk.table})"
        n = con.execute(f"SELECT count(*) FROM {spec.name} WHERE {where}").fetchall()[0][0]
        if n:
            rows = con.execute(f"SELECT _file, _row, {c} FROM {spec.name} WHERE {where} ORDER BY _file, _row LIMIT {EXAMPLES}").fetchall()
            ex = [f"{(r[0] + ' ') if len(files) > 1 else ''}{_line_word(kind, r[0])} {r[1]}: '{r[2]}'" for r in rows]
            fl = ", ".join(sorted({r[0] for r in rows}))
            if quarantine:
                set_aside(con, spec.name, spec.name, where, f"unknown_{fk.column}",
                          f"expected every {fk.column} to be listed in {fk.table}.{fk.ref_column}")
                remove_set_aside(con, spec.name, spec.name)
                continue
            problems.append(Problem(spec.name, fl, fk.column, [r[1] for r in rows],
                                    f"every {fk.column} to be listed in {fk.table}.{fk.ref_column}",
                                    f"{fk.column} values not found in {fk.table}", ex, n))
    return problems


def build_all(con: duckdb.DuckDBPyConnection, sources: dict[str, list[SourceFile] | pd.DataFrame | MappedTable], tz: str,
              workdir: Path, origin: str, *, bad_rows: str = "stop", clock_skew_s: float = 0.0) -> dict[str, list[str]]:
    """Validate and store every table; raise DataError with all problems found.

    ``sources``: table -> its files, a DataFrame, or a mapped source view. ``bad_rows``: ``stop``
    (every broken rule is a problem) or ``quarantine`` (:mod:`ccnb.data.quarantine`).
    ``clock_skew_s``: tolerance of the interactions' clock-skew repair (0: none). Without an
    ``agents`` source, the roster is derived from the agent ids seen.
    """
    problems: list[Problem] = []
    built: dict[str, TableBuilder] = {}
    create_store_tables(con)
    for name in LOAD_ORDER:
        if name not in sources:
            continue
        b = TableBuilder(con, TABLES[name], tz, workdir, bad_rows)
        src = sources[name]
        try:
            if isinstance(src, pd.DataFrame):
                raw = b.load_frame(src)
            elif isinstance(src, MappedTable):
                raw = b.load_mapped(src)
            else:
                raw = b.load_files(src)
        except DataError as e:
            problems += e.problems
            continue
        if raw and b.convert(raw, name):
            con.execute(f"DROP TABLE IF EXISTS {raw}")
            repair_clock_skew(con, name, clock_skew_s)
            b.check_values(name)
            built[name] = b
        problems += b.problems
    present = set(built)
    for name, b in built.items():
        if not b.problems:
            problems += check_foreign_keys(con, TABLES[name], present, b.kind, b.files, b.quarantine)
    if problems:
        raise DataError(problems, origin)
    files = {name: b.files for name, b in built.items()}
    if "agents" not in sources and "interactions" in built:
        derive_agents(con, present)
        files["agents"] = [DERIVED_FILE]
    return files
