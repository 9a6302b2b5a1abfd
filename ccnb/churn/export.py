"""Masked references for reports, and the outreach list (real identifiers) for the restricted folder.

Masking: a report shows ``C7KQ2MX4A`` (no hyphen, so it never wraps) instead of the customer id: the first 40 bits of
``HMAC-SHA256(key, customer_id)`` in base32. Without the key the reference cannot be
turned back into the id, not even by trying every possible id (ids are short and
sequential, so an unkeyed or public-salt hash would be reversible). The key is
``$CCNB_MASK_KEY`` when set, otherwise a random secret created once per machine in
``config.SECRETS_DIR/mask.key`` (mode 0600, never in a pack): references stay the same
across runs, languages and notebooks, so reruns give the same tables. The outreach list
carries the same reference beside the real id, so a manager can point at an example in the
report and the outreach team can find the customer.

The outreach list goes **only** to ``ctx.restricted_dir`` (never linked from HTML):
``churn_outreach_<month>.csv`` (UTF-8 with BOM, so Excel shows Chinese text) and
``churn_outreach_<month>.xlsx`` (openpyxl: a header row, percent and date formats, frozen
header, an "About" sheet). Text cells starting with ``= + - @`` are written as text, never
as formulas (spreadsheet formula injection).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ccnb.churn.wording import band_label, segment_label, tier_label
from ccnb.core import config, exports
from ccnb.i18n.labels import t


def mask_key() -> bytes:
    env = os.environ.get("CCNB_MASK_KEY")
    if env:
        return env.encode("utf-8")
    path = Path(config.SECRETS_DIR) / "mask.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"mask.key.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(tmp, path)  # first writer wins; a concurrent run reads the winner's key
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_bytes()


def mask_id(customer_id, key: bytes | None = None) -> str:
    """``"CU0012345"`` -> ``"C7KQ2MX4A"`` (keyed hash; see the module docstring)."""
    if customer_id is None or customer_id is pd.NA:
        return "–"
    mac = hmac.new(key if key is not None else mask_key(), str(customer_id).encode("utf-8"), hashlib.sha256)
    return "C" + base64.b32encode(mac.digest()[:5]).decode("ascii")


def mask_ids(ids, key: bytes | None = None) -> pd.Series:
    k = key if key is not None else mask_key()
    s = pd.Series(ids)
    return pd.Series([mask_id(x, k) for x in s], index=s.index, dtype="string")


#: Columns of the outreach list, in order (label keys ``churn.export.<name>``).
COLUMNS = ("rank", "priority", "customer_id", "ref", "phone", "email", "segment", "value_tier", "value", "score",
           "band", "reasons", "reason_codes", "last_contact", "days_since_contact")


def outreach_table(flagged: pd.DataFrame, tables, lang: str = "en", key: bytes | None = None) -> pd.DataFrame:
    """The outreach list: one row per flagged customer, highest risk first, real identifiers.

    Columns: ``rank`` (1 = highest score among the flagged), ``priority`` (within the outreach
    capacity), ``customer_id``, ``ref`` (the masked reference the report shows), ``phone`` and
    ``email`` (when the customers table has them), ``segment``, ``value_tier``, ``value``
    (CNY/month), ``score`` (0-1), ``band``, ``reasons``, ``reason_codes``, ``last_contact``
    (timestamp), ``days_since_contact`` (days). Names of segments, tiers and bands in ``lang``.
    """
    fl = flagged.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    out = pd.DataFrame({
        "rank": range(1, len(fl) + 1),
        "priority": fl["priority"].astype(bool),
        "customer_id": fl["customer_id"].astype("string"),
        "ref": mask_ids(fl["customer_id"], key),
    })
    cols = set(tables.columns_of("customers"))
    extra = [c for c in ("phone", "email") if c in cols]
    if extra and len(fl):
        ids = pd.DataFrame({"customer_id": fl["customer_id"].astype(str)})
        tables.con.register("_churn_outreach_ids", ids)
        try:
            contact = tables.sql(f"SELECT c.customer_id, {', '.join('c.' + c for c in extra)} FROM customers c "
                                 "JOIN _churn_outreach_ids i ON i.customer_id = c.customer_id")
        finally:
            tables.con.unregister("_churn_outreach_ids")
        contact["customer_id"] = contact["customer_id"].astype("string")
        out = out.merge(contact, on="customer_id", how="left")
    for c in ("phone", "email"):
        out[c] = out[c].astype("string") if c in out else pd.array([None] * len(out), dtype="string")
    out["segment"] = [segment_label(s, lang) for s in fl["segment"]]
    out["value_tier"] = [tier_label(s, lang) for s in fl["value_tier"]]
    out["value"] = fl["value"].astype("float64").round(2)
    out["score"] = fl["score"].astype("float64")
    out["band"] = [band_label(b, lang) for b in fl["band"]]
    out["reasons"] = fl["reasons"].astype("string")
    out["reason_codes"] = fl["reason_codes"].astype("string")
    out["last_contact"] = pd.to_datetime(fl["last_contact_ts"])
    out["days_since_contact"] = fl["days_since_contact"].astype("float64").round(1)
    return out[list(COLUMNS)]


def headers(lang: str = "en") -> dict[str, str]:
    return {c: t(f"churn.export.{c}", lang) for c in COLUMNS}


def write_csv(table: pd.DataFrame, path: Path, lang: str = "en") -> Path:
    """UTF-8 with BOM; score as a percentage number; yes/no in ``lang``; formulas defused."""
    df = table.copy()
    df["score"] = (100 * df["score"]).round(1)
    df["priority"] = [t("report.yes_word" if p else "report.no_word", lang) for p in df["priority"]]
    df["last_contact"] = df["last_contact"].dt.strftime("%Y-%m-%d %H:%M")
    head = headers(lang)
    head["score"] = f"{head['score']} (%)"
    return exports.write_csv(df.rename(columns=head), path)


#: Rows a worksheet holds (Excel's limit), the header row included.
EXCEL_MAX_ROWS = 1_048_576


def write_xlsx(table: pd.DataFrame, path: Path, lang: str = "en", about: str = "") -> Path:
    """An Excel workbook: the list (header, formats, frozen header, filters) and an "About" sheet.

    Written in openpyxl's write-only mode (rows streamed to the file: memory does not grow with
    the list). A list longer than Excel's limit keeps its first ``EXCEL_MAX_ROWS - 1`` rows (the
    highest risk) and the About sheet says so; the CSV has every row.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(t("churn.export.sheet", lang)[:31])
    head = headers(lang)
    cols = list(table.columns)
    n = min(len(table), EXCEL_MAX_ROWS - 1)
    widths = {"reasons": 80, "reason_codes": 40, "email": 28, "last_contact": 17}
    for j, c in enumerate(cols, start=1):  # column widths, frozen header, filter: before any row
        ws.column_dimensions[get_column_letter(j)].width = widths.get(c, max(10, min(24, len(head.get(c, c)) + 2)))
    ws.freeze_panes = "A2"
    if n:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{n + 1}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    top = Alignment(wrap_text=True, vertical="top")
    header = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=head.get(c, c))
        cell.font, cell.fill, cell.alignment = bold, fill, top
        header.append(cell)
    ws.append(header)
    formats = {"score": "0.0%", "last_contact": "yyyy-mm-dd hh:mm", "value": "#,##0.00"}
    yes, no = t("report.yes_word", lang), t("report.no_word", lang)
    for row in table.iloc[:n].itertuples(index=False, name=None):
        out = []
        for c, v in zip(cols, row):
            if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT:
                v = None
            elif c == "priority":
                v = yes if v else no
            elif isinstance(v, pd.Timestamp):
                v = v.to_pydatetime()
            if isinstance(v, str) or c in formats:
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"  # never a formula
                if c in formats:
                    cell.number_format = formats[c]
                v = cell
            out.append(v)
        ws.append(out)
    info = wb.create_sheet(t("churn.export.about_sheet", lang)[:31])
    info.column_dimensions["A"].width = 100
    if n < len(table):
        about += "\n\n" + t("churn.export.cut", lang, n=f"{n:,d}", total=f"{len(table):,d}")
    note = WriteOnlyCell(info, value=about)
    note.alignment = top
    info.append([note])
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}.xlsx")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_outreach(table: pd.DataFrame, restricted_dir, month, lang: str = "en", *, cutoff=None,
                   days: int | None = None) -> list[Path]:
    """Write the outreach list as CSV and Excel into ``restricted_dir``; returns the two paths.

    ``cutoff`` (the instant the scores are as of) is shown as the last day of data before it.
    """
    d = Path(restricted_dir)
    d.mkdir(parents=True, exist_ok=True)
    stem = f"churn_outreach_{month}"
    about = t("churn.export.about", lang, days=days if days is not None else "",
              cutoff=f"{pd.Timestamp(cutoff) - pd.Timedelta(days=1):%Y-%m-%d}" if cutoff is not None else "")
    return [write_csv(table, d / f"{stem}.csv", lang), write_xlsx(table, d / f"{stem}.xlsx", lang, about)]
