"""What the forecasting and staffing notebook shows: frames for its charts and tables, and its sentences.

Everything here reads a :class:`~ccnb.forecast.monthly.MonthRun`; nothing is recomputed.
Tables come back with plain column keys; the notebook passes ``formats`` and ``labels``
(:func:`table_formats`, :func:`table_labels`) to ``ctx.table``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.forecast.calendar import day_features
from ccnb.forecast.desk_views import desk_name, queue_name, sl_when_desk_short
from ccnb.forecast.models import min_weeks
from ccnb.forecast.monthly import CENTER, MonthRun, accuracy_table, last_month_accuracy, peak_summary
from ccnb.i18n.fmt import format_value, month_name
from ccnb.i18n.labels import fmt_pct, t
from ccnb.kpi.scoring import light
from ccnb.staffing import actual as _actual


def month_label(p: pd.Period, lang: str) -> str:
    return month_name(p, lang)


# --------------------------------------------------------------------------- history
def history_daily(r: MonthRun, days: int = 365) -> pd.DataFrame:
    """Offered contacts per day and queue (columns) over the last ``days`` days of the history."""
    s = r.series
    d = s.groupby([s["ts"].dt.normalize(), "queue"])["offered"].sum().unstack("queue").fillna(0)
    d = d[[q for q in r.queues if q in d.columns]]
    return d[d.index >= d.index.max() - pd.Timedelta(days=days - 1)]


def decomposition(r: MonthRun, weeks: int = 8) -> dict:
    """The volume's patterns, whole center: ``weekday`` (mean day volume / mean of all normal
    days, by weekday 0-6, last ``weeks`` weeks), ``intraday`` (share of the day per time of day
    for weekdays, weekends and holidays; holidays over the last year), ``monthly`` (mean contacts
    per day by calendar month)."""
    s = r.series.groupby("ts")["offered"].sum()
    day = s.groupby(s.index.normalize()).sum()
    feats = day_features(day.index, r.calendar, None)
    hol = feats["holiday"].to_numpy(bool)
    recent = day.index >= day.index.max() - pd.Timedelta(weeks=weeks)
    normal = recent & ~hol
    wd = day[normal].groupby(day.index[normal].day_of_week).mean()
    weekday = wd / day[normal].mean()
    tod = s.index - s.index.normalize()
    dn = s.index.normalize()
    kind = pd.Series(np.where(feats["holiday"].reindex(dn).to_numpy(bool), "holiday",
                              np.where(dn.day_of_week >= 5, "weekend", "weekday")), index=s.index)
    last_year = dn >= dn.max() - pd.Timedelta(days=365)
    keep = last_year & ((kind == "holiday").to_numpy() | (dn >= dn.max() - pd.Timedelta(weeks=weeks)))
    sk = s[keep]
    prof = sk.groupby([kind[keep].to_numpy(), tod[keep]]).sum().unstack(0).fillna(0)
    prof = prof / prof.sum()
    prof = prof[[c for c in ("weekday", "weekend", "holiday") if c in prof.columns]]
    monthly = day.groupby(day.index.to_period("M")).mean()
    return {"weekday": weekday, "intraday": prof, "monthly": monthly}


# --------------------------------------------------------------------------- accuracy
def accuracy_view(r: MonthRun, params, lang: str = "en") -> pd.DataFrame:
    """Backtest table for managers: series, method, errors, coverage, the naive's error, light
    (green when the method beats repeating last week)."""
    a = accuracy_table(r)
    return pd.DataFrame({
        "series": [queue_name(k, params, lang) for k in a["key"]],
        "model": [t(f"forecast.model.{m}", lang) for m in a["model"]],
        "wape": a["wape"], "wape_daily": a["wape_daily"], "mase": a["mase"], "bias": a["bias"],
        "pi_coverage": a["pi_coverage"], "naive_wape": a["naive_wape"],
        "light": np.where(a["beats_naive"], "green", "red"),
    })


def tested(r: MonthRun) -> bool:
    """Whether the history was long enough for the backtest to try at least one model."""
    return any(len(bt) for bt in r.backtests.values())


def history_notes(r: MonthRun, params, lang: str = "en") -> list[tuple[str, dict]]:
    """What more history would add, as (label key, fields) for ``ctx.note``; empty with enough history.

    A model is a candidate only when its training data before the last backtest origin covers its
    ``min_weeks`` (:mod:`ccnb.forecast.models`); the report month's forecast is checked against what
    happened only when the data starts at least four weeks before the month (the notebook says so
    with ``forecast.history_no_last_month`` when ``r.last_month`` is empty).
    """
    f = params.forecast
    days = ((r.month + 1).start_time - r.series["ts"].min().normalize()) / pd.Timedelta(days=1) if len(r.series) else 0
    items: list[tuple[str, dict]] = []
    left_out = [m for m in f.models if days - f.backtest_horizon_days < 7 * min_weeks(m)]
    if left_out:
        need = int(np.ceil((f.backtest_horizon_days + 7 * max(min_weeks(m) for m in left_out)) / 7))
        used = [m for m in f.models if m not in left_out] or ["seasonal_naive"]   # the baseline when none was tested
        items.append(("forecast.history_short", dict(
            weeks=f"{days / 7:.0f}", need=need,
            models=t("needs.and", lang).join(t(f"forecast.model.{m}", lang) for m in left_out if m not in used),
            used=t("needs.and", lang).join(t(f"forecast.model.{m}", lang) for m in used))))
    return items


def last_month_view(r: MonthRun, params, lang: str = "en") -> pd.DataFrame:
    """The report month's forecast vs actual per series (contacts, errors, bias, coverage)."""
    a = last_month_accuracy(r)
    return pd.DataFrame({
        "series": [queue_name(k, params, lang) for k in a["key"]],
        "forecast": a["forecast"], "actual": a["actual"], "wape": a["wape"], "wape_daily": a["wape_daily"],
        "bias": a["bias"], "pi_coverage": a["pi_coverage"],
    })


def events_in(r: MonthRun, lo, hi, kinds=("promotion",)) -> list[tuple[pd.Timestamp, str]]:
    """Calendar events of ``kinds`` in [lo, hi): (first day, name) per event name and run of days."""
    c = r.calendar
    c = c[c["kind"].isin(kinds) & (c["date"] >= pd.Timestamp(lo)) & (c["date"] < pd.Timestamp(hi))]
    out = []
    for name, g in c.groupby("name", sort=False):
        days = sorted(pd.to_datetime(g["date"]).unique())
        out.append((pd.Timestamp(days[0]), str(name)))
    return sorted(out)


# --------------------------------------------------------------------------- staffing plan
def heatmap(plan: pd.DataFrame, column: str = "scheduled") -> pd.DataFrame:
    """Mean of ``column`` summed over queues, by weekday (rows 0-6) and time of day (columns)."""
    tot = plan.groupby("ts")[column].sum()
    m = tot.groupby([tot.index.day_of_week, tot.index - tot.index.normalize()]).mean().unstack(1)
    m.index.name = "weekday"
    return m


def queue_plan(r: MonthRun, params, lang: str = "en") -> pd.DataFrame:
    """Per queue for the plan month: contacts, AHT (contact-weighted), patience, mean daily peak of
    scheduled agents, agent-hours and FTE."""
    p = r.plan
    iv_h = params.center.interval_minutes / 60.0
    n_days = p["ts"].dt.normalize().nunique()
    rows = []
    for q, g in p.groupby("queue", sort=False):
        peak = g.groupby(g["ts"].dt.normalize())["scheduled"].max().mean()
        hours = g["scheduled"].sum() * iv_h
        rows.append({"queue": queue_name(q, params, lang), "calls": g["calls"].sum(),
                     "aht_s": (g["aht_s"] * g["calls"]).sum() / max(g["calls"].sum(), 1e-9),
                     "patience_s": r.patience.get(q, np.nan), "peak": peak, "hours": hours,
                     "fte": hours / (params.staffing.fte_hours_per_week * n_days / 7.0)})
    return pd.DataFrame(rows)


def fte_weekly(r: MonthRun) -> pd.DataFrame:
    """FTE per week of the plan month (``week`` as date, ``days``, ``hours``, ``fte``)."""
    w = r.fte["weekly"].copy()
    w["week"] = pd.to_datetime(w["week"])
    return w[["week", "days", "hours", "fte"]]


def shrinkage_view(r: MonthRun, params, lang: str = "en") -> pd.DataFrame:
    """Shrinkage used and measured in the report month, per queue and center, with its parts."""
    m = r.shrinkage_measured
    used = r.shrinkage_used
    rows = []
    for unit in [q for q in r.queues if q in m.index] + (["center"] if "center" in m.index else []):
        u = used.get(unit, np.nan) if isinstance(used, pd.Series) else used
        if isinstance(used, pd.Series) and unit == "center":
            u = float(m.loc["center", "shrinkage"])
        rows.append({"queue": queue_name(CENTER if unit == "center" else unit, params, lang), "used": u,
                     "measured": m.loc[unit, "shrinkage"], "absence": m.loc[unit, "absence"],
                     "breaks": m.loc[unit, "breaks"], "other": m.loc[unit, "other_aux"]})
    return pd.DataFrame(rows)


def what_if_view(r: MonthRun, lang: str = "en") -> pd.DataFrame:
    """The what-if table with readable goal and AHT columns."""
    w = r.what_if
    goal = [f"{fmt_pct(x, lang, 0)} / {a:g} s" if lang == "en" else f"{fmt_pct(x, lang, 0)} / {a:g} 秒"
            for x, a in zip(w["target"], w["answer_s"])]
    aht = [t("forecast.aht_same", lang) if abs(c) < 1e-9 else f"{100 * c:+.0f} %" for c in w["aht_change"]]
    return pd.DataFrame({"target": goal, "aht_change": aht, "fte": w["fte"], "peak": w["peak_scheduled"],
                         "service_level": w["service_level"]})



# --------------------------------------------------------------------------- sentences and cards
def conclusions(r: MonthRun, params, lang: str = "en") -> dict:
    """Plain-language conclusions and the figures behind them.

    Keys: ``items`` (list of (label key, fields) for ``ctx.text``), ``sentences`` (the same in
    ``lang`` as plain text), ``peak`` (mean daily peak of scheduled agents), ``normal_peak``,
    ``event`` (dict or None), ``fte``, ``calls`` (plan month), ``calls_last`` (report month actual),
    ``wape_daily``, ``bias`` (center, report month's forecast), ``under`` (share of the desks'
    intervals with contacts that were short),
    ``sl_under``, ``sl_all``.
    """
    ps = peak_summary(r, params)
    pm, mm = month_label(r.plan_month, lang), month_label(r.month, lang)
    shr = r.shrinkage_used
    if isinstance(shr, pd.Series):  # measured per queue: say the center's
        m = r.shrinkage_measured
        shr_v = float(m.loc["center", "shrinkage"]) if "center" in m.index else float(shr.mean())
    else:
        shr_v = float(shr)
    items: list[tuple[str, dict]] = [("forecast.c_peak", dict(plan_month=pm, peak=f"{ps['mean_peak']:.0f}",
                                                                shrinkage=fmt_pct(shr_v, lang, 0), fte=f"{ps['fte']:.0f}"))]
    ev = ps["event"]
    if ev is not None and ev["extra"] >= 1:
        items.append(("forecast.c_event", dict(event=ev["name"], date=f"{ev['date']:%m-%d}", extra=f"{ev['extra']:.0f}",
                                               event_peak=f"{ev['peak']:.0f}", time=f"{ev['peak_ts']:%H:%M}",
                                               normal_peak=f"{ps['normal_peak']:.0f}")))
    s = r.series
    last_calls = float(s[(s["ts"] >= r.month.start_time)]["offered"].sum())
    per_day_next = ps["calls"] / r.plan_month.days_in_month
    per_day_last = last_calls / r.month.days_in_month
    change = per_day_next / per_day_last - 1 if per_day_last > 0 else np.nan
    items.append(("forecast.c_volume", dict(plan_month=pm, month=mm, calls=format_value(ps["calls"], "int", lang),
                                            change=f"{100 * change:+.0f} %")))
    la = last_month_accuracy(r)
    center = la[la["key"] == CENTER]
    wape_d = float(center["wape_daily"].iloc[0]) if len(center) else np.nan
    bias = float(center["bias"].iloc[0]) if len(center) else np.nan
    if len(center):
        items.append(("forecast.c_accuracy", dict(month=mm, wape_daily=fmt_pct(wape_d, lang, 1),
                                                  bias=f"{100 * bias:+.1f} %")))
    sm = _actual.summary(r.compare, params)
    allrows = sm[sm["level"] == "all"]
    under = sl_u = sl_a = np.nan
    if len(allrows):
        allrow = allrows.iloc[0]
        under, sl_u, sl_a = allrow["under_share"], allrow["sl_when_under"], allrow["service_level"]
        items.append(("forecast.c_under", dict(month=mm, minutes=params.center.interval_minutes,
                                               under=fmt_pct(under, lang, 0),
                                               sl_under=fmt_pct(sl_u, lang, 0) if pd.notna(sl_u) else "–",
                                               sl_all=fmt_pct(sl_a, lang, 0),
                                               target=fmt_pct(params.staffing.service_level_target, lang, 0))))
        ds = sm[sm["level"] == "desk"].set_index("unit")
        if len(ds) and ds["under_share"].max() > 0:
            w = ds["under_share"].idxmax()
            items.append(("forecast.c_under_worst", dict(desk=desk_name(w, params, lang, r.compare.desk_of, in_sentence=True),
                                                         under=fmt_pct(ds.loc[w, "under_share"], lang, 0),
                                                         hours=f"{ds.loc[w, 'short_hours']:,.0f}")))
            hit = sl_when_desk_short(r)
            hit = hit[(hit["desk"] == w) & (hit["offered"] >= params.kpi.min_contacts)]
            if len(hit) > 1:
                h = hit.sort_values("service_level").iloc[0]
                items.append(("forecast.c_under_queue", dict(desk=desk_name(w, params, lang, r.compare.desk_of, in_sentence=True),
                                                             queue=queue_name(h["queue"], params, lang),
                                                             sl=fmt_pct(h["service_level"], lang, 0),
                                                             answer_s=f"{params.staffing.answer_s:g}")))
        if allrow["over_share"] > 0.05:
            items.append(("forecast.c_over", dict(over=fmt_pct(allrow["over_share"], lang, 0),
                                                  margin=fmt_pct(params.staffing.over_margin, lang, 0))))
    sentences = [t(k, lang, **f).replace("**", "") for k, f in items]
    return {"items": items, "sentences": sentences, "peak": ps["mean_peak"], "normal_peak": ps["normal_peak"],
            "event": ev, "fte": ps["fte"], "calls": ps["calls"], "calls_last": last_calls, "wape_daily": wape_d,
            "bias": bias, "under": under, "sl_under": sl_u, "sl_all": sl_a}


def plan_figures(c: dict, r: MonthRun, lang: str = "en") -> pd.DataFrame:
    """The plan month's headline figures as a two-column table (``figure``, ``value`` as text, ``detail``)."""
    pm, mm = month_label(r.plan_month, lang), month_label(r.month, lang)
    rows = [(t("forecast.card_peak", lang), format_value(c["peak"], "agents", lang),
             t("forecast.vs_normal", lang, n=f"{c['normal_peak']:.0f}"))]
    if c["event"] is not None:
        ev = c["event"]
        rows.append((t("forecast.card_event", lang, event=ev["name"]), format_value(ev["extra"], "agents", lang),
                     f"{ev['date']:%Y-%m-%d}"))
    rows.append((t("forecast.card_fte", lang, month=pm), format_value(c["fte"], "num0", lang), ""))
    rows.append((t("forecast.card_calls", lang, month=pm), format_value(c["calls"], "int", lang),
                 t("forecast.vs_last", lang, month=mm, x=format_value(c["calls_last"], "int", lang))))
    return pd.DataFrame(rows, columns=["figure", "value", "detail"])


def cards(c: dict, r: MonthRun, params, lang: str = "en") -> list[dict]:
    """Cards with a real target for ``ctx.kpi_cards``: last month's service level against the goal,
    and the forecast's daily error against repeating last week's pattern. ``key`` is the stable
    summary key (``forecast.card_sl``, ``forecast.card_accuracy``)."""
    items = []
    if pd.notna(c["sl_all"]):
        items.append({"key": "forecast.card_sl", "label": t("forecast.card_sl", lang, month=month_label(r.month, lang)),
                      "value": c["sl_all"],
                      "fmt": "pct", "target": params.staffing.service_level_target,
                      "light": light(c["sl_all"], params.staffing.service_level_target, "higher", params.kpi.amber_band),
                      "note": t("forecast.card_under_note", lang, x=fmt_pct(c["under"], lang, 0))})
    la = last_month_accuracy(r)
    center = la[la["key"] == CENTER]
    if len(center):
        v, nv = float(center["wape_daily"].iloc[0]), float(center["naive_wape_daily"].iloc[0])
        items.append({"key": "forecast.card_accuracy", "label": t("forecast.card_accuracy", lang), "value": v,
                      "fmt": "pct", "target": nv,
                      "target_fmt": "pct", "light": light(v, nv, "lower", params.kpi.amber_band),
                      "note": t("forecast.card_accuracy_note", lang)})
    return items


def table_formats() -> dict:
    return {"wape": "pct", "wape_daily": "pct", "mase": "num2", "bias": lambda v: f"{100 * v:+.1f} %", "pi_coverage": "pct0",
            "naive_wape": "pct", "forecast": "int", "actual": "int", "calls": "int", "aht_s": "s", "patience_s": "s",
            "peak": "num1", "hours": "int", "fte": "num1", "used": "pct0", "measured": "pct1", "absence": "pct1",
            "breaks": "pct1", "other": "pct1", "service_level": "pct", "under": "pct0", "over": "pct0",
            "short_hours": "int", "excess_hours": "int", "sl_when_under": "pct", "short": "num1", "days_short": "int",
            "week": "date", "days": "int"}


def table_labels(lang: str, month: pd.Period | None = None) -> dict:
    mm = month_label(month, lang) if month is not None else ""
    k = {"series": "forecast.col_series", "model": "forecast.col_model", "wape": "forecast.col_wape",
         "wape_daily": "forecast.col_wape_daily", "mase": "forecast.col_mase", "bias": "forecast.col_bias",
         "pi_coverage": "forecast.col_coverage", "naive_wape": "forecast.col_naive", "forecast": "forecast.col_forecast",
         "actual": "forecast.col_actual", "calls": "forecast.col_calls", "aht_s": "forecast.col_aht",
         "patience_s": "forecast.col_patience", "peak": "forecast.col_queue_peak", "hours": "forecast.col_hours",
         "fte": "forecast.col_fte", "used": "forecast.col_shrinkage_used", "absence": "forecast.col_absence",
         "breaks": "forecast.col_breaks", "other": "forecast.col_aux", "target": "forecast.col_target",
         "aht_change": "forecast.col_aht_change", "service_level": "forecast.col_sl", "under": "forecast.col_under",
         "over": "forecast.col_over", "short_hours": "forecast.col_short_hours",
         "excess_hours": "forecast.col_excess_hours", "sl_when_under": "forecast.col_sl_under",
         "when": "forecast.col_when", "short": "forecast.col_short", "days_short": "forecast.col_days_short",
         "unit": "forecast.col_unit",
         "week": "forecast.col_week", "days": "forecast.col_days"}
    out = {c: t(v, lang) for c, v in k.items()}
    out["measured"] = t("forecast.col_shrinkage_measured", lang, month=mm)
    return out


def intraday_pair(r: MonthRun, params, lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame | None, str, str | None]:
    """Per time of day, all queues: forecast ``calls`` and ``scheduled`` agents on a normal day (mean of
    the plan month's days without events or holidays, same weekday as the event when there is one)
    and on the event day with the highest peak. Returns (normal, event or None, their labels)."""
    ps = peak_summary(r, params)
    tot = r.plan.groupby("ts")[["calls", "scheduled"]].sum()
    day = tot.index.normalize()
    feats = day_features(day.unique(), r.calendar, params.center.country)
    ev_cols = [c for c in feats.columns if c.startswith("ev:") and not c.endswith(":*")]
    plain = ~(feats[ev_cols].sum(axis=1) > 0) & ~feats["holiday"] & ~feats["post1"] & ~feats["post2"]
    ev = ps["event"]
    days_names = t("forecast.weekday_names", lang).split(",")
    if ev is not None:
        wd = ev["date"].day_of_week
        pick = plain & (feats.index.day_of_week == wd)
        if not pick.any():
            pick = plain
        label = t("forecast.normal_day", lang, day=days_names[wd])
    else:
        pick = plain & (feats.index.day_of_week < 5)
        label = t("forecast.normal_day", lang, day=days_names[0] + "–" + days_names[4])
    sel = tot[np.isin(day, feats.index[pick])]
    normal = sel.groupby(sel.index - sel.index.normalize()).mean()
    event = None
    if ev is not None:
        e = tot[day == ev["date"]]
        event = e.set_axis(e.index - e.index.normalize())
    return normal, event, label, (ev["name"] if ev is not None else None)
