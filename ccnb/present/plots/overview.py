"""Charts of the month-end overview."""
from __future__ import annotations

import pandas as pd

from ccnb.catalog.kpis import REGISTRY
from ccnb.i18n.labels import t
from ccnb.present.plots import PALETTE, finish, label_axes, new_figure, percent_axis, target_line

TREND_KPIS = ("answer_rate", "service_level", "aht_s", "fcr", "csat", "qa_score")


def _unit_of(key: str) -> str:
    return {"s": "s", "points": "points", "nps": "points", "count": "count"}.get(REGISTRY[key].unit, "")


def trend_grid(trend: pd.DataFrame, params, lang: str = "en", keys=TREND_KPIS):
    """Small multiples: each KPI per month with its target (dashed) or healthy band (shaded)."""
    keys = [k for k in keys if k in trend.columns]
    if not keys:
        return None
    ncols = 3
    nrows = -(-len(keys) // ncols)
    fig, axes = new_figure((7.0, 2.3 * nrows), nrows=nrows, ncols=ncols, squeeze=False)
    x = [p.strftime("%Y-%m") for p in trend.index]
    for ax, key in zip(axes.flat, keys):
        k = REGISTRY[key]
        y = trend[key].astype(float)
        ax.plot(x, y.values, marker="o", color=PALETTE[0], linewidth=1.6)
        ax.set_title(k.name(lang), fontsize=9)
        target = params.kpi.targets.get(key)
        if k.unit in ("share", "rate/yr"):
            percent_axis(ax, "y", label=None)
            ax.set_ylabel(t("overview.axis_pct", lang))
        else:
            label_axes(ax, y=(t("overview.axis_value", lang), _unit_of(key)), lang=lang)
        if target is not None:
            lo = min(float(y.min()) if y.notna().any() else target, target)
            hi = max(float(y.max()) if y.notna().any() else target, target)
            pad = (hi - lo) * 0.25 or abs(target) * 0.05 or 1
            ax.set_ylim(lo - pad, hi + pad)
            target_line(ax, target, t("common.target", lang))
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    for ax in list(axes.flat)[len(keys):]:
        ax.set_visible(False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    return finish(fig, title=t("overview.trend_title", lang, n=len(x)), legend=False)


def daily_volume(daily: pd.DataFrame, params, lang: str = "en"):
    """Offered and abandoned contacts per day (bars) and service level (line, right axis) with its target."""
    fig, ax = new_figure("wide")
    d = pd.to_datetime(daily["date"])
    labels = [x.strftime("%d") for x in d]
    ax.bar(labels, daily["answered"], color=PALETTE[0], label=t("overview.answered", lang))
    ax.bar(labels, daily["abandoned"], bottom=daily["answered"], color=PALETTE[3], label=t("overview.abandoned", lang))
    label_axes(ax, x=t("overview.axis_day", lang), y=(t("overview.axis_contacts", lang), "contacts"), lang=lang)
    ax2 = ax.twinx()
    ax2.plot(labels, daily["service_level"], color="black", marker=".", linewidth=1.4,
             label=t("overview.service_level", lang))
    percent_axis(ax2, "y", label=t("overview.service_level", lang), limits=(0, 1.05), lang=lang)
    target_line(ax2, params.kpi.targets.get("service_level", 0.8), t("common.target", lang))
    ax2.grid(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", ncols=3, fontsize=7.5, frameon=False, bbox_to_anchor=(0, -0.18))
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return finish(fig, title=t("overview.daily_title", lang), legend=False)
