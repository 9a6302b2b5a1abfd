"""The Spark backend: the same DuckDB-dialect queries, transpiled, over the same validated tables.

How the tables reach Spark, and why this way: ``ccnb.data.load`` has already validated
the center's files into typed tables (CSV encodings, boolean words, UTC offsets turned
into local time, the contract's checks). Those validated tables are **exported once per
data fingerprint to Parquet** (``COPY ... TO`` from DuckDB, streaming, out of core) in a
staging folder (params ``engine.spark.staging_dir``; default: next to the DuckDB cache),
and Spark reads them with their exact types (naive ``TIMESTAMP`` -> ``TIMESTAMP_NTZ``,
``DATE``, ``DOUBLE``, ``BIGINT``, ``BOOLEAN``, ``STRING``). Re-implementing the
contract's conversions in Spark would be a second definition of the data's types, free to
drift from the first; the export costs seconds per 10M contacts, once. On a cluster,
point ``staging_dir`` at storage every executor sees (a shared mount).

On top of the Parquet tables, temp views named like DuckDB's (``interactions``,
``agents``, ...) apply the same as-of cut: :func:`ccnb.catalog.as_of.as_of_sql` is the one
definition, transpiled like every other query. Sessions run with
``spark.sql.timestampType=TIMESTAMP_NTZ`` and a UTC session zone, so local wall-clock
timestamps are never shifted.

The session: one per process (``SparkSession.builder.getOrCreate``), master URL from
params/CLI (``local[2]`` in tests, ``spark://host:7077``, ``yarn``, ``k8s://...`` in
production). Spark 4 needs Java 17 or 21: ``JAVA_HOME`` is used when set, else the
``java`` on ``PATH`` (``scripts/setup.sh`` installs Debian's ``default-jre-headless``).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import uuid
import warnings
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ccnb.catalog.as_of import as_of_sql
from ccnb.catalog.contract import TABLES
from ccnb.core import config
from ccnb.engine.connection import LOCK
from ccnb.engine.engines import Engine
from ccnb.engine.settings import EngineError, Settings
from ccnb.engine.transpile import to_spark

_lock = threading.RLock()


# --------------------------------------------------------------------------- Java
def java_home() -> str:
    """``JAVA_HOME`` if set and valid, else the home of the ``java`` on ``PATH``; raises EngineError."""
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return home
    exe = shutil.which("java")
    if exe is None:
        raise EngineError("the Spark engine needs a Java runtime (17 or 21) and none was found: install Debian's "
                          "default-jre-headless (`make setup` does) or set JAVA_HOME")
    return str(Path(exe).resolve().parent.parent)


def java_version(home: str | None = None) -> int:
    """Major version of the Java runtime (17, 21, ...)."""
    home = home or java_home()
    try:
        out = subprocess.run([str(Path(home, "bin", "java")), "-version"], capture_output=True, text=True,
                             timeout=60).stderr
    except (OSError, subprocess.SubprocessError) as e:
        raise EngineError(f"cannot run java in {home}: {e}") from None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        raise EngineError(f"cannot tell the Java version of {home}: {out.strip()[:200]}")
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def check() -> str:
    """Raise EngineError unless pyspark is installed and a Java 17+ runtime found; the Java home."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        raise EngineError("the Spark engine needs pyspark: pip install -e '.[spark]' (`make setup` does)")
    home = java_home()
    v = java_version(home)
    if v < 17:
        raise EngineError(f"Spark 4 needs Java 17 or later; {home} is Java {v}")
    return home


_sessions: dict[str, object] = {}


def session(settings: Settings):
    """The process's SparkSession for ``settings`` (created once; Java checked first)."""
    with _lock:
        s = _sessions.get("spark")
        if s is not None:
            return s
        home = check()
        os.environ.setdefault("JAVA_HOME", home)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                                    category=FutureWarning)
            import pyspark.testing.utils  # noqa: F401 - imported (and its warning silenced) now, not mid-query
            from pyspark.sql import SparkSession
        conf = {
            "spark.sql.timestampType": "TIMESTAMP_NTZ",
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
            "spark.driver.memory": settings.driver_memory,
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
        }
        if settings.master.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            conf.update({"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"})
        conf.update({str(k): str(v) for k, v in settings.conf.items()})
        b = SparkSession.builder.master(settings.master).appName(settings.app_name)
        for k, v in conf.items():
            b = b.config(k, v)
        try:
            s = b.getOrCreate()
        except Exception as e:  # noqa: BLE001 - py4j/JVM errors carry long traces
            raise EngineError(f"Spark could not start (master {settings.master!r}): "
                              f"{str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}") from None
        s.sparkContext.setLogLevel("ERROR")
        _sessions["spark"] = s
        return s


def stop() -> None:
    """Stop the process's SparkSession and its JVM (tests, end of a benchmark).

    ``SparkSession.stop()`` stops the Spark context but leaves the local JVM (py4j's gateway,
    ~1.7 GB with a 2g driver) running until Python exits; it is shut down here too, and a
    later session starts a new one."""
    with _lock:
        s = _sessions.pop("spark", None)
        if s is not None:
            s.stop()
        try:
            from pyspark import SparkContext
        except ImportError:
            return
        gw = SparkContext._gateway
        if gw is None:
            return
        proc = getattr(gw, "proc", None)
        try:
            gw.shutdown()
        except Exception:  # noqa: BLE001 - already gone
            pass
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except Exception:  # noqa: BLE001 - a JVM that does not stop is killed
                proc.kill()
        SparkContext._gateway = None
        SparkContext._jvm = None


# --------------------------------------------------------------------------- staging
def _staging_root(settings: Settings) -> Path:
    return Path(settings.staging_dir) if settings.staging_dir else Path(config.CACHE_DIR) / "spark"


def stage(tables, settings: Settings) -> Path:
    """Export the validated tables of ``tables`` to Parquet once; the folder (``<table>.parquet`` each).

    Keyed by the data fingerprint (tables built from DataFrames get a folder of their own).
    """
    fp = tables.fingerprint
    if fp == "frames":
        if tables.stage_key is None:
            tables.stage_key = f"frames-{uuid.uuid4().hex[:12]}"
        key = tables.stage_key
    else:
        key = fp
    root = _staging_root(settings)
    final = root / key
    if (final / "_SUCCESS").exists():
        return final
    with _lock:
        if (final / "_SUCCESS").exists():
            return final
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".{key}.tmp-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        tmp.mkdir()
        try:
            for name in TABLES:
                if name not in tables.files:
                    continue
                cols = ", ".join(f'"{c}"' for c in tables.columns_of(name))
                dest = str(tmp / f"{name}.parquet").replace("'", "''")
                with LOCK:
                    tables.con.execute(f"COPY (SELECT {cols} FROM store.{name}) TO '{dest}' "
                                       "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)")
            (tmp / "_SUCCESS").write_text(fp + "\n")
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final


# --------------------------------------------------------------------------- the engine
class SparkEngine(Engine):
    """Transpiles each query to Spark SQL and runs it over temp views of the validated tables."""

    name = "spark"

    def __init__(self, settings: Settings):
        self.settings = settings
        self._views: tuple | None = None

    @property
    def spark(self):
        return session(self.settings)

    def register(self, tables) -> None:
        """Temp views ``interactions``, ``agents``, ... of ``tables`` (as of its month), unless already there."""
        folder = stage(tables, self.settings)
        end = f"TIMESTAMP '{tables.end}'" if tables.end is not None else None
        key = (str(folder), end)
        if self._views == key:
            return
        spark = self.spark
        for name, spec in TABLES.items():
            if name not in tables.files:  # an optional table not given: empty, typed
                sel = ", ".join(f"CAST(NULL AS {c.duckdb_type}) AS {c.name}" for c in spec.columns)
                spark.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS " + to_spark(f"SELECT {sel} WHERE false"))
                continue
            path = str(folder / f"{name}.parquet")
            spark.read.parquet(path).createOrReplaceTempView(f"ccnb_store_{name}")
            cols = tables.columns_of(name)
            q = (as_of_sql(name, cols, end, source="ccnb_store_{name}") if end is not None
                 else "SELECT " + ", ".join(f'"{c}"' for c in cols) + f" FROM ccnb_store_{name}")
            spark.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {to_spark(q)}")
        self._views = key

    def sql(self, tables, query: str) -> pd.DataFrame:
        with _lock:
            self.register(tables)
            with warnings.catch_warnings():
                # pyspark 4.x warns that it does not "fully" support pandas 3; its Arrow
                # conversion of flat aggregate rows (numbers, strings, timestamps) is exact.
                warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                                        category=FutureWarning)
                warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module=r"pyspark\.")
                df = self.spark.sql(to_spark(query)).toPandas()
        return _normalise(df)


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Spark's DECIMAL sums come back as ``Decimal`` objects: make them floats, as DuckDB's ``.df()`` does."""
    for c in df.columns:
        if df[c].dtype == object:
            first = df[c].dropna()
            if len(first) and isinstance(first.iloc[0], Decimal):
                df[c] = df[c].astype(float)
    return df


__all__ = ["SparkEngine", "check", "java_home", "java_version", "session", "stage", "stop"]
