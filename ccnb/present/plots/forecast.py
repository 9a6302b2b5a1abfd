"""Charts of the forecasting and staffing report (inputs from :mod:`ccnb.forecast.views`).

Every chart labels its axes with units, draws targets (service-level goal) where one
applies, and takes its words from ``ccnb/i18n/locale/forecast.yaml``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.i18n.labels import t
from ccnb.present.plots import PALETTE, TARGET_COLOR, band, finish, label_axes, new_figure, percent_axis, target_line


def _pi(level: float) -> str:
    return f"{100 * level:.0f} %"


def _tod_labels(index) -> list[str]:
    return [f"{pd.Timestamp(0) + x:%H:%M}" for x in index]


def _date_axis(ax, lang: str):
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d" if lang == "zh" else "%d %b"))


def history(daily: pd.DataFrame, names: dict, lang: str = "en"):
    """Contacts offered per day, stacked by queue (columns of ``daily``)."""
    fig, ax = new_figure("wide")
    x = daily.index
    ax.stackplot(x, *[daily[c].to_numpy() for c in daily.columns], labels=[names.get(c, c) for c in daily.columns],
                 colors=PALETTE[: len(daily.columns)], alpha=0.9, linewidth=0)
    label_axes(ax, x=t("forecast.axis_date", lang), y=(t("forecast.axis_contacts_day", lang), "contacts"), lang=lang)
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.tick_params(axis="x", labelrotation=45, labelsize=7.5)
    ax.set_xlim(x.min(), x.max())
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.25), ncols=min(5, len(daily.columns)), fontsize=7.5)
    return finish(fig, title=t("forecast.history_title", lang), legend=False)


def decomposition(parts: dict, lang: str = "en"):
    """Three panels: weekday pattern, intraday shares by day type, mean contacts per day by month."""
    fig, axes = new_figure((7.0, 2.7), ncols=3)
    ax1, ax2, ax3 = axes
    wd = parts["weekday"]
    days = t("forecast.weekday_days", lang).split(",")
    ax1.bar([days[i] for i in wd.index], wd.to_numpy(), color=PALETTE[0])
    ax1.axhline(1.0, color=TARGET_COLOR, linewidth=0.9, linestyle=(0, (4, 3)))
    ax1.set_ylabel(t("forecast.decomp_weekday_y", lang) + (" (×)" if lang == "en" else "（倍）"))
    ax1.set_title(t("forecast.decomp_weekday", lang), fontsize=9)
    ax1.tick_params(axis="x", labelsize=7, labelrotation=45)
    prof = parts["intraday"]
    hours = np.array([x.total_seconds() / 3600 for x in prof.index])
    for i, c in enumerate(prof.columns):
        ax2.plot(hours, prof[c].to_numpy(), color=PALETTE[i], label=t(f"forecast.daytype_{c}", lang), linewidth=1.4)
    percent_axis(ax2, "y", label=t("forecast.decomp_intraday_y", lang), decimals=0, lang=lang)
    ax2.set_xlabel(t("forecast.axis_time", lang) + (" (h)" if lang == "en" else "（时）"))
    ax2.set_xticks([0, 6, 12, 18, 24])
    ax2.set_title(t("forecast.decomp_intraday", lang), fontsize=9)
    ax2.legend(fontsize=7, loc="upper left")
    mo = parts["monthly"]
    ax3.plot([p.strftime("%y-%m") for p in mo.index], mo.to_numpy(), marker="o", color=PALETTE[2], markersize=3)
    label_axes(ax3, y=(t("forecast.decomp_month_y", lang), "contacts"), lang=lang)
    ax3.set_title(t("forecast.decomp_month", lang), fontsize=9)
    ax3.tick_params(axis="x", labelrotation=60, labelsize=6.5)
    for lbl in ax3.get_xticklabels()[1::2]:
        lbl.set_visible(False)
    return finish(fig, title=t("forecast.decomp_title", lang), legend=False)


def forecast_vs_actual(daily: pd.DataFrame, pi_level: float, lang: str = "en", title_key: str = "forecast.last_month_title"):
    """Daily forecast with its range (band) and actual contacts (``daily``: yhat, lo, hi, y)."""
    fig, ax = new_figure("wide")
    x = daily.index
    band(ax, x, daily["lo"], daily["hi"], label=t("forecast.interval", lang, pi=_pi(pi_level)))
    ax.plot(x, daily["yhat"], color=PALETTE[0], label=t("forecast.forecast", lang))
    ax.plot(x, daily["y"], color="black", marker=".", linewidth=1.2, label=t("forecast.actual", lang))
    label_axes(ax, x=t("forecast.axis_date", lang), y=(t("forecast.axis_contacts_day", lang), "contacts"), lang=lang)
    _date_axis(ax, lang)
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower left", ncols=3, fontsize=7.5)
    return finish(fig, title=t(title_key, lang), legend=False)


def forecast_ahead(actual: pd.Series, fc: pd.DataFrame, events: list, pi_level: float, lang: str = "en"):
    """The last weeks' daily contacts, then the daily forecast with its range; events marked."""
    fig, ax = new_figure("wide")
    ax.plot(actual.index, actual.to_numpy(), color="black", linewidth=1.3, label=t("forecast.actual", lang))
    band(ax, fc.index, fc["lo"], fc["hi"], label=t("forecast.interval", lang, pi=_pi(pi_level)))
    ax.plot(fc.index, fc["yhat"], color=PALETTE[0], label=t("forecast.forecast", lang))
    top = float(max(fc["hi"].max(), actual.max() if len(actual) else 0))
    last = None
    for day, name in events:
        if fc.index.min() <= day <= fc.index.max() and (last is None or (day - last).days >= 4):
            last = day
            ax.axvline(day, color=PALETTE[3], linewidth=0.8, linestyle=":")
            ax.annotate(name, xy=(day, top), xytext=(2, -2), textcoords="offset points", fontsize=7,
                        color=PALETTE[3], rotation=90, ha="left", va="top")
    label_axes(ax, x=t("forecast.axis_date", lang), y=(t("forecast.axis_contacts_day", lang), "contacts"), lang=lang)
    _date_axis(ax, lang)
    ax.set_ylim(0, top * 1.05)
    ax.legend(loc="upper left", ncols=3, fontsize=7.5)
    return finish(fig, title=t("forecast.forecast_title", lang), legend=False)


def intraday(normal: pd.DataFrame, event: pd.DataFrame | None, normal_label: str, event_label: str | None,
             lang: str = "en", minutes: int = 30):
    """Forecast contacts per half-hour (bars) and agents to schedule (lines), a normal day beside an event day.

    Frames indexed by time of day with ``calls`` and ``scheduled``.
    """
    fig, ax = new_figure("wide")
    hours = np.array([x.total_seconds() / 3600 for x in normal.index])
    w = (0.4 if event is not None else 0.8) * minutes / 60
    ax.bar(hours - (w / 2 if event is not None else 0), normal["calls"], width=w, color=PALETTE[5],
           label=f"{normal_label}: {t('forecast.forecast', lang)}")
    if event is not None:
        he = np.array([x.total_seconds() / 3600 for x in event.index])
        ax.bar(he + w / 2, event["calls"], width=w, color=PALETTE[1], label=f"{event_label}: {t('forecast.forecast', lang)}")
    label_axes(ax, x=(t("forecast.axis_time", lang), "h"),
               y=(t("forecast.axis_contacts_interval", lang, minutes=minutes), "contacts"), lang=lang)
    ax.set_xticks(range(0, 25, 2))
    ax2 = ax.twinx()
    ax2.step(hours, normal["scheduled"], where="mid", color=PALETTE[0], linewidth=1.6,
             label=f"{normal_label}: {t('forecast.scheduled', lang)}")
    if event is not None:
        ax2.step(he, event["scheduled"], where="mid", color=PALETTE[3], linewidth=1.6,
                 label=f"{event_label}: {t('forecast.scheduled', lang)}")
    label_axes(ax2, y=(t("forecast.axis_agents", lang), "agents"), lang=lang)
    ax2.grid(False)
    ax2.set_ylim(bottom=0)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", bbox_to_anchor=(0, -0.2), fontsize=7, ncols=2)
    if event is None:
        title = t("forecast.intraday_title_one", lang, normal=normal_label, minutes=minutes)
    else:
        title = t("forecast.intraday_title", lang, normal=normal_label, event=event_label, minutes=minutes)
    return finish(fig, title=title, legend=False)


def heatmap(matrix: pd.DataFrame, title: str, unit_label: str, lang: str = "en", *, diverging: bool = False,
            fmt: str = "{:.0f}"):
    """Weekday (rows) x hour of the day (columns) heat map of ``matrix`` (columns: time of day; finer
    intervals are averaged per hour); ``diverging`` centres the colours on 0 (red below)."""
    import matplotlib.colors as mcolors

    hours = np.array([int(c.total_seconds() // 3600) for c in matrix.columns])
    mat = matrix.T.groupby(hours).mean().T
    fig, ax = new_figure((7.0, 2.9))
    m = mat.to_numpy(float)
    lim = float(np.nanmax(np.abs(m))) if np.isfinite(m).any() else 1.0
    lim = lim or 1.0
    if diverging:
        im = ax.imshow(m, aspect="auto", cmap="RdBu", norm=mcolors.TwoSlopeNorm(vcenter=0, vmin=-lim, vmax=lim))
    else:
        im = ax.imshow(m, aspect="auto", cmap="Blues", vmin=0)
    days = t("forecast.weekday_days", lang).split(",")
    ax.set_yticks(range(len(mat.index)), [days[i] for i in mat.index])
    ax.set_xticks(range(len(mat.columns)), [f"{h:02d}" for h in mat.columns], fontsize=7)
    ax.set_xlabel(t("forecast.axis_time", lang) + (" (h)" if lang == "en" else "（时）"))
    ax.set_ylabel(t("forecast.axis_weekday", lang))
    ax.grid(False)
    cb = fig.colorbar(im, ax=ax, shrink=0.9, aspect=25, pad=0.01)
    cb.set_label(unit_label, fontsize=8)
    cb.ax.tick_params(labelsize=7)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = m[i, j]
            if not np.isfinite(v) or (diverging and fmt.format(v).lstrip("+-") in ("0", "0.0")):
                continue  # no "+0" / "-0" labels
            dark = abs(v) > 0.6 * lim
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=6, color="white" if dark else "#222222")
    return finish(fig, title=title, legend=False)


def staffed_vs_required(tod, target: float, lang: str = "en"):
    """Agents needed vs on the phones per time of day (lines, left) and service level achieved (bars, right)
    with its target. ``tod``: one :func:`ccnb.staffing.actual.by_time_of_day` frame, or a dict of them
    (desk name -> frame): one panel per desk, one above the other (a desk's surplus cannot cover
    another desk's shortfall, so desks are not added up)."""
    panels = tod if isinstance(tod, dict) else {"": tod}
    n = len(panels)
    fig, axes = new_figure((7.0, 3.4 + 2.3 * (n - 1)), nrows=n, sharex=True, squeeze=False)
    for i, (ax, (name, f)) in enumerate(zip(axes[:, 0], panels.items())):
        if len(f) > 1:  # the whole day, so that closed hours break the lines instead of joining them
            step = pd.Series(f.index).diff().min()
            f = f.reindex(pd.timedelta_range(pd.Timedelta(0), pd.Timedelta(days=1) - step, freq=step))
        hours = np.array([x.total_seconds() / 3600 for x in f.index])
        ax2 = ax.twinx()
        ax2.bar(hours, f["service_level"].to_numpy(), width=0.42, color="#d9d9d9",
                label=t("forecast.service_level", lang), zorder=1)
        percent_axis(ax2, "y", label=t("forecast.service_level", lang), limits=(0, 1.05), lang=lang)
        target_line(ax2, target, t("common.target", lang), fmt="{:.0%}")
        ax2.grid(False)
        ax.set_zorder(ax2.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.plot(hours, f["required"], color=PALETTE[3], linewidth=1.8, label=t("forecast.required", lang))
        ax.plot(hours, f["staffed"], color=PALETTE[0], linewidth=1.8, label=t("forecast.staffed", lang))
        ax.fill_between(hours, f["staffed"], f["required"], where=f["staffed"] < f["required"], color=PALETTE[3],
                        alpha=0.15, linewidth=0, interpolate=True)
        last = i == n - 1
        label_axes(ax, x=(t("forecast.axis_time", lang), "h") if last else None,
                   y=(t("forecast.axis_agents", lang), "agents"), lang=lang)
        if name:
            ax.set_title(name, fontsize=9, loc="left")
        ax.set_xticks(range(0, 25, 2))
        ax.set_xlim(-0.5, 24)
        ax.set_ylim(bottom=0)
        if last:
            h1, l1 = ax.get_legend_handles_labels()
            h2, l2 = ax2.get_legend_handles_labels()
            ax.legend(h1 + h2, l1 + l2, loc="upper left", bbox_to_anchor=(0, -0.28 if n > 1 else -0.2), fontsize=7.5,
                      ncols=3)
    return finish(fig, title=t("forecast.staffed_title", lang), legend=False)


def fte_bars(weekly: pd.DataFrame, lang: str = "en"):
    """FTE needed per week of the plan month."""
    fig, ax = new_figure("small")
    labels = [f"{w:%m-%d}" for w in weekly["week"]]
    ax.bar(labels, weekly["fte"], color=PALETTE[0])
    for i, v in enumerate(weekly["fte"]):
        ax.annotate(f"{v:.0f}", (i, v), textcoords="offset points", xytext=(0, 2), ha="center", fontsize=7.5)
    label_axes(ax, x=t("forecast.col_week", lang), y=(t("forecast.axis_fte", lang), "fte"), lang=lang)
    return finish(fig, title=t("forecast.fte_heading", lang), legend=False)


__all__ = ["history", "decomposition", "forecast_vs_actual", "forecast_ahead", "intraday", "heatmap",
           "staffed_vs_required", "fte_bars"]
