"""The KPI scorecard as managers read it: center, teams, agents, targets, coaching, alerts.

:func:`build` computes everything the notebook shows once (all KPIs from the registry via
:func:`ccnb.kpi.compute` / :func:`ccnb.kpi.trend`, scores via :func:`ccnb.kpi.score`,
targets via :func:`ccnb.kpi.targets.target_table`); the other functions turn it into
tables with translated headers and formatted values.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ccnb.catalog.kpis import DIMENSIONS, REGISTRY
from ccnb.data import available as _available
from ccnb.i18n.fmt import format_value
from ccnb.i18n.labels import t
from ccnb.kpi import balance as _balance
from ccnb.kpi.compute import compute, trend, unavailable
from ccnb.kpi.scoring import assess, composite_light, role_weights, score
from ccnb.kpi.targets import target_table, targets_for


@dataclass
class Scorecard:
    month: pd.Period
    params: object
    targets: pd.DataFrame
    center: pd.DataFrame        # compute(level="center")
    center_score: pd.DataFrame  # score(center)
    center_kpis: pd.DataFrame   # assess(center row) for the center's weighted KPIs
    teams: pd.DataFrame
    team_score: pd.DataFrame
    agents: pd.DataFrame
    agent_score: pd.DataFrame
    trend: pd.DataFrame         # center KPIs per month (index month)
    trend_score: pd.DataFrame   # score of each month (index month)
    balance: pd.DataFrame
    #: KPI key -> why its data is missing (``ccnb.data.available``); these are left out of every score.
    unavailable: dict = field(default_factory=dict)


def build(tables, month, params) -> Scorecard:
    """Compute the month's scorecard at center, team and agent level (see the module doc)."""
    m = pd.Period(str(month), "M")
    na = unavailable(tables)
    tg = target_table(tables, m, params)
    center = compute(tables, m, level="center", params=params)
    teams = compute(tables, m, level="team", params=params)
    agents = compute(tables, m, level="agent", params=params)
    sup = tables.sql("SELECT team, min(supervisor) AS supervisor, count(*) AS roster FROM agents GROUP BY team")
    teams = teams.join(sup.set_index("team"), how="left")
    cw = role_weights(params, "center")
    keys = list(dict.fromkeys([k for k in REGISTRY if cw.get(k, 0) > 0] + ["qa_score"]))
    tr = trend(tables, m, months=params.report.trend_months, level="center", params=params)
    tr_score = score(tr, params, level="center", unavailable=na) if len(tr) else pd.DataFrame()
    tr = tr.droplevel("center") if len(tr) else tr
    tr = tr[[c for c in tr.columns if c not in na]]
    if len(tr_score):
        tr_score = tr_score.droplevel("center")
    center_kpis = (assess(center.iloc[0], params, [k for k in keys if k in center.columns and k not in na])
                   if len(center) else pd.DataFrame())
    bal = _balance.balance(agents, params)
    bal = bal[~(bal["a"].isin(na) | bal["b"].isin(na))].reset_index(drop=True)
    return Scorecard(
        month=m, params=params, targets=tg, center=center,
        center_score=score(center, params, level="center", unavailable=na),
        center_kpis=center_kpis,
        teams=teams, team_score=score(teams, params, level="team", targets=targets_for("team", tg, params),
                                      unavailable=na),
        agents=agents, agent_score=score(agents, params, level="agent", targets=targets_for("agent", tg, params),
                                         unavailable=na),
        trend=tr, trend_score=tr_score, balance=bal,
        unavailable={k: _available.section(tables, f"kpi.{k}") for k in sorted(na, key=list(REGISTRY).index)})


# --------------------------------------------------------------------------- formatting helpers
def fmt(v, key_or_fmt: str, lang: str = "en") -> str:
    f = REGISTRY[key_or_fmt].fmt if key_or_fmt in REGISTRY else key_or_fmt
    return format_value(v, f, lang)


def _target_text(key: str, target, lang: str, params) -> str:
    bands = params.kpi.bands
    if key in bands:
        lo, hi = bands[key]
        return f"{fmt(lo, key, lang)}–{fmt(hi, key, lang)}"
    return "–" if target is None or pd.isna(target) else fmt(target, key, lang)


def nowrap(text) -> str:
    """Text that a table cell does not break (a word joiner, U+2060, between characters): keeps
    short names such as 王建国 or tech_support-CD1 on one line."""
    return "\u2060".join(str(text))


def dimension_label(dim: str, lang: str) -> str:
    return t(f"kpi.dimension.{dim}", lang)


# --------------------------------------------------------------------------- center
def center_cards(sc: Scorecard, lang: str = "en") -> list[dict]:
    """Cards: the composite, then each dimension's score (points of 100), with lights."""
    if sc.center_score.empty:
        return []
    r = sc.center_score.iloc[0]
    p = sc.params.kpi
    target = t("kpi.composite_target", lang, green=f"{p.composite_green:g}", amber=f"{p.composite_amber:g}")
    items = [{"label": t("kpi.composite", lang), "value": r["composite"], "fmt": "points", "target": target,
              "target_fmt": "{}", "light": r["light"], "note": t("kpi.points_of_100", lang)}]
    for dim in DIMENSIONS:
        col = f"score_{dim}"
        if col in r.index and pd.notna(r[col]):
            items.append({"label": dimension_label(dim, lang), "value": r[col], "fmt": "points", "target": target,
                          "target_fmt": "{}", "light": composite_light(r[col], sc.params),
                          "note": t("kpi.points_of_100", lang)})
    return items


def center_table(sc: Scorecard, lang: str = "en") -> pd.DataFrame:
    """The center's weighted KPIs: dimension, KPI, weight, value, target, attainment, light (text cells)."""
    a = sc.center_kpis
    if a.empty:
        return pd.DataFrame()
    w = role_weights(sc.params, "center")
    rows = []
    for _, r in a.iterrows():
        rows.append({
            t("kpi.col_dimension", lang): dimension_label(r["dimension"], lang),
            t("kpi.col_kpi", lang): REGISTRY[r["key"]].name(lang),
            t("kpi.col_weight", lang): fmt(w.get(r["key"], 0.0), "pct0", lang) if w.get(r["key"]) else "–",
            t("kpi.col_value", lang): fmt(r["value"], r["key"], lang),
            t("kpi.col_target", lang): _target_text(r["key"], r["target"], lang, sc.params),
            t("kpi.col_attainment", lang): fmt(r["attainment"], "pct0", lang),
            "light": r["light"] or "grey",
        })
    return pd.DataFrame(rows)


def alerts(sc: Scorecard, lang: str = "en") -> list[tuple[str, str]]:
    """Plain sentences for the center's KPIs off target (worst first), teams and agents in the red."""
    out = []
    a = sc.center_kpis
    if not a.empty:
        bad = a[a["light"].isin(["red", "amber"])].sort_values(["light", "attainment"], ascending=[False, True])
        for _, r in bad.iterrows():
            key = ("kpi.alert_outside" if r["direction"] == "band" else
                   "kpi.alert_below" if r["direction"] == "higher" else "kpi.alert_above")
            out.append((t(key, lang, kpi=REGISTRY[r["key"]].name(lang), value=fmt(r["value"], r["key"], lang),
                          target=_target_text(r["key"], r["target"], lang, sc.params)), r["light"]))
    ts = sc.team_score
    for team, r in ts[ts["light"] == "red"].iterrows():
        out.append((t("kpi.alert_team", lang, team=team, score=fmt(r["composite"], "points", lang)), "red"))
    ag = sc.agent_score
    n_red = int((ag["light"] == "red").sum())
    if n_red:
        out.append((t("kpi.alert_agents_red", lang, n=n_red, total=int((ag["status"] == "scored").sum()),
                      amber=f"{sc.params.kpi.composite_amber:g}"), "red"))
    n_grey = int((ag["status"] == "insufficient").sum())
    if n_grey:
        out.append((t("kpi.alert_agents_grey", lang, n=n_grey), "grey"))
    return out


def on_target_share(sc: Scorecard) -> float:
    """Share of scored agents whose composite is green."""
    s = sc.agent_score
    n = int((s["status"] == "scored").sum())
    return float((s["light"] == "green").sum() / n) if n else float("nan")


# --------------------------------------------------------------------------- targets
def targets_display(sc: Scorecard, lang: str = "en") -> pd.DataFrame:
    """Targets used: KPI, the center's (fixed) target, agents' and teams' target, source and how it was set."""
    p = sc.params
    weighted = set(role_weights(p, "center")) | set(role_weights(p, "agent")) | set(role_weights(p, "team"))
    tg = sc.targets[sc.targets["key"].isin(weighted | set(p.kpi.target_setting.keys)) & ~sc.targets["key"].isin(sc.unavailable)]
    rows = []
    for _, r in tg.iterrows():
        key = r["key"]
        if r["source"] == "derived":
            how = t("kpi.how_derived", lang, month=str(r["base_month"]), base=fmt(r["base_value"], key, lang),
                    season=_signed(r["season"], key, lang), slack=f"{100 * p.kpi.target_setting.slack:g}",
                    proposed=fmt(r["proposed"], key, lang), reviewed=str(r["reviewed"]))
            if r["capped"]:
                how += "; " + t("kpi.how_capped", lang, step=f"{100 * p.kpi.target_setting.max_step:g}",
                               previous=fmt(r["previous"], key, lang))
        elif key in p.kpi.target_setting.keys and p.kpi.target_setting.method == "derived":
            how = t("kpi.how_no_review", lang)
        else:
            how = t("kpi.how_fixed", lang)
        rows.append({
            t("kpi.col_kpi", lang): REGISTRY[key].name(lang),
            t("kpi.col_center_target", lang): _target_text(key, r["fixed_target"], lang, p),
            t("kpi.col_agent_target", lang): (_target_text(key, r["target"], lang, p)
                                              if {"agent", "team"} & set(REGISTRY[key].levels)
                                              else t("kpi.center_only", lang)),
            t("kpi.col_source", lang): t(f"kpi.source_{r['source']}", lang),
            t("kpi.col_how", lang): how,
        })
    return pd.DataFrame(rows)


def _signed(v, key: str, lang: str) -> str:
    if v is None or pd.isna(v):
        return t("kpi.no_season", lang)
    unit = REGISTRY[key].unit
    if unit == "share":
        return fmt(0.0 if abs(v) < 0.0005 else v, "pp", lang)   # no "-0.0 pp"
    s = fmt(abs(v), key, lang)
    return ("+" if v >= 0 else "-") + s.lstrip("+-")


# --------------------------------------------------------------------------- teams and agents
TEAM_DIMS = ("customer", "efficiency", "business", "employee", "quality")


def team_table(sc: Scorecard, lang: str = "en") -> tuple[pd.DataFrame, dict, dict]:
    """Team table (index team): supervisor, handled contacts, composite, dimension scores, rank, light."""
    s = sc.team_score.join(sc.teams[["supervisor", "handled"]])
    dims = [d for d in TEAM_DIMS if f"score_{d}" in s.columns]
    df = s[["supervisor", "handled", "composite"] + [f"score_{d}" for d in dims] + ["rank", "light"]].copy()
    df = df.sort_values(["composite"], ascending=False, na_position="last")
    if df["supervisor"].isna().all():   # a roster without supervisors (e.g. derived from the contacts)
        df = df.drop(columns="supervisor")
    df.index.name = "team"
    formats = ({"handled": "int", "composite": "num1", "rank": "int", "team": nowrap}
               | {f"score_{d}": "num1" for d in dims})
    labels = {"supervisor": t("kpi.col_supervisor", lang), "handled": t("kpi.col_handled", lang),
              "composite": t("kpi.col_composite", lang), "rank": t("kpi.col_rank", lang)}
    labels |= {f"score_{d}": dimension_label(d, lang) for d in dims}
    return df, formats, labels


LEAGUE_KPIS = ("csat", "fcr", "aht_s", "qa_score")


def league_table(sc: Scorecard, lang: str = "en") -> tuple[pd.DataFrame, dict, dict]:
    """Agent league table: rank, name, team, handled, CSAT, FCR, AHT, QA, composite, light, note.

    Scored agents by rank; agents with insufficient data last, with the reason in ``note``.
    """
    a, s = sc.agents, sc.agent_score
    df = pd.DataFrame({"rank": s["rank"], "name": a["agent_name"].fillna(pd.Series(a.index, index=a.index)),
                       "team": a["team"], "handled": a["handled"]})
    if df["team"].isna().all():   # no roster: no team to show
        df = df.drop(columns="team")
    kpis = [k for k in LEAGUE_KPIS if k not in sc.unavailable]
    for k in kpis:
        df[k] = a[k] if k in a.columns else float("nan")
    df["composite"] = s["composite"]
    df["light"] = s["light"]
    df["note"] = [t(f"kpi.reason_{r}", lang) if r else "" for r in s["reason"]]
    df["_scored"] = s["status"] == "scored"
    df = df.sort_values(["_scored", "rank", "composite", "name"], ascending=[False, True, False, True],
                        na_position="last").drop(columns="_scored")
    df = df.reset_index(drop=True)
    formats = ({"rank": "int", "handled": "int", "composite": "num1", "name": nowrap, "team": nowrap}
               | {k: REGISTRY[k].fmt for k in kpis})
    labels = {"rank": t("kpi.col_rank", lang), "name": t("common.agent", lang), "handled": t("kpi.col_handled", lang),
              "composite": t("kpi.col_composite", lang), "note": t("kpi.col_note", lang)}
    labels |= {k: t(f"kpi.short.{k}", lang) for k in kpis}
    return df, formats, labels


def coaching_list(sc: Scorecard, lang: str = "en", max_kpis: int = 3) -> pd.DataFrame:
    """Scored agents below the green mark, lowest composite first, with the weighted KPIs
    furthest from their target ("FCR 58.0 % (target 67.0 %)")."""
    s, a = sc.agent_score, sc.agents
    w = role_weights(sc.params, "agent")
    tg = sc.targets.set_index("key")
    rows = []
    for aid, r in s[(s["status"] == "scored") & (s["light"].isin(["red", "amber"]))].sort_values("composite").iterrows():
        atts = sorted(((r.get(f"att_{k}"), k) for k in w if pd.notna(r.get(f"att_{k}")) and r.get(f"att_{k}") < 1),
                      key=lambda x: (x[0], -w[x[1]]))[:max_kpis]
        work = "; ".join(t("kpi.work_on", lang, kpi=REGISTRY[k].name(lang), value=fmt(a.at[aid, k], k, lang),
                           target=_target_text(k, tg.at[k, "target"] if k in tg.index else None, lang, sc.params))
                         for _, k in atts)
        rows.append({t("common.agent", lang): nowrap(a.at[aid, "agent_name"] if pd.notna(a.at[aid, "agent_name"])
                                                     else aid),
                     t("common.team", lang): nowrap(a.at[aid, "team"]) if pd.notna(a.at[aid, "team"]) else "–",
                     t("kpi.col_composite", lang): fmt(r["composite"], "num1", lang),
                     t("kpi.col_work_on", lang): work or "–", "light": r["light"]})
    return pd.DataFrame(rows)


def balance_table(sc: Scorecard, lang: str = "en") -> pd.DataFrame:
    """KPI pairs: the two KPIs, agents compared, rank correlation (higher = better on both), what it means."""
    rows = []
    for _, r in sc.balance.iterrows():
        rows.append({
            t("kpi.col_pair", lang): f"{REGISTRY[r['a']].name(lang)} ↔ {REGISTRY[r['b']].name(lang)}",
            t("kpi.col_agents", lang): int(r["n"]),
            t("kpi.col_rho", lang): "–" if pd.isna(r["rho"]) else f"{r['rho']:+.2f}",
            t("kpi.col_verdict", lang): t(f"kpi.verdict_{r['verdict']}", lang),
        })
    return pd.DataFrame(rows)


def agent_export(sc: Scorecard) -> pd.DataFrame:
    """Agents' KPIs and scores for the pack's CSV (agent ids and names; no customer data)."""
    a = sc.agents.drop(columns=[c for c in ("supervisor",) if c in sc.agents.columns])
    s = sc.agent_score[["composite", "rank", "light", "status", "reason", "coverage"]
                       + [c for c in sc.agent_score.columns if c.startswith(("score_", "att_"))]]
    out = a.join(s)
    out.index.name = "agent_id"
    return out.reset_index()


def balance_keys(params, sc: Scorecard | None = None) -> list[str]:
    """KPIs shown in the balance heatmap: the agents' weighted KPIs and those in ``kpi.balance_pairs``
    (with ``sc``: not those the center has no data for)."""
    keys = [k for k, w in role_weights(params, "agent").items() if w > 0]
    keys += [k for pair in params.kpi.balance_pairs for k in pair]
    na = sc.unavailable if sc is not None else {}
    return [k for k in REGISTRY if k in set(keys) and "agent" in REGISTRY[k].levels and k not in na]


def left_out(sc: Scorecard, lang: str = "en") -> str:
    """'CSAT, NPS (this center supplied no customer surveys); QA score (...)': the KPIs left out of the
    scores for want of data, grouped by reason ('' when none)."""
    by: dict[str, list[str]] = {}
    for k, a in sc.unavailable.items():
        by.setdefault(a.reason(lang), []).append(REGISTRY[k].name(lang))
    sep = "、" if lang == "zh" else ", "
    return t("needs.and", lang).join(f"{sep.join(names)} ({why})" if lang == "en" else f"{sep.join(names)}（{why}）"
                                      for why, names in by.items())


def strongest_pair(sc: Scorecard) -> tuple[str, str] | None:
    """The balance pair with the strongest negative correlation (else the strongest link), for a scatter."""
    b = sc.balance.dropna(subset=["rho"])
    if b.empty:
        return None
    neg = b[b["rho"] < 0]
    r = neg.loc[neg["rho"].idxmin()] if len(neg) else b.loc[b["rho"].abs().idxmax()]
    return r["a"], r["b"]
