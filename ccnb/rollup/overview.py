"""The month-end operations overview: headline KPIs against target, alerts, trends.

Every number comes from the KPI registry through :func:`ccnb.kpi.compute` /
:func:`ccnb.kpi.trend`; targets, floors, bands and the list of headline KPIs come
from params (``kpi.*``, ``report.headline_kpis``).
"""
from __future__ import annotations

import pandas as pd

from ccnb import kpi
from ccnb.catalog.kpis import REGISTRY
from ccnb.data import available
from ccnb.i18n.fmt import format_value
from ccnb.i18n.labels import queue_name, t
from ccnb.kpi.facts import offered_sql
from ccnb.kpi.scoring import assess


def headline(tables, month, params, lang: str = "en", keys: list[str] | None = None) -> pd.DataFrame:
    """Headline KPIs of the center for ``month`` with last month beside them.

    One row per KPI (``report.headline_kpis``): ``key``, ``label`` (KPI name in ``lang``),
    ``dimension``, ``value``, ``previous`` (last month), ``change`` (value - previous),
    ``target``, ``band_lo``, ``band_hi``, ``fmt``, ``direction``, ``attainment`` (0-1),
    ``light`` (green / amber / red / grey, None without target or data), ``n`` (sample size),
    ``available`` (False: the center supplied no data for it; ``reason`` says what is missing, in ``lang``).
    Units are the registry's (shares 0-1, seconds, points).
    """
    keys = keys or params.report.headline_kpis or list(REGISTRY)
    m = pd.Period(str(month), "M")
    tr = kpi.trend(tables, m, months=2, level="center", params=params)
    cur = tr.xs(m, level="month").iloc[0] if m in tr.index.get_level_values("month") else pd.Series(dtype=float)
    prev_m = m - 1
    prev = (tr.xs(prev_m, level="month").iloc[0] if prev_m in tr.index.get_level_values("month")
            else pd.Series(dtype=float))
    out = assess(cur, params, keys, unavailable=kpi.unavailable(tables))
    out["label"] = [REGISTRY[k].name(lang) for k in out["key"]]
    out["previous"] = [prev.get(k, float("nan")) for k in out["key"]]
    out["change"] = out["value"] - out["previous"]
    out["reason"] = [available.section(tables, f"kpi.{k}").reason(lang) for k in out["key"]]
    if not kpi.fcr_from_resolved(tables):
        out.loc[out["key"] == "fcr", "label"] = t("needs.fcr_repeats_label", lang)
    cols = ["key", "label", "dimension", "value", "previous", "change", "target", "band_lo", "band_hi", "fmt",
            "direction", "attainment", "light", "n", "available", "reason"]
    return out[cols]


def with_data(hl: pd.DataFrame) -> pd.DataFrame:
    """The headline rows whose data the center supplied (what the pack's index and roll-ups count)."""
    return hl[hl["available"].astype(bool)] if "available" in hl else hl


def value_text(v, fmt, lang):
    """A headline value as displayed (``format_value``), the dash when unknown."""
    return format_value(v, fmt, lang)


def target_text(row: pd.Series, lang: str = "en") -> str:
    """'90.0 %' or '70.0 %–85.0 %' (band) or '' (no target)."""
    if pd.notna(row.get("band_lo")):
        return f"{value_text(row['band_lo'], row['fmt'], lang)}–{value_text(row['band_hi'], row['fmt'], lang)}"
    if pd.notna(row.get("target")):
        return value_text(row["target"], row["fmt"], lang)
    return ""


def alerts(hl: pd.DataFrame, lang: str = "en") -> list[tuple[str, str]]:
    """Plain sentences for KPIs that miss their target, worst first: (text, light).

    "Answer rate 84.1 % is below target 90.0 %" / "AHT 236 s is above target 200 s" /
    "Occupancy 88.0 % is outside the healthy range 70.0 %–85.0 %".
    """
    rows = hl[hl["light"].isin(["red", "amber"])].sort_values(["light", "attainment"], ascending=[False, True])
    out = []
    for _, r in rows.iterrows():
        value = value_text(r["value"], r["fmt"], lang)
        if r["direction"] == "band":
            key = "overview.alert_outside"
        else:
            key = "overview.alert_below" if r["direction"] == "higher" else "overview.alert_above"
        out.append((t(key, lang, kpi=r["label"], value=value, target=target_text(r, lang)), r["light"]))
    return out


def cards(hl: pd.DataFrame, lang: str = "en") -> list[dict]:
    """Headline rows as items for ``ctx.kpi_cards`` (value, target, light, last month)."""
    items = []
    for _, r in hl.iterrows():
        if not r.get("available", True):
            items.append({"label": r["label"], "value": t("needs.index_not_available", lang), "fmt": "{}",
                          "target": target_text(r, lang) or None, "target_fmt": "{}", "light": None,
                          "note": r["reason"]})
            continue
        note = ""
        if pd.notna(r["previous"]):
            note = t("overview.last_month", lang, value=value_text(r["previous"], r["fmt"], lang))
        target = target_text(r, lang)
        items.append({"label": r["label"], "value": r["value"], "fmt": r["fmt"],
                      "target": target if target else None, "target_fmt": "{}",
                      "light": r["light"], "note": note})
    return items


def table(hl: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Headline KPIs as a table for managers: formatted text, one row per KPI."""
    dims = {d: t(f"overview.dimension.{d}", lang) for d in hl["dimension"].unique()}
    na = ~hl["available"].astype(bool) if "available" in hl else pd.Series(False, index=hl.index)
    return pd.DataFrame({
        t("overview.col_dimension", lang): [dims[d] for d in hl["dimension"]],
        t("overview.col_kpi", lang): hl["label"],
        t("overview.col_value", lang): [t("needs.index_not_available", lang) if n else value_text(v, f, lang)
                                        for v, f, n in zip(hl["value"], hl["fmt"], na)],
        t("overview.col_target", lang): [target_text(r, lang) or "–" for _, r in hl.iterrows()],
        t("overview.col_previous", lang): [value_text(v, f, lang) for v, f in zip(hl["previous"], hl["fmt"])],
        "light": hl["light"],
    })


def monthly_trend(tables, month, params, months: int | None = None, keys: list[str] | None = None) -> pd.DataFrame:
    """Center KPIs per month (rows: month Period; columns: KPI keys), oldest first."""
    months = months or params.report.trend_months
    keys = keys or params.report.headline_kpis
    tr = kpi.trend(tables, month, months=months, level="center", params=params, keys=keys)
    na = kpi.unavailable(tables)   # no line for a KPI the center has no data for
    return tr.droplevel("center")[[k for k in keys if k in tr.columns and k not in na]]


def daily(tables, month, params) -> pd.DataFrame:
    """Offered, answered, abandoned and service level per day of ``month`` (inbound voice and chat).

    Columns: ``date``, ``offered``, ``answered``, ``abandoned`` (contacts), ``service_level``
    (share answered within ``kpi.service_level_answer_s`` seconds of offered). "Offered" is the
    KPI registry's definition (:func:`ccnb.kpi.facts.offered_sql`), so the days add up to the
    month's answer rate and service level.
    """
    m = pd.Period(str(month), "M")
    T = float(params.kpi.service_level_answer_s)
    return tables.sql(f"""
        SELECT CAST(i.arrival_ts AS DATE) AS date,
               count(*) AS offered,
               sum(CASE WHEN i.answer_ts IS NOT NULL THEN 1 ELSE 0 END) AS answered,
               sum(CASE WHEN i.abandoned THEN 1 ELSE 0 END) AS abandoned,
               sum(CASE WHEN i.answer_ts IS NOT NULL AND i.wait_s <= {T} THEN 1 ELSE 0 END) / count(*) AS service_level
        FROM interactions i
        WHERE {offered_sql("i")}
          AND i.arrival_ts >= TIMESTAMP '{m.start_time}' AND i.arrival_ts < TIMESTAMP '{(m + 1).start_time}'
        GROUP BY 1 ORDER BY 1""")


def queues(tables, month, params, lang: str = "en") -> pd.DataFrame:
    """Queue table: offered, answer rate, service level, ASA, AHT, FCR, CSAT per queue (display names)."""
    q = kpi.compute(tables, month, level="queue", params=params,
                    keys=["answer_rate", "service_level", "asa_s", "aht_s", "fcr", "csat"])
    q.index = [queue_name(i, params, lang) for i in q.index]
    q.index.name = "queue"
    na = kpi.unavailable(tables)   # a KPI the center has no data for is left out, not shown as a dash
    return q[["offered"] + [k for k in ("answer_rate", "service_level", "asa_s", "aht_s", "fcr", "csat") if k not in na]]


def queue_formats() -> dict[str, str]:
    return {k: REGISTRY[k].fmt for k in ("answer_rate", "service_level", "asa_s", "aht_s", "fcr", "csat")} | {
        "offered": "int"}


def queue_labels(lang: str = "en", tables=None) -> dict[str, str]:
    """Column labels of :func:`queues`; with ``tables``, FCR says when it is measured from repeat contacts alone."""
    out = {k: REGISTRY[k].name(lang) for k in ("answer_rate", "service_level", "asa_s", "aht_s", "fcr", "csat")} | {
        "offered": t("overview.offered", lang)}
    if tables is not None and not kpi.fcr_from_resolved(tables):
        out["fcr"] = t("needs.fcr_repeats_label", lang)
    return out
