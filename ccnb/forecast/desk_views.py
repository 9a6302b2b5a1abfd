"""What the forecasting notebook shows about the report month's staffing: agents needed vs on the
phones per desk (agents who share queues) and per queue, from a MonthRun's ``compare``
(:class:`ccnb.staffing.actual.Comparison`), and the display names of queues and desks.
Nothing is recomputed.
"""
from __future__ import annotations

import pandas as pd

from ccnb.forecast.monthly import CENTER, MonthRun
from ccnb.i18n import labels
from ccnb.i18n.labels import catalog, t
from ccnb.kpi.scoring import light
from ccnb.staffing import actual as _actual


def queue_name(q: str, params, lang: str = "en") -> str:
    """Display name of a queue (:func:`ccnb.i18n.labels.queue_name`), or "Whole center" for the center series."""
    if q == CENTER:
        return t("forecast.center_all", lang)
    return labels.queue_name(q, params, lang)


def desk_name(d: str, params, lang: str = "en", desks: dict | None = None, *, in_sentence: bool = False) -> str:
    """Display name of a desk (agents who share queues): ``forecast.desk_name.<desk>`` when the catalog
    has it, a one-queue desk named after its queue by the queue's name, else "<Desk> desk".
    ``in_sentence``: "the voice desk" rather than "Voice desk" (English)."""
    key = f"forecast.desk_name.{d}"
    members = [q for q, x in (desks or {}).items() if x == d]
    if key in catalog():
        name = t(key, lang)
    elif members == [d] or (not members and d in params.center.queues):
        return queue_name(d, params, lang)
    else:
        name = t("forecast.desk_generic", lang, desk=d.replace("_", " ").capitalize() if lang == "en" else d)
    if in_sentence and lang == "en":
        name = "the " + name[:1].lower() + name[1:]
    return name


def desks_text(r: MonthRun, params, lang: str = "en") -> str:
    """The desks and their queues in words: "Voice desk: Billing, Sales; Chat desk: Chat" (busiest desk first)."""
    sep, inner = ("; ", ", ") if lang == "en" else ("；", "、")
    colon = ": " if lang == "en" else "："
    parts = []
    for d in desks_in_order(r):
        qs = [q for q in r.queues if r.compare.desk_of.get(q) == d]
        parts.append(desk_name(d, params, lang, r.compare.desk_of) + colon
                     + inner.join(queue_name(q, params, lang) for q in qs))
    return sep.join(parts)


def staffing_summary_view(r: MonthRun, params, lang: str = "en") -> pd.DataFrame:
    """Per desk, then the queues of a desk with several (derived: their share of the desk's agents),
    then the whole center: intervals under/over-staffed, agent-hours short/in excess, service level
    achieved overall and when short, light from the service level against target."""
    s = _actual.summary(r.compare, params)
    target = params.staffing.service_level_target
    names = []
    for lvl, u in zip(s["level"], s["unit"]):
        if lvl == "all":
            names.append(queue_name(CENTER, params, lang))
        elif lvl == "desk":
            names.append(desk_name(u, params, lang, r.compare.desk_of))
        else:
            names.append("– " + queue_name(u, params, lang))
    return pd.DataFrame({
        "unit": names,
        "under": s["under_share"].to_numpy(), "over": s["over_share"].to_numpy(),
        "short_hours": s["short_hours"].to_numpy(), "excess_hours": s["excess_hours"].to_numpy(),
        "service_level": s["service_level"].to_numpy(), "sl_when_under": s["sl_when_under"].to_numpy(),
        "light": [light(v, target, "higher", params.kpi.amber_band) for v in s["service_level"]],
    })


def desks_in_order(r: MonthRun) -> list[str]:
    """The report month's desks with contacts, busiest first."""
    order = r.compare.desks.groupby("desk")["offered"].sum().sort_values(ascending=False, kind="stable")
    return [k for k in order.index if order[k] > 0]


def staffed_by_time_of_day(r: MonthRun, params, lang: str = "en") -> dict[str, pd.DataFrame]:
    """Per desk (display name -> :func:`ccnb.staffing.actual.by_time_of_day` frame): agents needed and
    staffed, and the service level achieved, per time of day; busiest desk first."""
    d = r.compare.desks
    return {desk_name(k, params, lang, r.compare.desk_of): _actual.by_time_of_day(d[d["desk"] == k])
            for k in desks_in_order(r)}


def gap_matrix(r: MonthRun, desk: str | None = None) -> pd.DataFrame:
    """Mean (staffed - required) agents of ``desk`` (None: all desks added up) by weekday x time of day
    in the report month, over the intervals with contacts."""
    c = r.compare.desks
    if desk is not None:
        c = c[c["desk"] == desk]
    tot = c.groupby("ts")[["staffed", "required", "offered"]].sum()
    tot = tot[tot["offered"] > 0]
    g = (tot["staffed"] - tot["required"])
    m = g.groupby([g.index.day_of_week, g.index - g.index.normalize()]).mean().unstack(1)
    m.index.name = "weekday"
    return m


def worst_times(r: MonthRun, params, lang: str = "en", n: int = 8) -> pd.DataFrame:
    """The weekday x time-of-day cells most short of agents: per interval the agents short summed over
    the desks (a desk's surplus does not cover another's shortfall: its agents have other skills),
    mean over the month's days; days short; service level achieved there."""
    c = r.compare.desks
    c = c.assign(short=(c["required"] - c["staffed"]).clip(lower=0),
                 in_sl=c["service_level"].fillna(0) * c["offered"])
    tot = c.groupby("ts")[["short", "offered", "in_sl"]].sum()
    tot = tot[tot["offered"] > 0]
    key = [tot.index.day_of_week, tot.index - tot.index.normalize()]
    g = tot.groupby(key)
    out = pd.DataFrame({"short": g["short"].mean(), "days_short": g["short"].apply(lambda x: int((x >= 0.5).sum())),
                        "service_level": g["in_sl"].sum() / g["offered"].sum()})
    out = out[out["short"] >= 0.5].sort_values("short", ascending=False).head(n)
    days = t("forecast.weekday_days", lang).split(",")
    when = [f"{days[w]} {pd.Timestamp(0) + tod:%H:%M}" for w, tod in out.index]
    return pd.DataFrame({"when": when, "short": out["short"].to_numpy(), "days_short": out["days_short"].to_numpy(),
                         "service_level": out["service_level"].to_numpy()})


def sl_when_desk_short(r: MonthRun) -> pd.DataFrame:
    """Per queue: service level achieved in the intervals its desk was under-staffed (``service_level``,
    ``offered`` there) — whose callers waited when the desk was short. Columns ``queue``, ``desk``."""
    q, d = r.compare.queues, r.compare.desks
    under = d.loc[d["status"] == "under", ["desk", "ts"]]
    x = q.merge(under, on=["desk", "ts"])
    x = x[x["offered"] > 0]
    g = x.assign(in_sl=x["service_level"] * x["offered"]).groupby(["queue", "desk"])[["in_sl", "offered"]].sum()
    out = pd.DataFrame({"service_level": g["in_sl"] / g["offered"], "offered": g["offered"]}).reset_index()
    return out


def model_check(r: MonthRun) -> tuple[float, float]:
    """Volume-weighted service level the queueing model expects with the staffed agents (per desk), and achieved."""
    c = r.compare.desks[r.compare.desks["offered"] > 0]
    w = c["offered"]
    return (float((c["sl_model"].fillna(0) * w).sum() / w.sum()), float((c["service_level"].fillna(0) * w).sum() / w.sum()))
