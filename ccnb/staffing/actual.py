"""Last month: agents required vs agents actually staffed per desk and interval, and the service level achieved.

**Unit: agents**, i.e. agent-seconds available for inbound contacts in an interval / interval
length (an agent available for 15 minutes of a half-hour counts 0.5).

**Staffed.** The data has no login times per interval, so each agent's presence comes from
their work (:func:`agent_intervals`, one pass in the engine):

1. *work spans*: the inbound contacts an agent answered (voice and chat, as offered) in time
   order; a span starts at the beginning of the interval of its first contact (shifts start on
   interval boundaries, the first call rarely comes at once) and ends at the end of its last
   contact's after-call work; a gap over ``staffing.span_gap_h`` hours starts a new span (a night
   shift crossing midnight stays one span). An agent who answered no inbound contact that day
   (an outbound-only agent, for instance) is not counted.
2. *time away*: of the span's time S, the share the agent was not available that day,
   ``away = S x (1 - (talk + hold + ACW + idle) / logged-in)`` from ``agent_days`` (breaks,
   training, coaching; ``staffing.shrinkage`` without a day record), is placed where the agent
   had slack — in each interval, slack = overlap - time on contacts (inbound, a chat counting
   1/concurrency, and outbound) — first in the intervals at least ``staffing.break_edge_h``
   hours from the span's ends, in proportion to their slack, the rest in the other intervals'
   slack: breaks are not taken while talking, nor as a shift starts or ends, and are placed
   away from the peaks (real-time adherence). available = overlap - away placed there.
   Measured on the generated sample (whose simulation knows every login and break): per desk
   and half-hour the estimate is off by 0.5 agents on average (voice desk of ~9) and by 0.3
   (chat desk of ~3); spreading breaks evenly over the span was off by 0.9 and 0.5 and put
   lunch breaks in the peaks.
3. *outbound work is time not available to inbound*: the agent's outbound contacts (answer to
   end of ACW, e.g. calls given by a blending dialler while inbound was quiet) overlapping the
   interval are subtracted: ``inbound = max(available - outbound, time on inbound contacts)``;
4. *one agent, one count*: the agent's inbound time in the interval goes to the queues they
   answered in it, in proportion to their handling time on each (talk + hold + ACW overlapping
   the interval); in an interval without inbound work (idle, or only outbound), to their
   primary queue (``agents.queue``) when it is an offered queue, else to the queue they
   answered most in the span. Summed over queues, staffed = agents available for inbound:
   an agent answering billing and sales in a half-hour counts once, not once per queue.

A desk's staffed agents are the sum over its queues (:mod:`ccnb.staffing.desks`).

Limit: time logged in before an agent's first contact or after their last one is not seen. On the
generated sample the month's staffed agent-hours are 99.7 % of ``agent_days``' available time less
outbound work; in a very quiet center (the smoke tests' small center, agents busy a third of the
time, a night team answering a few calls a night) 83 %, so under-staffing is overstated there.

**Required** is what the month's actual traffic needed (hindsight), per **desk** on its pooled
traffic: Erlang A (or C) on the desk's offered contacts and its workload-weighted AHT (shrunk
towards the desk's monthly AHT with a weight of ``AHT_PRIOR_CONTACTS`` contacts), the pooled
patience, the center's target and occupancy cap, in agents (chat: slots / concurrency).
A queue's *required* is its workload share of its desk's requirement (offered x AHT); its
``required_own`` (the queue staffed on its own, as if single-skilled) is given for reference
and is larger: pooled desks need fewer agents. **Achieved service level** is the KPI's:
answered within T / offered.

An interval is *under-staffed* when staffed < required - 0.5 (more than half an agent short) and
*over-staffed* when staffed > required x (1 + ``staffing.over_margin``) + 0.5; for a desk and,
with the shares above, for a queue. Under pooling the desk is the unit a planner staffs; the
queue view says which queues' callers waited when the desk was short (their service level).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ccnb.kpi.facts import offered_sql
from ccnb.staffing.desks import allocate_required, check_channels, desk_map, pool, pooled_patience
from ccnb.staffing.erlang import erlang_a, erlang_c
from ccnb.staffing.plan import concurrency_of, requirements

#: An interval's AHT leans on the queue's (desk's) monthly AHT with this weight (contacts): a half
#: hour with two calls says little about handle time.
AHT_PRIOR_CONTACTS = 10
_B = "TIMESTAMP '2000-01-03'"


def _ts(x) -> str:
    return f"TIMESTAMP '{pd.Timestamp(x):%Y-%m-%d %H:%M:%S}'"


def _lit(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _alloc_sql(start, end, params) -> str:
    """SQL: one row per agent, interval and queue with ``staffed_s`` (agent-seconds for inbound)."""
    minutes = params.center.interval_minutes
    iv = f"INTERVAL {minutes} MINUTE"
    gap = float(params.staffing.span_gap_h)
    edge = float(params.staffing.break_edge_h) * 3600
    default_share = 1.0 - float(params.staffing.shrinkage)
    conc = params.staffing.concurrency or {}
    conc_sql = "CASE " + " ".join(f"WHEN i.channel = {_lit(ch)} THEN {max(1, int(n))}.0" for ch, n in conc.items()) \
        + " ELSE 1.0 END" if conc else "1.0"
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    overlap = lambda a: f"greatest(epoch(least({a}.e, x.ts + {iv})) - epoch(greatest({a}.s, x.ts)), 0)"  # noqa: E731
    series = lambda a: (f"LATERAL (SELECT unnest(generate_series(time_bucket({iv}, {a}.s, {_B}), "  # noqa: E731
                        f"time_bucket({iv}, {a}.e, {_B}), {iv})) AS ts) x")
    return f"""
    WITH c AS (
        SELECT i.agent_id, i.queue, i.direction = 'outbound' AS ob, {conc_sql} AS conc,
               i.answer_ts AS s, i.end_ts + to_seconds(i.acw_s) AS e
        FROM interactions i
        WHERE ({offered_sql('i')} OR i.direction = 'outbound') AND i.answer_ts IS NOT NULL AND i.agent_id IS NOT NULL
          AND i.answer_ts >= {_ts(lo)} - INTERVAL 1 DAY AND i.answer_ts < {_ts(hi)} + INTERVAL 1 DAY
    ),
    inb AS (SELECT * FROM c WHERE NOT ob),
    g AS (
        SELECT *, CASE WHEN max(e) OVER w IS NULL OR s - max(e) OVER w > INTERVAL {gap * 3600} SECOND
                       THEN 1 ELSE 0 END AS new_span
        FROM inb
        WINDOW w AS (PARTITION BY agent_id ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ),
    k AS (SELECT *, sum(new_span) OVER (PARTITION BY agent_id ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS span FROM g),
    spans AS (
        SELECT k.agent_id, k.span, time_bucket({iv}, min(k.s), {_B}) AS s, max(k.e) AS e, mode(k.queue) AS mq
        FROM k GROUP BY k.agent_id, k.span
    ),
    home AS (
        SELECT sp.*, CASE WHEN ag.queue IN (SELECT DISTINCT queue FROM inb) THEN ag.queue ELSE sp.mq END AS home
        FROM spans sp LEFT JOIN agents ag ON ag.agent_id = sp.agent_id
    ),
    av AS (
        SELECT agent_id, date,
               CASE WHEN logged_in_s > 0 THEN least(1.0, (talk_s + hold_s + acw_s + idle_s) / logged_in_s) END AS share
        FROM agent_days
    ),
    a AS (
        SELECT h.agent_id, h.span, h.home, x.ts, coalesce(av.share, {default_share}) AS share, {overlap('h')} AS o_s,
               x.ts >= h.s + INTERVAL {edge} SECOND AND x.ts < h.e - INTERVAL {edge} SECOND AS mid
        FROM home h LEFT JOIN av ON av.agent_id = h.agent_id AND av.date = CAST(h.s AS DATE), {series('h')}
    ),
    w AS (
        SELECT c.agent_id, c.queue, c.ob, x.ts, sum({overlap('c')}) AS work_s, sum({overlap('c')} / c.conc) AS busy_s
        FROM c, {series('c')}
        GROUP BY ALL
    ),
    wk AS (
        SELECT agent_id, ts, coalesce(sum(work_s) FILTER (WHERE ob), 0) AS out_s,
               coalesce(sum(busy_s) FILTER (WHERE NOT ob), 0) AS in_busy_s
        FROM w GROUP BY ALL
    ),
    t AS (
        SELECT a.*, coalesce(wk.out_s, 0) AS out_s, coalesce(wk.in_busy_s, 0) AS in_busy_s,
               a.o_s - least(coalesce(wk.in_busy_s, 0) + coalesce(wk.out_s, 0), a.o_s) AS slack_s
        FROM a LEFT JOIN wk ON wk.agent_id = a.agent_id AND wk.ts = a.ts
    ),
    t2 AS (
        SELECT *, sum(o_s * (1 - share)) OVER sp AS away_s,
                  sum(CASE WHEN mid THEN slack_s ELSE 0 END) OVER sp AS mid_slack_s
        FROM t WINDOW sp AS (PARTITION BY agent_id, span)
    ),
    t3 AS (
        SELECT *, CASE WHEN mid AND mid_slack_s > 0 THEN slack_s * least(1.0, away_s / mid_slack_s) ELSE 0 END AS u1_s
        FROM t2
    ),
    t4 AS (
        SELECT *, sum(slack_s - u1_s) OVER sp AS slack2_s, greatest(away_s - mid_slack_s, 0) AS rest_s
        FROM t3 WINDOW sp AS (PARTITION BY agent_id, span)
    ),
    v AS (
        SELECT agent_id, ts, home, in_busy_s,
               greatest(o_s - u1_s - CASE WHEN slack2_s > 0 THEN (slack_s - u1_s) * least(1.0, rest_s / slack2_s)
                                          ELSE 0 END - out_s, least(in_busy_s, o_s)) AS inb_s
        FROM t4
        WHERE ts >= {_ts(lo)} AND ts < {_ts(hi)}
    ),
    alloc AS (
        SELECT v.agent_id, v.ts, w.queue, v.inb_s * w.busy_s / v.in_busy_s AS staffed_s
        FROM v JOIN w ON w.agent_id = v.agent_id AND w.ts = v.ts AND NOT w.ob
        WHERE v.in_busy_s > 0
        UNION ALL
        SELECT agent_id, ts, home AS queue, inb_s AS staffed_s FROM v WHERE in_busy_s = 0
    )
    SELECT * FROM alloc WHERE staffed_s > 0"""


def agent_intervals(tables, start, end, params) -> pd.DataFrame:
    """Each agent's time available for inbound contacts per interval and queue in [start, end) (module doc).

    Columns: ``agent_id``, ``ts``, ``queue``, ``staffed`` (agents: the share of the interval the agent
    was available for inbound contacts, attributed to this queue). Per agent and interval the
    queues' ``staffed`` add up to the agent's availability (at most 1).
    """
    L = params.center.interval_minutes * 60.0
    r = tables.sql(f"SELECT agent_id, ts, queue, sum(staffed_s) / {L} AS staffed FROM ({_alloc_sql(start, end, params)}) "
                   "GROUP BY ALL ORDER BY agent_id, ts, queue")
    r["ts"] = pd.to_datetime(r["ts"])
    return r


def _staffed(tables, start, end, params, desks: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One pass in the engine: staffed per queue and interval, and per desk and interval (``desks``:
    queue -> desk; a queue not in it is its own desk)."""
    L = params.center.interval_minutes * 60.0
    values = ", ".join(f"({_lit(q)}, {_lit(d)})" for q, d in desks.items()) or "(NULL, NULL)"
    r = tables.sql(f"""
        SELECT coalesce(dm.desk, a.queue) AS desk, a.queue, a.ts, grouping(a.queue) AS whole_desk,
               sum(a.staffed_s) / {L} AS staffed, count(DISTINCT a.agent_id) AS present
        FROM ({_alloc_sql(start, end, params)}) a
        LEFT JOIN (VALUES {values}) dm(queue, desk) ON dm.queue = a.queue
        GROUP BY GROUPING SETS ((coalesce(dm.desk, a.queue), a.queue, a.ts), (coalesce(dm.desk, a.queue), a.ts))
        ORDER BY 1, 2, 3""")
    r["ts"] = pd.to_datetime(r["ts"])
    r["present"] = r["present"].astype("int64")
    whole = r["whole_desk"].astype(bool)
    q = r[~whole][["queue", "desk", "ts", "staffed", "present"]].reset_index(drop=True)
    d = r[whole][["desk", "ts", "staffed", "present"]].reset_index(drop=True)
    return q, d


def staffed_intervals(tables, start, end, params, desks: dict[str, str] | None = None) -> pd.DataFrame:
    """Agents staffed per queue and interval in [start, end), aggregated in the engine (module doc).

    Columns: ``queue``, ``desk`` (``desks`` map: queue -> desk; default ``staffing.desks``), ``ts``,
    ``staffed`` (agents available for inbound, fractional; each agent counted once over the
    queues), ``present`` (agents with time in the queue in the interval).
    """
    dm = desks if desks is not None else dict(params.staffing.desks or {})
    return _staffed(tables, start, end, params, dm)[0]


@dataclass
class Comparison:
    """Required vs staffed in the report month: ``desks`` (one row per desk and interval: the unit
    compared) and ``queues`` (one row per queue and interval, derived: the queues of a desk add
    up to it). Columns at :func:`compare`."""

    desks: pd.DataFrame
    queues: pd.DataFrame
    desk_of: dict[str, str]


def _status(staffed, required, margin: float) -> np.ndarray:
    return np.where(staffed < required - 0.5, "under", np.where(staffed > required * (1 + margin) + 0.5, "over", "ok"))


def _shrunk_aht(frame: pd.DataFrame, key: str) -> pd.Series:
    """Per row: (handle_s + k x monthly AHT of its ``key``) / (handled + k)."""
    tot = frame.groupby(key)[["handle_s", "handled"]].sum()
    base_k = tot["handle_s"] / tot["handled"].replace(0, np.nan)
    fallback = float(np.nanmean(base_k.to_numpy())) if base_k.notna().any() else 300.0
    base = frame[key].map(base_k).fillna(fallback)
    k = float(AHT_PRIOR_CONTACTS)
    return (frame["handle_s"] + k * base) / (frame["handled"] + k)


def _finish(f: pd.DataFrame, key: str, own: pd.DataFrame, extra: tuple, ints: tuple, margin: float) -> pd.DataFrame:
    """Intervals an outer join of offered and staffed left empty filled (counts 0, ``aht_s`` the
    ``key``'s median in ``own``; ``extra``: more count columns), ``ints`` as ``int64``, then
    ``gap`` = staffed - required (agents), ``service_level`` = in_sl / offered (NaN without
    contacts) and ``status``; in place, returned."""
    for c in ("offered", "in_sl", "traffic", "required", "staffed", "present", *extra):
        f[c] = f[c].fillna(0)
    f["aht_s"] = f["aht_s"].fillna(f[key].map(own.groupby(key)["aht_s"].median()))
    for c in ints:
        f[c] = f[c].astype("int64")
    f["gap"] = f["staffed"] - f["required"]
    f["service_level"] = np.where(f["offered"] > 0, f["in_sl"] / f["offered"].where(f["offered"] > 0, 1), np.nan)
    f["status"] = _status(f["staffed"].to_numpy(), f["required"].to_numpy(), margin)
    return f


def compare(tables, month, params, series: pd.DataFrame, patience: pd.Series | None = None) -> Comparison:
    """Per desk and interval of ``month``: required (hindsight, pooled) vs staffed, and the service level achieved;
    the same per queue, derived (see the module doc).

    ``series``: :func:`ccnb.forecast.series.interval_series` rows (any span covering the month; the
    patience window, ``staffing.patience_months`` up to the month's end, weighs the queues'
    ``patience`` into the desks'). ``patience``: mean patience (s) per queue (Erlang A), or None.

    ``desks`` columns: ``desk``, ``channel``, ``ts``, ``offered``, ``aht_s``, ``traffic`` (erlangs),
    ``required``, ``staffed``, ``present`` (agents), ``gap`` (staffed - required, agents),
    ``service_level`` (achieved), ``sl_model`` (service level Erlang predicts with the staffed
    agents: a check of the estimate), ``status`` (``under`` / ``ok`` / ``over``).
    ``queues`` columns: ``queue``, ``desk``, ``channel``, ``ts``, ``offered``, ``aht_s``, ``traffic``,
    ``required`` (workload share of the desk's, fractional), ``required_own`` (the queue staffed
    alone), ``staffed``, ``present``, ``gap``, ``service_level``, ``status``.
    """
    m = pd.Period(str(month), "M")
    lo, hi = m.start_time, (m + 1).start_time
    iv = params.center.interval_minutes * 60.0
    margin = float(params.staffing.over_margin)
    s = series[(series["ts"] >= lo) & (series["ts"] < hi)].copy()
    dm = desk_map(sorted(set(series["queue"]) | set(params.staffing.desks or {})), params)
    st, ds = _staffed(tables, lo, hi, params, dm)
    dm.update(desk_map(sorted(set(st["queue"]) - set(dm)), params))
    channels = {**series.drop_duplicates("queue").set_index("queue")["channel"].to_dict()}
    desk_ch = check_channels(channels, dm)

    # per queue: own AHT, workload, and the requirement the queue would have alone
    s["desk"] = s["queue"].map(dm)
    s["aht_s"] = _shrunk_aht(s, "queue")
    s["traffic"] = s["offered"] * s["aht_s"] / iv
    own = requirements(s.assign(calls=s["offered"].astype(float))[["queue", "channel", "ts", "calls", "aht_s"]],
                       params, patience=patience)
    s["required_own"] = own["required"].to_numpy()

    # per desk: pooled traffic, its AHT and patience, the requirement
    d = pool(s, dm, ["offered", "handled", "handle_s", "in_sl", "abandoned"])
    d["channel"] = d["desk"].map(desk_ch)
    d["aht_s"] = _shrunk_aht(d, "desk")
    d["traffic"] = d["offered"] * d["aht_s"] / iv
    p_from = (m - (int(params.staffing.patience_months) - 1)).start_time
    win = series[(series["ts"] >= p_from) & (series["ts"] < hi)]
    d_pat = pooled_patience(patience, win.groupby("queue")["abandoned"].sum(), dm)
    dreq = requirements(d.rename(columns={"desk": "queue"}).assign(calls=d["offered"].astype(float))
                        [["queue", "channel", "ts", "calls", "aht_s"]], params, patience=d_pat)
    d["required"] = dreq["required"].to_numpy()
    s["required"] = allocate_required(s, d)

    # staffed: per queue from the allocation, per desk the sum of its queues
    q = s.merge(st[["queue", "ts", "staffed", "present"]], on=["queue", "ts"], how="outer")
    q["desk"] = q["queue"].map(dm)
    q["channel"] = q["queue"].map(channels)
    q = _finish(q, "queue", s, ("required_own",), ("present", "required_own"), margin).sort_values(["desk", "queue", "ts"], ignore_index=True)

    dd = d.merge(ds, on=["desk", "ts"], how="outer")
    dd["channel"] = dd["desk"].map(desk_ch)
    dd = _finish(dd, "desk", d, (), ("present", "required"), margin)
    # what queueing theory expects from the staffed agents: a check of the staffing estimate and the
    # model against the month (Erlang A with the desk's patience when known, else Erlang C)
    conc = np.array([concurrency_of(c, params) for c in dd["channel"]], float)
    servers = np.round(dd["staffed"].to_numpy() * conc)
    T = params.staffing.answer_s
    if d_pat is not None:
        perf = erlang_a(dd["offered"].to_numpy(float), dd["aht_s"].to_numpy(float),
                        dd["desk"].map(d_pat).to_numpy(float), servers, iv, T)
    else:
        perf = erlang_c(dd["offered"].to_numpy(float), dd["aht_s"].to_numpy(float), servers, iv, T)
    dd["sl_model"] = np.where(dd["offered"] > 0, perf["service_level"], np.nan)
    dd = dd.sort_values(["desk", "ts"], ignore_index=True)
    dcols = ["desk", "channel", "ts", "offered", "aht_s", "traffic", "required", "staffed", "present", "gap",
             "service_level", "sl_model", "status"]
    qcols = ["queue", "desk", "channel", "ts", "offered", "aht_s", "traffic", "required", "required_own", "staffed",
             "present", "gap", "service_level", "status"]
    return Comparison(desks=dd[dcols], queues=q[qcols], desk_of=dm)


def _summary_row(g: pd.DataFrame, iv_h: float) -> dict | None:
    act = g[g["offered"] > 0]
    if act.empty:
        return None
    under = act["status"] == "under"
    return {
        "intervals": len(act),
        "under_share": float(under.mean()),
        "over_share": float((act["status"] == "over").mean()),
        "short_hours": float((-act["gap"]).clip(lower=0).sum() * iv_h),
        "excess_hours": float(act["gap"].clip(lower=0).sum() * iv_h),
        "service_level": float(act.eval("service_level * offered").sum() / act["offered"].sum()),
        "sl_when_under": (float((act["service_level"] * act["offered"])[under].sum() / act["offered"][under].sum())
                          if under.any() else np.nan),
    }


def summary(cmp: Comparison, params) -> pd.DataFrame:
    """Per desk, per queue of a desk with several queues, and the center (``all``, over the desks'
    intervals): intervals with contacts, shares ``under``/``over``-staffed, agent-hours short and in
    excess, service level achieved overall and in under-staffed intervals.

    Columns: ``level`` (``desk`` / ``queue`` / ``all``), ``unit`` (desk or queue name, ``all``),
    ``desk``, ``intervals``, ``under_share``, ``over_share``, ``short_hours``, ``excess_hours``,
    ``service_level``, ``sl_when_under``. Rows: each desk followed by its queues, then ``all``;
    desks and queues busiest first (contacts offered; ties by name).
    """
    def busiest(df, key):
        return df.groupby(key)["offered"].sum().sort_values(ascending=False, kind="stable").index

    iv_h = params.center.interval_minutes / 60.0
    rows = []
    for desk in busiest(cmp.desks, "desk"):
        r = _summary_row(cmp.desks[cmp.desks["desk"] == desk], iv_h)
        if r is None:
            continue
        rows.append({"level": "desk", "unit": desk, "desk": desk, **r})
        qs = cmp.queues[cmp.queues["desk"] == desk]
        if qs["queue"].nunique() > 1:
            for queue in busiest(qs, "queue"):
                rq = _summary_row(qs[qs["queue"] == queue], iv_h)
                if rq is not None:
                    rows.append({"level": "queue", "unit": queue, "desk": desk, **rq})
    r = _summary_row(cmp.desks, iv_h)
    if r is not None:
        rows.append({"level": "all", "unit": "all", "desk": "all", **r})
    return pd.DataFrame(rows)


def by_time_of_day(desks: pd.DataFrame) -> pd.DataFrame:
    """Center totals (sum of the desks) averaged per time of day over the month: ``required``,
    ``staffed`` (agents), ``service_level`` achieved (volume-weighted), ``offered`` (mean contacts).
    ``desks``: :attr:`Comparison.desks` (a desk's requirement is pooled, so desks add up)."""
    tot = desks.assign(in_sl=desks["service_level"].fillna(0) * desks["offered"]).groupby("ts")[
        ["required", "staffed", "offered", "in_sl"]].sum()
    tod = tot.index - tot.index.normalize()
    g = tot.groupby(tod)
    out = pd.DataFrame({"required": g["required"].mean(), "staffed": g["staffed"].mean(),
                        "offered": g["offered"].mean(),
                        "service_level": g["in_sl"].sum() / g["offered"].sum().replace(0, np.nan)})
    out.index.name = "time_of_day"
    return out
