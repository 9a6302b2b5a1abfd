"""Interval series from the engine: offered contacts, handling and waiting per queue and interval.

Everything is aggregated **inside DuckDB** (one ``GROUP BY queue, time_bucket(arrival_ts)``
over ``tables.sql``); only the aggregated rows come back, so this works on 10M+ contacts.
*Offered* is the KPI registry's definition, taken from the same place
(:func:`ccnb.kpi.facts.offered_sql`: inbound voice and chat, not self-served, answered or
abandoned); a contact belongs to the interval of its ``arrival_ts``.

Zero-volume intervals are filled explicitly **within opening hours**, which are learned
from the history (:func:`ccnb.forecast.history.prepare`: a slot of the week is open when
contacts arrived in it on at least ``forecast.open_min_share`` of the days).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb import engine
from ccnb.forecast.history import Settings, prepare
from ccnb.kpi.facts import offered_sql
from ccnb.params import load_params

#: Columns of :func:`interval_series` besides ``queue``, ``ts``, ``open``.
COLUMNS = ("offered", "answered", "abandoned", "in_sl", "handled", "handle_s", "wait_answered_s",
           "wait_abandoned_s")


def _ts(x) -> str:
    return f"TIMESTAMP '{pd.Timestamp(x):%Y-%m-%d %H:%M:%S}'"


def interval_series(tables, params=None, *, freq=None, start=None, end=None, answer_s: float | None = None,
                    fill: bool = True) -> pd.DataFrame:
    """Offered contacts and their outcome per queue and interval, aggregated in the engine.

    ``freq``: interval length (default ``center.interval_minutes``); ``start``/``end``: window
    on ``arrival_ts`` (default: all the tables show, i.e. up to the report month's end);
    ``answer_s``: T of the service level (default ``kpi.service_level_answer_s``).

    Columns: ``queue``, ``channel`` (the queue's main channel), ``ts`` (interval start,
    local time), ``open`` (learned opening hours), ``offered``, ``answered``, ``abandoned``,
    ``in_sl`` (answered within T s), ``handled`` (answered by an agent), ``handle_s``
    (sum of talk + hold + ACW of handled contacts, s), ``wait_answered_s``,
    ``wait_abandoned_s`` (sums of queue waits, s). Counts are contacts. With ``fill``,
    every open interval from each queue's first day to the last day is present (zeros).
    """
    if params is None:
        params = load_params()
    minutes = int(pd.Timedelta(freq).total_seconds() // 60) if freq is not None else params.center.interval_minutes
    T = float(answer_s if answer_s is not None else params.kpi.service_level_answer_s)
    where = [offered_sql("i")]
    if start is not None:
        where.append(f"i.arrival_ts >= {_ts(start)}")
    if end is not None:
        where.append(f"i.arrival_ts < {_ts(end)}")
    q = f"""
        SELECT i.queue AS queue,
               time_bucket(INTERVAL {minutes} MINUTE, i.arrival_ts, TIMESTAMP '2000-01-03') AS ts,
               count(*) AS offered,
               count(*) FILTER (WHERE i.answer_ts IS NOT NULL) AS answered,
               count(*) FILTER (WHERE i.abandoned) AS abandoned,
               count(*) FILTER (WHERE i.answer_ts IS NOT NULL AND i.wait_s <= {T}) AS in_sl,
               count(*) FILTER (WHERE i.answer_ts IS NOT NULL AND i.agent_id IS NOT NULL) AS handled,
               coalesce(sum(i.talk_s + i.hold_s + i.acw_s)
                        FILTER (WHERE i.answer_ts IS NOT NULL AND i.agent_id IS NOT NULL), 0) AS handle_s,
               coalesce(sum(i.wait_s) FILTER (WHERE i.answer_ts IS NOT NULL), 0) AS wait_answered_s,
               coalesce(sum(i.wait_s) FILTER (WHERE i.abandoned), 0) AS wait_abandoned_s,
               mode(i.channel) AS channel
        FROM interactions i
        WHERE {' AND '.join(where)}
        GROUP BY ALL ORDER BY 1, 2"""
    agg = engine.run(tables, q, params)  # DuckDB, or Spark when chosen (ccnb.engine)
    agg["ts"] = pd.to_datetime(agg["ts"])
    if agg.empty:
        return agg.assign(open=pd.Series(dtype=bool))
    channel = (agg.groupby(["queue", "channel"])["offered"].sum().reset_index()
               .sort_values("offered").drop_duplicates("queue", keep="last").set_index("queue")["channel"])
    agg = agg.drop(columns="channel")
    for c in COLUMNS:
        agg[c] = agg[c].astype(float if c.endswith("_s") else "int64")
    if not fill:
        agg["open"] = True
        agg["channel"] = agg["queue"].map(channel)
        return agg
    st = Settings.from_params(params)
    f = pd.Timedelta(minutes=minutes)
    last = (pd.Timestamp(end) if end is not None else (tables.end if tables.end is not None else agg["ts"].max() + f))
    out = []
    for queue, g in agg.groupby("queue", sort=True):
        s = g.set_index("ts")["offered"].astype(float)
        # the grid runs to the end of the window (a quiet last interval is a zero, not missing)
        s_end = s.copy()
        tail = pd.Timestamp(last) - f
        if s_end.index.max() < tail:
            s_end.loc[tail] = 0.0
        h = prepare(s_end, f, None, None, queue, st)
        grid = h.y.index[h.y.index < pd.Timestamp(last)]
        open_m = h.open_sow[grid.day_of_week, np.asarray((grid - grid.normalize()) / f, dtype=int)]
        full = g.set_index("ts").reindex(grid)
        full["open"] = open_m
        keep = full["open"] | full["offered"].notna()
        full = full[keep].copy()
        for c in COLUMNS:
            full[c] = full[c].fillna(0).astype(float if c.endswith("_s") else "int64")
        full["queue"] = queue
        full["channel"] = channel.get(queue)
        out.append(full.rename_axis("ts").reset_index())
    res = pd.concat(out, ignore_index=True)
    return res[["queue", "channel", "ts", "open", *COLUMNS]]


def series_of(df: pd.DataFrame, queue: str | None = None, value: str = "offered") -> pd.Series:
    """One column of :func:`interval_series` as a Series indexed by ``ts`` (``queue=None``: all queues summed)."""
    d = df if queue is None else df[df["queue"] == queue]
    s = d.groupby("ts")[value].sum().astype(float).sort_index()
    s.index = pd.DatetimeIndex(s.index, name="ts")
    return s


def aht_profile(df: pd.DataFrame, queue: str, weeks: int = 4, prior_contacts: float = 30.0,
                end=None) -> pd.Series:
    """Expected handle time (s) per time of day for ``queue`` from the last ``weeks`` weeks.

    Per slot of the day: (handle seconds + k x queue AHT) / (handled + k), k =
    ``prior_contacts``: a slot with few contacts leans on the queue's average. Index:
    time of day (Timedelta from midnight); slots with no history get the queue AHT.
    """
    d = df[df["queue"] == queue]
    if end is not None:
        d = d[d["ts"] < pd.Timestamp(end)]
    if d.empty:
        return pd.Series(dtype=float)
    lo = d["ts"].max().normalize() - pd.Timedelta(weeks=weeks) + pd.Timedelta(days=1)
    r = d[d["ts"] >= lo]
    tot_h, tot_n = r["handle_s"].sum(), r["handled"].sum()
    if tot_n == 0:
        tot_h, tot_n = d["handle_s"].sum(), d["handled"].sum()
    base = tot_h / tot_n if tot_n else np.nan
    tod = r["ts"] - r["ts"].dt.normalize()
    g = r.groupby(tod)[["handle_s", "handled"]].sum()
    aht = (g["handle_s"] + prior_contacts * base) / (g["handled"] + prior_contacts)
    aht.attrs["queue_aht_s"] = float(base)
    aht.index.name = "time_of_day"
    return aht


def patience(df: pd.DataFrame, by: str | None = "queue") -> pd.DataFrame:
    """Mean caller patience (s) by censored-data maximum likelihood, from :func:`interval_series` sums.

    Patience is taken as exponential. Abandoned waits are observed patience times;
    answered waits are censored (the caller would have waited at least that long). The
    MLE of the abandonment rate is abandons / total waiting time, so mean patience =
    (sum of waits of answered and abandoned contacts) / abandons. Columns: ``abandoned``,
    ``wait_s`` (total), ``patience_s`` (NaN without abandons).
    """
    g = df.groupby(by) if by else df.assign(_all="all").groupby("_all")
    s = g[["abandoned", "wait_answered_s", "wait_abandoned_s"]].sum()
    out = pd.DataFrame({"abandoned": s["abandoned"], "wait_s": s["wait_answered_s"] + s["wait_abandoned_s"]})
    out["patience_s"] = np.where(out["abandoned"] > 0, out["wait_s"] / out["abandoned"].where(out["abandoned"] > 0),
                                 np.nan)
    return out


def calendar_table(tables) -> pd.DataFrame:
    """The data's calendar table (future rows included: the views never hide them)."""
    c = tables.sql("SELECT date, kind, name, queue FROM calendar ORDER BY date, kind, name")
    c["date"] = pd.to_datetime(c["date"])
    return c
