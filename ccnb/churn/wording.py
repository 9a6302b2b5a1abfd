"""Readable names of churn features, segments, bands and units (from ``ccnb/i18n/locale/churn.yaml``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.catalog.churn_features import kind, split_name
from ccnb.i18n.fmt import format_value
from ccnb.i18n.labels import catalog, t


def _t(key: str, lang: str, default: str) -> str:
    return t(key, lang) if key in catalog() else default


def feature_label(name: str, lang: str = "en") -> str:
    """``repeats_30d`` -> "Repeat contacts, last 30 days" (``churn.feature.<base>``)."""
    if name.endswith("_missing"):
        return _t(f"churn.feature.{name}", lang, name)
    base, w = split_name(name)
    text = _t(f"churn.feature.{base}", lang, base)
    return t("churn.feature_window", lang, name=text, days=w) if w is not None else text


def segment_label(segment, lang: str = "en") -> str:
    return _t(f"churn.segment.{segment}", lang, str(segment))


def band_label(band, lang: str = "en") -> str:
    return _t(f"churn.band.{band}", lang, str(band))


def tier_label(tier, lang: str = "en") -> str:
    return _t(f"churn.tier.{tier}", lang, str(tier))


def unit_label(unit, lang: str = "en") -> str:
    return _t(f"churn.unit.{unit}", lang, str(unit))


def is_missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v))


def feature_value_text(name: str, v, lang: str = "en") -> str:
    """A feature value as a reader sees it: ``3``, ``12 days``, ``85 CNY``, ``Consumer``."""
    if is_missing(v):
        return "–"
    k = kind(name)
    if k == "count":
        return f"{int(v):,d}"
    if k == "days":
        return format_value(float(v), "days", lang)
    if k == "money":
        return format_value(float(v), "cny", lang)
    if k == "category":
        return segment_label(v, lang)
    return f"{float(v):.1f}"


def model_reason_text(name: str, v, lang: str = "en") -> str:
    """"Repeat contacts, last 30 days: 3" (``churn.model_reason``)."""
    return t("churn.model_reason", lang, name=feature_label(name, lang), value=feature_value_text(name, v, lang))
