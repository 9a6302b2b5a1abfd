"""``ccnb validate``'s account of a center's data: what was found, mapped, derived or lacks, and
what was set aside or repaired on the way in."""
from __future__ import annotations

from ccnb.catalog.needs import NOTEBOOKS
from ccnb.data import available
from ccnb.data.supplied import columns_supplied
from ccnb.params import Params


def describe(tables, prm: Params) -> list[str]:
    """Lines for people: one per contract table (its source, rows, columns by status), the
    quarantined rows and clock-skew repairs by rule, then what each report can show
    (:mod:`ccnb.catalog.needs`): its sections without data, with the reason."""
    cols = columns_supplied(tables, prm.data)
    counts = tables.counts()
    lines = []
    if prm.data.profile:
        lines.append(f"mapping: profile {prm.data.profile}"
                     + (f" + the center's own sources ({', '.join(sorted(prm.data.sources))})" if prm.data.sources else ""))
    elif prm.data.sources:
        lines.append(f"mapping: the center's own sources ({', '.join(sorted(prm.data.sources))})")
    width = max(len(t) for t in counts)
    for t, n in counts.items():
        mine = cols[cols.table == t]
        if (mine.status == "not supplied").all():
            lines.append(f"  {t:<{width}}  not supplied")
            continue
        files = tables.files.get(t, [])
        src = files[0] if len(files) == 1 else f"{len(files)} files"
        lines.append(f"  {t:<{width}}  {n:>12,} {'row ' if n == 1 else 'rows'}  from {src}")
        by = {s: list(g.column) for s, g in mine.groupby("status", sort=False)}
        shown = ("found", "mapped", "derived", "lacking") if by.get("mapped") or by.get("derived") else ("lacking",)
        for status in shown:  # a file shaped like the contract: only what it lacks
            if by.get(status):
                lines.append(f"  {'':<{width}}    {status:<8} {', '.join(by[status])}")
    q = tables.quarantine_counts()
    if len(q):
        lines.append(f"quarantined (data.bad_rows: quarantine): {int(q.rows.sum()):,} rule breaks")
        lines += [f"  {r.table}: {r.rule}: {r.rows:,} row{'' if r.rows == 1 else 's'}" for r in q.itertuples()]
    r = tables.repairs()
    if len(r):
        lines.append(f"clock skew repaired (up to {prm.data.clock_skew_s:g} s):")
        lines += [f"  {x.table}: {x.rule.replace('_', ' ')}: {x.rows:,} row{'' if x.rows == 1 else 's'}" for x in r.itertuples()]
    lines.append("reports (sections not available, and why):")
    for stem, keys in NOTEBOOKS.items():
        nb = available.notebook(tables, stem)
        if not nb.ok:
            lines.append(f"  {stem}: not available: {nb.reason('en')}")
            continue
        off = [(k, a) for k, a in available.available(tables, keys).items() if not a.ok]
        lines.append(f"  {stem}: " + ("complete" if not off else f"{len(keys) - len(off)} of {len(keys)} sections"))
        lines += [f"    {k}: {a.reason('en')}" for k, a in off]
    kpis = {k: a for k, a in available.available(tables).items() if k.startswith("kpi.") and k.count(".") == 1}
    gone = [k[4:] for k, a in kpis.items() if not a.ok and k not in ("kpi.center", "kpi.teams", "kpi.agents")]
    if gone:
        lines.append(f"  KPIs not available: {', '.join(gone)}")
    return lines
