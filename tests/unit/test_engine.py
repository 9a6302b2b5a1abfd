"""The engine layer without Spark: choosing the engine, DuckDB settings, transpilation, the CLI options."""
from __future__ import annotations

import os

import pandas as pd
import pytest

import ccnb.data
import ccnb.kpi
from ccnb import engine
from ccnb.catalog.kpis import LEVELS, REGISTRY
from ccnb.engine.transpile import TranspileError, to_spark
from ccnb.kpi.compute import aggregate_sql
from ccnb.kpi.facts import FACTS, FactParams
from ccnb.params import ParamsError, load_params
from ccnb.pipeline.cli import build_parser, main


@pytest.fixture
def clean_env(monkeypatch):
    for k in (engine.ENV_ENGINE, engine.ENV_MASTER, engine.ENV_MEMORY, engine.ENV_THREADS):
        monkeypatch.delenv(k, raising=False)
    return monkeypatch


def test_settings_precedence_argument_env_params(clean_env):
    p = load_params(overrides={"engine": {"name": "spark", "spark": {"master": "spark://params:7077"},
                                          "duckdb": {"memory_limit": "3GB", "threads": 2}}})
    s = engine.Settings.resolve(p)
    assert (s.name, s.master, s.duckdb_memory_limit, s.duckdb_threads) == ("spark", "spark://params:7077", "3GB", 2)
    clean_env.setenv(engine.ENV_ENGINE, "duckdb")
    clean_env.setenv(engine.ENV_MASTER, "local[3]")
    clean_env.setenv(engine.ENV_MEMORY, "1GB")
    s = engine.Settings.resolve(p)
    assert (s.name, s.master, s.duckdb_memory_limit) == ("duckdb", "local[3]", "1GB")
    s = engine.Settings.resolve(p, "spark", "local[1]")
    assert (s.name, s.master) == ("spark", "local[1]")


def test_default_is_duckdb(clean_env):
    s = engine.Settings.resolve(load_params())
    assert s.name == "duckdb" and s.duckdb_memory_limit == "1GB"   # params/default.yaml
    assert isinstance(engine.get(s), engine.DuckDBEngine)


def test_unknown_engine_and_bad_params(clean_env):
    with pytest.raises(engine.EngineError, match="unknown engine 'presto'"):
        engine.Settings.resolve(None, "presto")
    with pytest.raises(ParamsError, match="engine.name"):
        load_params(overrides={"engine": {"name": "presto"}})
    with pytest.raises(ParamsError, match="engine.duckdb.memory_limit"):
        load_params(overrides={"engine": {"duckdb": {"memory_limit": "lots"}}})


def test_export_env_for_kernels(clean_env):
    out = engine.export_env(engine="spark", master="local[2]")
    # DuckDB's limit comes from the validated defaults (params/default.yaml: 1GB) when no params are given
    assert out == {engine.ENV_ENGINE: "spark", engine.ENV_MASTER: "local[2]", engine.ENV_MEMORY: "1GB"}
    assert os.environ[engine.ENV_ENGINE] == "spark" and os.environ[engine.ENV_MASTER] == "local[2]"


def test_duckdb_memory_limit_and_threads_are_applied(clean_env, project_root):
    tables = ccnb.data.load(project_root / "tests" / "data" / "tiny", month="2026-10")
    p = load_params(overrides={"engine": {"duckdb": {"memory_limit": "1GB", "threads": 1}}})
    n = engine.run(tables, "SELECT count(*) AS n FROM interactions", p)["n"].iloc[0]
    assert n == 15  # S1-S3 and I01-I12; N1 (2 November) is after the month's end
    mem, threads = tables.con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
    assert threads == 1
    assert mem.replace(" ", "") in ("1.0GiB", "953.6MiB", "1GB", "1.0GB")


def test_use_attaches_an_engine_to_tables(clean_env, project_root):
    tables = ccnb.data.load(project_root / "tests" / "data" / "tiny", month="2026-10")

    class Recording(engine.Engine):
        name = "recording"

        def __init__(self):
            self.queries = []

        def sql(self, tables, query):
            self.queries.append(query)
            return engine.DuckDBEngine().sql(tables, query)

    rec = Recording()
    engine.use(tables, rec)
    assert engine.engine_of(tables) is rec
    ccnb.kpi.compute(tables, "2026-10", level="team", keys=["aht_s"])
    assert len(rec.queries) == 1 and "GROUP BY team" in rec.queries[0]  # only the contacts fact holds aht_s
    assert engine.engine_of(tables.for_month("2026-09")) is not rec     # another view of the data: default again


# --------------------------------------------------------------------------- transpilation
DUCKDB_ONLY = ("DATE_BIN", "TIME_BUCKET", "GENERATE_SERIES", "UNNEST", "REPLACE (", "EXCLUDE (", "::")


@pytest.mark.parametrize("level", LEVELS)
def test_every_fact_aggregate_transpiles_to_spark(level):
    p = FactParams(pd.Timestamp("2026-10-01"), pd.Timestamp("2026-11-01"), sales_queues=("sales", "x'y"))
    for by_month in (False, True):
        for fact in FACTS:
            kpis = [k for k in REGISTRY.values() if k.fact == fact and level in k.levels]
            sql = to_spark(aggregate_sql(fact, p, level, kpis, by_month))
            assert not any(tok in sql.upper() for tok in DUCKDB_ONLY), sql
            assert "TIMESTAMP_NTZ" in sql or fact in ("agent_days", "qa") and "CAST(" in sql


def test_time_bucket_becomes_exact_spark_arithmetic():
    sql = to_spark("SELECT time_bucket(INTERVAL 30 MINUTE, arrival_ts, TIMESTAMP '2000-01-03') AS ts FROM interactions")
    assert "FLOOR(TIMESTAMPDIFF(SECOND, CAST('2000-01-03' AS TIMESTAMP_NTZ), arrival_ts) / 1800) * 1800" in sql
    sql = to_spark("SELECT time_bucket(INTERVAL '15 minutes', arrival_ts, TIMESTAMP '2000-01-03') FROM interactions")
    assert "/ 900) * 900" in sql
    with pytest.raises(TranspileError, match="origin"):
        to_spark("SELECT time_bucket(INTERVAL 30 MINUTE, arrival_ts) FROM interactions")


def test_as_of_views_transpile(project_root):
    from ccnb.catalog.as_of import as_of_sql
    from ccnb.catalog.contract import TABLES

    for name, spec in TABLES.items():
        sql = to_spark(as_of_sql(name, spec.names, "TIMESTAMP '2026-11-01 00:00:00'", source="ccnb_store_{name}"))
        assert f"FROM ccnb_store_{name}" in sql and "REPLACE" not in sql.upper()


def test_transpile_rejects_garbage():
    with pytest.raises(TranspileError):
        to_spark("SELECT FROM WHERE (")
    with pytest.raises(TranspileError, match="one SQL statement"):
        to_spark("SELECT 1; SELECT 2")


# --------------------------------------------------------------------------- the command line
def test_report_options_parse():
    a = build_parser().parse_args(["report", "--month", "2026-10", "--engine", "spark", "--spark-master", "local[2]"])
    assert (a.engine, a.spark_master) == ("spark", "local[2]")
    a = build_parser().parse_args(["report", "--month", "2026-10"])
    assert (a.engine, a.spark_master) == (None, None)


def test_report_bad_engine_is_a_usage_error(capsys, clean_env):
    assert main(["report", "--month", "2026-10", "--engine", "presto"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'presto'" in err and len(err.strip().splitlines()) == 1


def test_spark_without_java_is_a_one_line_usage_error(capsys, clean_env, tmp_path):
    clean_env.setenv("PATH", str(tmp_path))      # no java on PATH
    clean_env.delenv("JAVA_HOME", raising=False)
    assert main(["report", "--month", "2026-10", "--engine", "spark", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("ccnb: error: report: --engine spark: the Spark engine needs") and ("Java" in err or
                                                                                            "pyspark" in err)
    assert not (tmp_path / "r").exists()


def test_java_home_detection(clean_env, tmp_path):
    from ccnb.engine import spark

    fake = tmp_path / "jdk" / "bin"
    fake.mkdir(parents=True)
    (fake / "java").write_text("#!/bin/sh\necho 'openjdk version \"21.0.2\" 2024-01-16' >&2\n")
    (fake / "java").chmod(0o755)
    clean_env.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert spark.java_home() == str(tmp_path / "jdk") and spark.java_version() == 21
    clean_env.delenv("JAVA_HOME")
    clean_env.setenv("PATH", str(fake))
    assert spark.java_home() == str(tmp_path / "jdk")
    (fake / "java").write_text("#!/bin/sh\necho 'java version \"1.8.0_392\"' >&2\n")
    assert spark.java_version() == 8


def test_connections_are_capped_by_default(clean_env, tmp_path, monkeypatch):
    """Every ccnb DuckDB connection gets params/default.yaml's memory cap (the environment overrides it)
    and spills to the data cache, not to the working directory."""
    from ccnb.core import config

    monkeypatch.setattr(config, "CACHE_DIR", tmp_path)
    con = ccnb.engine.connection.connect()
    mem, spill = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchone()
    assert mem.replace(" ", "") in ("953.6MiB", "1.0GB", "1GB") and spill == str(tmp_path / "spill")
    clean_env.setenv(engine.ENV_MEMORY, "512MB")
    clean_env.setenv(engine.ENV_THREADS, "1")
    con = ccnb.engine.connection.connect()
    mem, threads = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
    assert mem.replace(" ", "") in ("488.2MiB", "512MB") and threads == 1
