"""Value formatting for managers: months, numbers with units, traffic-light names, escaping.

Pure functions (no notebook, no HTML layout) used by :mod:`ccnb.present.blocks` (HTML blocks),
:mod:`ccnb.present.display` (the notebook context) and :mod:`ccnb.render.pages` (the pack's index).
Import them from here.
"""
from __future__ import annotations

import datetime as _dt
import html
import numbers
import re
from typing import Any, Callable

from ccnb.i18n.labels import catalog, fmt_pct, t

LIGHTS = ("green", "amber", "red", "grey")
LIGHT_SYMBOLS = {"green": "✓", "amber": "!", "red": "✗", "grey": "–"}
MISSING = "–"


# --------------------------------------------------------------------------- small pure helpers
def esc(x: Any) -> str:
    """HTML-escape any value's text (quotes included)."""
    return html.escape("" if x is None else str(x), quote=True)


def month_name(period, lang: str = "en") -> str:
    """``Period('2026-10')`` -> ``"October 2026"`` / ``"2026年10月"``."""
    import calendar

    return t("report.month_name", lang, name=calendar.month_name[period.month], year=period.year,
             number=period.month)


def is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        import pandas as pd

        r = pd.isna(v)
        return bool(r) if isinstance(r, (bool,)) or getattr(r, "shape", None) == () else False
    except (TypeError, ValueError):
        return False


def label(key_or_text: Any, lang: str = "en") -> str:
    """A label key's text in ``lang``, or the text itself when it is not a catalog key."""
    s = str(key_or_text)
    return t(s, lang) if s in catalog() else s


def unit_text(unit: str | None, lang: str = "en") -> str:
    """``"s"`` -> ``"s"``/``"秒"`` (keys of ``report.units``); other text as given."""
    if not unit:
        return ""
    key = f"report.units.{unit}"
    return t(key, lang) if key in catalog() else str(unit)


#: Column names whose header comes from ``common.<name>`` when no label is given.
COMMON_HEADERS = {"queue", "agent", "team", "shift", "month", "center", "target", "actual", "status", "trend"}

#: Formats whose unit goes into a table's column header (cells show bare numbers).
HEADER_UNIT_FORMATS = {"s": "s", "min": "min", "h": "h", "cny": "cny", "points": "points", "agents": "agents",
                       "fte": "fte", "contacts": "contacts", "days": "days"}


def format_value(v: Any, fmt: str | Callable | None = None, lang: str = "en", *, unit: bool = True) -> str:
    """Format one value for a manager.

    ``fmt``:

    ``pct``/``pct0``/``pct2``
        a fraction as a percentage with 1/0/2 decimals (0.841 -> ``84.1 %``);
    ``pp``
        a difference of fractions in percentage points (0.021 -> ``+2.1 pp``);
    ``int``
        thousands separators (``12,345``);
    ``num``/``num0``/``num1``/``num2``
        a number with automatic / 0 / 1 / 2 decimals;
    ``s``/``min``/``h``/``days``
        a duration already in that unit (``201 s``);
    ``points``/``nps``
        score points (QA 0-100 with 1 decimal, NPS -100..100 with 0 decimals);
    ``cny``/``agents``/``fte``/``contacts``
        amounts with their unit;
    ``date``/``datetime``/``month``
        calendar values;
    a ``str.format`` pattern (``"{:.3f}"``) or a callable.

    ``unit=False`` leaves the unit out (when a table header already carries it).
    Missing values (``None``, NaN, NaT) show as ``–``.
    """
    if is_missing(v):
        return MISSING
    if callable(fmt):
        return str(fmt(v))
    if isinstance(fmt, str) and "{" in fmt:
        return fmt.format(v)
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return t("report.yes_word" if v else "report.no_word", lang)
    u = (lambda name: f" {unit_text(name, lang)}" if unit else "")
    if fmt in ("pct", "pct0", "pct1", "pct2"):
        digits = {"pct": 1, "pct0": 0, "pct1": 1, "pct2": 2}[fmt]
        return fmt_pct(float(v), lang, digits)
    if fmt == "pp":
        return f"{100 * float(v):+.1f}{u('pp')}"
    if fmt == "int":
        return f"{float(v):,.0f}"
    if fmt in ("num0", "num1", "num2"):
        return f"{float(v):,.{int(fmt[-1])}f}"
    if fmt in ("s", "days", "agents", "contacts"):
        return f"{float(v):,.0f}{u(fmt)}"
    if fmt in ("min", "h", "fte"):
        return f"{float(v):,.1f}{u(fmt)}"
    if fmt == "cny":
        return f"{float(v):,.0f}{u('cny')}"
    if fmt == "points":
        return f"{float(v):,.1f}"
    if fmt == "nps":
        return f"{float(v):+.0f}"
    if fmt in ("date", "datetime", "month"):
        import pandas as pd

        if fmt == "month":
            return pd.Period(v, freq="M").strftime("%Y-%m")
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d" if fmt == "date" else "%Y-%m-%d %H:%M")
    if fmt not in (None, "num", "auto"):
        raise ValueError(f"unknown format {fmt!r}; see ccnb.i18n.fmt.format_value")
    # automatic
    if isinstance(v, numbers.Integral):
        return f"{int(v):,d}"
    if isinstance(v, numbers.Real):
        x = float(v)
        if x.is_integer() and abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:,.{auto_decimals(abs(x))}f}"
    if isinstance(v, (_dt.datetime, _dt.date)):
        import pandas as pd

        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d" if (ts.hour, ts.minute, ts.second) == (0, 0, 0) else "%Y-%m-%d %H:%M")
    return str(v)


NUMBER_TEXT = re.compile(
    r"^[+\-−]?\d[\d,]*(\.\d+)?\s*[%\w\u4e00-\u9fff]{0,4}"
    r"(\s*[–~-]\s*[+\-−]?\d[\d,]*(\.\d+)?\s*[%\w\u4e00-\u9fff]{0,4})?$")


def looks_numeric(values) -> bool:
    """Text such as ``"88.0 %"``, ``"197 s"``, ``"70.0 %–85.0 %"`` (already formatted numbers)."""
    seen = False
    for v in values:
        if is_missing(v) or str(v).strip() in ("", MISSING):
            continue
        if not NUMBER_TEXT.match(str(v).strip()):
            return False
        seen = True
    return seen


def auto_decimals(max_abs: float) -> int:
    return 0 if max_abs >= 100 else 1 if max_abs >= 10 else 2


def light_of(value: Any) -> str:
    """Normalise a traffic-light value (``green/amber/red/grey``, case-insensitive; else grey)."""
    s = "" if is_missing(value) else str(value).strip().lower()
    return s if s in LIGHTS else "grey"



def jsonable(v: Any) -> Any:
    if is_missing(v):
        return None
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    return str(v)



__all__ = ["HEADER_UNIT_FORMATS", "LIGHTS", "LIGHT_SYMBOLS", "MISSING", "esc", "format_value", "label", "light_of",
           "month_name", "unit_text"]
