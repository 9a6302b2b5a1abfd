"""Last month: agents required vs agents actually staffed per interval, and the service level achieved.

**Agents staffed per interval are estimated from handled work, levelled by agent_days.** The
data has no login times per interval, so for each agent the contacts they answered (inbound
voice and chat, as offered) are grouped into *work spans*: a span starts with a contact and
ends at the end of the last contact's after-call work (it starts at the beginning of the
interval of its first contact: shifts start on interval boundaries and the first call
rarely comes at once), and a gap of more than
``staffing.span_gap_h`` hours starts a new span (a night shift crossing midnight stays one
span). The agent counts in every interval of a span in proportion to the overlap, times
the share of their logged-in time that day they were available for contacts
((talk + hold + ACW + idle) / logged-in, from ``agent_days``): breaks, training and other
aux time are spread over the span. An agent who answered nothing that day is not counted
(outbound-only agents of a sales queue, for instance). In the engine: one pass over the
month's contacts (window functions and ``generate_series``), aggregates out.

**Required** is what the month's actual traffic needed (hindsight): Erlang C (or A) on the
interval's offered contacts and its average handle time, shrunk towards the queue's monthly
AHT with a weight of ``AHT_PRIOR_CONTACTS`` contacts, for the center's target. **Achieved service level** is the KPI's:
answered within T / offered.

An interval is *under-staffed* when staffed < required - 0.5 (at least one agent short) and
*over-staffed* when staffed > required x (1 + ``staffing.over_margin``) + 0.5.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.kpi.facts import offered_sql
from ccnb.staffing.erlang import erlang_a, erlang_c
from ccnb.staffing.plan import concurrency_of, requirements


#: An interval's AHT leans on the queue's monthly AHT with this weight (contacts): a half hour
#: with two calls says little about handle time.
AHT_PRIOR_CONTACTS = 10


def _ts(x) -> str:
    return f"TIMESTAMP '{pd.Timestamp(x):%Y-%m-%d %H:%M:%S}'"


def staffed_intervals(tables, start, end, params) -> pd.DataFrame:
    """Estimated agents staffed per queue and interval in [start, end) (see the module doc).

    Columns: ``queue``, ``ts``, ``staffed`` (agents available for contacts, fractional),
    ``present`` (agents with a work span touching the interval).
    """
    minutes = params.center.interval_minutes
    iv = f"INTERVAL {minutes} MINUTE"
    gap = float(params.staffing.span_gap_h)
    default_share = 1.0 - float(params.staffing.shrinkage)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    q = f"""
    WITH c AS (
        SELECT i.agent_id, i.queue, i.answer_ts AS s, i.end_ts + to_seconds(i.acw_s) AS e
        FROM interactions i
        WHERE {offered_sql('i')} AND i.answer_ts IS NOT NULL AND i.agent_id IS NOT NULL
          AND i.answer_ts >= {_ts(lo)} - INTERVAL 1 DAY AND i.answer_ts < {_ts(hi)} + INTERVAL 1 DAY
    ),
    g AS (
        SELECT *, CASE WHEN max(e) OVER w IS NULL OR s - max(e) OVER w > INTERVAL {gap * 3600} SECOND
                       THEN 1 ELSE 0 END AS new_span
        FROM c
        WINDOW w AS (PARTITION BY agent_id ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ),
    k AS (
        SELECT *, sum(new_span) OVER (PARTITION BY agent_id ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS span
        FROM g
    ),
    spans AS (
        SELECT agent_id, span, mode(queue) AS queue,
               time_bucket({iv}, min(s), TIMESTAMP '2000-01-03') AS s, max(e) AS e
        FROM k GROUP BY agent_id, span
    ),
    av AS (
        SELECT agent_id, date,
               CASE WHEN logged_in_s > 0 THEN least(1.0, (talk_s + hold_s + acw_s + idle_s) / logged_in_s) END AS share
        FROM agent_days
    ),
    b AS (
        SELECT sp.queue, sp.agent_id, sp.s, sp.e, coalesce(av.share, {default_share}) AS share,
               unnest(generate_series(time_bucket({iv}, sp.s, TIMESTAMP '2000-01-03'),
                                      time_bucket({iv}, sp.e, TIMESTAMP '2000-01-03'), {iv})) AS ts
        FROM spans sp LEFT JOIN av ON av.agent_id = sp.agent_id AND av.date = CAST(sp.s AS DATE)
    )
    SELECT queue, ts,
           sum(greatest(epoch(least(e, ts + {iv})) - epoch(greatest(s, ts)), 0) * share) / {minutes * 60.0} AS staffed,
           count(DISTINCT agent_id) AS present
    FROM b
    WHERE ts >= {_ts(lo)} AND ts < {_ts(hi)}
    GROUP BY ALL ORDER BY 1, 2"""
    r = tables.sql(q)
    r["ts"] = pd.to_datetime(r["ts"])
    r["present"] = r["present"].astype("int64")
    return r


def compare(tables, month, params, series: pd.DataFrame, patience: pd.Series | None = None) -> pd.DataFrame:
    """Per queue and interval of ``month``: required (hindsight) vs staffed, and the service level achieved.

    ``series``: :func:`ccnb.forecast.series.interval_series` rows (any span covering the month).
    Columns: ``queue``, ``channel``, ``ts``, ``offered``, ``aht_s``, ``required``, ``staffed``,
    ``gap`` (staffed - required, agents), ``service_level`` (achieved), ``status``
    (``under`` / ``ok`` / ``over``), ``sl_model`` (service level Erlang predicts with the staffed agents).
    """
    m = pd.Period(str(month), "M")
    lo, hi = m.start_time, (m + 1).start_time
    s = series[(series["ts"] >= lo) & (series["ts"] < hi)].copy()
    q_aht = s.groupby("queue")["handle_s"].sum() / s.groupby("queue")["handled"].sum().replace(0, np.nan)
    base = s["queue"].map(q_aht).fillna(float(np.nanmean(q_aht.to_numpy())) if q_aht.notna().any() else 300.0)
    k = float(AHT_PRIOR_CONTACTS)
    s["aht_s"] = (s["handle_s"] + k * base) / (s["handled"] + k)
    req = requirements(s.assign(calls=s["offered"].astype(float))[["queue", "channel", "ts", "calls", "aht_s"]],
                       params, patience=patience)
    st = staffed_intervals(tables, lo, hi, params)
    out = req.merge(st, on=["queue", "ts"], how="left")
    out["staffed"] = out["staffed"].fillna(0.0)
    out["present"] = out["present"].fillna(0).astype("int64")
    out["offered"] = s["offered"].to_numpy()
    out["service_level"] = np.where(s["offered"] > 0, s["in_sl"] / s["offered"].where(s["offered"] > 0, 1), np.nan)
    out["gap"] = out["staffed"] - out["required"]
    margin = float(params.staffing.over_margin)
    out["status"] = np.where(out["staffed"] < out["required"] - 0.5, "under",
                             np.where(out["staffed"] > out["required"] * (1 + margin) + 0.5, "over", "ok"))
    # what queueing theory expects from the staffed agents: a check of the staffing estimate and
    # the model against the month (Erlang A with the measured patience when given, else Erlang C)
    conc = np.array([concurrency_of(c, params) for c in out["channel"]], float)
    servers = np.round(out["staffed"].to_numpy() * conc)
    iv, T = params.center.interval_minutes * 60, params.staffing.answer_s
    if patience is not None:
        perf = erlang_a(out["offered"].to_numpy(float), out["aht_s"].to_numpy(float),
                        out["queue"].map(patience).to_numpy(float), servers, iv, T)
    else:
        perf = erlang_c(out["offered"].to_numpy(float), out["aht_s"].to_numpy(float), servers, iv, T)
    out["sl_model"] = np.where(out["offered"] > 0, perf["service_level"], np.nan)
    cols = ["queue", "channel", "ts", "offered", "aht_s", "required", "staffed", "present", "gap", "service_level",
            "sl_model", "status"]
    return out[cols]


def summary(cmp: pd.DataFrame, params) -> pd.DataFrame:
    """Per queue (and ``all``): intervals ``under``/``over`` (shares of open intervals with contacts),
    agent-hours short and in excess, service level achieved overall and in under-staffed intervals."""
    iv_h = params.center.interval_minutes / 60.0
    rows = []
    for q, g in list(cmp.groupby("queue")) + [("all", cmp)]:
        act = g[g["offered"] > 0]
        if act.empty:
            continue
        under = act["status"] == "under"
        rows.append({
            "queue": q,
            "intervals": len(act),
            "under_share": float(under.mean()),
            "over_share": float((act["status"] == "over").mean()),
            "short_hours": float((-act["gap"]).clip(lower=0).sum() * iv_h),
            "excess_hours": float(act["gap"].clip(lower=0).sum() * iv_h),
            "service_level": float(act.eval("service_level * offered").sum() / act["offered"].sum()),
            "sl_when_under": (float((act["service_level"] * act["offered"])[under].sum() / act["offered"][under].sum())
                              if under.any() else np.nan),
        })
    return pd.DataFrame(rows).set_index("queue")


def by_time_of_day(cmp: pd.DataFrame) -> pd.DataFrame:
    """Center totals averaged per time of day over the month: ``required``, ``staffed`` (agents),
    ``service_level`` achieved (volume-weighted), ``offered`` (mean contacts)."""
    tot = cmp.groupby("ts").agg(required=("required", "sum"), staffed=("staffed", "sum"),
                                offered=("offered", "sum"),
                                in_sl=("service_level", lambda x: 0.0))
    sl = cmp.assign(w=cmp["service_level"].fillna(0) * cmp["offered"]).groupby("ts")["w"].sum()
    tot["in_sl"] = sl
    tod = tot.index - tot.index.normalize()
    g = tot.groupby(tod)
    out = pd.DataFrame({"required": g["required"].mean(), "staffed": g["staffed"].mean(),
                        "offered": g["offered"].mean(),
                        "service_level": g["in_sl"].sum() / g["offered"].sum().replace(0, np.nan)})
    out.index.name = "time_of_day"
    return out
