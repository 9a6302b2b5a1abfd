"""Charts of the QA section: item Pareto, results by group, evaluator bias."""
from __future__ import annotations

import pandas as pd

from ccnb.i18n.labels import t
from ccnb.kpi.scoring import light
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
from ccnb.qa.results import item_label
from ccnb.qa.views import group_label


def pareto(items: pd.DataFrame, params, lang: str = "en"):
    """Failed evaluations per form item (bars, most failed first) and their cumulative share (line)."""
    fig, ax = new_figure("wide")
    labels = [item_label(params, i, lang) + (" *" if c else "") for i, c in zip(items["item"], items["critical"])]
    ax.bar(labels, items["failed"], color=[LIGHT_COLORS["red"] if c else PALETTE[0] for c in items["critical"]])
    label_axes(ax, x=t("qa.axis_item", lang), y=(t("qa.axis_failed", lang), t("qa.unit_evaluations", lang)),
               lang=lang)
    ax.tick_params(axis="x", labelrotation=20, labelsize=7.5)
    ax2 = ax.twinx()
    ax2.plot(labels, items["cumulative"], color="black", marker="o", linewidth=1.4)
    percent_axis(ax2, "y", label=t("qa.axis_cumulative", lang), limits=(0, 1.05), lang=lang)
    target_line(ax2, 0.8, t("qa.eighty_percent", lang))
    ax2.grid(False)
    return finish(fig, title=t("qa.pareto_title", lang), source=t("qa.pareto_note", lang), legend=False)


def by_group(frames: dict[str, pd.DataFrame], params, lang: str = "en"):
    """QA score by shift, direction and service type (bars coloured by their light; n on each), with the pass mark."""
    frames = {k: v for k, v in frames.items() if len(v)}
    fig, axes = new_figure((7.0, 2.6), ncols=len(frames), squeeze=False, sharey=True)
    for ax, (by, df) in zip(axes.flat, frames.items()):
        names = [group_label(by, g, params, lang) for g in df["group"]]
        target = params.kpi.targets.get("qa_score", params.qa.pass_mark)
        cols = light_colors(light(v, target, "higher", params.kpi.amber_band) for v in df["qa_score"])
        bars = ax.bar(names, df["qa_score"], color=cols, width=0.7)
        ax.bar_label(bars, labels=[f"n={n:,d}" for n in df["evaluations"]], label_type="center", fontsize=6.5,
                     color="white")
        ax.set_title(t(f"qa.by_{by}", lang), fontsize=9)
        ax.set_ylim(0, 105)
        target_line(ax, params.qa.pass_mark, t("qa.pass_mark", lang))
        ax.tick_params(axis="x", labelsize=7.5)
    label_axes(axes.flat[0], y=(t("qa.axis_score", lang), "points"), lang=lang)
    return finish(fig, title=t("qa.groups_title", lang), legend=False)


def evaluator_bias(cal, lang: str = "en"):
    """Each evaluator's mean difference from the consensus score, with the tolerated band."""
    df = cal.evaluators.iloc[::-1]
    fig, ax = new_figure((7.0, 0.36 * len(df) + 1.3))
    cols = [LIGHT_COLORS["red"] if f else LIGHT_COLORS["green"] for f in df["flagged"]]
    ax.barh(df["evaluator_id"].astype(str), df["bias"], color=cols, height=0.6)
    ax.axvline(0, color="#666666", linewidth=0.8)
    target_line(ax, cal.max_bias, f"+{cal.max_bias:g}", which="x")
    target_line(ax, -cal.max_bias, f"-{cal.max_bias:g}", which="x")
    m = max(float(df["bias"].abs().max()) if len(df) else 0, cal.max_bias) * 1.25
    ax.set_xlim(-m, m)
    label_axes(ax, x=(t("qa.axis_bias", lang), "points"), y=t("qa.col_evaluator", lang), lang=lang)
    ax.grid(axis="x", color="#e3e3e3")
    ax.grid(axis="y", visible=False)
    return finish(fig, title=t("qa.bias_title", lang), legend=False)
