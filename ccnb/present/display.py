"""Notebook-side display helpers: what a manager reads, in plain language, no code.

A report notebook starts with::

    ctx = ccnb.present.display.setup(month, data_dir, params_path, lang, out_dir)

and then shows results with ``ctx.title(...)``, ``ctx.h2(...)``, ``ctx.text(...)``,
``ctx.table(df, ...)``, ``ctx.kpi_cards(...)``, ``ctx.alerts([...])`` and records the
month's headline figures for the pack's index page with ``ctx.summary(...)``.

Rules the helpers enforce
-------------------------
* Words come from the label catalog (``ccnb/i18n/locale/*.yaml``) in the report's language;
  ``key`` arguments are label keys such as ``"forecast.title"``.
* **Everything that comes from data is HTML-escaped**: cell values, column names,
  format fields, alert texts. An agent called ``<script>`` shows as that text.
  Labels (trusted, from the catalog) may use ``**bold**``.
* Traffic lights carry a symbol and a word as well as a colour (✓ on target,
  ! near target, ✗ off target, – insufficient data), so they read in black-and-white
  print and for colour-blind readers.
* Every helper displays its HTML once (with a plain-text fallback for consoles) and
  returns ``None``; the ``*_html`` functions return the markup (for tests and reuse).

The formatting functions live in :mod:`ccnb.i18n.fmt` and the HTML blocks in :mod:`ccnb.present.blocks`;
import them from there.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

from IPython.display import display

from ccnb import data
from ccnb.core import config
from ccnb.core.exports import write_csv
from ccnb.core.months import parse_month
from ccnb.data import available as _available
from ccnb.engine import configure
from ccnb.i18n.fmt import esc, format_value, is_missing, jsonable, label, light_of, month_name
from ccnb.i18n.labels import LANGS, Translator, t
from ccnb.params import load_params
from ccnb.present.blocks import alerts_html, heading_html, kpi_cards_html, plain_text, table_html, text_html
from ccnb.present.plots import set_style


# --------------------------------------------------------------------------- showing blocks
def show_html(markup: str) -> None:
    """Display markup once in the notebook (text/html with a text/plain fallback)."""
    display({"text/html": markup, "text/plain": plain_text(markup)}, raw=True)


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
        self._update_summary(title=plain_text(markup))

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

    def table(self, df, *, export: str | None = None, **kw) -> None:
        """A formatted table; see :func:`table_html` for the options.

        At most params ``report.table_rows_max`` rows unless ``max_rows`` says otherwise (a
        manager's report is not a listing: a 4,800-agent league would be 100+ pages). ``export``:
        a CSV file name under ``files/``; when the table is cut, every row is written there and
        the note names it.
        """
        if "max_rows" not in kw:
            kw["max_rows"] = self.params.report.table_rows_max
        if export and kw["max_rows"] is not None and len(df) > kw["max_rows"]:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            write_csv(df, self.files_dir / export, index=kw.get("index") is True)
            kw["more_file"] = export
        show_html(table_html(df, self.lang, **kw))

    def kpi_cards(self, items) -> None:
        """Headline KPI cards; see :func:`kpi_cards_html`."""
        show_html(kpi_cards_html(items, self.lang))

    lights = kpi_cards

    def alerts(self, alerts: Iterable[Any]) -> None:
        """Points for attention; see :func:`alerts_html`."""
        show_html(alerts_html(alerts, self.lang))

    # -- what the data can feed (ccnb.catalog.needs)
    def available(self, key: str) -> bool:
        """Whether the section ``key`` of :mod:`ccnb.catalog.needs` has its data."""
        return _available.section(self.tables, key).ok

    def not_available(self, key: str) -> None:
        """The note 'Not available: this center supplied no QA evaluations.' for section ``key``."""
        reason = _available.section(self.tables, key).reason(self.lang)
        show_html(text_html("needs.not_available", self.lang, css="ccnb-note ccnb-na", reason=reason))
        missing = self._read_summary().get("not_available", [])
        if reason not in missing:   # the pack's index says what this report could not show
            self._update_summary(not_available=missing + [reason])

    def section(self, key: str) -> bool:
        """``True`` when section ``key`` has its data; otherwise shows :meth:`not_available` and returns ``False``."""
        if self.available(key):
            return True
        self.not_available(key)
        return False

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
            "value": jsonable(value),
            "fmt": fmt,
            "display": format_value(value, fmt, self.lang),
            "target": jsonable(target),
            "target_display": None if is_missing(target) else format_value(target, fmt, self.lang),
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
    period = parse_month(month)
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    params = load_params(params_path)
    configure(params)  # this kernel's DuckDB connections follow the center's engine settings
    tables = data.load(Path(data_dir) if data_dir else config.SAMPLE_DIR, month=str(period),
                       timezone=params.center.timezone, sources=params.data)
    set_style(lang)
    out = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix=f"ccnb-{period}-"))
    for sub in ("files", "restricted", "summary"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    return Context(tables=tables, params=params, lang=lang, month=period, out_dir=out.resolve())


__all__ = ["Context", "notebook_name", "setup", "show_html"]
