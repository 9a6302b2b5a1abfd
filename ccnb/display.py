"""Notebook-side display helpers: what a manager reads, in plain language, no code.

A report notebook starts with::

    ctx = ccnb.display.setup(month, data_dir, params_path, lang, out_dir)

and then shows results with ``ctx.title(...)``, ``ctx.h2(...)``, ``ctx.text(...)``,
``ctx.table(df, ...)``, ``ctx.kpi_cards(...)``, ``ctx.alerts([...])`` and records the
month's headline figures for the pack's index page with ``ctx.summary(...)``.

Rules the helpers enforce
-------------------------
* Words come from the label catalog (``ccnb/locale/*.yaml``) in the report's language;
  ``key`` arguments are label keys such as ``"forecast.title"``.
* **Everything that comes from data is HTML-escaped**: cell values, column names,
  format fields, alert texts. An agent called ``<script>`` shows as that text.
  Labels (trusted, from the catalog) may use ``**bold**``.
* Traffic lights carry a symbol and a word as well as a colour (✓ on target,
  ! near target, ✗ below target, – insufficient data), so they read in black-and-white
  print and for colour-blind readers.
* Every helper displays its HTML once (with a plain-text fallback for consoles) and
  returns ``None``; the ``*_html`` functions return the markup (for tests and reuse).
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import numbers
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from ccnb import config
from ccnb.i18n import LANGS, Translator, catalog, fmt_pct, t

LIGHTS = ("green", "amber", "red", "grey")
LIGHT_SYMBOLS = {"green": "✓", "amber": "!", "red": "✗", "grey": "–"}
MISSING = "–"
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# --------------------------------------------------------------------------- small pure helpers
def esc(x: Any) -> str:
    """HTML-escape any value's text (quotes included)."""
    return html.escape("" if x is None else str(x), quote=True)


def parse_month(month: Any):
    """``"2026-10"`` -> ``pandas.Period('2026-10', 'M')``; anything else is a ``ValueError``.

    Only the exact form ``YYYY-MM`` is accepted (month folders are built from it, so
    ``../x`` or ``2026-1`` must never get through).
    """
    import pandas as pd

    if isinstance(month, pd.Period):
        month = month.strftime("%Y-%m")
    if not isinstance(month, str) or not _MONTH_RE.match(month):
        raise ValueError(f"month must look like YYYY-MM (e.g. 2026-10), got {month!r}")
    return pd.Period(month, freq="M")


def month_name(period, lang: str = "en") -> str:
    """``Period('2026-10')`` -> ``"October 2026"`` / ``"2026年10月"``."""
    import calendar

    return t("report.month_name", lang, name=calendar.month_name[period.month], year=period.year,
             number=period.month)


def _is_missing(v: Any) -> bool:
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
_COMMON_HEADERS = {"queue", "agent", "team", "shift", "month", "center", "target", "actual", "status", "trend"}

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
    if _is_missing(v):
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
        raise ValueError(f"unknown format {fmt!r}; see ccnb.display.format_value")
    # automatic
    if isinstance(v, numbers.Integral):
        return f"{int(v):,d}"
    if isinstance(v, numbers.Real):
        x = float(v)
        if x.is_integer() and abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:,.{_auto_decimals(abs(x))}f}"
    if isinstance(v, (_dt.datetime, _dt.date)):
        import pandas as pd

        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d" if (ts.hour, ts.minute, ts.second) == (0, 0, 0) else "%Y-%m-%d %H:%M")
    return str(v)


_NUMBER_TEXT = re.compile(
    r"^[+\-−]?\d[\d,]*(\.\d+)?\s*[%\w\u4e00-\u9fff]{0,4}"
    r"(\s*[–~-]\s*[+\-−]?\d[\d,]*(\.\d+)?\s*[%\w\u4e00-\u9fff]{0,4})?$")


def _looks_numeric(values) -> bool:
    """Text such as ``"88.0 %"``, ``"197 s"``, ``"70.0 %–85.0 %"`` (already formatted numbers)."""
    seen = False
    for v in values:
        if _is_missing(v) or str(v).strip() in ("", MISSING):
            continue
        if not _NUMBER_TEXT.match(str(v).strip()):
            return False
        seen = True
    return seen


def _auto_decimals(max_abs: float) -> int:
    return 0 if max_abs >= 100 else 1 if max_abs >= 10 else 2


def _rich(template: str) -> str:
    """Escape a trusted label and turn ``**x**`` into bold."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc(template))


def _safe_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Numbers and dates pass through (format specs in labels keep working); the rest is escaped."""
    out = {}
    for k, v in fields.items():
        if isinstance(v, (numbers.Number, _dt.date, _dt.datetime)) and not isinstance(v, bool):
            out[k] = v
        else:
            out[k] = esc(v)
    return out


def label_html(key: str, lang: str = "en", **fields) -> str:
    """A catalog label as safe HTML: the label escaped (``**bold**`` kept), fields escaped."""
    return _rich(t(key, lang)).format(**_safe_fields(fields))


def light_of(value: Any) -> str:
    """Normalise a traffic-light value (``green/amber/red/grey``, case-insensitive; else grey)."""
    s = "" if _is_missing(value) else str(value).strip().lower()
    return s if s in LIGHTS else "grey"


def light_html(value: Any, lang: str = "en", *, short: bool = False) -> str:
    """``<span class="ccnb-light light-red">✗ below target</span>`` (symbol + word + colour)."""
    light = light_of(value)
    word = t(f"common.light_{light}", lang)
    sym = LIGHT_SYMBOLS[light]
    inner = f'<span class="sym" aria-hidden="true">{sym}</span>'
    inner += f'<span class="word">{esc(word)}</span>' if not short else f'<span class="sr">{esc(word)}</span>'
    return f'<span class="ccnb-light light-{light}" title="{esc(word)}">{inner}</span>'


# --------------------------------------------------------------------------- block builders
def heading_html(level: int, key: str, lang: str = "en", **fields) -> str:
    return f"<h{level}>{label_html(key, lang, **fields)}</h{level}>"


def text_html(key: str, lang: str = "en", *, css: str = "ccnb-text", **fields) -> str:
    return f'<p class="{css}">{label_html(key, lang, **fields)}</p>'


def table_html(
    df,
    lang: str = "en",
    *,
    formats: Mapping[str, str | Callable] | None = None,
    labels: Mapping[str, str] | None = None,
    light: str | None = None,
    columns: Sequence[str] | None = None,
    index: bool | None = None,
    caption: str | None = None,
    max_rows: int | None = None,
    total: Mapping[str, Any] | None = None,
    compact: bool = False,
) -> str:
    """A DataFrame as a formatted HTML table.

    * ``formats``: column -> format (see :func:`format_value`); numeric columns without
      one get a common number of decimals per column; numbers are right-aligned.
      Durations and amounts (``s``, ``min``, ``cny`` ...) put their unit in the header.
    * ``labels``: column -> label key or text for the header (default: see below,
      else the column name).
    * ``light``: name of a column holding ``green/amber/red/grey``; shown as a status
      column with symbol, word and colour.
    * ``columns``: which columns to show, in order (default: all).
    * ``index``: include the index as leading column(s) (default: when it is not a
      plain 0..n-1 range).
    * Text columns whose values are numbers formatted upstream (``"88.0 %"``, ``"197 s"``)
      are right-aligned too; more than 8 columns switch to the compact style.
    * ``caption``: label key or text above the table; ``max_rows``: cut long tables
      with a note saying how many rows are hidden; ``total``: a final row
      (column -> value, or label for the first column).
      Headers of the columns ``queue, agent, team, shift, month, center, target, actual,
      status, trend`` default to their ``common.*`` label.
    """
    import pandas as pd

    formats = dict(formats or {})
    labels = dict(labels or {})
    if df is None or len(df) == 0:
        return f'<p class="ccnb-empty">{esc(t("report.no_rows", lang))}</p>'
    frame = df
    if index is None:
        index = not (isinstance(df.index, pd.RangeIndex) and df.index.name is None)
    if index:
        frame = df.reset_index()
    cols = list(columns) if columns is not None else [c for c in frame.columns]
    if index and columns is not None:
        idx_names = [c for c in frame.columns[: df.index.nlevels]]
        cols = [c for c in idx_names if c not in cols] + cols
    if light is not None and light in cols:
        cols = [c for c in cols if c != light] + [light]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise KeyError(f"table: no column(s) {missing}; the frame has {list(frame.columns)}")

    hidden = 0
    if max_rows is not None and len(frame) > max_rows:
        hidden = len(frame) - max_rows
        frame = frame.iloc[:max_rows]

    kinds: dict[str, str] = {}
    auto_dec: dict[str, int] = {}
    for c in cols:
        s = frame[c]
        fmt = formats.get(c)
        if c == light:
            kinds[c] = "light"
        elif fmt in ("date", "datetime", "month") or pd.api.types.is_bool_dtype(s):
            kinds[c] = "text"
        elif isinstance(fmt, str):
            kinds[c] = "num"
        elif fmt is not None:  # a callable: align as the data is
            kinds[c] = "num" if pd.api.types.is_numeric_dtype(s) else "text"
        elif pd.api.types.is_numeric_dtype(s):
            kinds[c] = "num"
            if not pd.api.types.is_integer_dtype(s):
                m = pd.to_numeric(s, errors="coerce").abs().max()
                auto_dec[c] = _auto_decimals(float(m)) if pd.notna(m) else 2
        elif fmt is None and _looks_numeric(s):  # numbers formatted upstream align as numbers
            kinds[c] = "num"
        else:
            kinds[c] = "text"

    def head(c) -> str:
        if c == light and c not in labels:
            text = t("common.status", lang)
        elif c in labels:
            text = label(labels[c], lang)
        elif c in _COMMON_HEADERS:
            text = t(f"common.{c}", lang)
        else:
            text = str(c)
        fmt = formats.get(c)
        if isinstance(fmt, str) and fmt in HEADER_UNIT_FORMATS:
            u = unit_text(HEADER_UNIT_FORMATS[fmt], lang)
            text = f"{text}（{u}）" if lang == "zh" else f"{text} ({u})"
        cls = ' class="num"' if kinds[c] == "num" else ""
        return f"<th scope=\"col\"{cls}>{esc(text)}</th>"

    def cell(c, v) -> str:
        kind = kinds[c]
        if kind == "light":
            return f'<td class="light">{light_html(v, lang)}</td>'
        fmt = formats.get(c)
        if fmt is None and c in auto_dec and not _is_missing(v):
            text = f"{float(v):,.{auto_dec[c]}f}"
        else:
            header_unit = isinstance(fmt, str) and fmt in HEADER_UNIT_FORMATS
            text = format_value(v, fmt, lang, unit=not header_unit)
        cls = ' class="num"' if kind == "num" else ""
        return f"<td{cls}>{esc(text)}</td>"

    compact = compact or len(cols) > 8          # wide tables get the small print so they fit A4
    parts = [f'<div class="ccnb-table-wrap"><table class="ccnb-table{" compact" if compact else ""}">']
    if caption:
        parts.append(f"<caption>{esc(label(caption, lang))}</caption>")
    parts.append("<thead><tr>" + "".join(head(c) for c in cols) + "</tr></thead><tbody>")
    for row in frame[cols].itertuples(index=False, name=None):
        parts.append("<tr>" + "".join(cell(c, v) for c, v in zip(cols, row)) + "</tr>")
    parts.append("</tbody>")
    if total:
        tot = dict(total)
        first = cols[0]
        cells = []
        for c in cols:
            if c in tot:
                cells.append(cell(c, tot[c]) if c != first or kinds[c] == "num" else
                             f"<td>{esc(label(tot[c], lang))}</td>")
            elif c == first:
                cells.append(f"<td>{esc(t('report.total', lang))}</td>")
            else:
                cells.append("<td></td>")
        parts.append('<tfoot><tr class="total">' + "".join(cells) + "</tr></tfoot>")
    parts.append("</table>")
    if hidden:
        parts.append(f'<p class="ccnb-note">{esc(t("report.more_rows", lang, n=f"{hidden:,d}"))}</p>')
    parts.append("</div>")
    return "".join(parts)


def _records(items) -> list[dict]:
    if hasattr(items, "to_dict"):
        return list(items.to_dict("records"))
    return [dict(i) for i in items]


def kpi_cards_html(items, lang: str = "en") -> str:
    """Headline KPI cards: label, value, target and light.

    ``items`` is a DataFrame or a list of mappings with keys ``label`` (label key or
    text), ``value``, optional ``fmt`` (see :func:`format_value`), ``target``,
    ``target_fmt`` (default ``fmt``), ``light`` (``green/amber/red/grey``) and ``note``
    (text under the target, e.g. the previous month). Values are shown with their unit.
    """
    cards = []
    for it in _records(items):
        fmt = it.get("fmt")
        fmt = None if _is_missing(fmt) else fmt
        lt = light_of(it.get("light"))
        value = format_value(it.get("value"), fmt, lang)
        target = it.get("target")
        tfmt = it.get("target_fmt")
        tfmt = fmt if _is_missing(tfmt) else tfmt
        target_text = (t("report.target_is", lang, value=format_value(target, tfmt, lang))
                       if not _is_missing(target) else t("report.no_target", lang))
        note = it.get("note")
        note_html = "" if _is_missing(note) or not note else f'<div class="card-note">{esc(label(note, lang))}</div>'
        cards.append(
            f'<div class="ccnb-card light-{lt}">'
            f'<div class="card-label">{esc(label(it.get("label", ""), lang))}</div>'
            f'<div class="card-value">{esc(value)}</div>'
            f'<div class="card-target">{esc(target_text)}</div>{note_html}'
            f'<div class="card-light">{light_html(lt, lang)}</div>'
            "</div>"
        )
    return '<div class="ccnb-cards">' + "".join(cards) + "</div>"


def alerts_html(alerts: Iterable[Any], lang: str = "en") -> str:
    """A box listing points for attention (each escaped); says so when there are none.

    Items are strings, or ``(text, light)`` pairs to mark how serious each is.
    """
    rows = []
    for a in alerts or []:
        if isinstance(a, (tuple, list)) and len(a) == 2:
            text, lt = a
        else:
            text, lt = a, "amber"
        lt = light_of(lt)
        rows.append(f'<li class="light-{lt}"><span class="sym" aria-hidden="true">{LIGHT_SYMBOLS[lt]}</span> '
                    f"{esc(text)}</li>")
    title = esc(t("report.alerts", lang))
    if not rows:
        return (f'<div class="ccnb-alerts none"><div class="alerts-title">{title}</div>'
                f'<p>{esc(t("report.no_alerts", lang))}</p></div>')
    return f'<div class="ccnb-alerts"><div class="alerts-title">{title}</div><ul>{"".join(rows)}</ul></div>'


def _plain(html_text: str) -> str:
    """A rough plain-text version of our HTML (console fallback)."""
    s = re.sub(r"</(p|div|h\d|tr|li|caption)>", "\n", html_text)
    s = re.sub(r"</t[dh]>", "\t", s)
    s = re.sub(r"<[^>]+>", "", s)
    return html.unescape(re.sub(r"\n{2,}", "\n", s)).strip()


def show_html(markup: str) -> None:
    """Display markup once in the notebook (text/html with a text/plain fallback)."""
    from IPython.display import display

    display({"text/html": markup, "text/plain": _plain(markup)}, raw=True)


# --------------------------------------------------------------------------- the context
class Context:
    """What a report notebook works with; built by :func:`setup`.

    Attributes: ``tables`` (``ccnb.data.Tables``), ``params`` (``ccnb.params.Params``),
    ``t`` (``Translator``), ``lang``, ``month`` (``pandas.Period``), ``out_dir``,
    ``files_dir`` (exports a manager may open), ``restricted_dir`` (customer
    identifiers; never linked from HTML), ``notebook`` (name used for the summary file).
    """

    def __init__(self, *, tables, params, lang: str, month, out_dir: Path, notebook: str | None = None):
        self.tables = tables
        self.params = params
        self.lang = lang
        self.t = Translator(lang)
        self.month = month
        self.out_dir = Path(out_dir)
        self.files_dir = self.out_dir / "files"
        self.restricted_dir = self.out_dir / "restricted"
        self.summary_dir = self.out_dir / "summary"
        self.notebook = notebook or notebook_name()

    def __repr__(self) -> str:
        return f"<ccnb Context month={self.month} lang={self.lang} out_dir={self.out_dir}>"

    # -- words
    @property
    def center_name(self) -> str:
        c = self.params.center
        return (c.name_zh or c.name) if self.lang == "zh" else c.name

    @property
    def month_name(self) -> str:
        return month_name(self.month, self.lang)

    def title(self, key: str, **fields) -> None:
        """The report's title (h1) with the center and month under it; recorded for the index page."""
        markup = heading_html(1, key, self.lang, **fields)
        sub = esc(t("report.center_month", self.lang, center=self.center_name, month=self.month_name))
        show_html(f'<header class="ccnb-title">{markup}<p class="subtitle">{sub}</p></header>')
        self._update_summary(title=_plain(markup))

    def h2(self, key: str, **fields) -> None:
        """A section heading."""
        show_html(heading_html(2, key, self.lang, **fields))

    def h3(self, key: str, **fields) -> None:
        """A sub-section heading."""
        show_html(heading_html(3, key, self.lang, **fields))

    def text(self, key: str, **fields) -> None:
        """A paragraph from a label; fields (data) are escaped, ``**bold**`` in the label kept."""
        show_html(text_html(key, self.lang, **fields))

    def note(self, key: str, **fields) -> None:
        """A small grey paragraph (definitions, data caveats)."""
        show_html(text_html(key, self.lang, css="ccnb-note", **fields))

    def table(self, df, **kw) -> None:
        """A formatted table; see :func:`table_html` for the options."""
        show_html(table_html(df, self.lang, **kw))

    def kpi_cards(self, items) -> None:
        """Headline KPI cards; see :func:`kpi_cards_html`."""
        show_html(kpi_cards_html(items, self.lang))

    lights = kpi_cards

    def alerts(self, alerts: Iterable[Any]) -> None:
        """Points for attention; see :func:`alerts_html`."""
        show_html(alerts_html(alerts, self.lang))

    def fmt(self, value, fmt=None) -> str:
        """A value formatted as tables and cards show it (plain text, not escaped)."""
        return format_value(value, fmt, self.lang)

    # -- the pack's index page
    def summary(self, key: str, value: Any, *, fmt: str | None = None, target: Any = None,
                light: str | None = None, label_key: str | None = None, note: str | None = None) -> None:
        """Record a headline figure for the pack's index page.

        Writes ``out_dir/summary/<notebook>.json``; calling again with the same ``key``
        replaces the entry. ``key`` identifies the figure (and is its label when it is a
        catalog key; ``label_key`` overrides); ``fmt``, ``target``, ``light`` and ``note``
        as for :meth:`kpi_cards`.
        """
        lab = label(label_key or key, self.lang)
        entry = {
            "key": key,
            "label": lab,
            "value": _jsonable(value),
            "fmt": fmt,
            "display": format_value(value, fmt, self.lang),
            "target": _jsonable(target),
            "target_display": None if _is_missing(target) else format_value(target, fmt, self.lang),
            "light": light_of(light) if light is not None else None,
            "note": None if not note else label(note, self.lang),
        }
        doc = self._read_summary()
        items = [i for i in doc.get("items", []) if i.get("key") != key] + [entry]
        self._update_summary(items=items)

    def _summary_path(self) -> Path:
        return self.summary_dir / f"{self.notebook}.json"

    def _read_summary(self) -> dict:
        p = self._summary_path()
        if p.is_file():
            return json.loads(p.read_text(encoding="utf-8"))
        return {}

    def _update_summary(self, **changes) -> None:
        doc = self._read_summary()
        doc.update({"notebook": self.notebook, "month": str(self.month), "lang": self.lang}, **changes)
        doc.setdefault("items", [])
        self.summary_dir.mkdir(parents=True, exist_ok=True)
        p = self._summary_path()
        tmp = p.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, p)


def _jsonable(v: Any) -> Any:
    if _is_missing(v):
        return None
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    return str(v)


def notebook_name() -> str:
    """Name of the running notebook (file stem) for the summary file.

    The report pipeline sets ``CCNB_NOTEBOOK`` for each kernel it starts; JupyterLab
    sets ``JPY_SESSION_NAME`` (the notebook path). Otherwise ``"notebook"``.
    """
    name = os.environ.get("CCNB_NOTEBOOK") or os.environ.get("JPY_SESSION_NAME") or ""
    stem = Path(name).stem if name else ""
    return re.sub(r"[^\w.-]", "_", stem) or "notebook"


def setup(month, data_dir=None, params_path=None, lang: str = "en", out_dir=None) -> Context:
    """Load and validate params and data for ``month``, set the chart style, prepare the output folders.

    * ``month``: ``"YYYY-MM"``; ``data_dir``: a data folder (default ``data/sample``);
      ``params_path``: a center's params file (default ``params/default.yaml``);
      ``lang``: ``en`` or ``zh``; ``out_dir``: where the notebook writes files for the
      pack (default: a new temporary folder).
    * Raises ``ccnb.params.ParamsError`` or ``ccnb.data.DataError`` with a readable message.
    """
    from ccnb.params import load_params
    from ccnb.plots import set_style

    period = parse_month(month)
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    params = load_params(params_path)
    import ccnb.data  # lazy: the data layer is heavy and optional for display-only use

    tables = ccnb.data.load(Path(data_dir) if data_dir else config.SAMPLE_DIR, month=str(period),
                            timezone=params.center.timezone)
    set_style(lang)
    out = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix=f"ccnb-{period}-"))
    for sub in ("files", "restricted", "summary"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    return Context(tables=tables, params=params, lang=lang, month=period, out_dir=out.resolve())


__all__ = [
    "Context", "LIGHTS", "LIGHT_SYMBOLS", "alerts_html", "esc", "format_value", "heading_html",
    "kpi_cards_html", "label", "label_html", "light_html", "light_of", "month_name", "notebook_name",
    "parse_month", "setup", "show_html", "table_html", "text_html", "unit_text",
]
