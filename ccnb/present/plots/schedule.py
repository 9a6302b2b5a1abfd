"""Charts of next month's schedule (:mod:`ccnb.staffing.schedule_views`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.i18n.labels import t
from ccnb.present.plots import PALETTE, finish, label_axes, new_figure


def coverage_week(panels: dict[str, pd.DataFrame], lang: str = "en", *, cut_label: str | None = None):
    """Agents needed (the target) vs scheduled on the phones per interval over one week, one panel per desk
    (:func:`ccnb.staffing.schedule_views.coverage_week`); the budget what-if as a thin line. Shortfalls shaded."""
    n = len(panels)
    fig, axes = new_figure((7.0, 2.9 + 2.4 * (n - 1)), nrows=n, sharex=True, squeeze=False)
    for i, (ax, (name, f)) in enumerate(zip(axes[:, 0], panels.items())):
        x = pd.to_datetime(f["interval_start"]).to_numpy()
        req, sch = f["required"].to_numpy(float), f["scheduled"].to_numpy(float)
        ax.step(x, req, where="post", color=PALETTE[3], linewidth=1.4, label=t("schedule.chart_required", lang))
        ax.step(x, sch, where="post", color=PALETTE[0], linewidth=1.4, label=t("schedule.chart_scheduled", lang))
        ax.fill_between(x, sch, req, where=sch < req, step="post", color=PALETTE[3], alpha=0.25, linewidth=0,
                        label=t("schedule.chart_short", lang))
        if "cut" in f:
            ax.step(x, f["cut"].to_numpy(float), where="post", color="#555555", linewidth=0.7, linestyle=":",
                    label=cut_label or t("schedule.chart_cut", lang))
        days = pd.DatetimeIndex(pd.to_datetime(f["interval_start"]).dt.normalize().unique())
        ax.set_xticks(days + pd.Timedelta(hours=12))
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] if lang == "en" else \
            ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        ax.set_xticklabels([f"{names[d.weekday()]}\n{d:%m-%d}" for d in days])
        for d in days[1:]:
            ax.axvline(d, color="#cccccc", linewidth=0.6, zorder=0)
        ax.set_xlim(days[0], days[-1] + pd.Timedelta(days=1))
        ax.set_ylim(0, max(np.nanmax(req), np.nanmax(sch)) * 1.12 + 1)
        last = i == n - 1
        label_axes(ax, x=t("schedule.axis_day", lang) if last else None,
                   y=(t("schedule.axis_agents", lang), "agents"), lang=lang)
        ax.set_title(name, fontsize=9, loc="left")
        if last:
            ax.legend(loc="upper left", bbox_to_anchor=(0, -0.35), fontsize=7.5, ncols=4)
    return finish(fig, title=t("schedule.chart_title", lang), legend=False)
