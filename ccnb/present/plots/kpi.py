"""Charts of the KPI scorecard: attainment, composite distributions, trends, balance."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.catalog.kpis import REGISTRY
from ccnb.i18n.labels import t
from ccnb.present.plots import (
    LIGHT_COLORS,
    PALETTE,
    finish,
    label_axes,
    light_colors,
    new_figure,
    percent_axis,
    target_line,
)


def _short(key: str, lang: str) -> str:
    name = REGISTRY[key].name(lang)
    return name if len(name) <= 32 else name[:30] + "…"


def attainment_bars(center_kpis: pd.DataFrame, params, lang: str = "en"):
    """Each center KPI's attainment (0-100 % of the way from floor to target), coloured by its light."""
    df = center_kpis.dropna(subset=["attainment"]).iloc[::-1]
    fig, ax = new_figure((7.0, 0.32 * len(df) + 1.1))
    w = params.kpi.weights
    labels = [f"{_short(k, lang)} ({100 * w.get(k, 0):.0f} %)" if w.get(k) else _short(k, lang) for k in df["key"]]
    ax.barh(labels, df["attainment"], color=light_colors(df["light"]), height=0.6)
    percent_axis(ax, "x", label=t("kpi.axis_attainment", lang), limits=(0, 1.08), lang=lang)
    target_line(ax, 1.0, t("common.target", lang), which="x")
    ax.grid(axis="x", color="#e3e3e3")
    ax.grid(axis="y", visible=False)
    ax.set_ylabel(t("kpi.axis_kpi_weight", lang))
    return finish(fig, title=t("kpi.attainment_title", lang), legend=False)


def _thresholds(ax, params, lang, which="x"):
    k = params.kpi
    target_line(ax, k.composite_green, t("kpi.green_mark", lang), which=which, color=LIGHT_COLORS["green"])
    target_line(ax, k.composite_amber, t("kpi.amber_mark", lang), which=which, color=LIGHT_COLORS["amber"])


def composite_histogram(agent_score: pd.DataFrame, params, lang: str = "en"):
    """How agents' composite scores are spread, bars coloured by the light of their range."""
    s = agent_score.loc[agent_score["status"] == "scored", "composite"].astype(float)
    fig, ax = new_figure("small")
    bins = np.arange(0, 105, 5)
    counts, edges = np.histogram(s.clip(0, 100), bins=bins)
    mids = (edges[:-1] + edges[1:]) / 2
    k = params.kpi
    cols = [LIGHT_COLORS["green"] if lo >= k.composite_green else LIGHT_COLORS["amber"] if lo >= k.composite_amber
            else LIGHT_COLORS["red"] for lo in edges[:-1]]
    ax.bar(mids, counts, width=4.6, color=cols)
    ax.set_xlim(min(float(s.min()) - 5, k.composite_amber - 10) if len(s) else 0, 102)
    label_axes(ax, x=(t("kpi.axis_composite", lang), "points"), y=(t("kpi.axis_agents", lang), "agents"), lang=lang)
    ax.yaxis.get_major_locator().set_params(integer=True)
    _thresholds(ax, params, lang)
    return finish(fig, title=t("kpi.histogram_title", lang, n=len(s)), legend=False)


def team_bars(team_score: pd.DataFrame, params, lang: str = "en"):
    """Teams' composite scores, coloured by light, with the green and amber marks."""
    df = team_score.sort_values("composite", na_position="first")
    fig, ax = new_figure((7.0, 0.32 * len(df) + 1.2))
    ax.barh([str(i) for i in df.index], df["composite"].fillna(0), color=light_colors(df["light"]), height=0.6)
    label_axes(ax, x=(t("kpi.axis_composite", lang), "points"), y=t("common.team", lang), lang=lang)
    lo = float(df["composite"].min()) if df["composite"].notna().any() else 0
    ax.set_xlim(max(0, min(lo, params.kpi.composite_amber) - 10), 101)
    ax.grid(axis="x", color="#e3e3e3")
    ax.grid(axis="y", visible=False)
    _thresholds(ax, params, lang)
    return finish(fig, title=t("kpi.team_title", lang), legend=False)


def _kpi_unit(key: str) -> str:
    return {"s": "s", "points": "points", "nps": "points", "count": "count"}.get(REGISTRY[key].unit, "")


def trend_grid(trend: pd.DataFrame, trend_score: pd.DataFrame, params, lang: str = "en", keys=None):
    """Small multiples: the composite score, then each weighted KPI per month with its target."""
    keys = [k for k in (keys or [k for k, w in params.kpi.weights.items() if w > 0]) if k in trend.columns]
    panels = ["__composite"] + keys
    ncols = 3
    nrows = -(-len(panels) // ncols)
    fig, axes = new_figure((7.0, 2.2 * nrows), nrows=nrows, ncols=ncols, squeeze=False)
    x = [p.strftime("%Y-%m") for p in trend.index]
    for ax, key in zip(axes.flat, panels):
        if key == "__composite":
            y = trend_score["composite"].reindex(trend.index).astype(float)
            ax.plot(x, y.values, marker="o", color="black", linewidth=1.6)
            ax.set_title(t("kpi.composite", lang), fontsize=9)
            label_axes(ax, y=(t("kpi.axis_score", lang), "points"), lang=lang)
            lo = min(float(y.min()) if y.notna().any() else 0, params.kpi.composite_amber)
            ax.set_ylim(lo - 5, 102)
            target_line(ax, params.kpi.composite_green, t("kpi.green_mark", lang), color=LIGHT_COLORS["green"])
        else:
            k = REGISTRY[key]
            y = trend[key].astype(float)
            ax.plot(x, y.values, marker="o", color=PALETTE[0], linewidth=1.6)
            ax.set_title(k.name(lang), fontsize=9)
            if k.unit in ("share", "rate/yr"):
                percent_axis(ax, "y", label=None)
                ax.set_ylabel(t("kpi.axis_pct", lang))
            else:
                label_axes(ax, y=(t("kpi.axis_value", lang), _kpi_unit(key)), lang=lang)
            target = params.kpi.targets.get(key)
            if target is not None:
                vals = [v for v in y if pd.notna(v)] + [target]
                lo, hi = min(vals), max(vals)
                pad = (hi - lo) * 0.25 or abs(target) * 0.05 or 1
                ax.set_ylim(lo - pad, hi + pad)
                target_line(ax, target, t("common.target", lang))
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    return finish(fig, title=t("kpi.trend_title", lang, n=len(x)), legend=False)


def balance_heatmap(corr: pd.DataFrame, lang: str = "en"):
    """Rank correlations across agents of KPIs oriented so that higher is better."""
    names = [_short(k, lang) for k in corr.columns]
    n = len(names)
    fig, ax = new_figure((7.0, 0.42 * n + 1.6))
    im = ax.imshow(corr.to_numpy(float), cmap="RdBu", vmin=-1, vmax=1)
    ax.set_xticks(range(n), names, rotation=40, ha="right", fontsize=7.5)
    ax.set_yticks(range(n), names, fontsize=7.5)
    ax.grid(False)
    for i in range(n):
        for j in range(n):
            v = corr.iat[i, j]
            if i != j and pd.notna(v):
                ax.text(j, i, f"{v:+.2f}", ha="center", va="center", fontsize=6.5,
                        color="white" if abs(v) > 0.6 else "black")
    cb = fig.colorbar(im, ax=ax, shrink=0.8)
    cb.set_label(t("kpi.axis_rho", lang))
    return finish(fig, title=t("kpi.heatmap_title", lang), legend=False)


def balance_scatter(agents: pd.DataFrame, agent_score: pd.DataFrame, a: str, b: str, targets: pd.DataFrame,
                    lang: str = "en", params=None):
    """Agents on two KPIs that may pull against each other, with the agents' targets (healthy band shaded)."""
    ok = agent_score["status"] == "scored"
    df = agents.loc[ok, [a, b]].astype(float).dropna()
    fig, ax = new_figure((7.0, 3.8))
    bands = params.kpi.bands if params is not None else {}
    if a in bands:
        ax.axvspan(*bands[a], color=LIGHT_COLORS["green"], alpha=0.08, linewidth=0)
    if b in bands:
        ax.axhspan(*bands[b], color=LIGHT_COLORS["green"], alpha=0.08, linewidth=0)
    ax.scatter(df[a], df[b], s=18, color=PALETTE[0], alpha=0.8)
    for key, which, setter in ((a, "x", percent_axis), (b, "y", percent_axis)):
        k = REGISTRY[key]
        if k.unit in ("share", "rate/yr"):
            setter(ax, which, label=k.name(lang), lang=lang)
        else:
            label_axes(ax, **{which: (k.name(lang), _kpi_unit(key))}, lang=lang)
        tg = targets.set_index("key")["target"].get(key) if len(targets) else None
        if tg is not None and pd.notna(tg):
            target_line(ax, float(tg), t("common.target", lang), which=which)
    ax.grid(True, color="#e3e3e3")
    return finish(fig, title=t("kpi.scatter_title", lang, a=REGISTRY[a].name(lang), b=REGISTRY[b].name(lang)),
                  legend=False)


__all__ = ["attainment_bars", "composite_histogram", "team_bars", "trend_grid", "balance_heatmap", "balance_scatter"]
