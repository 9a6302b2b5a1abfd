"""What the retention notebook shows a manager: cards, sentences and tables in plain words.

Every word comes from ``ccnb/i18n/locale/retention.yaml``; numbers come from the analysis
modules. Data text (team and agent names, segments) is left as data: the display
helpers escape it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ccnb.i18n.fmt import format_value
from ccnb.i18n.labels import catalog, t
from ccnb.retention.customers import DAYS_PER_MONTH, FLAGS, GROUPS

Sentence = tuple  # (label key, fields): shown with ``say(ctx, sentence)``


def say(ctx, sentence) -> None:
    """Show a sentence built below (a ``(key, fields)`` pair, or a list of them) with
    ``ctx.text``; ``None`` shows nothing."""
    if sentence is None:
        return
    if isinstance(sentence, list):
        for s in sentence:
            say(ctx, s)
        return
    key, fields = sentence
    ctx.text(key, **fields)


def _fmt(v, fmt, lang):
    return format_value(v, fmt, lang)


def nowrap(text) -> str:
    """Text a table cell does not break (a word joiner, U+2060, between characters): a
    three-character name or ``tech_support-CD2`` stays on one line."""
    return "\u2060".join(str(text))


def months_text(n: int, lang: str = "en") -> str:
    """``1 month`` / ``6 months`` (``1 个月`` / ``6 个月``)."""
    return t("retention.one_month", lang) if int(n) == 1 else t("retention.n_months", lang, n=int(n))


def _hr(x: float) -> str:
    return f"{x:.1f}" if x < 10 else f"{x:.0f}"


def segment_label(code, lang: str = "en") -> str:
    key = f"retention.segment.{code}"
    return t(key, lang) if key in catalog() else str(code)


def shift_label(code, lang: str = "en") -> str:
    key = f"retention.shift.{code}"
    return t(key, lang) if key in catalog() else str(code)


def band_label(code: str, lang: str = "en") -> str:
    """``"0-3"`` -> "under 3 months", ``"3-6"`` -> "3–6 months", ``"24+"`` -> "24 months or more"."""
    if code.endswith("+"):
        return t("retention.band_last", lang, lo=code[:-1])
    lo, hi = code.split("-")
    return t("retention.band_first", lang, hi=hi) if lo == "0" else t("retention.band_mid", lang, lo=lo, hi=hi)


def unit_label(level: str, unit, lang: str = "en") -> str:
    if level == "shift":
        return shift_label(unit, lang)
    if level == "tenure_band":
        return band_label(str(unit), lang)
    if level == "center":
        return t("common.center", lang)
    return str(unit)


# --------------------------------------------------------------------------- headline
def cards(rate: dict | None, attrition: pd.DataFrame | None, lang: str = "en") -> list[dict]:
    """KPI cards: customer retention (the registry KPI) and agent attrition (annualised over
    the trailing window), each against target; ``key`` is the summary key. A part whose data
    the center did not supply (None) has no card."""
    out = []
    if rate is not None:
        note = "" if rate["covered"] else t("retention.kpi_short_data", lang)
        out.append({"key": "customer_retention", "label": t("retention.card_retention", lang, months=rate["months"]),
                    "value": rate["value"], "fmt": "pct", "target": rate["target"], "light": rate["light"],
                    "note": note})
    if attrition is not None:
        c = attrition[attrition["level"] == "center"].iloc[0]
        out.append({"key": "agent_attrition",
                    "label": t("retention.card_attrition", lang, months=months_text(c["months"], lang)),
                    "value": c["annualised"], "fmt": "pct", "target": c["target"], "light": c["light"],
                    "note": t("retention.card_attrition_note", lang, leavers=int(c["leavers"]), hires=int(c["hires"]))})
    return out


def card_pair(rate: dict | None, attrition: pd.DataFrame | None, lang: str = "en") -> list[dict | None]:
    """The two cards of :func:`cards` in a fixed order (customer retention, agent attrition), None for a
    part without data (for recording each under its own summary key)."""
    by = {c["key"]: c for c in cards(rate, attrition, lang)}
    return [by.get("customer_retention"), by.get("agent_attrition")]


def alerts(rate: dict | None, attrition: pd.DataFrame | None, cox_table: pd.DataFrame | None,
           warnings: pd.DataFrame | None = None, lang: str = "en") -> list:
    """Points for attention: retention below target, attrition above target (center and
    worst teams), agents on the early-warning list, the strongest driver of leaving."""
    out = []
    if rate is not None and rate["light"] in ("red", "amber"):
        out.append((t("retention.alert_retention", lang, value=_fmt(rate["value"], "pct", lang),
                      target=_fmt(rate["target"], "pct", lang)), rate["light"]))
    if attrition is not None:
        c = attrition[attrition["level"] == "center"].iloc[0]
        if c["light"] in ("red", "amber"):
            out.append((t("retention.alert_attrition", lang, value=_fmt(c["annualised"], "pct", lang),
                          target=_fmt(c["target"], "pct", lang)), c["light"]))
        teams = attrition[(attrition["level"] == "team") & (attrition["light"] == "red")]
        for _, r in teams.sort_values("annualised", ascending=False).head(3).iterrows():
            out.append((t("retention.alert_team", lang, team=r["unit"], value=_fmt(r["annualised"], "pct", lang),
                          leavers=int(r["leavers"])), "red"))
        if warnings is not None and len(warnings):
            out.append((t("retention.alert_warnings", lang, n=len(warnings), total=int(c["headcount"])), "amber"))
    if cox_table is not None:
        top = cox_table[(cox_table["p"] < 0.05) & (cox_table["hr"] > 1)].sort_values("hr", ascending=False)
        if len(top):
            r = top.iloc[0]
            out.append((t("retention.alert_driver", lang, who=t(f"retention.who.{r['covariate']}", lang),
                          hr=_hr(r["hr"])), "amber"))
    return out


# --------------------------------------------------------------------------- customers
def cohort_sentence(matrix: pd.DataFrame, lang: str = "en", months: int = 6) -> Sentence | None:
    """"Of the customers who signed up in 2026-04, 88.2 % were still customers after 6
    months" for the latest cohort observed that long (None if none)."""
    if months not in matrix.columns:
        return None
    col = matrix[months].dropna()
    if col.empty:
        return None
    return ("retention.cohort_sentence", {"cohort": col.index[-1].strftime("%Y-%m"), "months": months,
                                          "value": _fmt(col.iloc[-1], "pct", lang)})


def segment_table(summary: pd.DataFrame, horizons, lang: str = "en") -> pd.DataFrame:
    """Survival by segment: customers, churned, median stay (months, or "not reached"),
    share still customers after each horizon (months; columns ``s_<n>m``)."""
    df = pd.DataFrame({
        t("retention.col_segment", lang): [segment_label(g, lang) for g in summary["group"]],
        t("retention.col_customers", lang): summary["n"].astype("int64").to_numpy(),
        t("retention.col_churned", lang): summary["events"].astype("int64").to_numpy(),
        t("retention.col_median", lang): [t("retention.not_reached", lang) if pd.isna(m) else
                                          f"{m / DAYS_PER_MONTH:.0f}" for m in summary["median"]],
    })
    for h in horizons:
        df[t("retention.col_after_months", lang, months=months_text(h, lang))] = [_fmt(v, "pct", lang)
                                                                                  for v in summary[f"s_{h}m"]]
    return df


def group_label(code: str, lang: str = "en") -> str:
    return t(f"retention.group.{code}", lang)


def experience_table(summary: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Survival by experience group since the landmark: customers, left, still customers
    after each horizon (columns ``s_<n>m`` of the summary)."""
    order = {g: i for i, g in enumerate(GROUPS)}
    s = summary.sort_values("group", key=lambda x: x.map(order))
    df = pd.DataFrame({
        t("retention.col_experience", lang): [group_label(g, lang) for g in s["group"]],
        t("retention.col_customers", lang): s["n"].astype("int64").to_numpy(),
        t("retention.col_left", lang): s["events"].astype("int64").to_numpy(),
    })
    for c in [c for c in s.columns if c.startswith("s_") and c.endswith("m")]:
        df[t("retention.col_after_months", lang, months=months_text(int(c[2:-1]), lang))] = [_fmt(v, "pct", lang)
                                                                                            for v in s[c]]
    return df


def logrank_sentence(test: dict) -> Sentence:
    if not np.isfinite(test.get("p", np.nan)):
        return ("retention.logrank_na", {})
    key = "retention.logrank_diff" if test["p"] < 0.05 else "retention.logrank_same"
    return (key, {"p": "< 0.001" if test["p"] < 0.001 else f"{test['p']:.3f}"})


def experience_sentence(summary: pd.DataFrame, lang: str = "en") -> Sentence | None:
    """"After 6 months, 74 % of customers with an unresolved complaint were still customers,
    against 92 % of those who had not contacted the center" (longest horizon)."""
    s = summary.set_index("group")
    cols = [c for c in s.columns if c.startswith("s_") and c.endswith("m")]
    if "open_complaint" not in s.index or "no_contact" not in s.index or not cols:
        return None
    col = max(cols, key=lambda c: int(c[2:-1]))
    a, b = s.loc["open_complaint", col], s.loc["no_contact", col]
    if pd.isna(a) or pd.isna(b):
        return None
    return ("retention.experience_sentence", {"months": months_text(int(col[2:-1]), lang),
                                              "a": _fmt(a, "pct0", lang),
                                              "b": _fmt(b, "pct0", lang)})


def hr_sentences(cox_table: pd.DataFrame, params, lang: str = "en", top: int | None = 3) -> list[Sentence]:
    """One sentence per experience with a clear effect (p < 0.05), strongest first (the
    ``top`` ones; None: all):
    "Customers with an unresolved complaint leave 3.4 times faster than other customers
    (95 % range 2.6–4.4)."."""
    out = []
    clear = cox_table[cox_table["p"] < 0.05].sort_values("hr", ascending=False).head(top or len(cox_table))
    wait = f"{params.kpi.long_wait_s / 60:.0f}"
    for _, r in clear.iterrows():
        who = t(f"retention.who.{r['covariate']}", lang, wait=wait)
        if r["hr"] >= 1:
            out.append(("retention.hr_faster", {"who": who, "hr": _hr(r["hr"]), "lo": _hr(r["hr_lo"]),
                                                "hi": _hr(r["hr_hi"])}))
        else:
            out.append(("retention.hr_slower", {"who": who, "pct": _fmt(1 - r["hr"], "pct0", lang),
                                                "lo": f"{r['hr_lo']:.2f}", "hi": f"{r['hr_hi']:.2f}"}))
    return out


def cox_table(res, lang: str = "en") -> pd.DataFrame:
    """The Cox model for managers: experience, share of customer-months with it, hazard
    ratio ("times as fast"), 95 % range, clear effect yes/no, proportional-hazards check."""
    tb = res.table.set_index("covariate").loc[list(FLAGS)]
    ph = res.ph.set_index("covariate")
    yes, no = t("report.yes_word", lang), t("report.no_word", lang)
    return pd.DataFrame({
        t("retention.col_experience", lang): [t(f"retention.flag.{c}", lang) for c in tb.index],
        t("retention.col_share", lang): [_fmt(v, "pct", lang) for v in tb["share"]],
        t("retention.col_hr", lang): [("–" if pd.isna(v) else _hr(v)) for v in tb["hr"]],
        t("retention.col_range", lang): [("–" if pd.isna(a) else f"{_hr(a)}–{_hr(b)}")
                                        for a, b in zip(tb["hr_lo"], tb["hr_hi"])],
        t("retention.col_clear", lang): [yes if p < 0.05 else no for p in tb["p"].fillna(1)],
        t("retention.col_steady", lang): [("–" if pd.isna(tb.loc[c, "hr"]) else yes if ph["ok"].get(c, True) else no)
                                         for c in tb.index],
    })


def ph_note(res, lang: str = "en") -> Sentence:
    bad = res.ph[~res.ph["ok"]]
    if bad.empty:
        return ("retention.ph_ok", {})
    return ("retention.ph_drift", {"names": ", ".join(t(f"retention.flag.{c}", lang) for c in bad["covariate"])})


# --------------------------------------------------------------------------- agents
def attrition_table(att: pd.DataFrame, level: str, lang: str = "en") -> pd.DataFrame:
    """One level of :func:`ccnb.retention.agents.agent_attrition` for managers."""
    a = att[att["level"] == level]
    return pd.DataFrame({
        t(f"retention.level.{level}", lang): [nowrap(unit_label(level, u, lang)) if level in ("team", "supervisor")
                                             else unit_label(level, u, lang) for u in a["unit"]],
        t("retention.col_headcount", lang): a["headcount"].to_numpy(),
        t("retention.col_avg_headcount", lang): a["avg_headcount"].round(1).to_numpy(),
        t("retention.col_hires", lang): a["hires"].to_numpy(),
        t("retention.col_leavers", lang): a["leavers"].to_numpy(),
        t("retention.col_voluntary", lang): a["voluntary"].to_numpy(),
        t("retention.col_involuntary", lang): a["involuntary"].to_numpy(),
        t("retention.col_monthly", lang): [_fmt(v, "pct", lang) for v in a["monthly_rate"]],
        t("retention.col_annualised", lang): [_fmt(v, "pct", lang) for v in a["annualised"]],
        "light": a["light"].fillna("grey").to_numpy(),
    })


def attrition_sentence(att: pd.DataFrame, lang: str = "en") -> Sentence:
    c = att[att["level"] == "center"].iloc[0]
    return ("retention.attrition_sentence", {
        "months": int(c["months"]), "leavers": int(c["leavers"]), "voluntary": int(c["voluntary"]),
        "involuntary": int(c["involuntary"]), "avg": f"{c['avg_headcount']:.0f}",
        "value": _fmt(c["annualised"], "pct", lang), "target": _fmt(c["target"], "pct", lang)})


def new_hire_sentence(summary: pd.DataFrame, params, lang: str = "en") -> Sentence | None:
    if summary.empty:
        return None
    row = summary.iloc[0]
    days = params.retention.new_hire_days
    return ("retention.new_hire_text", {"n": int(row["n"]), "days": days,
                                        "kept": _fmt(row.get(f"s_{days:g}"), "pct0", lang)})


def team_tenure_table(summary: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Tenure survival by team: agents, left, median stay (years), still employed after 1
    and 2 years (left-truncated Kaplan-Meier)."""
    s = summary.sort_values("group")
    return pd.DataFrame({
        t("common.team", lang): [nowrap(g) for g in s["group"]],
        t("retention.col_team_agents", lang): s["n"].to_numpy(),
        t("retention.col_team_left", lang): s["events"].to_numpy(),
        t("retention.col_median_years", lang): [t("retention.not_reached", lang) if pd.isna(m) else f"{m / 365.25:.1f}"
                                               for m in s["median"]],
        t("retention.col_after_year", lang): [_fmt(v, "pct0", lang) for v in s["s_365"]],
        t("retention.col_after_2years", lang): [_fmt(v, "pct0", lang) for v in s["s_730"]],
    })


def warnings_intro(params, lang: str = "en") -> Sentence:
    ew = params.retention.early_warning
    cap = ew.occupancy_cap if ew.occupancy_cap is not None else params.staffing.max_occupancy
    return ("retention.warnings_text", {
        "recent": ew.recent_weeks, "base": ew.baseline_weeks, "att": f"{100 * ew.attendance_drop:.0f}",
        "brk": _fmt(ew.breaks_rise, "pct0", lang), "qa": f"{ew.qa_drop:g}", "cap": _fmt(cap, "pct0", lang),
        "occ": ew.occupancy_weeks})


def warnings_history(weeks: float, params) -> Sentence | None:
    """What more history adds to the early-warning list, when the data covers fewer weeks than it
    compares (``recent_weeks + baseline_weeks``); None with enough history."""
    ew = params.retention.early_warning
    need = ew.recent_weeks + ew.baseline_weeks
    if weeks >= need:
        return None
    return ("needs.warnings_history", {"weeks": f"{weeks:.0f}", "need": need, "recent": ew.recent_weeks,
                                       "base": ew.baseline_weeks})


def warning_table(ew: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The supervisors' list: supervisor, team, agent, tenure (months), signals, reasons."""
    name = ew["agent_name"].where(ew["agent_name"].notna(), ew["agent_id"]) if "agent_name" in ew else ew["agent_id"]
    return pd.DataFrame({
        t("retention.col_supervisor", lang): [nowrap(x) for x in ew["supervisor"]],
        t("common.team", lang): [nowrap(x) for x in ew["team"]],
        t("common.agent", lang): [nowrap(x) for x in name],
        t("retention.col_tenure", lang): [f"{d / DAYS_PER_MONTH:.0f}" for d in ew["tenure_days"]],
        t("retention.col_signals", lang): ew["signals"].to_numpy(),
        t("retention.col_reasons", lang): ew["reasons"].to_numpy(),
    })


def backtest_sentence(bt: pd.DataFrame, horizon_days: int, lang: str = "en") -> Sentence | None:
    if bt.empty or bt["flagged"].sum() == 0:
        return None
    f = bt["flagged_left"].sum() / bt["flagged"].sum()
    others = (bt["agents"] - bt["flagged"]).sum()
    o = bt["others_left"].sum() / others if others else np.nan
    return ("retention.backtest", {"months": len(bt), "flagged": int(bt["flagged"].sum()),
                                   "f": _fmt(f, "pct0", lang), "o": _fmt(o, "pct0", lang), "days": horizon_days})


__all__ = ["alerts", "attrition_sentence", "attrition_table", "backtest_sentence", "band_label", "card_pair", "cards",
           "cohort_sentence", "cox_table", "experience_sentence", "experience_table", "group_label", "months_text",
           "hr_sentences", "logrank_sentence", "new_hire_sentence", "nowrap", "ph_note", "say", "segment_label",
           "segment_table", "shift_label", "team_tenure_table", "unit_label", "warning_table", "warnings_history",
           "warnings_intro"]
