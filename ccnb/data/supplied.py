"""What a center supplied: per contract table and column, where it came from or that it is lacking.

``ccnb validate`` prints it; the notebooks and the index page use :meth:`ccnb.data.Tables.has`
for the same facts. One row per contract column:

==========  =====================================================================================
column      meaning
==========  =====================================================================================
table       contract table (``interactions``, ``agents``, ...)
column      contract column
status      ``found`` (a source column of that name), ``mapped`` (a renamed source column),
            ``derived`` (an SQL expression in the mapping, or a roster derived from the contacts),
            ``lacking`` (not in the source: served empty), ``not supplied`` (the table is absent)
source      the source column or expression (mapped, derived), else empty
==========  =====================================================================================
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from ccnb.catalog.contract import TABLES
from ccnb.data.quarantine import DERIVED_FILE
from ccnb.data.sources import map_source, resolve_sources
from ccnb.engine.connection import connect
from ccnb.params.sources import DataSources

COLUMNS = ["table", "column", "status", "source"]


def columns_supplied(tables, sources: DataSources | None = None) -> pd.DataFrame:
    """The table above for validated ``tables`` (:class:`ccnb.data.Tables`) read with ``sources``
    (``params.data``). Mapped tables are re-bound (not scanned) to tell mapped from derived columns."""
    settings = sources if sources is not None else DataSources()
    mapped = resolve_sources(settings) if (settings.profile or settings.sources) else {}
    how: dict[str, dict[str, tuple[str, str]]] = {}
    if mapped:
        con = connect()
        with tempfile.TemporaryDirectory(prefix="ccnb-supplied-") as work:
            for t, src in mapped.items():
                m = map_source(con, Path(tables.source), t, src, timezone=tables.timezone, workdir=work, view=f"v_{t}")
                how[t] = {c: (mc.status, mc.expression or "") for c, mc in m.columns.items()}
        con.close()
    lacking = tables.lacking
    rows = []
    for t, spec in TABLES.items():
        for c in spec.names:
            if t not in tables.files:
                rows.append((t, c, "not supplied", ""))
            elif tables.files[t] == [DERIVED_FILE]:
                rows.append((t, c, "lacking" if c in lacking.get(t, set()) else "derived", DERIVED_FILE.strip("()")))
            elif t in how and c in how[t]:
                status, expr = how[t][c]
                rows.append((t, c, status, expr if status in ("mapped", "derived") else ""))
            else:
                rows.append((t, c, "lacking" if c in lacking.get(t, set()) else "found", ""))
    return pd.DataFrame(rows, columns=COLUMNS)
