"""Files a pack offers for download (CSV), written so a spreadsheet opens them safely.

* UTF-8 with a byte-order mark, so Excel shows Chinese text correctly;
* text cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab
  or carriage return) get a leading apostrophe, unless they are plainly numbers such as
  ``-5`` or ``+86 138 0000 0001`` (CSV/formula injection, OWASP);
* written to a temporary name and renamed, so a reader never sees half a file.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBERLIKE = re.compile(r"[+-]?[0-9][0-9 ().-]*")


def safe_text(v):
    """``"=HYPERLINK(...)"`` -> ``"'=HYPERLINK(...)"``; anything else unchanged."""
    if isinstance(v, str) and v.startswith(FORMULA_START) and not _NUMBERLIKE.fullmatch(v):
        return "'" + v
    return v


def defuse(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) cannot run as formulas."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].astype(object).map(safe_text)
    out.columns = [safe_text(str(c)) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: str | os.PathLike, *, index: bool = False) -> Path:
    """Write ``df`` as a spreadsheet-safe CSV (see the module doc); returns the path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    defuse(df).to_csv(tmp, index=index, encoding="utf-8-sig")
    os.replace(tmp, path)
    return path
