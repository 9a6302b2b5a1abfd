"""Which reports, sections and KPIs a center's data can feed (the declaration: :mod:`ccnb.catalog.needs`).

>>> from ccnb.data import available
>>> av = available.available(tables)           # every section of the declaration
>>> av["qa.results"].ok, av["qa.results"].reason("en")
(False, 'this center supplied no QA evaluations')
>>> ok, reason_en, reason_zh = av["kpi.csat"]  # an Availability unpacks as a triple

A table counts when its view (as of the month end) has rows; a column when it has at least one
value (an absent nullable column is read as empty). The counts are taken once per ``Tables``.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from ccnb.catalog.contract import TABLES
from ccnb.catalog.needs import NOTEBOOKS, SECTIONS, Need, key_of
from ccnb.i18n.labels import LANGS, catalog, t

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Availability:
    """Whether ``key`` has its data; ``missing``: the needs not met; ``degraded``: the ``better_with`` not met."""

    key: str
    ok: bool
    missing: tuple[Need, ...] = ()
    degraded: tuple[Need, ...] = ()

    def reason(self, lang: str = "en") -> str:
        """Why it is not available, in plain words ('' when it is)."""
        return reason_of(self.missing, lang)

    @property
    def reason_en(self) -> str:
        return self.reason("en")

    @property
    def reason_zh(self) -> str:
        return self.reason("zh")

    def __iter__(self):
        return iter((self.ok, self.reason_en, self.reason_zh))


def need_words(need: Need, lang: str = "en") -> str:
    """'this center supplied no QA evaluations' / 'the contacts carry no resolved mark'."""
    if not need.columns:
        return t(f"needs.table.{need.table}", lang)
    words = []
    for c in need.columns:
        key = f"needs.column.{need.table}.{c}"
        words.append(t(key, lang) if key in catalog() else t("needs.column_generic", lang, table=need.table, column=c))
    return t("needs.and", lang).join(words)


def reason_of(missing, lang: str = "en") -> str:
    return t("needs.and", lang).join(dict.fromkeys(need_words(n, lang) for n in missing))


def present(tables) -> dict[str, dict[str | None, bool]]:
    """Per table: ``{None: has rows, column: has a value}`` for every contract column (cached)."""
    try:
        return _CACHE[tables]
    except (KeyError, TypeError):
        pass
    out: dict[str, dict[str | None, bool]] = {}
    for name in TABLES:
        cols = [c for c in tables.columns_of(name) if c in TABLES[name].names]
        counts = tables.sql("SELECT count(*) AS n" + "".join(f', count("{c}") AS "{c}"' for c in cols)
                            + f" FROM {name}").iloc[0]
        rows = int(counts["n"]) > 0
        out[name] = {None: rows} | {c: rows and int(counts[c]) > 0 for c in cols}
        for c in getattr(tables, "lacking", {}).get(name, ()):  # a stand-in the contract served is no value
            out[name][c] = False
    try:
        _CACHE[tables] = out
    except TypeError:
        pass
    return out


def met(tables, need: Need) -> bool:
    p = present(tables).get(need.table, {})
    return bool(p.get(None)) and all(p.get(c, False) for c in need.columns)


def section(tables, key: str) -> Availability:
    """The availability of one section (``KeyError`` for an undeclared key)."""
    s = key_of(key)
    derived = getattr(tables, "derived", set())
    rows = {n: bool(present(tables).get(n, {}).get(None)) and n not in derived for n in TABLES}
    # a table not supplied at all (or derived from the contacts) is named as such, not by the columns it would have had
    missing = tuple(n if rows.get(n.table) else Need(n.table) for n in s.needs if not met(tables, n))
    degraded = tuple(n for n in s.better_with if not met(tables, n))
    return Availability(key, not missing, missing, degraded)


def available(tables, keys=None) -> dict[str, Availability]:
    """Every declared section (or ``keys``) -> its :class:`Availability`."""
    return {k: section(tables, k) for k in (keys if keys is not None else SECTIONS)}


def notebook(tables, stem: str) -> Availability:
    """A notebook has something to show when any of its sections does (undeclared notebooks: always)."""
    keys = NOTEBOOKS.get(stem)
    if not keys:
        return Availability(f"notebook.{stem}", True)
    parts = [section(tables, k) for k in keys]
    if any(a.ok for a in parts):
        return Availability(f"notebook.{stem}", True)
    missing = tuple(dict.fromkeys(n for a in parts for n in a.missing))
    return Availability(f"notebook.{stem}", False, missing)


def kpi_ok(tables, key: str) -> bool:
    """Whether the registry KPI ``key`` has its data."""
    return section(tables, f"kpi.{key}").ok


def report(tables) -> dict:
    """A plain summary for ``ccnb validate``: tables and columns found, and each section's availability."""
    p = present(tables)
    return {
        "tables": {n: {"rows": v[None], "empty_columns": sorted(c for c, ok in v.items() if c and not ok)}
                   for n, v in p.items()},
        "sections": {k: {"available": a.ok} | {f"reason_{lang}": a.reason(lang) for lang in LANGS}
                     | {"degraded": [need_words(n, "en") for n in a.degraded]}
                     for k, a in available(tables).items()},
    }


__all__ = ["Availability", "available", "kpi_ok", "met", "need_words", "notebook", "present", "reason_of", "report",
           "section"]
