"""The QA sampling plan for a coming period: which agent, queue and moment to evaluate.

Domain rules (``qa.sampling`` in params): 3-10 evaluated contacts per agent per week, more
for weaker agents; at least 15-20 per business line per month; stratified by queue and
shift; reproducible (seeded).

How the plan is built (:func:`sampling_plan`):

1. **Agents**: everyone employed during ``[start, end)`` as the data knows it.
2. **Band** from the month before ``start``: ``weak`` if hired less than
   ``new_hire_days`` before ``start`` (``new_hire``), without a QA score that month
   (``no_qa``) or with a QA score below ``qa.pass_mark`` (``below_pass``); ``strong`` from
   ``strong_min`` points; else ``average``. The QA score is the registry's ``qa_score``.
3. **Quota** per agent and Monday-based week: ``per_week[band]`` pro rata to the days of the
   week inside the period and the agent's employment, rounded half up, at least 1.
4. **Strata**: an agent's evaluations are spread over the queues they handled in the 90 days
   before ``start`` in proportion to their contacts (largest remainder, ties by queue name);
   an agent without history gets their primary queue. Agents carry their shift (day, night,
   peak), so every shift is covered in proportion to its agents and bands.
5. **Business lines**: a line (``center.queues.<q>.business_line``) planned below
   ``min_per_line_month`` (pro rata for partial months) is topped up with extra evaluations
   (``top_up``) for the agents who handle most of its contacts, in turn.
6. **Moment**: each evaluation gets a random ``pick_after`` time in its week, drawn from the
   agent's own pattern of contacts on that queue (weekday x hour) so that it falls in their
   shift; the evaluator scores the agent's first contact on that queue at or after it.
   For a period already in the data, :func:`resolve_contacts` finds those contacts.

Every random draw comes from ``numpy.random.default_rng(seed)`` over inputs sorted by agent,
week and queue: the same data, period and seed give an identical plan.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ccnb.kpi.compute import compute
from ccnb.params import load_params

PLAN_COLUMNS = ["plan_id", "week", "agent_id", "agent_name", "team", "supervisor", "shift", "band", "band_reason",
                "queue", "business_line", "pick_after", "top_up", "contact_id"]
BANDS = ("weak", "average", "strong")
LOOKBACK_DAYS = 90


def _ts(x) -> pd.Timestamp:
    return pd.Timestamp(x).normalize()


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def bands(tables, start, params) -> pd.DataFrame:
    """Agents employed in the period from ``start`` with their band (see the module doc).

    Columns: ``agent_id``, ``agent_name``, ``team``, ``supervisor``, ``shift``, ``queue``
    (primary), ``hire_date``, ``leave_date``, ``qa_score`` (last month, points), ``band``,
    ``band_reason`` (``new_hire`` | ``no_qa`` | ``below_pass`` | ``""``).
    """
    start = _ts(start)
    s = params.qa.sampling
    cols = tables.columns_of("agents")
    name = "agent_name" if "agent_name" in cols else "CAST(NULL AS VARCHAR) AS agent_name"
    queue = "queue" if "queue" in cols else "CAST(NULL AS VARCHAR) AS queue"
    ag = tables.sql(f"""SELECT agent_id, {name}, team, supervisor, shift, {queue}, hire_date, leave_date
                        FROM agents WHERE leave_date IS NULL OR leave_date >= DATE '{start:%Y-%m-%d}'
                        ORDER BY agent_id""")
    prev = start.to_period("M") - 1
    qa = compute(tables, prev, level="agent", params=params, keys=["qa_score"])
    score = qa["qa_score"] if "qa_score" in qa.columns else pd.Series(dtype=float)
    ag["qa_score"] = ag["agent_id"].map(score).astype(float)
    tenure = (start - pd.to_datetime(ag["hire_date"])).dt.days
    new = tenure < s.new_hire_days
    ag["band_reason"] = np.select([new, ag["qa_score"].isna(), ag["qa_score"] < params.qa.pass_mark],
                                  ["new_hire", "no_qa", "below_pass"], "")
    ag["band"] = np.where(ag["band_reason"] != "", "weak",
                          np.where(ag["qa_score"] >= s.strong_min, "strong", "average"))
    return ag


def _weeks(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    first = start - pd.Timedelta(days=start.weekday())
    return list(pd.date_range(first, end - pd.Timedelta(days=1), freq="7D"))


def _active_days(week: pd.Timestamp, start, end, hire, leave) -> list[pd.Timestamp]:
    lo = max(week, start) if hire is None or pd.isna(hire) else max(week, start, _ts(hire))   # hire date unknown
    hi = min(week + pd.Timedelta(days=7), end)
    if leave is not None and not pd.isna(leave):
        hi = min(hi, _ts(leave) + pd.Timedelta(days=1))
    return list(pd.date_range(lo, hi - pd.Timedelta(days=1), freq="D")) if hi > lo else []


def _largest_remainder(total: int, shares: dict[str, float]) -> dict[str, int]:
    s = sum(shares.values())
    raw = {q: total * w / s for q, w in shares.items()}
    out = {q: int(math.floor(v)) for q, v in raw.items()}
    left = total - sum(out.values())
    for q in sorted(raw, key=lambda q: (-(raw[q] - out[q]), q))[:left]:
        out[q] += 1
    return out


def _line_minimum(start: pd.Timestamp, end: pd.Timestamp, per_month: int) -> int:
    """``per_month`` pro rata over the calendar months the period covers (a whole month: exactly it)."""
    need = 0.0
    for m in pd.period_range(start, end - pd.Timedelta(days=1), freq="M"):
        lo, hi = max(start, m.start_time), min(end, (m + 1).start_time)
        need += per_month * (hi - lo).days / m.days_in_month
    return int(math.ceil(need - 1e-9))


def sampling_plan(tables, start, end, seed: int | None = None, params=None) -> pd.DataFrame:
    """The QA sampling plan for ``[start, end)`` (dates); one row per evaluation to do.

    Columns: ``plan_id``, ``week`` (Monday), ``agent_id``, ``agent_name``, ``team``,
    ``supervisor``, ``shift``, ``band`` (weak | average | strong), ``band_reason``, ``queue``,
    ``business_line``, ``pick_after`` (evaluate the agent's first contact on ``queue`` at or
    after this time), ``top_up`` (added to reach a business line's minimum), ``contact_id``
    (empty; see :func:`resolve_contacts`). ``seed`` defaults to ``qa.sampling.seed``.
    ``plan.attrs``: ``start``, ``end``, ``seed``, ``line_minimum`` (per business line) and
    ``shortfall`` (line -> evaluations missing because no agent handled its queues lately).
    Method: module doc. No customer identifiers.
    """
    if params is None:
        params = load_params()
    s = params.qa.sampling
    seed = s.seed if seed is None else seed
    start, end = _ts(start), _ts(end)
    if end <= start:
        raise ValueError(f"empty sampling period: {start:%Y-%m-%d} to {end:%Y-%m-%d}")
    rng = np.random.default_rng(seed)
    ag = bands(tables, start, params)
    hired = pd.to_datetime(ag["hire_date"])
    ag = ag[hired.isna() | (hired < end)].reset_index(drop=True)   # hire date unknown: on the roster
    lo = start - pd.Timedelta(days=LOOKBACK_DAYS)
    pattern = tables.sql(f"""
        SELECT agent_id, queue, CAST(isodow(arrival_ts) AS INTEGER) - 1 AS dow,
               CAST(hour(arrival_ts) AS INTEGER) AS hour, count(*) AS n
        FROM interactions
        WHERE agent_id IS NOT NULL AND answer_ts IS NOT NULL
          AND arrival_ts >= TIMESTAMP '{lo}' AND arrival_ts < TIMESTAMP '{start}'
        GROUP BY ALL ORDER BY ALL""")
    mix = pattern.groupby(["agent_id", "queue"])["n"].sum()
    line_of = {q: d.business_line for q, d in params.center.queues.items()}
    weeks = _weeks(start, end)

    rows: list[dict] = []
    for a in ag.itertuples(index=False):
        shares = mix.loc[a.agent_id].to_dict() if a.agent_id in mix.index.get_level_values(0) else {}
        if not shares:
            shares = {a.queue if isinstance(a.queue, str) else "": 1.0}
        slots = []
        for w in weeks:
            days = _active_days(w, start, end, a.hire_date, a.leave_date)
            if not days:
                continue
            n = max(1, _round_half_up(s.per_week[a.band] * len(days) / 7))
            slots += [(w, days)] * n
        if not slots:
            continue
        alloc = _largest_remainder(len(slots), {q: float(v) for q, v in sorted(shares.items())})
        queues = [q for q in sorted(alloc) for _ in range(alloc[q])]
        queues = list(rng.permutation(np.array(queues, dtype=object)))
        for (w, days), q in zip(slots, queues):
            rows.append(dict(week=w, agent=a, queue=q, days=days, top_up=False))

    # business-line minimum
    need = _line_minimum(start, end, s.min_per_line_month)
    by_line: dict[str, int] = {}
    for r in rows:
        ln = line_of.get(r["queue"], r["queue"])
        by_line[ln] = by_line.get(ln, 0) + 1
    lines = sorted(set(line_of.values()) | set(by_line))
    agent_rows = {a.agent_id: a for a in ag.itertuples(index=False)}
    shortfall: dict[str, int] = {}
    for ln in lines:
        short = need - by_line.get(ln, 0)
        if short <= 0:
            continue
        qs = [q for q, l in line_of.items() if l == ln] or [ln]
        cand = (mix[mix.index.get_level_values(1).isin(qs)].groupby(level=[0, 1]).sum()
                .reset_index().sort_values(["n", "agent_id", "queue"], ascending=[False, True, True]))
        cand = cand[cand["agent_id"].isin(agent_rows)]
        if cand.empty:
            shortfall[ln] = short  # nobody handled the line's queues lately: nothing to sample
            continue
        cand = cand.drop_duplicates("agent_id")
        for i in range(short):
            c = cand.iloc[i % len(cand)]
            a = agent_rows[c["agent_id"]]
            wk = [w for w in weeks if _active_days(w, start, end, a.hire_date, a.leave_date)]
            if not wk:
                continue
            w = wk[(i // len(cand)) % len(wk)]
            rows.append(dict(week=w, agent=a, queue=c["queue"], days=_active_days(w, start, end, a.hire_date,
                                                                                    a.leave_date), top_up=True))

    # the moment to pick: the agent's weekday x hour pattern on the queue, within the week's days
    pat = {k: g for k, g in pattern.groupby(["agent_id", "queue"])}
    pat_agent = {k: g for k, g in pattern.groupby("agent_id")}
    out = []
    for r in sorted(rows, key=lambda r: (r["agent"].agent_id, r["week"], r["queue"], r["top_up"])):
        a, days = r["agent"], r["days"]
        dows = {d.weekday(): d for d in days}
        g = pat.get((a.agent_id, r["queue"]))
        if g is None:
            g = pat_agent.get(a.agent_id)
        cells = g[g["dow"].isin(list(dows))] if g is not None else None
        if cells is not None and len(cells):
            p = cells["n"].to_numpy(float)
            c = cells.iloc[int(rng.choice(len(cells), p=p / p.sum()))]
            day, hour = dows[int(c["dow"])], int(c["hour"])
        else:
            day = days[int(rng.integers(len(days)))]
            hour = int(rng.integers(8, 20))
        minute = int(rng.integers(0, 60))
        out.append(dict(week=r["week"].date(), agent_id=a.agent_id, agent_name=a.agent_name, team=a.team,
                        supervisor=a.supervisor, shift=a.shift, band=a.band, band_reason=a.band_reason,
                        queue=r["queue"], business_line=line_of.get(r["queue"], r["queue"]),
                        pick_after=day + pd.Timedelta(hours=hour, minutes=minute), top_up=r["top_up"],
                        contact_id=None))
    plan = pd.DataFrame(out, columns=PLAN_COLUMNS[1:])
    plan.insert(0, "plan_id", [f"P{i + 1:05d}" for i in range(len(plan))])
    plan["contact_id"] = plan["contact_id"].astype(object)
    plan.attrs.update(start=str(start.date()), end=str(end.date()), seed=seed, line_minimum=need,
                      shortfall=shortfall)
    return plan


def resolve_contacts(tables, plan: pd.DataFrame) -> pd.DataFrame:
    """Fill ``contact_id`` for a period already in the data: the agent's first contact handled on
    the plan row's queue at or after ``pick_after``, in the same week, not already picked.
    Rows without such a contact keep an empty ``contact_id``.
    """
    if plan.empty:
        return plan.copy()
    lo, hi = pd.Timestamp(plan["pick_after"].min()), pd.Timestamp(plan["week"].max()) + pd.Timedelta(days=7)
    handled = tables.sql(f"""
        SELECT agent_id, queue, arrival_ts, contact_id FROM interactions
        WHERE agent_id IS NOT NULL AND answer_ts IS NOT NULL
          AND arrival_ts >= TIMESTAMP '{lo}' AND arrival_ts < TIMESTAMP '{hi}'
        ORDER BY agent_id, queue, arrival_ts, contact_id""")
    groups = {k: g for k, g in handled.groupby(["agent_id", "queue"])}
    used: set[str] = set()
    ids = []
    for r in plan.sort_values(["pick_after", "plan_id"]).itertuples():
        g = groups.get((r.agent_id, r.queue))
        cid = None
        if g is not None:
            week_end = pd.Timestamp(r.week) + pd.Timedelta(days=7)
            cand = g[(g["arrival_ts"] >= r.pick_after) & (g["arrival_ts"] < week_end)]
            for c in cand["contact_id"]:
                if c not in used:
                    cid = c
                    used.add(c)
                    break
        ids.append((r.Index, cid))
    out = plan.copy()
    for i, cid in ids:
        out.at[i, "contact_id"] = cid
    return out


def plan_summary(plan: pd.DataFrame, by: str = "band") -> pd.DataFrame:
    """Planned evaluations by ``band``, ``business_line``, ``shift`` or ``queue``: ``agents``
    (distinct agents planned), ``evaluations``, ``per_agent`` (evaluations / agents)."""
    if plan.empty:
        return pd.DataFrame(columns=[by, "agents", "evaluations", "per_agent"])
    g = plan.groupby(by)
    out = pd.DataFrame({"agents": g["agent_id"].nunique(), "evaluations": g.size()})
    out["per_agent"] = out["evaluations"] / out["agents"]
    return out.reset_index()
