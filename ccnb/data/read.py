"""Finding a table's files in a data folder and reading them into DuckDB.

Each file becomes a DuckDB relation with every contract column as found in the
file (CSV: text, Parquet: its own types) plus two bookkeeping columns: ``_file``
(path relative to the data folder) and ``_row`` (the CSV line number, header =
line 1, or the 1-based Parquet/DataFrame row). Type conversion and checks happen
in :mod:`ccnb.data.validate`.

CSV encodings: UTF-8 (with or without BOM) is read directly; otherwise the file
is decoded as GB18030 (a superset of GBK and GB2312, what Chinese systems
export) and transcoded to a UTF-8 working copy. Files with NUL bytes or that
decode as neither are rejected as not being text.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ccnb.data.errors import DataError, Problem

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
DATA_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES
_CHUNK = 1 << 20


@dataclass
class SourceFile:
    table: str
    path: Path
    rel: str  # as shown in messages
    kind: str  # "csv" | "parquet" | "frame"
    encoding: str = "utf-8"
    delimiter: str = ","
    columns: tuple[str, ...] = ()
    read_path: Path | None = None  # the (possibly transcoded) file DuckDB reads


def _suffix(p: Path) -> str:
    name = p.name.lower()
    for s in DATA_SUFFIXES:
        if name.endswith(s):
            return s
    return ""


def discover(root: Path, table_names, optional=(), ignore=()) -> tuple[dict[str, list[Path]], list[Problem]]:
    """Map table name -> its files in ``root``; problems for missing, ambiguous and unknown entries.

    ``ignore``: entry names of ``root`` that a mapping (``data.sources``) reads; not unknown files."""
    root = Path(root)
    found: dict[str, list[Path]] = {}
    problems: list[Problem] = []
    if not root.is_dir():
        raise DataError([Problem(None, str(root), None, [], "a folder of data files",
                                 "data folder not found" if not root.exists() else "not a folder")])
    entries = {p.name: p for p in root.iterdir() if not p.name.startswith((".", "_")) and p.name not in set(ignore)}
    claimed: set[str] = set()
    for t in table_names:
        files = [p for n, p in entries.items() if p.is_file() and _suffix(p) and n[: len(n) - len(_suffix(p))] == t]
        folder = entries.get(t) if entries.get(t) is not None and entries[t].is_dir() else None
        if files and folder:
            problems.append(Problem(t, f"{t}/ and {files[0].name}", None, [], "either one file or one folder per table",
                                    "the table is given twice"))
            continue
        if len(files) > 1:
            problems.append(Problem(t, ", ".join(sorted(f.name for f in files)), None, [],
                                    "one file per table (or a folder of files)", "the table is given in several files"))
            continue
        if folder:
            parts = sorted(p for p in folder.rglob("*") if p.is_file() and _suffix(p) and not p.name.startswith("."))
            hollow = _hollow_folders(folder, root)
            if hollow:
                problems += hollow
                continue
            if not parts:
                problems.append(Problem(t, f"{t}/", None, [], "CSV or Parquet files in the folder", "the folder is empty"))
                continue
            found[t] = parts
            claimed.add(t)
        elif files:
            found[t] = files
            claimed.add(files[0].name)
        elif t not in optional:
            problems.append(Problem(t, None, None, [],
                                    f"{t}.csv, {t}.csv.gz, {t}.parquet or a folder {t}/ in the data folder",
                                    "required table is missing"))
    for n, p in sorted(entries.items()):
        if n in claimed or (p.is_file() and not _suffix(p)) or (p.is_dir() and n in table_names):
            continue
        if p.is_dir():
            continue
        stem = n[: len(n) - len(_suffix(p))]
        if stem in table_names:  # already read, or reported as given twice
            continue
        import difflib

        near = difflib.get_close_matches(stem, list(table_names), n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        problems.append(Problem(None, n, None, [], "files named after contract tables: " + ", ".join(table_names),
                                f"unknown data file{hint}"))
    return found, problems


def _hollow_folders(folder: Path, root: Path) -> list[Problem]:
    """Problems for folders inside a table's folder that are named like data files but hold none
    (``interactions/2026-10.parquet/``: a file that became a folder); a Spark-style folder of part files is read."""
    problems = []
    for d in sorted(p for p in folder.rglob("*") if p.is_dir() and _suffix(p) and not p.name.startswith((".", "_"))):
        if not any(f.is_file() and _suffix(f) and not f.name.startswith(".") for f in d.rglob("*")):
            problems.append(Problem(folder.name, f"{d.relative_to(root).as_posix()}/", None, [],
                                    f"a {_suffix(d).lstrip('.')} file (or a folder of part files)",
                                    "a folder named like a data file, with no data file in it"))
    return problems


# ----------------------------------------------------------------------------- encodings
def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def detect_encoding(path: Path, rel: str, table: str) -> str:
    """'utf-8' or 'gb18030'; raises DataError for binary or undecodable files."""
    try:
        with _open_bytes(path) as f:
            head = f.read(65536)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DataError([Problem(table, rel, None, [], "a readable CSV file", f"cannot be read ({e})")]) from None
    if not head.strip():
        raise DataError([Problem(table, rel, None, [], "a header line naming the columns", "the file is empty")])
    if b"\x00" in head:
        raise DataError([Problem(table, rel, None, [], "CSV text (UTF-8 or GBK/GB18030)",
                                 "binary content (NUL bytes), not a CSV text file")])
    first_bad_line = 1
    for enc in ("utf-8", "gb18030"):
        dec = codecs.getincrementaldecoder(enc)()
        line = 1
        chunk = b""
        try:
            with _open_bytes(path) as f:
                while chunk := f.read(_CHUNK):
                    dec.decode(chunk)
                    line += chunk.count(b"\n")
                dec.decode(b"", final=True)
            return enc
        except UnicodeDecodeError as e:
            if enc == "utf-8":
                first_bad_line = line + chunk[: max(e.start, 0)].count(b"\n")
            continue
    raise DataError([Problem(table, rel, None, [], "text in UTF-8 or GBK/GB18030",
                             f"not decodable as UTF-8 or GB18030 (first bad byte near line {first_bad_line})")])


def _transcode(src: Path, dst: Path, encoding: str) -> None:
    dec = codecs.getincrementaldecoder(encoding)()
    with _open_bytes(src) as f, open(dst, "w", encoding="utf-8", newline="") as out:
        while chunk := f.read(_CHUNK):
            out.write(dec.decode(chunk))
        out.write(dec.decode(b"", final=True))


def _header(path: Path, encoding: str) -> tuple[str, str]:
    with _open_bytes(path) as f:
        raw = f.read(65536)
    text = raw.decode(encoding, errors="replace").lstrip("\ufeff")
    first = text.splitlines()[0] if text.splitlines() else ""
    return first, text


def sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def prepare_csv(sf: SourceFile, workdir: Path) -> SourceFile:
    """Detect encoding and delimiter, read the header, transcode when needed."""
    sf.encoding = detect_encoding(sf.path, sf.rel, sf.table)
    header, _ = _header(sf.path, sf.encoding)
    sf.delimiter = sniff_delimiter(header)
    cols = next(csv.reader(io.StringIO(header), delimiter=sf.delimiter))
    sf.columns = tuple(c.strip().lstrip("\ufeff") for c in cols)
    if not any(sf.columns):
        raise DataError([Problem(sf.table, sf.rel, None, [], "a header line naming the columns", "the header line is empty")])
    dupes = sorted({c for c in sf.columns if sf.columns.count(c) > 1})
    if dupes:
        raise DataError([Problem(sf.table, sf.rel, ", ".join(dupes), [1], "each column named once",
                                 "the header repeats a column name")])
    sf.read_path = sf.path
    if sf.encoding != "utf-8":
        workdir.mkdir(parents=True, exist_ok=True)
        sf.read_path = workdir / f"{sf.table}-{abs(hash(sf.rel))}.csv"
        _transcode(sf.path, sf.read_path, sf.encoding)
    return sf


def sql_string(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def csv_relation_sql(sf: SourceFile, rejects: str) -> str:
    """SELECT over a CSV file: every column as text, with _file and _row (line number)."""
    cols = "{" + ", ".join(f"{sql_string(c)}: 'VARCHAR'" for c in sf.columns) + "}"
    return (
        f"SELECT *, {sql_string(sf.rel)} AS _file, (row_number() OVER ()) + 1 AS _row FROM read_csv({sql_string(sf.read_path)}, "
        f"header = true, auto_detect = false, columns = {cols}, delim = {sql_string(sf.delimiter)}, quote = '\"', "
        f"escape = '\"', strict_mode = true, store_rejects = true, rejects_table = {sql_string(rejects)}, "
        f"rejects_scan = {sql_string(rejects + '_scans')}, ignore_errors = true)"
    )


def check_csv_rejects(con: duckdb.DuckDBPyConnection, sf: SourceFile, rejects: str) -> None:
    """Raise for rows DuckDB's CSV reader rejected (wrong field count, bad quoting)."""
    try:
        rows = con.execute(f"SELECT line, error_type, error_message, csv_line FROM {rejects} ORDER BY line LIMIT 5").fetchall()
        n = con.execute(f"SELECT count(*) FROM {rejects}").fetchall()[0][0]
    except duckdb.CatalogException:
        return
    if rows:
        shown = "; ".join(f"line {r[0]}: {r[2].strip()}" for r in rows)
        raise DataError([Problem(sf.table, sf.rel, None, [r[0] for r in rows],
                                 f"{len(sf.columns)} fields per line, separated by {sf.delimiter!r}, quotes closed",
                                 f"malformed CSV lines ({n} in all): {shown}")])


def parquet_relation_sql(sf: SourceFile) -> str:
    return f"SELECT * EXCLUDE (file_row_number), {sql_string(sf.rel)} AS _file, file_row_number + 1 AS _row " \
           f"FROM read_parquet({sql_string(sf.path)}, file_row_number = true)"


_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
             "UHUGEINT")
_NUMBERS = _INTEGERS + ("FLOAT", "DOUBLE", "DECIMAL")
_TIMES = ("TIMESTAMP", "DATE")
#: Contract type -> the physical (DuckDB) types of a Parquet column that can hold it (text always can).
STORED_AS = {"float": _NUMBERS, "int": _NUMBERS, "bool": ("BOOLEAN",) + _INTEGERS, "date": _TIMES,
             "timestamp": _TIMES}


def stored_type_fits(col_type: str, stored: str) -> bool:
    """Whether a Parquet column of DuckDB type ``stored`` can hold values of contract type ``col_type``."""
    stored = stored.upper()
    if col_type == "string" or stored.startswith("VARCHAR") or stored == '"NULL"' or stored == "NULL":
        return True
    return any(stored == t or stored.startswith((t + "(", t + "_", t + " ")) for t in STORED_AS[col_type])


def parquet_schema(con: duckdb.DuckDBPyConnection, sf: SourceFile) -> dict[str, str]:
    """Column name -> DuckDB type of a Parquet file (a DataError when it is not readable Parquet)."""
    try:
        rel = con.sql(f"SELECT * FROM read_parquet({sql_string(sf.path)}) LIMIT 0")
    except duckdb.Error as e:
        raise DataError([Problem(sf.table, sf.rel, None, [], "a readable Parquet file",
                                 f"cannot be read as Parquet ({str(e).splitlines()[0]})")]) from None
    return {c: str(t).upper() for c, t in zip(rel.columns, rel.types)}


def parquet_nonnull(con: duckdb.DuckDBPyConnection, sf: SourceFile, column: str) -> int:
    """How many rows of a Parquet file have a value in ``column``."""
    return con.execute(f"SELECT count({ident(column)}) FROM read_parquet({sql_string(sf.path)})").fetchall()[0][0]
