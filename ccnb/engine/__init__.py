"""Where the heavy SQL runs: DuckDB (embedded, the default) or Spark (when one machine is not enough).

>>> ccnb.engine.run(tables, "SELECT queue, count(*) AS n FROM interactions GROUP BY queue")
>>> ccnb.engine.use(tables, "spark", master="local[2]")   # this Tables' queries now run on Spark
>>> ccnb.kpi.compute(tables, "2026-10", level="team")     # the same KPI table, computed by Spark

The KPI aggregates (:mod:`ccnb.kpi.compute`) and the forecaster's interval series
(:mod:`ccnb.forecast.series`) call :func:`run`; only their aggregated rows come back as a
pandas DataFrame. Queries are written **once, in DuckDB's SQL dialect**, over the contract
views (``interactions``, ``agents``, ... as of the month end):

* on DuckDB they run as written (``tables.sql``), out of core, reading the validated
  tables DuckDB cached from the center's Parquet/CSV files;
* on Spark (:mod:`ccnb.engine.spark`) they are transpiled with sqlglot
  (:mod:`ccnb.engine.transpile`) and run over temp views of the same names, built from the
  same validated tables (exported once to Parquet) with the same as-of cut
  (:func:`ccnb.catalog.as_of.as_of_sql`).

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

import pandas as pd

from ccnb.engine.engines import DuckDBEngine, Engine
from ccnb.engine.settings import (
    ENGINES,
    ENV_ENGINE,
    ENV_MASTER,
    ENV_MEMORY,
    ENV_THREADS,
    EngineError,
    Settings,
    configure,
    configure_duckdb,
    current,
)
from ccnb.engine.spark import SparkEngine

_ENGINES: dict[tuple, Engine] = {}


def get(settings: Settings | None = None) -> Engine:
    """The engine for ``settings`` (one per process and settings: a Spark session is costly)."""
    s = settings or Settings.resolve()
    key = (s.name, s.master, s.app_name, s.driver_memory, s.shuffle_partitions, s.staging_dir,
           tuple(sorted(s.conf.items())), s.duckdb_memory_limit, s.duckdb_threads)
    eng = _ENGINES.get(key)
    if eng is None:
        if s.name == "spark":
            eng = SparkEngine(s)
        else:
            eng = DuckDBEngine(s)
        _ENGINES[key] = eng
    return eng


def use(tables, engine: str | Engine | None = "duckdb", *, master: str | None = None, params=None) -> Engine:
    """Run this ``tables``' engine queries on ``engine`` (``"duckdb"``, ``"spark"`` or an :class:`Engine`)."""
    eng = engine if isinstance(engine, Engine) else get(Settings.resolve(params, engine, master))
    tables.engine = eng
    return eng


def engine_of(tables, params=None) -> Engine:
    """The engine :func:`use` attached to ``tables``, else the one the environment and params choose."""
    eng = getattr(tables, "engine", None)
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


__all__ = ["Engine", "DuckDBEngine", "EngineError", "Settings", "SparkEngine", "ENGINES", "ENV_ENGINE", "ENV_MASTER",
           "ENV_MEMORY", "ENV_THREADS", "configure", "configure_duckdb", "current", "engine_of", "export_env", "get",
           "run", "use"]
