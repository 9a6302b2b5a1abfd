"""Transparent rule flags: conditions on the feature table, each rule with a reason code and text.

A rule (``params.churn.rules``) fires when **all** its conditions hold, e.g.::

    - code: UNRESOLVED_COMPLAINTS
      when: [{feature: complaints_unresolved_30d, op: ">=", value: 2}]

A condition on an empty feature (no survey, so no ``csat_mean_30d``) does not hold.
The rule's short name and its reason text come from the label catalog
(``churn.rule.<code>.name`` / ``.text`` in ``ccnb/i18n/locale/churn.yaml``) unless the rule
carries its own ``name``/``text`` ``{en, zh}``. Reason texts are ``str.format``
templates over the customer's feature values, so they state the customer's own
figures ("3 abandoned calls in the last 30 days").
"""
from __future__ import annotations

import operator
import string

import numpy as np
import pandas as pd

from ccnb.catalog.churn_features import kind
from ccnb.churn.wording import feature_label, feature_value_text, is_missing, model_reason_text
from ccnb.i18n.labels import catalog, t

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


def fired(feats: pd.DataFrame, rules) -> pd.DataFrame:
    """Boolean frame (same index as ``feats``, one column per rule code): did the rule fire."""
    out = {}
    for r in rules:
        hit = np.ones(len(feats), dtype=bool)
        for c in r.when:
            x = pd.to_numeric(feats[c.feature], errors="coerce").astype("float64").to_numpy()
            with np.errstate(invalid="ignore"):
                hit &= ~np.isnan(x) & OPS[c.op](x, float(c.value))
        out[r.code] = hit
    return pd.DataFrame(out, index=feats.index, columns=[r.code for r in rules], dtype=bool)


def rule_name(rule, lang: str = "en") -> str:
    """The rule's short name in ``lang`` (params override, else ``churn.rule.<code>.name``, else the code)."""
    if rule.name and lang in rule.name:
        return rule.name[lang]
    key = f"churn.rule.{rule.code}.name"
    return t(key, lang) if key in catalog() else rule.code


def rule_template(rule, lang: str = "en") -> str:
    if rule.text and lang in rule.text:
        return rule.text[lang]
    key = f"churn.rule.{rule.code}.text"
    return catalog()[key][lang] if key in catalog() else rule_name(rule, lang)


def reason_text(rule, row, lang: str = "en") -> str:
    """The reason sentence for one customer (``row``: a feature row as a mapping).

    The template's fields are the customer's values of the rule's own features; a template
    naming other features (the rule was changed in params but not its text) or a value that
    does not fit its format gives the plain "feature: value" list instead.
    """
    tpl = rule_template(rule, lang)
    feats = rule_features(rule)
    names = {name for _, name, _, _ in string.Formatter().parse(tpl) if name}
    if names <= feats:
        fields = {}
        for name in names:
            v = row.get(name)
            if is_missing(v):
                break
            fields[name] = int(v) if float(v).is_integer() else float(v)
        else:
            try:
                return tpl.format(**fields)
            except (ValueError, TypeError, KeyError):
                pass
    ordered = [c.feature for c in rule.when]
    return "; ".join(model_reason_text(f, row.get(f), lang) for f in dict.fromkeys(ordered))


def rule_features(rule) -> set[str]:
    return {c.feature for c in rule.when}


def condition_text(cond, lang: str = "en") -> str:
    """"Abandoned contacts, last 30 days ≥ 3"; durations and amounts with their unit ("≥ 7 days")."""
    sym = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}[cond.op]
    value = feature_value_text(cond.feature, cond.value, lang) if kind(cond.feature) in ("days", "money") \
        else f"{cond.value:g}"
    return f"{feature_label(cond.feature, lang)} {sym} {value}"


def rules_table(rules, lang: str = "en") -> pd.DataFrame:
    """The rules in force, for the report: ``code``, ``name``, ``condition`` (readable, in ``lang``)."""
    joiner = " 且 " if lang == "zh" else " and "
    rows = [{"code": r.code, "name": rule_name(r, lang), "condition": joiner.join(condition_text(c, lang) for c in r.when)}
            for r in rules]
    return pd.DataFrame(rows, columns=["code", "name", "condition"])
