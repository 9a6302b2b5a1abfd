"""Charts of the retention analysis: cohort heat map, survival curves with bands, hazard
ratios, attrition by month and by unit."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.i18n.labels import t
from ccnb.present.plots import (
    LIGHT_COLORS,
    PALETTE,
    axis_title,
    finish,
    label_axes,
    new_figure,
    percent_axis,
    target_line,
)
from ccnb.retention.customers import DAYS_PER_MONTH, GROUPS
from ccnb.retention.views import group_label, segment_label, unit_label


def cohort_heatmap(matrix: pd.DataFrame, lang: str = "en", by: str = "signup"):
    """Cohorts (rows, with their size) x months since start (columns): share still customers,
    each cell labelled in % (darker is higher; no colour bar: the numbers are on the cells)."""
    m = matrix.drop(columns="size")
    vals = m.to_numpy(dtype=float)
    n_rows, n_cols = vals.shape
    fig, ax = new_figure((7.0, 1.3 + 0.27 * max(n_rows, 3)))
    lo = np.nanmin(vals) if np.isfinite(vals).any() else 0.0
    ax.imshow(np.ma.masked_invalid(vals), cmap="Blues", vmin=max(0.0, lo - 0.05), vmax=1.0, aspect="auto")
    for i in range(n_rows):
        for j in range(n_cols):
            v = vals[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=6.5,
                        color="white" if v > (lo + 1) / 2 + 0.02 else "#222222")
    ax.set_xticks(range(n_cols), [str(c) for c in m.columns])
    ax.set_yticks(range(n_rows), [f"{p.strftime('%Y-%m')} ({n:,})" for p, n in zip(matrix.index, matrix["size"])])
    ax.grid(False)
    xkey = "retention.axis_months_since" if by == "signup" else "retention.axis_months_since_contact"
    label_axes(ax, x=(t(xkey, lang), "months"), y=t("retention.axis_cohort", lang), lang=lang)
    return finish(fig, title=t("retention.cohort_title", lang), legend=False)


def survival_curves(km: pd.DataFrame, lang: str = "en", *, labels: dict | None = None, title: str = "",
                    x_label: str = "", x_unit: str = "months", scale: float = 1.0, max_time: float | None = None,
                    y_label: str | None = None, mark: tuple[float, str] | None = None, order=None,
                    bands: bool | None = None, colors: dict | None = None):
    """Kaplan-Meier curves (:func:`ccnb.retention.kaplan_meier` output), one per group, as
    steps with their 95 % band shaded. ``scale`` divides times (days -> months: 30.44);
    ``mark`` = (time, label) draws a dashed vertical line (e.g. day 90). ``bands``: shade the
    intervals (default: with at most four groups)."""
    fig, ax = new_figure("wide")
    groups = list(order) if order is not None else list(pd.unique(km["group"]))
    bands = len(groups) <= 4 if bands is None else bands
    lows = []
    for i, g in enumerate(groups):
        part = km[km["group"] == g].sort_values("time")
        if part.empty:
            continue
        x = part["time"].to_numpy() / scale
        end = (max_time if max_time is not None else x.max())
        keep = x <= end
        x, s = np.append(x[keep], end), np.append(part["survival"].to_numpy()[keep], part["survival"].to_numpy()[keep][-1])
        lo = np.append(part["lo"].to_numpy()[keep], part["lo"].to_numpy()[keep][-1])
        hi = np.append(part["hi"].to_numpy()[keep], part["hi"].to_numpy()[keep][-1])
        color = (colors or {}).get(g, PALETTE[i % len(PALETTE)])
        name = (labels or {}).get(g, str(g))
        ax.step(x, s, where="post", color=color, label=name)
        if bands:
            ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.15, linewidth=0)
        lows.append(np.nanmin(lo) if bands else np.nanmin(s))
    bottom = max(0.0, min(lows + [0.9]) - 0.03) if lows else 0.0
    percent_axis(ax, "y", label=y_label or t("retention.axis_still", lang), limits=(bottom, 1.005), lang=lang)
    label_axes(ax, x=(x_label, x_unit), lang=lang)
    ax.set_xlim(left=0, right=max_time)
    if mark is not None:
        target_line(ax, mark[0] / scale, mark[1], which="x")
    if len(groups) > 4:  # many curves: the legend goes under the chart, where it covers none
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=4, fontsize=7.5)
    else:
        ax.legend(loc="lower left", fontsize=7.5)
    return finish(fig, title=title, legend=False)


def hazard_ratios(table: pd.DataFrame, lang: str = "en"):
    """Forest plot of Cox hazard ratios with 95 % ranges on a log scale; 1 = same rate."""
    tb = table.dropna(subset=["hr"]).iloc[::-1]
    fig, ax = new_figure((7.0, 0.9 + 0.38 * max(len(tb), 2)))
    y = np.arange(len(tb))
    clear = (tb["p"] < 0.05).to_numpy()
    colors = [PALETTE[3] if (c and h > 1) else PALETTE[0] if c else LIGHT_COLORS["grey"]
              for c, h in zip(clear, tb["hr"])]
    ax.hlines(y, tb["hr_lo"], tb["hr_hi"], color=colors, linewidth=2)
    ax.scatter(tb["hr"], y, color=colors, zorder=3, s=28)
    for yi, (h, lo, hi) in enumerate(zip(tb["hr"], tb["hr_lo"], tb["hr_hi"])):
        ax.annotate(f"{h:.1f}", xy=(hi, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7.5)
    ax.set_xscale("log")
    ticks = [0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8]
    # an interval without a finite end (a flag too rare to estimate) must not break the axis: limits from finite ends
    ends = np.r_[tb["hr"], tb["hr_lo"], tb["hr_hi"]].astype(float)
    ends = ends[np.isfinite(ends) & (ends > 0)]
    lo_all, hi_all = (float(ends.min()), float(ends.max())) if len(ends) else (1.0, 1.0)
    ticks = [v for v in ticks if lo_all / 1.3 <= v <= hi_all * 1.3] or [1]
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.minorticks_off()
    ax.set_xlim(min(lo_all, 1) / 1.15, max(hi_all, 1) * 1.35)
    ax.set_yticks(y, [t(f"retention.flag.{c}", lang) for c in tb["covariate"]])
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    target_line(ax, 1.0, t("retention.same_rate", lang), which="x")
    ax.set_xlabel(axis_title(t("retention.axis_hr", lang), "", lang))
    return finish(fig, title=t("retention.drivers_title", lang), legend=False)


def attrition_trend(trend: pd.DataFrame, lang: str = "en"):
    """Leavers per month (own accord / let go / unknown, stacked) and hires (markers)."""
    fig, ax = new_figure("wide")
    x = [p.strftime("%Y-%m") for p in trend.index]
    unknown = (trend["leavers"] - trend["voluntary"] - trend["involuntary"]).clip(lower=0)
    bottom = np.zeros(len(trend))
    for col, vals, color in (("voluntary", trend["voluntary"], PALETTE[3]),
                             ("involuntary", trend["involuntary"], PALETTE[1]),
                             ("unknown_reason", unknown, LIGHT_COLORS["grey"])):
        v = vals.to_numpy(dtype=float)
        if v.sum() == 0 and col == "unknown_reason":
            continue
        ax.bar(x, v, bottom=bottom, color=color, label=t(f"retention.{col}", lang), width=0.65)
        bottom += v
    ax.plot(x, trend["hires"], marker="o", linestyle="none", color=PALETTE[2], label=t("retention.hires", lang))
    top = max(float(bottom.max()), float(trend["hires"].max()), 1.0)
    ax.set_ylim(0, top + 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    label_axes(ax, y=(t("retention.axis_agents", lang), "agents"), lang=lang)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7.5)
    ax.legend(loc="upper left", ncols=4, fontsize=7.5)
    return finish(fig, title=t("retention.trend_title", lang), legend=False)


def attrition_units(att: pd.DataFrame, level: str, lang: str = "en", labels=None):
    """Annualised attrition per unit of ``level`` (bars coloured by traffic light) with the
    target as a dashed line."""
    a = att[att["level"] == level].iloc[::-1]
    fig, ax = new_figure((7.0, 1.0 + 0.32 * max(len(a), 2)))
    names = [unit_label(level, u, lang) for u in a["unit"]]
    ax.barh(names, a["annualised"], color=[LIGHT_COLORS.get(str(x), LIGHT_COLORS["grey"]) for x in a["light"]])
    for yi, (v, n) in enumerate(zip(a["annualised"], a["leavers"])):
        ax.annotate(f"{100 * v:.0f} % ({n})", xy=(v, yi), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=7.5)
    target = a["target"].iloc[0] if len(a) else None
    hi = max(float(a["annualised"].max()) if len(a) else 0, target or 0) * 1.25 or 0.3
    percent_axis(ax, "x", label=t("retention.axis_attrition", lang), limits=(0, hi), lang=lang)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    if target is not None and np.isfinite(target):
        target_line(ax, target, f"{t('common.target', lang)} {100 * target:.0f} %", which="x")
    months = int(a["months"].iloc[0]) if len(a) else 0
    title = t("retention.units_title", lang, level=t(f"retention.level.{level}", lang).lower() if lang == "en"
              else t(f"retention.level.{level}", lang), months=months)
    return finish(fig, title=title, legend=False)


def segment_curves(km: pd.DataFrame, lang: str = "en", max_months: float = 60):
    """Customers still with us by months since sign-up, one curve per segment."""
    labels = {g: segment_label(g, lang) for g in pd.unique(km["group"])}
    return survival_curves(km, lang, labels=labels, title=t("retention.survival_title", lang),
                           x_label=t("retention.axis_months_since", lang), scale=DAYS_PER_MONTH,
                           max_time=max_months)


def experience_curves(km: pd.DataFrame, landmark, lang: str = "en"):
    """Customers still with us since the landmark, by experience group."""
    labels = {g: group_label(g, lang) for g in GROUPS}
    order = [g for g in GROUPS if g in set(km["group"])]
    colors = dict(zip(GROUPS, (PALETTE[3], PALETTE[1], PALETTE[2], PALETTE[0])))
    return survival_curves(km, lang, labels=labels, order=order, colors=colors,
                           title=t("retention.experience_title", lang),
                           x_label=t("retention.axis_months_since_landmark", lang,
                                     landmark=pd.Timestamp(landmark).strftime("%Y-%m-%d")),
                           scale=DAYS_PER_MONTH)


def new_hire_curves(km: pd.DataFrame, params, lang: str = "en"):
    """New hires still employed by days since their first day (first year), per hiring
    cohort, with the ``retention.new_hire_days`` mark."""
    days = params.retention.new_hire_days
    return survival_curves(km, lang, title=t("retention.new_hire_title", lang),
                           x_label=t("retention.axis_days_since_hire", lang), x_unit="days", max_time=365,
                           y_label=t("retention.axis_employed", lang),
                           mark=(days, t("retention.first_days", lang, days=days)), bands=False)


def team_tenure_curves(km: pd.DataFrame, lang: str = "en", max_years: float = 5):
    """Agents still employed by years of service, one curve per team (no bands: small teams)."""
    return survival_curves(km, lang, title=t("retention.team_tenure_title", lang),
                           x_label=t("retention.axis_years_service", lang), x_unit="", scale=365.25,
                           max_time=max_years, y_label=t("retention.axis_employed", lang), bands=False)


__all__ = ["experience_curves", "new_hire_curves", "segment_curves", "team_tenure_curves", "attrition_trend", "attrition_units", "cohort_heatmap", "hazard_ratios", "survival_curves"]
