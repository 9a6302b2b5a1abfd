"""Mapping a center's own export onto a contract table, inside DuckDB.

>>> con = ccnb.data.connect()
>>> m = map_source(con, "data/bank", "interactions", params.data.sources["interactions"],
...                timezone=params.center.timezone, workdir=tmp)
>>> con.sql(f"SELECT * FROM {m.view}")     # contract-named columns, plus _file and _row
>>> check_mapped(con, m)                   # scans once; a failing expression is named

``data.sources.<table>`` (:class:`ccnb.params.sources.Source`) names the file(s) and maps each
contract column to a source column or a DuckDB SQL expression over the source columns. The view
it becomes reads the files lazily (``read_csv`` / ``read_parquet``: out of core), applies
``null_values`` and ``where`` to the source columns, and selects one column per mapped contract
column, named after it, plus ``_file`` (path under the data folder) and ``_row`` (CSV line,
Parquet row or Excel row), the bookkeeping :mod:`ccnb.data.validate` expects of a raw table.
Values keep the type their expression gives (CSV columns are text): converting them to the
contract's types and checking the contract's rules stays the validator's job.

Resolution of one mapping ``contract column -> text``:

* the text names a source column (exactly, else case-insensitively and unambiguously): that
  column, quoted (``Contact ID``, ``Agent.Username`` work as written);
* anything else is an SQL expression over the source columns (quote names that are not plain
  identifiers with double quotes inside it: ``"Queue.Duration" + 0``);
* a contract column not listed is taken from a source column of the same name when there is
  one; otherwise the table lacks it (:attr:`MappedTable.lacking`). Source columns nobody maps
  are ignored.

Every error is a :class:`~ccnb.data.errors.DataError` whose problem names the table, the mapped
column, the expression and DuckDB's message; a missing file names the glob.

SQL macros for the usual export formats are installed on the connection by
:func:`install_macros` (the center's time zone is baked into the ones that need it); see
``docs/data_sources.md`` for recipes.
"""
from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from ccnb.catalog.contract import TABLES, Table
from ccnb.data.errors import DataError, Problem
from ccnb.data.source_files import (
    csv_relation,
    file_format,
    find_files,
    ident,
    parquet_relation,
    q,
    rel_name,
    xlsx_relation,
    xlsx_to_parquet,
)
from ccnb.params.sources import DataSources, Source

#: Shipped vendor profiles (``params/profiles/<name>.yaml``) next to ``params/default.yaml``.
PROFILES_DIR = Path(__file__).resolve().parents[2] / "params" / "profiles"

#: DuckDB types a mapped expression may give, by contract type (VARCHAR: the validator converts text).
_COMPATIBLE = {
    "string": None,  # anything: the validator casts to text
    "float": ("VARCHAR", "DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT",
              "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"),
    "int": ("VARCHAR", "DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT",
            "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"),
    "bool": ("VARCHAR", "BOOLEAN", "BIGINT", "INTEGER", "SMALLINT", "TINYINT"),
    "date": ("VARCHAR", "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"),
    "timestamp": ("VARCHAR", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S",
                  "DATE"),
}
_HINT = {
    "float": "a number of seconds (durations: ccnb_duration_s(...), milliseconds: x / 1000.0)",
    "int": "a whole number",
    "bool": "true/false (e.g. outcome = 'ABANDON')",
    "date": "a date (e.g. CAST(x AS DATE) or strptime(x, '%d/%m/%Y'))",
    "timestamp": "a timestamp (e.g. ccnb_ts(date, time), ccnb_epoch_s(x), ccnb_local(iso_text))",
}


# ----------------------------------------------------------------------------- macros
def macro_sql(timezone: str) -> list[str]:
    """``CREATE MACRO`` statements for the recipes of ``docs/data_sources.md``.

    * ``ccnb_duration_s(x)``: ``H:MM:SS``, ``MM:SS`` (two parts are minutes and seconds; the
      first part may exceed 59, the others may not) or plain seconds (text or number), fractions
      of a second allowed -> seconds (DOUBLE): h*3600 + m*60 + s. Empty -> NULL; anything else
      raises an error naming the value.
    * ``ccnb_ts(d, t)``: a date and a time-of-day column -> TIMESTAMP (``d + t``).
    * ``ccnb_after(ts, ref)``: ``ts``, a day later when it is more than 12 h before ``ref`` (an end
      time of day on the start's date, for a call crossing midnight). A skew of seconds is kept.
    * ``ccnb_epoch_s(x)``, ``ccnb_epoch_ms(x)``: Unix epoch seconds / milliseconds (UTC) ->
      local wall-clock TIMESTAMP in the center's time zone.
    * ``ccnb_utc(x)``: a UTC timestamp without offset -> local wall-clock TIMESTAMP.
    * ``ccnb_local(x)``: ISO 8601 text with an offset or ``Z`` -> local wall-clock TIMESTAMP.
    """
    tz = q(timezone)
    v = "NULLIF(trim(CAST(x AS VARCHAR)), '')"
    h, m, s = (f"CAST(split_part({v}, ':', {k}) AS DOUBLE)" for k in (1, 2, 3))
    hms = r"'\d+:[0-5]?\d:[0-5]?\d(\.\d+)?'"
    ms = r"'\d+:[0-5]?\d(\.\d+)?'"
    return [
        # one full-match regular expression per form; ~1 s per million values on one core
        f"""CREATE OR REPLACE MACRO ccnb_duration_s(x) AS (CASE
            WHEN {v} IS NULL THEN NULL
            WHEN regexp_full_match({v}, {hms}) THEN {h} * 3600 + {m} * 60 + {s}
            WHEN regexp_full_match({v}, {ms}) THEN {h} * 60 + {m}
            WHEN TRY_CAST({v} AS DOUBLE) >= 0 THEN TRY_CAST({v} AS DOUBLE)
            ELSE CAST(error('ccnb_duration_s: ''' || {v} || ''' is not a duration (H:MM:SS, MM:SS or seconds)') AS DOUBLE)
            END)""",
        "CREATE OR REPLACE MACRO ccnb_ts(d, t) AS (CAST(d AS DATE) + CAST(t AS TIME))",
        "CREATE OR REPLACE MACRO ccnb_after(ts, ref) AS "
        "(CASE WHEN ts < ref - INTERVAL 12 HOUR THEN ts + INTERVAL 1 DAY ELSE ts END)",
        f"CREATE OR REPLACE MACRO ccnb_epoch_s(x) AS (timezone({tz}, to_timestamp(CAST(x AS DOUBLE))))",
        f"CREATE OR REPLACE MACRO ccnb_epoch_ms(x) AS (timezone({tz}, to_timestamp(CAST(x AS DOUBLE) / 1000.0)))",
        f"CREATE OR REPLACE MACRO ccnb_utc(x) AS (timezone({tz}, timezone('UTC', CAST(x AS TIMESTAMP))))",
        f"CREATE OR REPLACE MACRO ccnb_local(x) AS (timezone({tz}, CAST(x AS TIMESTAMPTZ)))",
    ]


def install_macros(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    """Create the ``ccnb_*`` macros on ``con`` for the center's time zone (e.g. Asia/Shanghai)."""
    for stmt in macro_sql(timezone):
        con.execute(stmt)


# ----------------------------------------------------------------------------- the mapping
@dataclass
class ColumnMapping:
    column: str
    #: found: a source column of the same name; mapped: a renamed source column;
    #: derived: an SQL expression; lacking: not available from this source
    status: str
    expression: str | None = None  # as written in params (None when found or lacking)
    sql: str | None = None          # what the view selects
    source_type: str | None = None  # DuckDB type of the mapped value


@dataclass
class MappedTable:
    table: str
    view: str
    pattern: str
    files: list[str]
    source_columns: list[str]
    columns: dict[str, ColumnMapping] = field(default_factory=dict)
    where: str | None = None
    #: the cleaned source relation (null values applied) the mapping selects from
    source_sql: str = ""

    @property
    def lacking(self) -> list[str]:
        return [c for c, m in self.columns.items() if m.status == "lacking"]

    @property
    def mapped(self) -> list[str]:
        return [c for c, m in self.columns.items() if m.status != "lacking"]


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _problem(table: str, pattern: str, column: str | None, expr: str | None, message: str, expected: str) -> Problem:
    what = f"mapping {column} = {expr!r}" if column else (f"row filter where = {expr!r}" if expr else "the source")
    return Problem(table, pattern, column, [], expected, f"{what} failed: {message}")


def _single_statement(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
    try:
        return len(con.extract_statements(sql)) == 1
    except duckdb.Error:
        return True  # a syntax error: binding reports it with DuckDB's own message


def _resolve(text: str, cols: list[str]) -> tuple[str, str]:
    """(status, SQL) of one mapping text: a source column (quoted) or an expression."""
    if text in cols:
        return "mapped", ident(text)
    folded = [c for c in cols if c.lower() == text.strip().lower()]
    if len(folded) == 1:
        return "mapped", ident(folded[0])
    return "derived", f"({text})"


def _relations(con, data_dir: Path, table: str, src: Source, workdir: Path) -> tuple[list[str], list[str]]:
    parts, rels = [], []
    for path in find_files(data_dir, table, src.file):
        rel = rel_name(path, data_dir)
        fmt = file_format(path, src.format, table)
        if fmt == "csv":
            sql, _ = csv_relation(path, rel, table, src.encoding, src.delimiter, workdir)
        elif fmt == "parquet":
            sql = parquet_relation(path, rel)
        else:
            sql = xlsx_relation(xlsx_to_parquet(path, rel, table, src.sheet, workdir), rel)
        parts.append(sql)
        rels.append(rel)
    return parts, rels


def map_source(con: duckdb.DuckDBPyConnection, data_dir: str | Path, table: str, source: Source, *,
               timezone: str, workdir: str | Path | None = None, view: str | None = None) -> MappedTable:
    """Create the temporary view ``view`` (default ``src_<table>``) of ``table`` mapped from ``source``.

    Binds (does not scan) every mapped expression and the row filter; raises DataError naming
    table, column, expression and DuckDB's message for those that do not bind, or whose type
    cannot hold the contract column's (e.g. an INTERVAL for a duration in seconds).
    ``workdir`` receives UTF-8 copies of GBK files and Parquet copies of Excel sheets
    (default: a new temporary folder).
    """
    if table not in TABLES:
        raise DataError([Problem(table, None, None, [], "one of " + ", ".join(TABLES), "unknown contract table")])
    if not source.file:
        raise DataError([Problem(table, None, None, [], "data.sources.<table>.file (a path or glob)", "no file given")])
    spec: Table = TABLES[table]
    data_dir = Path(data_dir)
    workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="ccnb-sources-"))
    view = view or f"src_{table}"
    install_macros(con, timezone)
    unknown = [c for c in source.columns if c not in spec.names and not (spec.extra_prefix and c.startswith(spec.extra_prefix))]
    if unknown:
        raise DataError([Problem(table, source.file, c, [], f"a column of the contract's {table} table "
                                 f"({', '.join(spec.names)})", "mapping names an unknown contract column")
                         for c in unknown])
    parts, rels = _relations(con, data_dir, table, source, workdir)
    union = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
    try:
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {union})").fetchall())
    except duckdb.Error as e:
        raise DataError([_problem(table, source.file, None, None, _first_line(e), "readable source files")]) from None
    cols = [c for c in types if c not in ("_file", "_row")]
    if source.null_values:
        nulls = ", ".join(q(v.strip()) for v in source.null_values)
        repl = [f"CASE WHEN trim({ident(c)}) IN ({nulls}) THEN NULL ELSE {ident(c)} END AS {ident(c)}"
                for c in cols if types[c] == "VARCHAR"]
        cleaned = f"SELECT * REPLACE ({', '.join(repl)}) FROM ({union})" if repl else union
    else:
        cleaned = union
    m = MappedTable(table, view, source.file, rels, cols, where=source.where, source_sql=cleaned)
    problems: list[Problem] = []
    if source.where is not None:
        if not _single_statement(con, f"SELECT 1 FROM t WHERE ({source.where})"):
            raise DataError([_problem(table, source.file, None, source.where, "more than one SQL statement",
                                      "one SQL condition over the source columns")])
        bad, _ = _bind(con, m, None, source.where, f"SELECT count(*) FROM ({cleaned}) WHERE ({source.where})",
                       "a row filter over the source columns: " + ", ".join(cols))
        problems += bad
    wanted = [c.name for c in spec.columns] + sorted(c for c in source.columns if c not in spec.names)
    if spec.extra_prefix:
        wanted += sorted(c for c in cols if c.startswith(spec.extra_prefix) and c not in wanted)
    for name in wanted:
        text = source.columns.get(name, "")
        if text is None or (text == "" and name not in cols):
            m.columns[name] = ColumnMapping(name, "lacking")
            continue
        if text == "":
            m.columns[name] = ColumnMapping(name, "found", None, ident(name), types[name])
            continue
        status, sql = _resolve(text, cols)
        if not _single_statement(con, f"SELECT {sql} FROM t"):
            problems.append(_problem(table, source.file, name, text, "more than one SQL statement",
                                     "one SQL expression over the source columns"))
            continue
        bad, got = _bind(con, m, name, text, f"SELECT {sql} AS x FROM ({cleaned})",
                         "a source column (" + ", ".join(cols) + ") or an SQL expression over them")
        problems += bad
        if bad:
            continue
        m.columns[name] = ColumnMapping(name, status, text, sql, got)
        contract_type = _type_of(table, name)
        ok = _COMPATIBLE.get(contract_type)
        if ok is not None and got.split("(")[0] not in ok:
            problems.append(_problem(table, source.file, name, text, f"it gives {got}", _HINT[contract_type]))
    if problems:
        raise DataError(problems)
    select = ", ".join(f"{mc.sql} AS {ident(c)}" for c, mc in m.columns.items() if mc.status != "lacking")
    body = f"SELECT {select + ', ' if select else ''}_file, _row FROM ({cleaned})"
    if source.where is not None:
        body += f" WHERE ({source.where})"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS {body}")
    return m


def _bind(con, m: MappedTable, column: str | None, text: str, sql: str, expected: str) -> tuple[list[Problem], str]:
    """Bind ``sql`` without running it: (the problem when DuckDB refuses it, the first column's type)."""
    try:
        described = con.execute(f"DESCRIBE {sql}").fetchall()
    except duckdb.Error as e:
        return [_problem(m.table, m.pattern, column, text, _first_line(e), expected)], ""
    return [], described[0][1]


def check_mapped(con: duckdb.DuckDBPyConnection, m: MappedTable) -> int:
    """Evaluate every mapped column over every row once; the row count, or DataError naming the failing column(s).

    A value that fails at run time (``CAST('n/a' AS DOUBLE)``, a malformed CSV line, a bad
    duration) is reported with the table, the column, its expression and DuckDB's message.
    """
    cols = [c for c, mc in m.columns.items() if mc.status != "lacking"]
    try:
        return con.execute("SELECT count(*)" + "".join(f", count({ident(c)})" for c in cols)
                           + f" FROM {ident(m.view)}").fetchall()[0][0]
    except duckdb.Error as e:
        raise mapping_error(con, m, e) from None


def mapping_error(con: duckdb.DuckDBPyConnection, m: MappedTable, error: Exception) -> DataError:
    """The DataError for ``error`` raised while reading ``m``'s view: finds which column(s) fail."""
    try:  # the files themselves (e.g. a malformed CSV line)
        con.execute(f"SELECT count(*) FROM ({m.source_sql})").fetchall()
    except duckdb.Error as e:
        return DataError([_problem(m.table, m.pattern, None, None, _first_line(e), "well-formed source files")])
    where = ""
    if m.where is not None:
        where = f" WHERE ({m.where})"
        try:
            con.execute(f"SELECT count(*) FROM ({m.source_sql}){where}").fetchall()
        except duckdb.Error as e:
            return DataError([_problem(m.table, m.pattern, None, m.where, _first_line(e), "a row filter that evaluates")])
    problems = []
    for c, mc in m.columns.items():
        if mc.status == "lacking":
            continue
        try:
            con.execute(f"SELECT count({mc.sql}) FROM ({m.source_sql}){where}").fetchall()
        except duckdb.Error as e:
            problems.append(_problem(m.table, m.pattern, c, mc.expression or c, _first_line(e),
                                     f"values that convert ({_HINT.get(_type_of(m.table, c), 'text')})"))
    return DataError(problems or [_problem(m.table, m.pattern, None, None, _first_line(error), "a readable source")])


def _type_of(table: str, column: str) -> str:
    spec = TABLES[table]
    return spec.column(column).type if column in spec.names else (spec.extra_type or "string")


# ----------------------------------------------------------------------------- profiles
def load_profile(name: str, profiles_dir: str | Path | None = None) -> DataSources:
    """The shipped mapping ``params/profiles/<name>.yaml`` as DataSources (its ``sources`` only)."""
    folder = Path(profiles_dir) if profiles_dir is not None else PROFILES_DIR
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise DataError([Problem(None, str(path), None, [], "one of the shipped profiles: " + ", ".join(known),
                                 f"unknown data.profile {name!r}")])
    with open(path, encoding="utf-8") as f:
        raw = yaml.safe_load(f) or {}
    if "profile" in raw:
        raise DataError([Problem(None, str(path), None, [], "a profile of sources only", "a profile may not name another profile")])
    return DataSources.model_validate(raw)


def resolve_sources(data: DataSources, profiles_dir: str | Path | None = None) -> dict[str, Source]:
    """Table -> Source: the profile's sources with the center's own merged over them.

    Per table, a field the center sets replaces the profile's; ``columns`` merge key by key
    (the center's mapping wins; ``null`` removes the profile's mapping of that column).
    """
    base = load_profile(data.profile, profiles_dir).sources if data.profile else {}
    out: dict[str, Source] = {t: s.model_copy(deep=True) for t, s in base.items()}
    for table, own in data.sources.items():
        if table not in out:
            out[table] = own.model_copy(deep=True)
            continue
        merged = out[table].model_dump()
        for key in own.model_fields_set:
            if key == "columns":
                merged["columns"] = {**merged["columns"], **copy.deepcopy(own.columns)}
            else:
                merged[key] = copy.deepcopy(getattr(own, key))
        out[table] = Source.model_validate(merged)
    for table, src in out.items():
        if not src.file:
            raise DataError([Problem(table, None, None, [], "data.sources.<table>.file", "no file given for the table")])
    return out
