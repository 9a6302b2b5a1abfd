"""Moving between packs: all months built in an output folder, the months before and after, the other language.

A pack is the folder ``<out>/<month>`` (English) or ``<out>/<month>-zh`` holding a ``run.json``
whose outcome is ``ok`` (a published pack). When a pack is built its pages link to the same page
of the nearest earlier and later month that exists *then*, to the other language's pack of the
month if built, to the pack's own index and to ``<out>/index.html``, the list of every pack
(:func:`write_archive`, rewritten after each successful run). An older pack gains a link to a
newer month when it is rebuilt; the list of all months always has it.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ccnb.core.months import parse_month
from ccnb.i18n.fmt import month_name
from ccnb.i18n.labels import t
from ccnb.render.archive_page import archive_html

_PACK = re.compile(r"^(\d{4}-\d{2})(?:-(zh))?$")
LANGS = ("en", "zh")


def pack_folder(month: str, lang: str) -> str:
    """``2026-10`` (English) or ``2026-10-zh``."""
    return month if lang == "en" else f"{month}-{lang}"


def packs(out_dir: Path) -> dict[tuple[str, str], Path]:
    """``(month, lang) -> folder`` of every published pack in ``out_dir``."""
    found = {}
    if not Path(out_dir).is_dir():
        return found
    for d in sorted(Path(out_dir).iterdir()):
        m = _PACK.match(d.name)
        if not (m and d.is_dir() and (d / "index.html").is_file()):
            continue
        try:
            ok = json.loads((d / "run.json").read_text(encoding="utf-8")).get("outcome") == "ok"
        except (OSError, ValueError):
            ok = False
        if ok:
            found[(m.group(1), m.group(2) or "en")] = d
    return found


def links(out_dir: Path, month: str, lang: str, page: str = "index.html") -> list[tuple[str, str, str | None]]:
    """Links for ``page`` (``index.html`` or ``<stem>.html``) of the pack ``month``/``lang``:
    ``(href relative to the page, text, lang of the target or None)``."""
    built = packs(out_dir)
    out: list[tuple[str, str, str | None]] = [("../index.html", t("report.nav_all_months", lang), None)]
    if page != "index.html":
        out.append(("index.html", t("report.back_to_index", lang, month=month_name(parse_month(month), lang)), None))
    same = sorted(m for (m, lg), d in built.items() if lg == lang and m != month and (d / page).is_file())
    before = [m for m in same if m < month]
    after = [m for m in same if m > month]
    if before:
        m = before[-1]
        out.append((f"../{pack_folder(m, lang)}/{page}", t("report.nav_prev", lang, month=month_name(parse_month(m), lang)),
                    None))
    if after:
        m = after[0]
        out.append((f"../{pack_folder(m, lang)}/{page}", t("report.nav_next", lang, month=month_name(parse_month(m), lang)),
                    None))
    for other in LANGS:
        d = built.get((month, other))
        if other != lang and d is not None and (d / page).is_file():
            out.append((f"../{pack_folder(month, other)}/{page}", t("report.nav_other_lang", lang), other))
    return out


def write_archive(out_dir: Path) -> Path:
    """Write ``out_dir/index.html``: every published pack, newest month first, both languages."""
    built = packs(out_dir)
    months = sorted({m for m, _ in built}, reverse=True)
    rows = [{"month": {lg: month_name(parse_month(m), lg) for lg in LANGS},
             "packs": {lg: f"{pack_folder(m, lg)}/index.html" for lg in LANGS if (m, lg) in built}} for m in months]
    target = Path(out_dir) / "index.html"
    tmp = target.with_name(f".index.html.tmp-{os.getpid()}")
    archive_html(tmp, rows)
    os.replace(tmp, target)
    return target
