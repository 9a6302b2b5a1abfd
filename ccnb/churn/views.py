"""Tables and sentences of the manager report (``notebooks/30_churn_risk.ipynb``).

Everything here is aggregated or masked: no function returns a raw customer identifier.
Words come from ``ccnb/i18n/locale/churn.yaml`` in the report's language.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.churn import rules as _rules
from ccnb.churn.export import mask_ids
from ccnb.churn.score import BANDS
from ccnb.churn.wording import band_label, feature_label, segment_label, unit_label
from ccnb.i18n.labels import catalog, fmt_pct, t


def _pct(x, lang, digits=1) -> str:
    return fmt_pct(float(x), lang, digits) if pd.notna(x) else "–"


def _dates(cutoffs, lang) -> str:
    """Month ends as readable dates: the day before each cutoff."""
    days = [(pd.Timestamp(c) - pd.Timedelta(days=1)).strftime("%Y-%m-%d") for c in cutoffs]
    return ("、" if lang == "zh" else ", ").join(days)


def intro_key(params) -> str:
    """The intro label for the scored population (contacted customers, or every active one)."""
    return "churn.intro" if params.churn.population == "contacted" else "churn.intro_active"


def intro_fields(scored: pd.DataFrame, params, lang: str = "en") -> dict:
    cutoff = scored.attrs.get("cutoff")
    last_day = (pd.Timestamp(cutoff) - pd.Timedelta(days=1)).strftime("%Y-%m-%d") if cutoff is not None else "–"
    return {"days": params.churn.label_days, "window": max(params.churn.lookback_days), "cutoff": last_day}


def headline(scored: pd.DataFrame, v, params, lang: str = "en") -> pd.DataFrame:
    """This month's figures: ``figure``, ``value`` (text), ``note``."""
    cp = params.churn
    k = cp.outreach_capacity
    m = v.metrics
    rows = [
        ("churn.fig_scored", f"{len(scored):,d}", ""),
        ("churn.fig_flagged", f"{int(scored['flagged'].sum()):,d}", t("churn.note_flagged", lang)),
        ("churn.fig_high", f"{int((scored['band'] == 'high').sum()):,d}",
         t("churn.note_high", lang, p=_pct(cp.bands.high, lang, 0))),
        ("churn.fig_capacity", f"{k:,d}", t("churn.note_capacity", lang)),
        ("churn.fig_auc", f"{m.loc['model', 'auc']:.2f}", t("churn.note_auc", lang)),
        ("churn.fig_precision", _pct(m.loc["model", "precision_at_k"], lang), t("churn.note_precision", lang)),
        ("churn.fig_precision_rules", _pct(m.loc["rules", "precision_at_k"], lang), t("churn.note_precision", lang)),
    ]
    return pd.DataFrame({
        t("churn.col_figure", lang): [t(key, lang, k=k) for key, _, _ in rows],
        t("churn.col_value", lang): [val for _, val, _ in rows],
        t("churn.col_note", lang): [n for _, _, n in rows],
    })


def reason_name(code: str, params, lang: str = "en") -> str:
    """A reason code's short name: the rule's name, or for ``M_<TOPIC>`` the topic's."""
    for r in params.churn.rules:
        if r.code == code:
            return _rules.rule_name(r, lang)
    if code.startswith("M_"):
        tp = code[2:].lower()
        for key in (f"churn.topic.{tp}", f"churn.feature.{tp}"):
            if key in catalog():
                return t(key, lang)
        return tp
    return code


def alerts(scored: pd.DataFrame, v, params, lang: str = "en") -> list[tuple[str, str]]:
    """Points for attention in plain words: high-risk count, the commonest reason, model vs rules."""
    cp = params.churn
    out = []
    n_high = int((scored["band"] == "high").sum())
    if n_high:
        out.append((t("churn.alert_high", lang, n=f"{n_high:,d}", days=cp.label_days), "red"))
    rc = reason_counts(scored[scored["flagged"]], params, lang)
    if len(rc):
        top = rc.iloc[0]
        out.append((t("churn.alert_top_reason", lang, reason=top["reason"], n=f"{int(top['customers']):,d}"),
                    "amber"))
    m = v.metrics
    pm, pr = m.loc["model", "precision_at_k"], m.loc["rules", "precision_at_k"]
    if v.beats_rules and pr > 0:
        k = cp.outreach_capacity
        out.append((t("churn.alert_beats", lang, k=f"{k:,d}", model=f"{pm * k:.0f}", rules=f"{pr * k:.0f}"),
                    "green"))
    elif not v.beats_rules:
        out.append((t("churn.alert_not_beats", lang), "red"))
    return out


def band_table(scored: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Per risk band: customers, share of scored, flagged, average score."""
    rows = []
    n = len(scored)
    for b in BANDS:
        s = scored[scored["band"] == b]
        rows.append({"band": band_label(b, lang), "customers": len(s), "share": len(s) / n if n else np.nan,
                     "flagged": int(s["flagged"].sum()), "mean_score": s["score"].mean() if len(s) else np.nan})
    return pd.DataFrame(rows)


def band_labels(lang: str = "en") -> dict[str, str]:
    return {"band": "churn.col_band", "customers": "churn.col_customers", "share": "churn.col_share",
            "flagged": "churn.col_flagged", "mean_score": "churn.col_mean_score"}


BAND_FORMATS = {"customers": "int", "share": "pct", "flagged": "int", "mean_score": "pct"}


def segment_table(scored: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Customers per segment (rows) and band (columns), with a total column."""
    ct = pd.crosstab(scored["segment"].astype(str), scored["band"]).reindex(columns=list(BANDS), fill_value=0)
    ct["total"] = ct.sum(axis=1)
    ct = ct.sort_values("total", ascending=False)
    out = pd.DataFrame({t("churn.col_segment", lang): [segment_label(s, lang) for s in ct.index]})
    for b in BANDS:
        out[band_label(b, lang)] = ct[b].to_numpy()
    out[t("churn.col_total", lang)] = ct["total"].to_numpy()
    return out


def reason_counts(flagged: pd.DataFrame, params, lang: str = "en") -> pd.DataFrame:
    """Flagged customers per reason code: ``code``, ``reason`` (name), ``kind`` (rule / model),
    ``customers`` and one column per band (``high``, ``medium``, ``low``); most common first."""
    codes = flagged["reason_codes"].fillna("").astype(str).str.split(", ")
    ex = pd.DataFrame({"code": codes, "band": flagged["band"].to_numpy()}).explode("code")
    ex = ex[ex["code"].astype(bool)]
    if ex.empty:
        return pd.DataFrame(columns=["code", "reason", "kind", "customers", *BANDS])
    ct = pd.crosstab(ex["code"], ex["band"]).reindex(columns=list(BANDS), fill_value=0)
    ct["customers"] = ct.sum(axis=1)
    ct = ct.reset_index().sort_values(["customers", "code"], ascending=[False, True], ignore_index=True)
    ct.insert(1, "reason", [reason_name(c, params, lang) for c in ct["code"]])
    ct.insert(2, "kind", ["model" if c.startswith("M_") else "rule" for c in ct["code"]])
    return ct[["code", "reason", "kind", "customers", *BANDS]]


def reason_table(rc: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    return pd.DataFrame({
        t("churn.col_reason", lang): rc["reason"],
        t("churn.col_kind", lang): [t(f"churn.kind_{k}", lang) for k in rc["kind"]],
        t("churn.col_code", lang): rc["code"],
        t("churn.col_customers", lang): rc["customers"].astype(int),
        **{band_label(b, lang): rc[b].astype(int) for b in BANDS},
    })


def examples(flagged: pd.DataFrame, params, lang: str = "en", key: bytes | None = None) -> pd.DataFrame:
    """The highest-risk flagged customers with **masked** references (never the id)."""
    n = params.churn.examples
    top = flagged.sort_values("score", ascending=False, kind="stable").head(n)
    return pd.DataFrame({
        t("churn.col_ref", lang): mask_ids(top["customer_id"], key).to_numpy(),
        t("churn.col_segment", lang): [segment_label(s, lang) for s in top["segment"]],
        t("churn.col_band", lang): [band_label(b, lang) for b in top["band"]],
        t("churn.col_score", lang): top["score"].to_numpy(),
        t("churn.col_last_contact", lang): pd.to_datetime(top["last_contact_ts"]).dt.strftime("%Y-%m-%d").fillna("–")
        .to_numpy(),
        t("churn.col_reasons", lang): top["reasons"].fillna("").to_numpy(),
    })


def example_formats(lang: str = "en") -> dict[str, str]:
    return {t("churn.col_score", lang): "pct"}


def validation_fields(v, params, lang: str = "en") -> dict:
    return {"train": _dates(v.plan.train, lang), "test": _dates(v.plan.validate, lang),
            "days": params.churn.label_days}


def sample_fields(v, lang: str = "en") -> dict:
    """Fields of ``churn.train_sampled``: share, rows used and rows before sampling (when ``v.train_sampled``)."""
    share = v.train_rows / v.train_population if v.train_population else float("nan")
    return {"share": _pct(share, lang), "rows": f"{v.train_rows:,d}", "population": f"{v.train_population:,d}"}


def validation_table(v, params, lang: str = "en") -> pd.DataFrame:
    """Model vs rules alone on the held-out months."""
    m = v.metrics
    k = params.churn.outreach_capacity
    return pd.DataFrame({
        t("churn.col_method", lang): [t("churn.method_model", lang), t("churn.method_rules", lang)],
        t("churn.col_auc", lang): [f"{x:.3f}" for x in m["auc"]],
        t("churn.col_brier", lang): [f"{x:.4f}" for x in m["brier"]],
        t("churn.col_precision_k", lang, k=k): [_pct(x, lang) for x in m["precision_at_k"]],
        t("churn.col_lift", lang): [f"{x:.1f}×" for x in m["lift_at_k"]],
        t("churn.col_flagged_n", lang): [f"{x:,.0f}" for x in m["n_flagged"]],
        t("churn.col_precision_flagged", lang): [_pct(x, lang) for x in m["precision_flagged"]],
    })


def validation_note_fields(v, lang: str = "en") -> dict:
    r = float(v.metrics.loc["model", "base_rate"])
    return {"base": f"{r * (1 - r):.4f}", "rate": _pct(r, lang)}


def odds_table(v, lang: str = "en", significant_only: bool = True) -> pd.DataFrame:
    """Odds ratios of the model in plain words, largest effect first (95 % interval excluding 1)."""
    o = v.odds_ratios.copy()
    if significant_only and o["or_low"].notna().any():
        o = o[(o["or_low"] > 1) | (o["or_high"] < 1)]
    o = o.assign(dist=np.abs(np.log(o["odds_ratio"]))).sort_values("dist", ascending=False)

    def name(col: str, feat: str) -> str:
        if "=" in col:
            sep = "：" if lang == "zh" else ": "
            return f"{feature_label(feat, lang)}{sep}{segment_label(col.split('=', 1)[1], lang)}"
        if col.endswith("_missing"):
            return feature_label(col, lang)
        return feature_label(feat, lang)

    return pd.DataFrame({
        t("churn.col_sign", lang): [name(c, f) for c, f in zip(o["column"], o["feature"])],
        t("churn.col_unit", lang): [unit_label(u, lang) for u in o["unit"]],
        t("churn.col_or", lang): o["odds_ratio"].to_numpy(),
        t("churn.col_or_low", lang): o["or_low"].to_numpy(),
        t("churn.col_or_high", lang): o["or_high"].to_numpy(),
    })


def odds_formats(lang: str = "en") -> dict[str, str]:
    return {t(f"churn.col_{c}", lang): "num2" for c in ("or", "or_low", "or_high")}


def rules_display(params, lang: str = "en") -> pd.DataFrame:
    rt = _rules.rules_table(params.churn.rules, lang)
    return pd.DataFrame({t("churn.col_rule", lang): rt["name"], t("churn.col_condition", lang): rt["condition"],
                         t("churn.col_code", lang): rt["code"]})

