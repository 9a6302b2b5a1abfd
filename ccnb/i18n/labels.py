"""Every label a report shows, in English and Simplified Chinese, from one place.

Catalogs are YAML files in ``ccnb/i18n/locale/`` (one per analysis, so that parts of
the workbook can add labels without editing each other's files); together they
form one namespace of keys: ``overview.title: {en: ..., zh: ...}``. A key defined
twice, or missing a language, is an error caught by the test suite.

Text may carry ``str.format`` fields: ``t("overview.alert_below", kpi=..., value=...)``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from ccnb.core import config

LANGS = ("en", "zh")


class LabelError(KeyError):
    pass


@lru_cache(maxsize=None)
def catalog(locale_dir: Path = config.LOCALE_DIR) -> dict[str, dict[str, str]]:
    """All labels: key -> {lang: text}. Raises on duplicate keys or missing languages."""
    out: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for f in sorted(Path(locale_dir).glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for key, texts in _flatten(doc):
            if key in out:
                raise LabelError(f"label {key!r} defined in both {where[key]} and {f.name}")
            missing = [lang for lang in LANGS if not isinstance(texts.get(lang), str)]
            if missing:
                raise LabelError(f"label {key!r} in {f.name} lacks {', '.join(missing)}")
            out[key], where[key] = texts, f.name
    return out


def _flatten(doc: dict, prefix: str = ""):
    for k, v in doc.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and set(v) & set(LANGS):
            yield key, v
        elif isinstance(v, dict):
            yield from _flatten(v, key + ".")
        else:
            raise LabelError(f"label {key!r}: expected {{en: ..., zh: ...}}, got {v!r}")


def t(key: str, lang: str = "en", /, **fields) -> str:
    """The label ``key`` in ``lang``, formatted with ``fields``."""
    if lang not in LANGS:
        raise LabelError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    try:
        text = catalog()[key][lang]
    except KeyError:
        raise LabelError(f"no label {key!r} in ccnb/i18n/locale/*.yaml") from None
    return text.format(**fields) if fields else text


class Translator:
    """``tr = Translator("zh"); tr("overview.title")``: a language bound once."""

    def __init__(self, lang: str = "en"):
        if lang not in LANGS:
            raise LabelError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
        self.lang = lang

    def __call__(self, key: str, /, **fields) -> str:
        return t(key, self.lang, **fields)

    def has(self, key: str) -> bool:
        return key in catalog()


def fmt_pct(x: float | None, lang: str = "en", digits: int = 1) -> str:
    """0.841 -> '84.1 %' (a dash for missing)."""
    if x is None or x != x:
        return "–"
    return f"{100 * x:.{digits}f} %"


def queue_name(q: str, params, lang: str = "en") -> str:
    """Display name of queue ``q``: its ``name_zh`` in Chinese when params give one; else the id made
    readable ("tech_support" -> "Tech support", "vip" -> "VIP"); anything else is kept as written."""
    d = params.center.queues.get(q) if params is not None else None
    if lang == "zh" and d is not None and d.name_zh:
        return d.name_zh
    q = str(q)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", q):  # not a plain id: shown exactly as the center wrote it
        return q
    return q.upper() if len(q) <= 3 else q.replace("_", " ").capitalize()
