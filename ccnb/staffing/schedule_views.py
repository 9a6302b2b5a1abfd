"""What managers read about next month's schedule: the tables and sentences of the forecasting report's section.

All from a :class:`~ccnb.staffing.month_schedule.MonthSchedule`; words from ``ccnb/i18n/locale/schedule.yaml``.
Figures (agent-hours = agents x hours; ``L`` the interval in hours):

* paid hours = sum of the shifts' paid hours (length less the unpaid meal);
* the FTE plan it replaces = required agent-hours / (1 - ``staffing.shrinkage``), in FTE over
  ``fte_hours_per_week`` x days / 7;
* over / under coverage = ``L sum max(scheduled - required, 0)`` / ``L sum max(required - scheduled, 0)``,
  scheduled = agents on the phones net of breaks; "out of reach": under-coverage in intervals no shift
  type can cover (outside ``staffing.schedule.opening_hours``);
* service level, ASA and abandonment: call-weighted over intervals (Erlang A with the scheduled agents);
  traffic light against ``staffing.service_level_target`` with ``kpi.amber_band``.
"""
from __future__ import annotations

import pandas as pd

from ccnb.i18n.fmt import format_value
from ccnb.i18n.labels import t
from ccnb.kpi.scoring import light
from ccnb.staffing.month_schedule import MonthSchedule

_WEEKDAYS = {"en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
             "zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]}


def day_label(d: pd.Timestamp, lang: str) -> str:
    """``Mon 09/11`` / ``周一 11-09``."""
    return f"{_WEEKDAYS[lang][d.weekday()]} {d:%d/%m}" if lang == "en" else f"{_WEEKDAYS[lang][d.weekday()]} {d:%m-%d}"


_H = {"en": " h", "zh": " 小时"}


def _sl_light(v: float, params) -> str:
    return light(v, params.staffing.service_level_target, "higher", params.kpi.amber_band) or "grey"


def service_light(ms: MonthSchedule, params) -> str:
    """Traffic light of the service level the whole schedule delivers against ``staffing.service_level_target``."""
    return _sl_light(float(ms.summary.set_index("desk").at["all", "service_level"]), params)


def _f(v, fmt, lang) -> str:
    return format_value(v, fmt, lang)


def figures(ms: MonthSchedule, params, lang: str = "en") -> pd.DataFrame:
    """The section's headline table, whole center: ``figure``, ``value``, ``detail``, ``light``."""
    s = ms.summary.set_index("desk").loc["all"]
    st = params.staffing
    tg = st.service_level_target
    staff = ms.staff.sum(numeric_only=True)
    rows = [
        ("paid", _f(s["paid_h"], "int", lang) + _H[lang],
         t("schedule.d_paid", lang, shifts=_f(s["agent_shifts"], "int", lang), fte=_f(s["fte"], "num1", lang),
           hours=f"{st.fte_hours_per_week:g}"), None),
        ("fte_plan", _f(s["fte_plan_h"], "int", lang) + _H[lang],
         t("schedule.d_fte_plan", lang, share=_f(s["paid_vs_fte_plan"], "pct0", lang),
           shrinkage=_f(st.shrinkage, "pct0", lang)), None),
        ("required", _f(s["required_h"], "int", lang) + _H[lang], t("schedule.d_required", lang), None),
        ("over", _f(s["over_h"], "int", lang) + _H[lang], t("schedule.d_over", lang, pct=_f(s["over_pct"], "pct", lang)), None),
        ("under", _f(s["under_h"], "int", lang) + _H[lang],
         t("schedule.d_under", lang, pct=_f(s["under_pct"], "pct", lang), reach=_f(s["unreachable_h"], "int", lang)),
         None),
        ("sl", _f(s["service_level"], "pct", lang),
         t("schedule.d_sl", lang, target=_f(tg, "pct0", lang), answer_s=f"{st.answer_s:g}",
           below=_f(s["intervals_below_target"], "int", lang)), _sl_light(s["service_level"], params)),
        ("asa", _f(s["asa_s"], "num1", lang) + (" s" if lang == "en" else " 秒"),
         t("schedule.d_asa", lang, abandon=_f(s["p_abandon"], "pct", lang)), None),
        ("agents", _f(staff["agents"], "int", lang),
         t("schedule.d_agents", lang, known=_f(staff["known"], "int", lang), hires=_f(staff["hires"], "int", lang),
           spare=_f(staff["not_needed"], "int", lang)), None),
        ("unused", _f(s["unused_contract_h"], "int", lang) + _H[lang], t("schedule.d_unused", lang), None),
    ]
    return pd.DataFrame([(t(f"schedule.f_{k}", lang), v, d, lg) for k, v, d, lg in rows],
                        columns=["figure", "value", "detail", "light"])


def desk_table(ms: MonthSchedule, params, names: dict, lang: str = "en") -> pd.DataFrame:
    """Per desk: ``desk``, ``paid_h``, ``fte_plan_h``, ``over_h``, ``under_h``, ``service_level``, ``asa_s``,
    ``p_abandon``, ``light`` (service level against target)."""
    s = ms.summary[ms.summary["desk"] != "all"]
    return pd.DataFrame({"desk": s["desk"].map(lambda d: names.get(d, d)), "paid_h": s["paid_h"],
                         "fte_plan_h": s["fte_plan_h"], "over_h": s["over_h"], "under_h": s["under_h"],
                         "service_level": s["service_level"], "asa_s": s["asa_s"], "p_abandon": s["p_abandon"],
                         "light": [_sl_light(v, params) for v in s["service_level"]]}).reset_index(drop=True)


def table_formats() -> dict:
    return {"paid_h": "int", "fte_plan_h": "int", "over_h": "int", "under_h": "int", "service_level": "pct",
            "asa_s": "s", "p_abandon": "pct", "calls": "int", "sl_plan": "pct", "sl_cut": "pct",
            "on_plan": "num1", "on_cut": "num1", "paid_cut": "int", "ab_plan": "pct", "ab_cut": "pct"}


def table_labels(lang: str) -> dict:
    keys = ["figure", "value", "detail", "desk", "paid_h", "fte_plan_h", "over_h", "under_h", "service_level",
            "asa_s", "p_abandon", "shift", "when", "calls", "sl_plan", "sl_cut", "on_plan", "on_cut", "paid_cut",
            "ab_plan", "ab_cut"]
    return {k: t(f"schedule.col_{k}", lang) for k in keys}


def coverage_week(ms: MonthSchedule, names: dict) -> dict[str, pd.DataFrame]:
    """Per desk name, the week shown: ``interval_start``, ``required``, ``scheduled`` (the plan, on the
    phones net of breaks) and ``cut`` (after the budget what-if), agents."""
    out = {}
    cov = ms.plan.coverage
    for desk in sorted(cov["desk"].unique()):
        c = cov[(cov["desk"] == desk) & cov["interval_start"].dt.normalize().isin(ms.week)]
        k = ms.cut.coverage
        k = k[k["desk"] == desk].set_index("interval_start")["scheduled"]
        out[names.get(desk, desk)] = pd.DataFrame({
            "interval_start": c["interval_start"].to_numpy(), "required": c["required"].to_numpy(),
            "scheduled": c["scheduled"].to_numpy(),
            "cut": k.reindex(c["interval_start"]).fillna(0.0).to_numpy()})
    return out


def shift_table(ms: MonthSchedule, desk: str, lang: str = "en") -> pd.DataFrame:
    """The week's shift plan for one desk: one row per shift (start-end, length) and a column per day
    (agents starting it; blank when none), a total row last."""
    s = ms.plan.shifts[(ms.plan.shifts["desk"] == desk) & ms.plan.shifts["date"].isin(ms.week)]
    hrs = "h" if lang == "en" else "小时"
    lab = [f"{a:%H:%M}–{b:%H:%M} ({ln:g} {hrs})" for a, b, ln in zip(s["start"], s["end"], s["length_h"])]
    f = s.assign(shift=lab, day=[day_label(d, lang) for d in s["date"]], tod=s["start"].dt.strftime("%H:%M"))
    p = f.pivot_table(index=["length_h", "tod", "shift"], columns="day", values="agents", aggfunc="sum")
    cols = [day_label(d, lang) for d in ms.week]
    p = p.reindex(columns=cols).sort_index(level=[0, 1], ascending=[False, True])
    p.index = p.index.get_level_values("shift")
    p.loc[t("report.total", lang)] = p.sum()
    p = p.reset_index().rename(columns={"index": "shift"})
    for c in cols:
        p[c] = [("" if pd.isna(v) or v == 0 else f"{int(v)}") for v in p[c]]
    return p


def what_if(ms: MonthSchedule, params, names: dict, lang: str = "en") -> pd.DataFrame:
    """Per desk, the week shown: paid hours and service with the plan and after the cut."""
    a = ms.week_summary.set_index("desk")
    b = ms.cut_summary.set_index("desk")
    rows = []
    for d in [x for x in a.index if x != "all"] + ["all"]:
        rows.append({"desk": names.get(d, d) if d != "all" else t("report.total", lang), "paid_h": a.at[d, "paid_h"],
                     "paid_cut": b.at[d, "paid_h"], "sl_plan": a.at[d, "service_level"],
                     "sl_cut": b.at[d, "service_level"], "ab_plan": a.at[d, "p_abandon"], "ab_cut": b.at[d, "p_abandon"],
                     "light": _sl_light(b.at[d, "service_level"], params)})
    return pd.DataFrame(rows)


def worst_cut(ms: MonthSchedule, names: dict, lang: str = "en", n: int = 6) -> pd.DataFrame:
    """The ``n`` hours of the week shown where the cut costs most calls answered within the goal:
    ``when``, ``desk``, ``calls``, ``sl_plan``, ``sl_cut``, ``on_plan``, ``on_cut`` (agents on the phones),
    per clock hour (its intervals call-weighted)."""
    a = ms.service[ms.service["interval_start"].dt.normalize().isin(ms.week)]
    b = ms.cut_service.set_index(["desk", "interval_start"])
    j = a.join(b[["service_level", "scheduled"]].rename(columns={"service_level": "sl_cut", "scheduled": "on_cut"}),
               on=["desk", "interval_start"])
    j = j.assign(hour=j["interval_start"].dt.floor("h"), w_plan=j["calls"] * j["service_level"],
                 w_cut=j["calls"] * j["sl_cut"])
    g = j.groupby(["desk", "hour"], as_index=False).agg(calls=("calls", "sum"), w_plan=("w_plan", "sum"),
                                                         w_cut=("w_cut", "sum"), on_plan=("scheduled", "mean"),
                                                         on_cut=("on_cut", "mean"))
    g["lost"] = g["w_plan"] - g["w_cut"]
    g = g[g["calls"] > 0].sort_values("lost", ascending=False).head(n)
    return pd.DataFrame({
        "when": [f"{day_label(h.normalize(), lang)} {h:%H:%M}–{h + pd.Timedelta(hours=1):%H:%M}" for h in g["hour"]],
        "desk": g["desk"].map(lambda d: names.get(d, d)), "calls": g["calls"],
        "sl_plan": g["w_plan"] / g["calls"], "sl_cut": g["w_cut"] / g["calls"], "on_plan": g["on_plan"],
        "on_cut": g["on_cut"]}).reset_index(drop=True)


def conclusions(ms: MonthSchedule, params, names: dict, lang: str = "en") -> list[tuple[str, dict]]:
    """The section's sentences: (label key, fields)."""
    s = ms.summary.set_index("desk").loc["all"]
    st = params.staffing
    staff = ms.staff.sum(numeric_only=True)
    out = [("schedule.c_paid", {"paid": _f(s["paid_h"], "int", lang), "fte": _f(s["fte"], "num1", lang),
                                "fte_plan": _f(s["fte_plan_h"], "int", lang),
                                "share": _f(s["paid_vs_fte_plan"], "pct0", lang)}),
           ("schedule.c_sl", {"sl": _f(s["service_level"], "pct", lang), "target": _f(st.service_level_target, "pct0", lang),
                              "answer_s": f"{st.answer_s:g}", "asa": _f(s["asa_s"], "num1", lang),
                              "abandon": _f(s["p_abandon"], "pct", lang)}),
           ("schedule.c_coverage", {"over": _f(s["over_h"], "int", lang), "over_pct": _f(s["over_pct"], "pct0", lang),
                                    "under": _f(s["under_h"] - s["unreachable_h"], "int", lang),
                                    "reach": _f(s["unreachable_h"], "int", lang)}),
           ("schedule.c_agents", {"agents": _f(staff["agents"], "int", lang), "known": _f(staff["known"], "int", lang),
                                  "hires": _f(staff["hires"], "int", lang),
                                  "unused": _f(s["unused_contract_h"], "int", lang)})]
    a, b = ms.week_summary.set_index("desk").loc["all"], ms.cut_summary.set_index("desk").loc["all"]
    worst = worst_cut(ms, names, lang, n=1)
    out.append(("schedule.c_cut", {"cut": _f(1 - ms.cut_share, "pct0", lang), "sl_plan": _f(a["service_level"], "pct", lang),
                                   "sl_cut": _f(b["service_level"], "pct", lang),
                                   "ab_cut": _f(b["p_abandon"], "pct", lang),
                                   "when": worst["when"].iat[0] if len(worst) else "–",
                                   "desk": worst["desk"].iat[0] if len(worst) else "–"}))
    return out

