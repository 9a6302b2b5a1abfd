"""The engine interface, and DuckDB's: a query in DuckDB's SQL over a ``Tables``' views -> a DataFrame."""
from __future__ import annotations

import pandas as pd

from ccnb.engine.settings import Settings, configure_duckdb


class Engine:
    """Runs a DuckDB-dialect query over a :class:`~ccnb.data.Tables`' views; returns a DataFrame."""

    name = "engine"

    def sql(self, tables, query: str) -> pd.DataFrame:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<ccnb engine {self.name}>"


class DuckDBEngine(Engine):
    """The embedded default: the query runs as written on the tables' own DuckDB connection."""

    name = "duckdb"

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()

    def sql(self, tables, query: str) -> pd.DataFrame:
        configure_duckdb(tables.con, self.settings.duckdb_memory_limit, self.settings.duckdb_threads)
        return tables.sql(query)
