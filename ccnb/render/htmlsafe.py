"""The last line of defence for managers' HTML: outputs are cleaned to the markup ccnb itself writes.

``ccnb.present.blocks`` escapes everything that comes from data, and a report's page forbids
scripts (Content-Security-Policy). Still, a notebook may display HTML of its own making
(``IPython.display.HTML``, a raw DataFrame, a Markdown output built from data). Before such
an output reaches a manager, :func:`clean` runs it through bleach (already a dependency of
nbconvert, which uses it for the same purpose) with an allow-list of tags and attributes:

* the tags and attributes ``ccnb.present.blocks`` and pandas' ``DataFrame.to_html`` produce, plus
  plain text formatting, pass unchanged (so a report looks the same);
* any other tag (``<script>``, ``<iframe>``, ``<svg>``, ``<form>`` ...) is **escaped**: a
  payload from data shows as the text it is, as with the helpers;
* event handlers (``onerror=``...), ``style`` attributes and links other than ``http(s):``,
  ``mailto:`` and relative ones are dropped; ``<style>`` elements (pandas' table CSS) are
  removed whole.
"""
from __future__ import annotations

import re

import bleach

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "nav", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
})
COMMON_ATTRS = frozenset({"class", "id", "title", "lang", "dir", "role"})
TAG_ATTRS = {
    "a": {"href", "name"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "scope", "align"}, "table": {"border"}, "col": {"span"}, "colgroup": {"span"},
    "ol": {"start"}, "time": {"datetime"}, "details": {"open"},
}
PROTOCOLS = frozenset({"http", "https", "mailto", "data"})
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.S | re.I)


def _attr_ok(tag: str, name: str, value: str) -> bool:
    if name in COMMON_ATTRS or name.startswith("aria-") or name.startswith("data-"):
        return True
    if name not in TAG_ATTRS.get(tag, ()):
        return False
    if name == "src":   # images only from data: URLs (embedded), never fetched
        return value.strip().lower().startswith("data:image/")
    if name == "href":
        return not value.strip().lower().startswith("data:")
    return True


def clean(markup: str) -> str:
    """``markup`` with only the allowed tags and attributes (see the module docstring); others escaped."""
    return bleach.clean(_STYLE.sub("", markup), tags=TAGS, attributes=_attr_ok, protocols=PROTOCOLS, strip=False,
                        strip_comments=True)


__all__ = ["TAGS", "clean"]
