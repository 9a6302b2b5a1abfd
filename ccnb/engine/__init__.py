"""Where the heavy SQL runs: DuckDB (embedded, the default) or Spark (when one machine is not enough).

>>> ccnb.engine.run(tables, "SELECT queue, count(*) AS n FROM interactions GROUP BY queue")
>>> ccnb.engine.use(tables, "spark", master="local[2]")   # this Tables' queries now run on Spark
>>> ccnb.kpi.compute(tables, "2026-10", level="team")     # the same KPI table, computed by Spark

The KPI aggregates (:mod:`ccnb.kpi.engine`) and the forecaster's interval series
(:mod:`ccnb.forecast.series`) call :func:`run`; only their aggregated rows come back as a
pandas DataFrame. Queries are written **once, in DuckDB's SQL dialect**, over the contract
views (``interactions``, ``agents``, ... as of the month end):

* on DuckDB they run as written (``tables.sql``), out of core, reading the validated
  tables DuckDB cached from the center's Parquet/CSV files;
* on Spark (:mod:`ccnb.engine.spark`) they are transpiled with sqlglot
  (:mod:`ccnb.engine.transpile`) and run over temp views of the same names, built from the
  same validated tables (exported once to Parquet) with the same as-of cut
  (:func:`ccnb.data.as_of_sql`).

Why sqlglot and one dialect rather than Ibis or a second hand-written Spark version: the
KPI registry is already SQL aggregates (a definition is a numerator and a denominator
expression) and the facts are SQL views; transpiling keeps them the single source, costs
one pure-Python dependency, and the generated Spark SQL can be read and checked. Ibis 12
is broken with DuckDB 2 / sqlglot >= 30.18, and hand-writing each fact for Spark would be
a second definition that drifts. Tests hold the two engines to identical KPI tables.

Choosing the engine: an explicit :func:`use`, else ``$CCNB_ENGINE`` / ``$CCNB_SPARK_MASTER``
(what ``ccnb report --engine spark --spark-master URL`` sets for its notebook kernels), else
params ``engine.name`` / ``engine.spark.master``. DuckDB's memory and threads come from
``engine.duckdb`` (``$CCNB_DUCKDB_MEMORY_LIMIT``, ``$CCNB_DUCKDB_THREADS``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ENGINES = ("duckdb", "spark")
ENV_ENGINE = "CCNB_ENGINE"
ENV_MASTER = "CCNB_SPARK_MASTER"
ENV_MEMORY = "CCNB_DUCKDB_MEMORY_LIMIT"
ENV_THREADS = "CCNB_DUCKDB_THREADS"


class EngineError(RuntimeError):
    """The chosen engine cannot run (no Java for Spark, pyspark missing, a bad master URL)."""


@dataclass(frozen=True)
class Settings:
    """The engine to use and how to start it (see params ``engine``)."""

    name: str = "duckdb"
    master: str = "local[*]"
    app_name: str = "ccnb"
    driver_memory: str = "2g"
    shuffle_partitions: int = 8
    staging_dir: str | None = None
    conf: dict[str, str] = field(default_factory=dict)
    duckdb_memory_limit: str | None = None
    duckdb_threads: int | None = None

    @classmethod
    def resolve(cls, params=None, name: str | None = None, master: str | None = None) -> "Settings":
        """Explicit arguments, then the environment, then ``params.engine``, then the defaults."""
        e = getattr(params, "engine", None)
        sp = getattr(e, "spark", None)
        dd = getattr(e, "duckdb", None)
        name = name or os.environ.get(ENV_ENGINE) or getattr(e, "name", None) or "duckdb"
        if name not in ENGINES:
            raise EngineError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")
        threads = os.environ.get(ENV_THREADS) or getattr(dd, "threads", None)
        return cls(
            name=name,
            master=master or os.environ.get(ENV_MASTER) or getattr(sp, "master", None) or "local[*]",
            app_name=getattr(sp, "app_name", "ccnb"),
            driver_memory=getattr(sp, "driver_memory", "2g"),
            shuffle_partitions=int(getattr(sp, "shuffle_partitions", 8)),
            staging_dir=getattr(sp, "staging_dir", None),
            conf=dict(getattr(sp, "conf", None) or {}),
            duckdb_memory_limit=os.environ.get(ENV_MEMORY) or getattr(dd, "memory_limit", None),
            duckdb_threads=int(threads) if threads not in (None, "") else None,
        )


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


def configure_duckdb(con, memory_limit: str | None = None, threads: int | None = None) -> None:
    """Apply DuckDB's ``memory_limit`` (e.g. ``"2GB"``) and ``threads`` to a connection (None: leave as is)."""
    if memory_limit:
        con.execute(f"SET memory_limit = '{_setting(memory_limit)}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")


def _setting(v: Any) -> str:
    s = str(v).strip()
    if not s.replace(".", "").replace(" ", "").isalnum():
        raise EngineError(f"not a DuckDB memory size: {v!r} (e.g. 2GB, 500MB)")
    return s


_ENGINES: dict[tuple, Engine] = {}


def get(settings: Settings | None = None) -> Engine:
    """The engine for ``settings`` (one per process and settings: a Spark session is costly)."""
    s = settings or Settings.resolve()
    key = (s.name, s.master, s.app_name, s.driver_memory, s.shuffle_partitions, s.staging_dir,
           tuple(sorted(s.conf.items())), s.duckdb_memory_limit, s.duckdb_threads)
    eng = _ENGINES.get(key)
    if eng is None:
        if s.name == "spark":
            from ccnb.engine.spark import SparkEngine

            eng = SparkEngine(s)
        else:
            eng = DuckDBEngine(s)
        _ENGINES[key] = eng
    return eng


def use(tables, engine: str | Engine | None = "duckdb", *, master: str | None = None, params=None) -> Engine:
    """Run this ``tables``' engine queries on ``engine`` (``"duckdb"``, ``"spark"`` or an :class:`Engine`)."""
    eng = engine if isinstance(engine, Engine) else get(Settings.resolve(params, engine, master))
    tables.__dict__["_engine"] = eng
    return eng


def engine_of(tables, params=None) -> Engine:
    """The engine :func:`use` attached to ``tables``, else the one the environment and params choose."""
    eng = tables.__dict__.get("_engine")
    return eng if eng is not None else get(Settings.resolve(params))


def run(tables, query: str, params=None) -> pd.DataFrame:
    """Run ``query`` (DuckDB SQL over the contract views) on the tables' engine; a pandas DataFrame."""
    return engine_of(tables, params).sql(tables, query)


def export_env(params=None, engine: str | None = None, master: str | None = None) -> dict[str, str]:
    """Put the engine choice in the environment (for notebook kernels a report starts); what was set.

    Explicit arguments override the environment; the params only fill what is not set.
    """
    s = Settings.resolve(params, engine, master)
    out = {ENV_ENGINE: s.name}
    if s.name == "spark":
        out[ENV_MASTER] = s.master
    if s.duckdb_memory_limit:
        out[ENV_MEMORY] = str(s.duckdb_memory_limit)
    if s.duckdb_threads:
        out[ENV_THREADS] = str(s.duckdb_threads)
    os.environ.update(out)
    return out


__all__ = ["Engine", "DuckDBEngine", "EngineError", "Settings", "ENGINES", "configure_duckdb", "engine_of",
           "export_env", "get", "run", "use"]
