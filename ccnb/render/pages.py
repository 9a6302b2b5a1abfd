"""Executed notebooks -> managers' HTML (nbconvert, no code) -> PDF (WeasyPrint), and the pack's index page.

* :func:`to_html`: nbconvert's ``HTMLExporter`` with input excluded (no code, no
  prompts), cells tagged ``analyst`` or ``remove`` dropped (``TagRemovePreprocessor``),
  and the manager view (:mod:`ccnb.render.manager_view`) dropping what a manager must not see
  and cleaning HTML to the markup ccnb writes; the page forbids scripts (CSP). Our template
  (``ccnb/render/templates/ccnb_report``) reuses JupyterLab's cell markup inside our own page
  shell: ``lang`` attribute, ``<meta charset>``, inline CSS, **no scripts and no
  network resources**, so the page opens offline without console errors.
* :func:`to_pdf`: WeasyPrint, print CSS from ``ccnb/render/templates/print.css`` (A4,
  running header and page numbers, charts at text width, table rows kept whole,
  CJK fonts via fontconfig: ``fonts-noto-cjk``).
* :func:`index_html`: the pack's ``index.html``.
"""
from __future__ import annotations

import datetime as _dt
import logging
import re
import urllib.parse
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import jinja2

from ccnb import __version__
from ccnb.core import config
from ccnb.core.months import parse_month
from ccnb.i18n.fmt import month_name
from ccnb.i18n.labels import t
from ccnb.present.blocks import light_html
from ccnb.render.manager_view import keep_output, manager_view_cls

TEMPLATE_NAME = "ccnb_report"
#: Cell tags whose cells never reach managers' HTML/PDF.
REMOVE_TAGS = ("analyst", "remove")
#: Warnings WeasyPrint logged during the last :func:`to_pdf` call (for tests and debugging).
LAST_PDF_WARNINGS: list[str] = []


class RenderError(RuntimeError):
    """An HTML or PDF could not be produced; the message names the file and the cause.

    ``errno``: the system's error number when the cause was an ``OSError`` (a full disk ...); it
    survives the printing child process, where the exception's cause does not."""

    def __init__(self, message: str, errno: int | None = None):
        super().__init__(message)
        self.errno = errno

    def __reduce__(self):
        return (type(self), (str(self), self.errno))


def _errno(e: BaseException) -> int | None:
    return e.errno if isinstance(e, OSError) else None


def html_lang(lang: str) -> str:
    """The ``lang`` attribute for a report language (``zh`` -> ``zh-Hans``)."""
    return {"zh": "zh-Hans"}.get(lang, lang)


def _css(name: str) -> str:
    return (config.TEMPLATES_DIR / name).read_text(encoding="utf-8")


def css_string(text: str) -> str:
    """``text`` as a CSS string literal, safe inside ``<style>`` (for ``content:``)."""
    out = []
    for ch in str(text).replace("\n", " "):
        if ch in '"\\<>&':
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _css_template(label: str, **counters: str) -> str:
    """Turn ``"Page {page} of {pages}"`` into ``"Page " counter(page) " of " counter(pages)``."""
    parts = re.split(r"\{(\w+)\}", label)
    out = []
    for i, p in enumerate(parts):
        if i % 2:
            out.append(counters[p])
        elif p:
            out.append(css_string(p))
    return " ".join(out)


def page_css(lang: str, *, left: str = "", right: str = "", footer: str = "") -> str:
    """Print CSS for one document: ``print.css`` plus running header/footer texts."""
    page = _css_template(t("report.page_of", lang), page="counter(page)", pages="counter(pages)")
    boxes = (
        "@page {\n"
        f"  @top-left {{ content: {css_string(left)}; }}\n"
        f"  @top-right {{ content: {css_string(right)}; }}\n"
        f"  @bottom-left {{ content: {css_string(footer)}; }}\n"
        f"  @bottom-right {{ content: {page}; }}\n"
        "}\n"
    )
    return _css("print.css") + "\n" + boxes


def _now() -> _dt.datetime:
    return _dt.datetime.now().astimezone()


def fmt_when(when: _dt.datetime | None = None) -> str:
    when = when or _now()
    return when.strftime("%Y-%m-%d %H:%M %Z").strip()


# --------------------------------------------------------------------------- HTML
def _exporter():
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove_output", "remove-output"}
    exporter = HTMLExporter(config=c, template_name=TEMPLATE_NAME,
                            extra_template_basedirs=[str(config.TEMPLATES_DIR)])
    exporter.register_preprocessor(manager_view_cls()(), enabled=True)
    return exporter


def _links(nav: Sequence[tuple]) -> list[tuple]:
    """Navigation links as ``(href, text, lang or None)`` (``lang`` may be left out)."""
    return [tuple(x) + (None,) * (3 - len(x)) for x in nav]


def to_html(executed_ipynb: str | Path, html_path: str | Path, lang: str = "en", title: str | None = None, *,
            subtitle: str = "", nav: Sequence[tuple] = (), generated: _dt.datetime | None = None) -> Path:
    """Render an executed notebook as a manager's HTML page (no code, no prompts, offline).

    ``title`` is the page (and PDF) title; ``subtitle`` goes in the PDF's running
    header (e.g. ``"Sample Center · October 2026"``); ``nav``: links at the top of the page
    (screen only), ``(href, text, lang or None)``: the pack's index, the same report of the
    months before and after and in the other language (:mod:`ccnb.pipeline.archive`). Returns ``html_path``.
    """
    import nbformat

    src, dst = Path(executed_ipynb), Path(html_path)
    try:
        nb = nbformat.read(src, as_version=4)
    except Exception as e:  # noqa: BLE001 - any unreadable notebook is the same problem for the caller
        raise RenderError(f"{src}: cannot read the executed notebook: {e}") from None
    title = title or src.stem
    when = fmt_when(generated)
    footer = f"{t('report.generated_at', lang, when=when)} · ccnb {__version__}"
    resources = {
        "ccnb": {
            "title": title,
            "html_lang": html_lang(lang),
            "version": __version__,
            "css": _css("report.css"),
            "print_css": page_css(lang, left=title, right=subtitle, footer=footer),
            "nav": _links(nav),
            "footer": footer,
        },
        "metadata": {"name": title},
    }
    try:
        body, _ = _exporter().from_notebook_node(nb, resources=resources)
    except Exception as e:  # noqa: BLE001
        raise RenderError(f"{src.name}: HTML conversion failed: {type(e).__name__}: {e}", _errno(e)) from e
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(body, encoding="utf-8")
    return dst


# --------------------------------------------------------------------------- PDF
class _Collect(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record):
        self.sink.append(record.getMessage())


class Printer:
    """Prints pages to PDF in child processes, a fresh one per page (``with Printer() as p``).

    Why: WeasyPrint lays out the whole document in memory (a long report: hundreds of MB
    to GBs) and Python does not hand that back to the operating system; in the report
    process it would stay beside every later notebook's kernel. A child exits after its page.
    The next child is started (and WeasyPrint imported) while the next notebook runs, so
    the cost is hidden. A child that dies (out of memory) is a :class:`RenderError`.
    """

    def __init__(self):
        self._pool = None

    def __enter__(self) -> "Printer":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def to_pdf(self, html_path: str | Path, pdf_path: str | Path) -> Path:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_printer_ready, max_tasks_per_child=1)
        try:
            warnings = self._pool.submit(_print_here, str(html_path), str(pdf_path)).result()
        except BrokenProcessPool:
            self._pool = None
            raise RenderError(f"{Path(html_path).name}: PDF conversion failed: the printing process died "
                              "(out of memory?)") from None
        LAST_PDF_WARNINGS[:] = warnings
        return Path(pdf_path)


def _printer_ready() -> None:
    """A printing child: dies with its parent (Linux), WeasyPrint imported before the first page."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the child ends when its page is printed
        pass


def _print_here(html_path: str, pdf_path: str) -> list[str]:
    to_pdf(html_path, pdf_path)
    return list(LAST_PDF_WARNINGS)


def to_pdf(html_path: str | Path, pdf_path: str | Path, *, printer: Printer | None = None) -> Path:
    """Print an HTML page to PDF with WeasyPrint (media ``print``); returns ``pdf_path``.

    WeasyPrint's warnings are collected in :data:`LAST_PDF_WARNINGS` instead of
    going to stderr. Resources are resolved relative to the HTML file and only
    ``file:``/``data:`` URLs are fetched (a report never reaches the network).
    ``printer``: print in its child process (see :class:`Printer`), not in this one.
    """
    if printer is not None:
        return printer.to_pdf(html_path, pdf_path)
    src, dst = Path(html_path), Path(pdf_path)
    LAST_PDF_WARNINGS.clear()
    log = logging.getLogger("weasyprint")
    handler = _Collect(LAST_PDF_WARNINGS)
    log.addHandler(handler)
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        dst.parent.mkdir(parents=True, exist_ok=True)
        HTML(filename=str(src), base_url=str(src.parent.resolve()) + "/",
             url_fetcher=URLFetcher(allowed_protocols={"file", "data"}), media_type="print").write_pdf(str(dst))
    except Exception as e:  # noqa: BLE001
        raise RenderError(f"{src.name}: PDF conversion failed: {type(e).__name__}: {e}", _errno(e)) from e
    finally:
        log.removeHandler(handler)
    return dst


# --------------------------------------------------------------------------- index.html
def _human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def _href(rel: str) -> str:
    return urllib.parse.quote(rel, safe="/")


def list_files(pack_dir: Path) -> list[dict]:
    """Files under ``pack_dir/files`` (never ``restricted/``) as ``{name, href, size}``."""
    root = Path(pack_dir) / "files"
    if not root.is_dir():
        return []
    out = []
    for p in sorted(x for x in root.rglob("*") if x.is_file() and not x.name.startswith(".")):
        rel = p.relative_to(pack_dir).as_posix()
        out.append({"name": p.relative_to(root).as_posix(), "href": _href(rel), "size": _human_size(p.stat().st_size)})
    return out


def index_html(pack_dir: str | Path, month: str, lang: str, entries: Sequence[Mapping[str, Any]],
               headline: Iterable[Mapping[str, Any]], *, center: str = "", generated: _dt.datetime | None = None,
               seconds: float | None = None, data_label: str | None = None, params_label: str | None = None,
               outcome: str | None = None, data_notes: Sequence[str] = (), nav: Sequence[tuple] = ()) -> Path:
    """Write ``pack_dir/index.html``: headline figures, links to each report's HTML and PDF, files, run facts.

    * ``data_notes``: sentences about the data (tables not supplied, rows set aside, stamps repaired).
    * ``nav``: links at the top, ``(href, text, lang or None)`` (all months, previous/next month, other language).

    * ``entries``: one mapping per report: ``title``, ``html`` and ``pdf`` (paths
      relative to the pack; ``pdf`` may be None).
    * ``headline``: summary documents as ``ccnb.present.display.Context.summary`` writes them
      (``{"title": ..., "items": [{"label", "display", "target_display", "light", "note"}],
      "not_available": [reason, ...]}``), in report order. Only recorded figures are shown (a
      figure without data is not recorded); what a report could not show is listed under it.
    * ``outcome`` defaults to "All N reports were built successfully" (a pack is only
      published when every report was).
    """
    pack_dir = Path(pack_dir)
    period = parse_month(month)
    mname = month_name(period, lang)
    groups = []
    for doc in headline:
        items = []
        for it in doc.get("items", []):
            target = it.get("target_display")
            items.append({
                "label": it.get("label", ""),
                "display": it.get("display", ""),
                "target_text": t("report.target_is", lang, value=target) if target else t("report.no_target", lang),
                "light": it.get("light"),
                "light_html": light_html(it.get("light"), lang) if it.get("light") else "",
                "note": it.get("note"),
            })
        sep = t("needs.and", lang)  # one reason once, however many sections gave it
        missing = list(dict.fromkeys(r for m in doc.get("not_available", []) if m for r in m.split(sep)))
        if items or missing:
            groups.append({"title": doc.get("title", ""), "items": items,
                           "missing": t("needs.index_missing", lang, items=t("needs.and", lang).join(missing))
                           if missing else ""})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(config.TEMPLATES_DIR)),
                             autoescape=True, keep_trailing_newline=True)
    title = t("report.pack_title", lang, month=mname)
    subtitle = center or ""
    when = fmt_when(generated)
    labels = {k: t(f"report.{k}", lang) for k in
              ("headline", "no_headline", "reports", "report", "read_html", "pdf", "files", "no_files", "run")}
    html_text = env.get_template("pack_index.html.j2").render(
        html_lang=html_lang(lang),
        version=__version__,
        title=title,
        subtitle=subtitle,
        intro=t("report.pack_intro", lang),
        css=_css("report.css"),
        print_css=page_css(lang, left=title, right=subtitle, footer=t("report.generated_at", lang, when=when)),
        labels=labels,
        headline=groups,
        entries=[{"title": e.get("title") or e.get("name"), "html": _href(str(e["html"])),
                  "pdf": _href(str(e["pdf"])) if e.get("pdf") else None} for e in entries],
        files=list_files(pack_dir),
        outcome=outcome or t("report.outcome_ok", lang, n=len(entries)),
        generated=t("report.generated_at", lang, when=when),
        run_time=t("report.run_time", lang, seconds=f"{seconds:.0f}") if seconds is not None else None,
        data_label=t("report.data_source", lang, data=data_label) if data_label else None,
        params_label=t("report.params_source", lang, params=params_label) if params_label else None,
        data_title=t("intake.title", lang),
        nav=_links(nav),
        data_notes=list(data_notes),
    )
    out = pack_dir / "index.html"
    out.write_text(html_text, encoding="utf-8")
    return out


__all__ = ["RenderError", "index_html", "keep_output", "list_files", "page_css", "to_html", "to_pdf"]
