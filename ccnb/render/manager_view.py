"""What of an executed notebook a manager sees: the filter nbconvert applies before rendering.

Dropped: stderr and warning streams, error outputs, JavaScript and widget outputs,
plain-text cell results (a cell's accidental last value: ``15``, ``<Figure size ...>``;
what managers read comes through ``ccnb.present.display`` as HTML), empty code cells. ``print``
output stays. HTML and Markdown outputs are cleaned to the markup ccnb writes
(:mod:`ccnb.render.htmlsafe`). A heading and its intro paragraphs are put in one block with the
table or chart that follows, so print keeps them on one page.
"""
from __future__ import annotations

import re
from typing import Mapping

from ccnb.render.htmlsafe import clean

#: Output mimetypes that need scripts (or a CDN) to show; dropped.
SCRIPT_MIMETYPES = (
    "application/javascript",
    "text/javascript",
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
)
_OBJECT_REPR = re.compile(r"^\s*[\[(]?\s*(<[\w.]+[ >].*>|Text\(.*\))\s*[\])]?\s*$", re.S)

def manager_view_cls():
    from nbconvert.preprocessors import Preprocessor

    class ManagerView(Preprocessor):
        """Keep only what a manager should read (see the module docstring)."""

        def preprocess(self, nb, resources):
            kept = []
            for cell in nb.cells:
                if cell.cell_type == "raw":
                    continue
                if cell.cell_type == "code":
                    cell.outputs = [o for o in cell.get("outputs", []) if keep_output(o)]
                    if not cell.outputs:
                        continue
                kept.append(cell)
            nb.cells = keep_headings_with_content(kept)
            nb.metadata.pop("widgets", None)
            return nb, resources

    return ManagerView


_HEADING_ONLY = re.compile(r"^\s*<h[1-4][^>]*>.*?</h[1-4]>\s*$", re.S)
_PARAGRAPH_ONLY = re.compile(r"^\s*(<p[ >](?:(?!<table|<img|<div).)*?</p>\s*)+$", re.S)


def _html_of(output) -> str | None:
    data = output.get("data", {}) if output.get("output_type") in ("display_data", "execute_result") else {}
    html_text = data.get("text/html")
    return ("".join(html_text) if isinstance(html_text, list) else html_text) if html_text is not None else None


def _as_html(output) -> str | None:
    """An output as one HTML fragment (HTML as is, a PNG as an inline image), or None."""
    html_text = _html_of(output)
    if html_text is not None:
        return html_text
    png = output.get("data", {}).get("image/png") if output.get("output_type") in ("display_data", "execute_result") else None
    if png is not None:
        b64 = "".join(png) if isinstance(png, list) else png
        return f'<img class="ccnb-chart" alt="" src="data:image/png;base64,{b64.strip()}">'
    return None


def keep_headings_with_content(cells: list) -> list:
    """Put every heading (and the short paragraphs right after it) into the block of the next table or chart.

    A heading (``ctx.h2``) and its table or chart are separate outputs, often separate cells;
    in print each is its own block, and ``break-after: avoid`` cannot hold a heading to content
    in another block, so a heading could end a page with its table on the next. Merged into one
    HTML output, the heading and the content are siblings and the print CSS keeps them together.
    """
    pending: list[str] = []  # a heading and its intro paragraphs, waiting for content
    out = []

    def block(parts):
        return {"output_type": "display_data", "metadata": {},
                "data": {"text/html": '<div class="ccnb-keep">' + "".join(parts) + "</div>"}}

    for cell in cells:
        if cell.cell_type != "code":
            out.append(cell)
            continue
        outputs = []
        for o in cell.outputs:
            html_text = _html_of(o)
            if html_text is not None and (_HEADING_ONLY.match(html_text)
                                          or (pending and _PARAGRAPH_ONLY.match(html_text))):
                pending.append(html_text)
                continue
            if pending:
                frag = _as_html(o)
                if frag is not None:
                    o = block(pending + [frag])
                else:
                    outputs.append(block(pending))
                pending = []
            outputs.append(o)
        cell.outputs = outputs
        if outputs:
            out.append(cell)
    if pending:  # headings at the very end: keep them where they were
        import nbformat

        out.append(nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
            "display_data", data=block(pending)["data"])]))
    return out


def keep_output(output: Mapping) -> bool:
    """Whether one notebook output belongs in managers' HTML (mutates ``data`` to drop script mimetypes)."""
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("name") == "stdout" and bool(str(output.get("text", "")).strip())
    if kind == "error":
        return False
    if kind in ("display_data", "execute_result"):
        data = output.get("data", {})
        for m in SCRIPT_MIMETYPES:
            data.pop(m, None)
        if "text/markdown" in data:       # Markdown may carry raw HTML: render it here, then clean it
            from nbconvert.filters.markdown_mistune import markdown2html_mistune

            md = data.pop("text/markdown")
            data.setdefault("text/html", markdown2html_mistune("".join(md) if isinstance(md, list) else md))
        if "text/html" in data:
            html_text = data["text/html"]
            data["text/html"] = clean("".join(html_text) if isinstance(html_text, list) else html_text)
        if not data:
            return False
        if set(data) == {"text/plain"} and (kind == "execute_result" or _OBJECT_REPR.match(str(data["text/plain"]))):
            return False  # a cell's accidental last value (``15`` from write_text, ``<Axes ...>``)
        return True
    return False
