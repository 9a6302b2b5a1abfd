"""Charts of the churn-risk report: reasons by band, gains, precision at capacity, calibration."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.churn.wording import band_label
from ccnb.i18n.labels import t
from ccnb.present.plots import LIGHT_COLORS, PALETTE, TARGET_COLOR, finish, new_figure, percent_axis, unit_axis

BAND_COLORS = {"high": LIGHT_COLORS["red"], "medium": LIGHT_COLORS["amber"], "low": LIGHT_COLORS["grey"]}
METHOD_COLORS = {"model": PALETTE[0], "rules": PALETTE[1], "random": "#999999"}


def reasons(rc: pd.DataFrame, lang: str = "en", top: int = 12):
    """Flagged customers per reason (horizontal bars, stacked by risk band); rules and model reasons."""
    if rc is None or rc.empty:
        return None
    d = rc.head(top).iloc[::-1]
    fig, ax = new_figure((7.0, max(2.4, 0.32 * len(d) + 1.2)))
    names = [f"{r} ({t('churn.kind_' + k, lang)})" for r, k in zip(d["reason"], d["kind"])]
    left = np.zeros(len(d))
    for b in ("high", "medium", "low"):
        vals = d[b].to_numpy(dtype=float)
        ax.barh(names, vals, left=left, color=BAND_COLORS[b], label=band_label(b, lang), height=0.65)
        left += vals
    for y, total in enumerate(left):
        ax.text(total, y, f" {total:,.0f}", va="center", fontsize=7.5)
    ax.set_xlim(0, max(left.max() * 1.12, 1) if len(left) else 1)
    unit_axis(ax, "x", t("churn.axis_customers", lang), "", fmt="{x:,.0f}", lang=lang)  # a count, named
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.legend(title=t("churn.col_band", lang), loc="lower right", fontsize=7.5, title_fontsize=8)
    return finish(fig, title=t("churn.reasons_title", lang), legend=False)


def validation(v, params, lang: str = "en"):
    """Left: gains (leavers reached vs customers called, model, rules, random) with the capacity marked.
    Right: leavers among the top k on each held-out month, model vs rules, with the average rate."""
    k = params.churn.outreach_capacity
    fig, (ax1, ax2) = new_figure((7.0, 3.3), ncols=2, gridspec_kw={"width_ratios": [1.25, 1]})
    g = v.gains
    for method in ("model", "rules"):
        s = g[g["method"] == method]
        ax1.plot(s["share_contacted"], s["share_churners"], color=METHOD_COLORS[method],
                 label=t(f"churn.method_{method}", lang))
    ax1.plot([0, 1], [0, 1], color=METHOD_COLORS["random"], linestyle=":", label=t("churn.method_random", lang))
    if np.isfinite(v.capacity_share):
        ax1.axvline(v.capacity_share, color=TARGET_COLOR, linestyle=(0, (5, 3)), linewidth=1)
        ax1.annotate(t("churn.capacity_label", lang, k=f"{k:,d}"), xy=(v.capacity_share, 0.97),
                     xycoords=("data", "axes fraction"), xytext=(4, 0), textcoords="offset points", fontsize=7.5,
                     color=TARGET_COLOR, va="top")
    percent_axis(ax1, "x", t("churn.axis_contacted", lang), limits=(0, 1), lang=lang)
    percent_axis(ax1, "y", t("churn.axis_reached", lang), limits=(0, 1.02), lang=lang)
    ax1.legend(loc="lower right", fontsize=7.5)
    ax1.set_title(t("churn.gains_title", lang), fontsize=9)

    per = v.per_cutoff
    months = [(pd.Timestamp(c) - pd.Timedelta(days=1)).strftime("%Y-%m-%d") for c in v.plan.validate]
    x = np.arange(len(months))
    w = 0.38
    for i, method in enumerate(("model", "rules")):
        s = per[per["method"] == method].set_index("cutoff").reindex(v.plan.validate)
        bars = ax2.bar(x + (i - 0.5) * w, s["precision_at_k"], width=w, color=METHOD_COLORS[method],
                       label=t(f"churn.method_{method}", lang))
        ax2.bar_label(bars, labels=[f"{100 * p:.0f} %" for p in s["precision_at_k"]], fontsize=7, padding=1)
    base = per.groupby("cutoff")["churners"].first() / per.groupby("cutoff")["rows"].first()
    for i, c in enumerate(v.plan.validate):
        ax2.hlines(base.get(c, np.nan), i - 0.45, i + 0.45, color=TARGET_COLOR, linestyle=(0, (5, 3)), linewidth=1,
                   label=t("churn.base_rate", lang) if i == 0 else None)
    ax2.set_xticks(x, months)
    top = float(np.nanmax(per["precision_at_k"].to_numpy(dtype=float))) if len(per) else 0.1
    percent_axis(ax2, "y", t("churn.axis_precision", lang), limits=(0, max(top * 1.3, 0.05)), lang=lang)
    ax2.set_xlabel(t("churn.axis_list_date", lang))
    ax2.legend(loc="upper right", fontsize=7)
    ax2.set_title(t("churn.precision_title", lang, k=f"{k:,d}"), fontsize=9)
    return finish(fig, legend=False)


def calibration(v, lang: str = "en"):
    """Reliability plot of the model: mean predicted chance vs share who left, per tenth of customers
    by score (the top tenth split at the 95th and 99th percentiles), with the diagonal."""
    c = v.calibration[v.calibration["method"] == "model"]
    fig, ax = new_figure((7.0, 3.2))
    hi = float(np.nanmax(c[["predicted", "observed"]].to_numpy(dtype=float))) * 1.1 if len(c) else 0.1
    ax.plot([0, hi], [0, hi], color=METHOD_COLORS["random"], linestyle=":", label=t("churn.perfect", lang))
    brier = v.metrics.loc["model", "brier"]
    ax.plot(c["predicted"], c["observed"], marker="o", color=METHOD_COLORS["model"], linewidth=1.2, markersize=4,
            label=f"{t('churn.method_model', lang)} (Brier {brier:.4f})")
    percent_axis(ax, "x", t("churn.axis_predicted", lang), decimals=0, limits=(0, hi), lang=lang)
    percent_axis(ax, "y", t("churn.axis_observed", lang), decimals=0, limits=(0, hi), lang=lang)
    ax.grid(axis="x")
    ax.legend(loc="upper left", fontsize=7.5)
    return finish(fig, title=t("churn.calibration_title", lang), legend=False)
