"""A mapped source's files as DuckDB relations: every column as text, plus ``_file`` and ``_row``.

Used by :mod:`ccnb.data.sources`. Each relation reads one file out of core:

* CSV through DuckDB's ``read_csv`` with every column declared ``VARCHAR`` (the header names
  them), so that the mapping's expressions, not a type sniffer, decide the types. Text that is
  not UTF-8 is decoded as GB18030 (GBK's superset; what Chinese systems export) into a UTF-8
  working copy, streamed in 1 MiB chunks. ``_row`` is the CSV line number (header = line 1).
* Parquet through ``read_parquet`` with its own column types; ``_row`` is the 1-based row.
* Excel ``.xlsx``: DuckDB's ``excel`` extension is not bundled with the Python wheel and cannot
  be installed offline, so the sheet is streamed row by row with openpyxl (read-only mode) into
  a temporary Parquet file of text columns, in batches of :data:`XLSX_BATCH` rows; ``_row`` is
  the Excel row number (header = row 1). Cells keep their displayed meaning as text: dates as
  ``YYYY-MM-DD[ HH:MM:SS]``, durations (``[h]:mm:ss`` cells) as ``H:MM:SS``, whole numbers
  without a decimal point.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import glob
import gzip
import hashlib
import io
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

from ccnb.data.errors import DataError, Problem

_SUFFIX_FORMAT = {".csv": "csv", ".csv.gz": "csv", ".tsv": "csv", ".txt": "csv",
                  ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}
_CHUNK = 1 << 20
XLSX_BATCH = 50_000


def q(s) -> str:
    """An SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def ident(s: str) -> str:
    """An SQL identifier, always quoted."""
    return '"' + str(s).replace('"', '""') + '"'


def find_files(data_dir: Path, table: str, pattern: str) -> list[Path]:
    """The files matching ``pattern`` (a path or glob relative to ``data_dir``), sorted by name."""
    base = Path(data_dir)
    full = pattern if Path(pattern).is_absolute() else str(base / pattern)
    files = sorted(Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file())
    if not files:
        raise DataError([Problem(table, pattern, None, [], f"a file matching {pattern!r} under {base}",
                                 "no file matches the source's file glob")])
    return files


def file_format(path: Path, declared: str, table: str) -> str:
    if declared != "auto":
        return declared
    name = path.name.lower()
    for suffix, fmt in sorted(_SUFFIX_FORMAT.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix):
            return fmt
    raise DataError([Problem(table, path.name, None, [], "a .csv, .csv.gz, .tsv, .txt, .parquet, .pq or .xlsx file "
                             "(or the source's 'format')", "cannot tell the file's format from its name")])


def rel_name(path: Path, data_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(data_dir).resolve()))
    except ValueError:
        return str(path)


# ----------------------------------------------------------------------------- CSV
def _open(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _decodes(path: Path, encoding: str) -> bool:
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        with _open(path) as f:
            while chunk := f.read(_CHUNK):
                dec.decode(chunk)
            dec.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def csv_encoding(path: Path, rel: str, table: str, declared: str) -> str:
    """The declared encoding, or 'utf-8' / 'gb18030', whichever decodes the whole file (one pass)."""
    if declared != "auto":  # trusted without a pass over the whole file: its first 64 KiB are checked
        with _open(path) as f:
            head = f.read(65536)
        try:
            codecs.getincrementaldecoder("utf-8-sig" if declared == "utf-8" else declared)().decode(head)
        except UnicodeDecodeError as e:
            line = head[: e.start].count(b"\n") + 1
            raise DataError([Problem(table, rel, None, [line], f"text in {declared} (data.sources.{table}.encoding)",
                                     f"the file does not decode as {declared} (line {line})")]) from None
        return declared
    for enc in ("utf-8", "gb18030"):
        if _decodes(path, enc):
            return enc
    raise DataError([Problem(table, rel, None, [], "text in UTF-8 or GBK/GB18030", "not decodable as UTF-8 or GB18030")])


def _transcode(src: Path, dst: Path, encoding: str, table: str, rel: str) -> None:
    dec = codecs.getincrementaldecoder(encoding)()
    line = 1
    try:
        with _open(src) as f, open(dst, "w", encoding="utf-8", newline="") as out:
            while chunk := f.read(_CHUNK):
                text = dec.decode(chunk)
                line += text.count("\n")
                out.write(text)
            out.write(dec.decode(b"", final=True))
    except UnicodeDecodeError:
        raise DataError([Problem(table, rel, None, [], f"text in {encoding} (data.sources.{table}.encoding)",
                                 f"the file does not decode as {encoding} (near line {line})")]) from None


def _header(path: Path, encoding: str) -> str:
    with _open(path) as f:
        raw = f.read(65536)
    lines = raw.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()
    return lines[0] if lines else ""


def csv_relation(path: Path, rel: str, table: str, encoding: str, delimiter: str | None, workdir: Path) -> tuple[str, list[str]]:
    """(SELECT over the CSV file with every column as text plus _file, _row; the header's column names)."""
    enc = csv_encoding(path, rel, table, encoding)
    header = _header(path, "utf-8" if enc == "utf-8" else enc)
    if not header.strip():
        raise DataError([Problem(table, rel, None, [1], "a header line naming the columns", "the header line is empty")])
    if delimiter is None:
        counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
        delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
    cols = [c.strip() for c in next(csv.reader(io.StringIO(header), delimiter=delimiter))]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes or not all(cols):
        raise DataError([Problem(table, rel, ", ".join(dupes) or None, [1], "each column named once, none blank",
                                 "the header repeats a column name" if dupes else "the header has a blank column name")])
    read = path
    if enc != "utf-8":
        workdir.mkdir(parents=True, exist_ok=True)
        read = workdir / f"{table}-{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]}.csv"
        _transcode(path, read, enc, table, rel)
    spec = "{" + ", ".join(f"{q(c)}: 'VARCHAR'" for c in cols) + "}"
    sql = (f"SELECT *, {q(rel)} AS _file, CAST((row_number() OVER ()) + 1 AS BIGINT) AS _row FROM read_csv({q(read)}, "
           f"header = true, auto_detect = false, columns = {spec}, delim = {q(delimiter)}, quote = '\"', "
           f"escape = '\"', strict_mode = true)")
    return sql, cols


# ----------------------------------------------------------------------------- Parquet
def parquet_relation(path: Path, rel: str) -> str:
    return (f"SELECT * EXCLUDE (file_row_number), {q(rel)} AS _file, CAST(file_row_number + 1 AS BIGINT) AS _row "
            f"FROM read_parquet({q(path)}, file_row_number = true)")


# ----------------------------------------------------------------------------- Excel
def xlsx_relation(parquet: Path, rel: str) -> str:
    """SELECT over a sheet converted by :func:`xlsx_to_parquet` (which stored the Excel row numbers)."""
    return f"SELECT *, {q(rel)} AS _file FROM read_parquet({q(parquet)})"


def _cell_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ") if (v.hour, v.minute, v.second, v.microsecond) != (0, 0, 0, 0) else v.date().isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        s = v.total_seconds()
        sign, s = ("-" if s < 0 else ""), abs(s)
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        return f"{sign}{int(h)}:{int(m):02d}:{sec:02.0f}" if float(sec).is_integer() else f"{sign}{int(h)}:{int(m):02d}:{sec:06.3f}"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    text = str(v).strip()
    return text or None


def xlsx_to_parquet(path: Path, rel: str, table: str, sheet: str | None, workdir: Path) -> Path:
    """Stream one sheet into a Parquet file of text columns (header row = column names)."""
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many types for a damaged file
        raise DataError([Problem(table, rel, None, [], "a readable .xlsx workbook", f"cannot be read ({e})")]) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise DataError([Problem(table, rel, None, [], f"a sheet named {sheet!r} (the workbook has: "
                                     f"{', '.join(wb.sheetnames)})", "sheet not found")])
        ws = wb[sheet] if sheet else wb[wb.sheetnames[0]]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        cols = [_cell_text(c) for c in (header or ())]
        while cols and cols[-1] is None:
            cols.pop()
        if not cols or any(c is None for c in cols) or len(set(cols)) != len(cols):
            raise DataError([Problem(table, rel, None, [1], "a first row naming each column once",
                                     "the sheet's header row is empty, has blank or repeated names")])
        workdir.mkdir(parents=True, exist_ok=True)
        out = workdir / f"{table}-{hashlib.sha1(f'{path.resolve()}:{sheet}'.encode()).hexdigest()[:12]}.parquet"
        schema = pa.schema([(c, pa.string()) for c in cols] + [("_row", pa.int64())])
        with pq.ParquetWriter(out, schema) as writer:
            batch: list[list] = [[] for _ in range(len(cols) + 1)]
            n, written = 0, 0
            for excel_row, r in enumerate(rows, start=2):
                values = [_cell_text(r[i]) if i < len(r) else None for i in range(len(cols))]
                if all(v is None for v in values):  # blank rows (formatting left below the data)
                    continue
                for i, v in enumerate(values + [excel_row]):
                    batch[i].append(v)
                n += 1
                if n == XLSX_BATCH:
                    writer.write_table(pa.table(batch, schema=schema))
                    batch, n, written = [[] for _ in range(len(cols) + 1)], 0, written + n
            if n or not written:
                writer.write_table(pa.table(batch, schema=schema))
        return out
    finally:
        wb.close()
