"""The shift plan and the roster as files a WFM or HR system imports (CSV and Excel).

* roster: one row per agent per day: ``agent_id``, ``agent_type``, ``desk``, ``date``
  (YYYY-MM-DD), ``activity`` (``work`` | ``off``), ``start``, ``end`` (``HH:MM``; a shift past
  midnight ends on ``end_date``), ``end_date``, ``paid_hours``, ``breaks`` (``HH:MM-HH:MM name``
  joined by ``"; "``, unpaid ones marked), ``break_minutes``;
* plan: one row per shift started: ``desk``, ``date``, ``shift``, ``start``, ``end``, ``end_date``,
  ``paid_hours``, ``agents``, ``breaks`` (each break time with its agents, e.g. ``09:00 break1 x3``).

CSV files are UTF-8 with a byte-order mark (Excel opens Chinese names correctly); text cells
starting with ``= + - @`` are prefixed with ``'`` so a spreadsheet never runs them as formulas.
Excel through openpyxl (pandas' writer), one sheet per table.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ccnb.staffing.roster import Roster
from ccnb.staffing.schedule import ShiftPlan


def _safe(v):
    return "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v


def _hm(ts) -> str:
    return "" if pd.isna(ts) else f"{ts:%H:%M}"


def roster_table(roster: Roster) -> pd.DataFrame:
    """The roster, one row per agent per day (module doc)."""
    d = roster.days
    b = roster.breaks
    unpaid = b.assign(m=(b["end"] - b["start"]).dt.total_seconds() / 60)
    mins = unpaid.groupby(["agent_id", "date"])["m"].sum()
    txt = {k: "; ".join(f"{r.start:%H:%M}-{r.end:%H:%M} {r.brk}{'' if r.paid else ' (unpaid)'}"
                        for r in g.rename(columns={"break": "brk"}).itertuples())
           for k, g in b.sort_values("start").groupby(["agent_id", "date"])}
    out = pd.DataFrame({
        "agent_id": d["agent_id"], "agent_type": d["agent_type"], "desk": d["desk"],
        "date": d["date"].dt.strftime("%Y-%m-%d"), "activity": d["activity"],
        "start": [_hm(x) for x in d["start"]], "end": [_hm(x) for x in d["end"]],
        "end_date": [("" if pd.isna(x) else f"{x:%Y-%m-%d}") for x in d["end"]],
        "paid_hours": d["paid_h"].round(2),
        "breaks": [txt.get((a, t), "") for a, t in zip(d["agent_id"], d["date"])],
        "break_minutes": [int(mins.get((a, t), 0)) for a, t in zip(d["agent_id"], d["date"])],
    })
    return out.map(_safe)


def plan_table(plan: ShiftPlan) -> pd.DataFrame:
    """The shift plan, one row per shift started (module doc)."""
    s = plan.shifts.sort_values(["desk", "start", "shift"])
    txt = {sid: ", ".join(f"{r.start:%H:%M} {r.brk} x{r.agents}" for r in g.rename(columns={"break": "brk"}).itertuples())
           for sid, g in plan.breaks.sort_values("start").groupby("shift_id")}
    out = pd.DataFrame({
        "desk": s["desk"], "date": s["date"].dt.strftime("%Y-%m-%d"), "shift": s["shift"],
        "start": [_hm(x) for x in s["start"]], "end": [_hm(x) for x in s["end"]],
        "end_date": s["end"].dt.strftime("%Y-%m-%d"), "paid_hours": s["paid_h"].round(2),
        "agents": s["agents"].astype(int), "breaks": [txt.get(i, "") for i in s["shift_id"]],
    })
    return out.reset_index(drop=True).map(_safe)


def write(plan: ShiftPlan, roster: Roster, folder, stem: str = "schedule") -> dict[str, Path]:
    """Write ``<stem>_plan.csv``, ``<stem>_roster.csv`` and ``<stem>.xlsx`` (sheets plan, roster) in
    ``folder``; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    p, r = plan_table(plan), roster_table(roster)
    paths = {"plan_csv": folder / f"{stem}_plan.csv", "roster_csv": folder / f"{stem}_roster.csv",
             "xlsx": folder / f"{stem}.xlsx"}
    p.to_csv(paths["plan_csv"], index=False, encoding="utf-8-sig")
    r.to_csv(paths["roster_csv"], index=False, encoding="utf-8-sig")
    with pd.ExcelWriter(paths["xlsx"], engine="openpyxl") as xw:
        p.to_excel(xw, sheet_name="plan", index=False)
        r.to_excel(xw, sheet_name="roster", index=False)
    return paths
