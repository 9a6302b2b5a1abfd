"""HTML blocks a manager reads: headings, paragraphs, tables, KPI cards, alerts, traffic lights.

Every function returns markup (a string) and **escapes everything that comes from data**:
cell values, column names, format fields, alert texts; labels (trusted, from the catalog)
may use ``**bold**``. :mod:`ccnb.present.display` shows these blocks in a notebook.
"""
from __future__ import annotations

import datetime as _dt
import html
import numbers
import re
from typing import Any, Callable, Iterable, Mapping, Sequence

from ccnb.i18n.fmt import (
    COMMON_HEADERS,
    HEADER_UNIT_FORMATS,
    LIGHT_SYMBOLS,
    auto_decimals,
    esc,
    format_value,
    is_missing,
    label,
    light_of,
    looks_numeric,
    unit_text,
)
from ccnb.i18n.labels import t


def rich(template: str) -> str:
    """Escape a trusted label and turn ``**x**`` into bold."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc(template))


def safe_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
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
    return rich(t(key, lang)).format(**safe_fields(fields))


def light_html(value: Any, lang: str = "en", *, short: bool = False) -> str:
    """``<span class="ccnb-light light-red">✗ off target</span>`` (symbol + word + colour)."""
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
    nowrap: Sequence[str] = (),
    more_file: str | None = None,
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
    * ``more_file``: the file (under the pack's ``files/``) holding every row of a cut table,
      named in the note.
    * ``nowrap``: columns whose header and cells stay on one line (short names such as an
      area or an owner: Chinese text may otherwise break after every character in a narrow column).
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
                auto_dec[c] = auto_decimals(float(m)) if pd.notna(m) else 2
        elif fmt is None and looks_numeric(s):  # numbers formatted upstream align as numbers
            kinds[c] = "num"
        else:
            kinds[c] = "text"

    def _cls(c) -> str:
        names = " ".join(n for n, on in (("num", kinds[c] == "num"), ("nw", c in nowrap)) if on)
        return f' class="{names}"' if names else ""

    def head(c) -> str:
        if c == light and c not in labels:
            text = t("common.status", lang)
        elif c in labels:
            text = label(labels[c], lang)
        elif c in COMMON_HEADERS:
            text = t(f"common.{c}", lang)
        else:
            text = str(c)
        fmt = formats.get(c)
        if isinstance(fmt, str) and fmt in HEADER_UNIT_FORMATS:
            u = unit_text(HEADER_UNIT_FORMATS[fmt], lang)
            text = f"{text}（{u}）" if lang == "zh" else f"{text} ({u})"
        return f"<th scope=\"col\"{_cls(c)}>{esc(text)}</th>"

    def cell(c, v) -> str:
        kind = kinds[c]
        if kind == "light":  # no value: a figure without a target has no status (grey means too little data)
            return '<td class="light"></td>' if is_missing(v) or v == "" else f'<td class="light">{light_html(v, lang)}</td>'
        fmt = formats.get(c)
        if fmt is None and c in auto_dec and not is_missing(v):
            text = f"{float(v):,.{auto_dec[c]}f}"
        else:
            header_unit = isinstance(fmt, str) and fmt in HEADER_UNIT_FORMATS
            text = format_value(v, fmt, lang, unit=not header_unit)
        return f"<td{_cls(c)}>{esc(text)}</td>"

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
        more = (t("report.more_rows_file", lang, n=f"{hidden:,d}", file=more_file) if more_file
                else t("report.more_rows", lang, n=f"{hidden:,d}"))
        parts.append(f'<p class="ccnb-note">{esc(more)}</p>')
    parts.append("</div>")
    return "".join(parts)


def records(items) -> list[dict]:
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
    for it in records(items):
        fmt = it.get("fmt")
        fmt = None if is_missing(fmt) else fmt
        raw_light = it.get("light")
        has_light = not (is_missing(raw_light) or raw_light == "")  # no target: no light at all
        lt = light_of(raw_light) if has_light else "none"
        value = format_value(it.get("value"), fmt, lang)
        target = it.get("target")
        tfmt = it.get("target_fmt")
        tfmt = fmt if is_missing(tfmt) else tfmt
        target_text = (t("report.target_is", lang, value=format_value(target, tfmt, lang))
                       if not is_missing(target) else t("report.no_target", lang))
        note = it.get("note")
        note_html = "" if is_missing(note) or not note else f'<div class="card-note">{esc(label(note, lang))}</div>'
        cards.append(
            f'<div class="ccnb-card light-{lt}">'
            f'<div class="card-label">{esc(label(it.get("label", ""), lang))}</div>'
            f'<div class="card-value">{esc(value)}</div>'
            f'<div class="card-target">{esc(target_text)}</div>{note_html}'
            + (f'<div class="card-light">{light_html(lt, lang)}</div>' if has_light else "") +
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


def plain_text(html_text: str) -> str:
    """A rough plain-text version of our HTML (console fallback)."""
    s = re.sub(r"</(p|div|h\d|tr|li|caption)>", "\n", html_text)
    s = re.sub(r"</t[dh]>", "\t", s)
    s = re.sub(r"<[^>]+>", "", s)
    return html.unescape(re.sub(r"\n{2,}", "\n", s)).strip()



__all__ = ["alerts_html", "heading_html", "kpi_cards_html", "label_html", "light_html", "table_html", "text_html"]
