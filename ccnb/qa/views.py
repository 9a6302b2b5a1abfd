"""The QA section as managers read it: cards, group tables, training and coaching, plan, calibration."""
from __future__ import annotations

import pandas as pd

from ccnb.catalog.kpis import REGISTRY
from ccnb.i18n.fmt import format_value
from ccnb.i18n.labels import catalog, queue_name, t
from ccnb.kpi.compute import compute
from ccnb.kpi.scoring import assess, light
from ccnb.kpi.views import nowrap
from ccnb.qa.results import QA_KPIS, item_label


def _fmt(v, f, lang):
    return format_value(v, f, lang)


def _sep(lang: str) -> str:
    return "、" if lang == "zh" else ", "


def group_label(by: str, value, params, lang: str = "en") -> str:
    """Display name of a group value: shifts, directions and service types translated, queues by params."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if by == "queue":
        return queue_name(value, params, lang)
    key = f"qa.{by}.{value}"
    return t(key, lang) if key in catalog() else str(value)


def center_qa(tables, month, params) -> pd.DataFrame:
    """The center's QA KPIs against target (``assess`` rows for qa_score, qa_pass_rate, qa_critical_rate)."""
    c = compute(tables, month, level="center", params=params, keys=list(QA_KPIS))
    if c.empty:
        return pd.DataFrame()
    out = assess(c.iloc[0], params, list(QA_KPIS))
    out["evaluations"] = int(c.iloc[0].get("evaluations", 0))
    return out


def cards(qa_center: pd.DataFrame, lang: str = "en") -> list[dict]:
    items = []
    for _, r in qa_center.iterrows():
        items.append({"label": REGISTRY[r["key"]].name(lang), "value": r["value"], "fmt": r["fmt"],
                      "target": r["target"], "light": r["light"] or "grey",
                      "note": t("qa.evaluations_n", lang, n=f"{int(r['evaluations']):,d}")})
    return items


def groups_table(frames: dict[str, pd.DataFrame], params, lang: str = "en") -> tuple[pd.DataFrame, dict, dict]:
    """One table of QA results by several groupings (``by`` -> :func:`ccnb.qa.by_group` frame)."""
    rows = []
    for by, df in frames.items():
        for _, r in df.iterrows():
            rows.append({"by": t(f"qa.by_{by}", lang), "group": group_label(by, r["group"], params, lang),
                         "evaluations": int(r["evaluations"]), "qa_score": r["qa_score"],
                         "qa_pass_rate": r["qa_pass_rate"], "qa_critical_rate": r["qa_critical_rate"],
                         "light": light(r["qa_score"], params.kpi.targets.get("qa_score", params.qa.pass_mark),
                                        "higher", params.kpi.amber_band)})
    df = pd.DataFrame(rows)
    formats = {"evaluations": "int", "qa_score": "num1", "qa_pass_rate": "pct", "qa_critical_rate": "pct"}
    labels = {"by": t("qa.col_by", lang), "group": t("qa.col_group", lang),
              "evaluations": t("qa.col_evaluations", lang)} | {k: REGISTRY[k].name(lang) for k in QA_KPIS}
    return df, formats, labels


def training_table(training: pd.DataFrame, params, lang: str = "en") -> pd.DataFrame:
    """One row per group (the whole center first, then teams by their worst item): evaluations and
    the items to train, each with how often it was failed ("Resolution and closing 53 %")."""
    rows = []
    if training.empty:
        return pd.DataFrame()
    df = training.assign(_center=training["group"].isna(),
                         _worst=training.groupby(training["group"].fillna(""))["fail_rate"].transform("max"))
    df = df.sort_values(["_center", "_worst", "group", "fail_rate"], ascending=[False, False, True, False])
    for g, part in df.groupby(df["group"].fillna(""), sort=False):
        items = _sep(lang).join(f"{item_label(params, i, lang)} {_fmt(r, 'pct0', lang)}"
                          for i, r in zip(part["item"], part["fail_rate"]))
        rows.append({t("qa.col_group_name", lang): nowrap(g) if g else t("qa.whole_center", lang),
                     t("qa.col_evaluations", lang): f"{int(part['evaluations'].iloc[0]):,d}",
                     t("qa.col_train_items", lang): items})
    return pd.DataFrame(rows)


def coaching_table(coaching: pd.DataFrame, params, lang: str = "en") -> pd.DataFrame:
    rows = []
    for _, r in coaching.iterrows():
        items = _sep(lang).join(item_label(params, i, lang) for i in r["items"])
        covered = _sep(lang).join(item_label(params, i, lang) for i in r["team_items"])
        rows.append({t("common.agent", lang): nowrap(r["agent_name"] if pd.notna(r["agent_name"]) else r["agent_id"]),
                     t("common.team", lang): nowrap(r["team"]),
                     t("qa.col_evaluations", lang): f"{int(r['evaluations']):,d}",
                     REGISTRY["qa_score"].name(lang): _fmt(r["qa_score"], "num1", lang),
                     t("qa.col_items", lang): items or "–",
                     t("qa.col_team_items", lang): covered or "–",
                     t("qa.col_deadline", lang): _fmt(r["deadline"], "date", lang),
                     "light": "red" if r["below_pass"] else "amber"})
    return pd.DataFrame(rows)


def plan_table(summary: pd.DataFrame, by: str, params, lang: str = "en") -> tuple[pd.DataFrame, dict, dict]:
    df = summary.copy()
    if by == "band":
        df["band"] = [t(f"qa.band_{b}", lang) for b in df["band"]]
        df["rule"] = [t("qa.per_week", lang, n=params.qa.sampling.per_week[b]) for b in summary["band"]]
    elif by == "shift":
        df["shift"] = [group_label("shift", v, params, lang) for v in df["shift"]]
    df = df.set_index(by)
    df.index.name = by
    formats = {"agents": "int", "evaluations": "int", "per_agent": "num1"}
    labels = {by: t(f"qa.col_{by}", lang), "agents": t("qa.col_agents", lang),
              "evaluations": t("qa.col_planned", lang), "per_agent": t("qa.col_per_agent", lang),
              "rule": t("qa.col_rule", lang)}
    return df, formats, labels


def evaluators_table(cal, lang: str = "en") -> tuple[pd.DataFrame, dict, dict]:
    df = cal.evaluators.copy()
    df["action"] = [t("qa.recalibrate", lang) if f else "–" for f in df["flagged"]]
    df = df.drop(columns="flagged").set_index("evaluator_id")
    df.index.name = "evaluator"
    formats = {"contacts": "int", "mean_score": "num1", "bias": "{:+.1f}"}
    labels = {"evaluator": t("qa.col_evaluator", lang), "contacts": t("qa.col_cal_contacts", lang),
              "mean_score": t("qa.col_mean_score", lang), "bias": t("qa.col_bias", lang),
              "action": t("qa.col_flag", lang)}
    return df, formats, labels


def icc_light(cal) -> str:
    if cal.icc_ok is None:
        return "grey"
    if cal.icc_ok:
        return "green"
    return "amber" if cal.icc >= cal.min_icc - 0.15 else "red"


def plan_csv(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan as the QA team's CSV: dates as text; contact ids only (no customer data)."""
    out = plan.copy()
    out["week"] = pd.to_datetime(out["week"]).dt.strftime("%Y-%m-%d")
    out["pick_after"] = pd.to_datetime(out["pick_after"]).dt.strftime("%Y-%m-%d %H:%M")
    return out
