"""The churn features a rule or the model may use: names and kinds (pure data).

The catalogue the params check rule and model features against (``churn.rules``,
``churn.model_features``) and :mod:`ccnb.churn.features` computes; the columns and their
definitions are documented there. A windowed feature is named ``<base>_<w>d`` for each lookback
window ``w`` of ``churn.lookback_days`` (``repeats_30d``); a static one has no window.
"""
from __future__ import annotations

#: Windowed features: base name -> kind (``count`` events, ``days`` a duration, ``score`` a mean answer).
WINDOWED = {
    "contacts": "count", "repeats": "count", "unresolved": "count", "transfers": "count",
    "abandons": "count", "long_waits": "count", "complaints": "count", "complaints_unresolved": "count",
    "complaint_days": "days", "surveys": "count", "csat_mean": "score", "low_csat": "count",
    "detractors": "count", "ces_mean": "score", "high_effort": "count",
}
#: Features without a window.
STATIC = {
    "complaints_open": "count", "open_complaint_days": "days", "days_since_contact": "days",
    "tenure_days": "days", "value": "money", "segment": "category", "r_score": "score",
    "f_score": "score", "m_score": "score",
}


def feature_names(lookback_days) -> list[str]:
    """Every feature column usable by rules and the model, for these windows."""
    out = [f"{b}_{int(w)}d" for w in sorted(set(lookback_days)) for b in WINDOWED]
    return out + list(STATIC)


def split_name(name: str) -> tuple[str, int | None]:
    """``"repeats_30d"`` -> ``("repeats", 30)``; ``"tenure_days"`` -> ``("tenure_days", None)``."""
    if name in STATIC:
        return name, None
    base, _, w = name.rpartition("_")
    if base in WINDOWED and w.endswith("d") and w[:-1].isdigit():
        return base, int(w[:-1])
    raise KeyError(f"not a churn feature: {name!r}")


def kind(name: str) -> str:
    base, w = split_name(name)
    return WINDOWED[base] if w is not None else STATIC[base]


def kind_or_none(name: str) -> str | None:
    try:
        return kind(name)
    except KeyError:
        return None
