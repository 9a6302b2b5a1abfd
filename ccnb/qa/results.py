"""QA results of a month: by shift, direction, queue and service type; item failures; who needs what.

* :func:`by_group`: the registry's QA KPIs (``qa_score``, ``qa_pass_rate``,
  ``qa_critical_rate``) per group, computed in the engine from the registry's SQL over the
  ``qa`` fact (calibration evaluations excluded), so they add up with every other report.
* :func:`item_failures`: how often each form item (``qa.form``) is failed; an item is failed
  when it scores below ``qa.item_pass_share`` of its points (a failed critical item scores
  0). Sorted for a Pareto chart with the cumulative share of all failures.
* :func:`findings`: issues common to a group become **training** (a team failing an item in
  at least ``qa.training_need_rate`` of at least ``qa.min_group_evaluations`` evaluations;
  the whole center likewise); issues of one agent become a **coaching plan** (an item the
  agent fails in at least ``qa.coaching_item_rate`` of at least ``qa.min_agent_evaluations``
  evaluations and that is not already a training need of their team or the center), due
  ``qa.coaching_deadline_days`` after the month end. Agents below the pass mark are listed
  too; when none of their items reaches that rate, their two most failed items that team
  training does not cover are their plan. A plan holds at most ``qa.coaching_max_items``
  items, the most failed first.
"""
from __future__ import annotations

import pandas as pd

from ccnb.catalog.kpis import REGISTRY
from ccnb.kpi.compute import compute
from ccnb.kpi.facts import FACTS, FactParams

QA_KPIS = ("qa_score", "qa_pass_rate", "qa_critical_rate")
GROUPS = ("shift", "direction", "queue", "service_type", "team", "supervisor")


def _lit(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _period(month) -> pd.Period:
    return pd.Period(str(month), "M")


def _group_expr(by: str, params) -> str:
    if by == "service_type":
        whens = " ".join(f"WHEN {_lit(q)} THEN {_lit(d.service_type)}" for q, d in params.center.queues.items())
        return f"CASE queue {whens} ELSE 'other' END" if whens else "'other'"
    if by in ("shift", "direction", "queue", "team", "supervisor", "site"):
        return by
    raise ValueError(f"unknown QA group {by!r}; expected one of {', '.join(GROUPS)}")


def by_group(tables, month, params, by: str = "shift") -> pd.DataFrame:
    """QA KPIs of ``month`` per ``by`` (shift | direction | queue | service_type | team | supervisor).

    Columns: ``group``, ``evaluations``, ``qa_score`` (points of 100), ``qa_pass_rate``,
    ``qa_critical_rate`` (shares 0-1). Groups without a value (an evaluation of an unknown
    contact has no direction) are left out.
    """
    m = _period(month)
    p = FactParams.from_params(params, m.start_time, (m + 1).start_time)
    g = _group_expr(by, params)
    sel = [f"{g} AS grp", "count(*) AS evaluations"]
    for key in QA_KPIS:
        k = REGISTRY[key]
        sel += [f"sum({k.numerator}) AS {key}__num", f"sum({k.denominator}) AS {key}__den"]
    df = tables.sql(f"SELECT {', '.join(sel)} FROM ({FACTS['qa'](p)}) f WHERE {g} IS NOT NULL GROUP BY 1 ORDER BY 1")
    out = pd.DataFrame({"group": df["grp"], "evaluations": df["evaluations"].astype("int64")})
    for key in QA_KPIS:
        k = REGISTRY[key]
        num, den = df[f"{key}__num"].astype(float), df[f"{key}__den"].astype(float)
        out[key] = (k.scale * num / den.where(den > 0)).astype(float)
    return out


def form_items(tables, params) -> list[str]:
    """Form items (``qa.form``) that have a column ``item_<name>`` in the data."""
    cols = set(tables.columns_of("qa_evaluations"))
    return [k for k in params.qa.form if f"item_{k}" in cols]


def item_label(params, item: str, lang: str = "en") -> str:
    d = params.qa.form.get(item)
    if d is None:
        return item
    return (d.label_zh or d.label) if lang == "zh" else d.label


def _item_counts(tables, month, params, unit: str | None) -> pd.DataFrame:
    """Long table: [unit], item, evaluated, failed (SQL aggregates over the month's evaluations)."""
    m = _period(month)
    items = form_items(tables, params)
    if not items:
        return pd.DataFrame(columns=([unit] if unit else []) + ["item", "evaluated", "failed"])
    share = float(params.qa.item_pass_share)
    cal = ("AND NOT coalesce(e.calibration, false)" if "calibration" in tables.columns_of("qa_evaluations") else "")
    sel = []
    for it in items:
        mx = float(params.qa.form[it].max_points)
        sel.append(f"count(e.item_{it}) AS n__{it}")
        sel.append(f"sum(CASE WHEN e.item_{it} < {share * mx} THEN 1 ELSE 0 END) AS f__{it}")
    key = {"agent": "e.agent_id", "team": "a.team", "shift": "a.shift", "supervisor": "a.supervisor"}.get(unit)
    if unit and key is None:
        raise ValueError(f"unknown unit {unit!r}")
    df = tables.sql(f"""
        SELECT {key + ' AS unit, ' if unit else ''}{', '.join(sel)}
        FROM qa_evaluations e LEFT JOIN agents a ON a.agent_id = e.agent_id
        WHERE e.eval_date >= DATE '{m.start_time:%Y-%m-%d}' AND e.eval_date < DATE '{(m + 1).start_time:%Y-%m-%d}' {cal}
        {'GROUP BY 1' if unit else ''}""")
    rows = []
    for _, r in df.iterrows():
        for it in items:
            row = {"item": it, "evaluated": int(r[f"n__{it}"] or 0),
                   "failed": int(0 if pd.isna(r[f"f__{it}"]) else r[f"f__{it}"])}
            if unit:
                row = {unit: r["unit"]} | row
            rows.append(row)
    out = pd.DataFrame(rows, columns=([unit] if unit else []) + ["item", "evaluated", "failed"])
    out["fail_rate"] = (out["failed"] / out["evaluated"].where(out["evaluated"] > 0)).astype(float)
    return out


def item_failures(tables, month, params) -> pd.DataFrame:
    """Pareto of failed form items in ``month`` (calibration evaluations excluded).

    Columns: ``item``, ``max_points``, ``critical``, ``evaluated``, ``failed`` (evaluations
    scoring the item below ``qa.item_pass_share`` of its points), ``fail_rate`` (failed /
    evaluated), ``share`` (of all item failures), ``cumulative`` (running share), most
    failed first (ties by form order).
    """
    df = _item_counts(tables, month, params, None)
    if df.empty:
        return df.assign(max_points=[], critical=[], share=[], cumulative=[])
    order = {k: i for i, k in enumerate(params.qa.form)}
    df["max_points"] = [params.qa.form[i].max_points for i in df["item"]]
    df["critical"] = [params.qa.form[i].critical for i in df["item"]]
    df["_o"] = df["item"].map(order)
    df = df.sort_values(["failed", "_o"], ascending=[False, True]).drop(columns="_o").reset_index(drop=True)
    total = df["failed"].sum()
    df["share"] = df["failed"] / total if total else 0.0
    df["cumulative"] = df["share"].cumsum()
    return df[["item", "max_points", "critical", "evaluated", "failed", "fail_rate", "share", "cumulative"]]


def findings(tables, month, params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training needs (group issues) and the coaching list (individual issues) for ``month``.

    ``training``: ``group`` (a team, or ``None`` for the whole center), ``item``,
    ``evaluations``, ``failed``, ``fail_rate``; worst first.

    ``coaching``: one row per agent needing a plan: ``agent_id``, ``agent_name``, ``team``,
    ``evaluations``, ``qa_score`` (points), ``below_pass`` (bool), ``items`` (list of item
    names to improve, most failed first), ``team_items`` (failed items their team's or the
    center's training covers), ``deadline`` (date). Sorted by QA score, lowest first.
    """
    q = params.qa
    center = _item_counts(tables, month, params, None)
    team = _item_counts(tables, month, params, "team")
    agent = _item_counts(tables, month, params, "agent")
    c_need = center[(center["evaluated"] >= q.min_group_evaluations) & (center["fail_rate"] >= q.training_need_rate)]
    t_need = team[(team["evaluated"] >= q.min_group_evaluations) & (team["fail_rate"] >= q.training_need_rate)]
    training = pd.concat([c_need.assign(group=None), t_need.rename(columns={"team": "group"})], ignore_index=True)
    training = training.rename(columns={"evaluated": "evaluations"})
    training = (training[["group", "item", "evaluations", "failed", "fail_rate"]]
                .sort_values(["fail_rate", "item"], ascending=[False, True]).reset_index(drop=True))

    m = _period(month)
    deadline = ((m + 1).start_time + pd.Timedelta(days=q.coaching_deadline_days - 1)).date()
    kp = compute(tables, m, level="agent", params=params, keys=["qa_score"])
    cols = ["agent_id", "agent_name", "team", "evaluations", "qa_score", "below_pass", "items", "team_items",
            "deadline"]
    if kp.empty or "qa_score" not in kp.columns:
        return training, pd.DataFrame(columns=cols)
    covered_center = set(c_need["item"])
    covered_team = t_need.groupby("team")["item"].apply(set).to_dict()
    rows = []
    for aid, r in kp.iterrows():
        n = int(r.get("evaluations", 0) or 0)
        if n < q.min_agent_evaluations or pd.isna(r.get("qa_score")):
            continue
        mine = agent[(agent["agent"] == aid) & (agent["evaluated"] >= q.min_agent_evaluations)
                     & (agent["fail_rate"] >= q.coaching_item_rate)].sort_values(["fail_rate", "item"],
                                                                                    ascending=[False, True])
        covered = covered_center | covered_team.get(r.get("team"), set())
        items = [i for i in mine["item"] if i not in covered]
        team_items = [i for i in mine["item"] if i in covered]
        below = bool(r["qa_score"] < q.pass_mark)
        if below and not items:  # below the pass mark: at least their two most failed items of their own
            own = agent[(agent["agent"] == aid) & (agent["failed"] > 0) & ~agent["item"].isin(covered)]
            items = list(own.sort_values(["fail_rate", "item"], ascending=[False, True])["item"][:2])
        items = items[:q.coaching_max_items]
        if items or below:
            rows.append(dict(agent_id=aid, agent_name=r.get("agent_name"), team=r.get("team"), evaluations=n,
                             qa_score=float(r["qa_score"]), below_pass=below, items=items, team_items=team_items,
                             deadline=deadline))
    coaching = pd.DataFrame(rows, columns=cols)
    if not coaching.empty:
        coaching = coaching.sort_values(["qa_score", "agent_id"]).reset_index(drop=True)
    return training, coaching
