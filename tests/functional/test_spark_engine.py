"""DuckDB and Spark give identical KPI tables and interval series (Spark local mode, one session).

Runs wherever a Java runtime is present (CI included: ``scripts/setup.sh`` installs
Debian's ``default-jre-headless`` and the ``spark`` extra). Identical means: the same
units, the same columns, counts equal, and ratios equal to 1e-9 relative (the engines add
floating-point seconds in different orders, so the last bits of a sum may differ).

Data: the tiny hand-computed center (every level, trend), the random center of
``tests/unit/test_engine_reference.py`` (whose DuckDB tables equal an independent pandas
computation), and the sample's report month (center, team, agent and the forecaster's
interval series).
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import ccnb.data
import ccnb.kpi
from ccnb import engine
from ccnb.core import config
from ccnb.engine import Settings

#: Each test takes under 1.5 min here; a Spark session that stops answering fails its test at
#: 8 min and the module's later tests at once (``_spark_answers``), not one timeout each.
pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(480)]

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny"


def _java_present() -> bool:
    import os

    return bool(os.environ.get("JAVA_HOME") or shutil.which("java"))


if not _java_present():  # pragma: no cover - CI has Java
    pytest.skip("no Java runtime (install default-jre-headless: `make setup`)", allow_module_level=True)


@pytest.fixture(scope="module")
def spark_engine():
    """One local[2] Spark engine for the module (a JVM is costly); stopped at the end."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.fail("Java is present but pyspark is not installed: `make setup` installs the spark extra")
    from ccnb.engine import spark

    eng = engine.get(Settings(name="spark", master="local[2]", shuffle_partitions=2, driver_memory="2g"))
    yield eng
    spark.stop()
    # the JVM goes too (SparkSession.stop alone leaves ~1.7 GB running for the rest of the tests)
    import psutil

    java = [c for c in psutil.Process().children(recursive=True) if "java" in c.name()]
    assert not java, f"Spark's JVM still running after stop(): {java}"


_hung: list[str] = []


@pytest.fixture(autouse=True)
def _spark_answers(request):
    if _hung:
        pytest.fail(f"not run: the Spark session stopped answering during {_hung[0]}")
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed and "Timeout" in str(rep.longrepr):
        _hung.append(request.node.name)


def _pair(path, month="2026-10", frames=None):
    """The same data loaded twice: one Tables on DuckDB, one on Spark."""
    if frames is not None:
        return (ccnb.data.Tables.from_frames(frames, month=month),) * 2
    return ccnb.data.load(path, month=month), ccnb.data.load(path, month=month)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.index) == list(b.index)
    assert list(a.columns) == list(b.columns)
    assert_frame_equal(a, b, check_dtype=False, rtol=1e-9, atol=1e-12)


def test_tiny_every_level_and_trend(spark_engine):
    duck, sp = _pair(TINY)
    engine.use(sp, spark_engine)
    for level in ccnb.kpi.LEVELS:
        d = ccnb.kpi.compute(duck, "2026-10", level=level)
        s = ccnb.kpi.compute(sp, "2026-10", level=level)
        assert not d.empty
        _same(d, s)
    _same(ccnb.kpi.trend(duck, "2026-10", months=3), ccnb.kpi.trend(sp, "2026-10", months=3))
    # the hand-computed values (tests/unit/test_kpi_values.py), now from Spark
    c = ccnb.kpi.compute(sp, "2026-10").loc["center"]
    assert c["fcr"] == pytest.approx(7 / 8) and c["customer_retention"] == pytest.approx(5 / 7)
    assert c["attrition"] == pytest.approx(12 / 3.5) and c["aht_s"] == pytest.approx(3030 / 9)


def test_as_of_month_is_applied_identically(spark_engine):
    """September as of its own end: October's contacts, leavers and resolutions unknown on both engines."""
    duck, sp = _pair(TINY, month="2026-09")
    engine.use(sp, spark_engine)
    q = ("SELECT (SELECT count(*) FROM interactions) AS contacts, (SELECT count(*) FROM agents) AS agents, "
         "(SELECT count(leave_date) FROM agents) AS leavers, (SELECT count(resolved_ts) FROM complaints) AS resolved, "
         "(SELECT count(*) FROM surveys) AS surveys, (SELECT count(*) FROM calendar) AS calendar_rows")
    d, s = duck.sql(q), engine.run(sp, q)
    assert d.to_dict("records") == s.to_dict("records")
    assert d["contacts"].iloc[0] == 3 and d["leavers"].iloc[0] == 0
    _same(ccnb.kpi.compute(duck, "2026-09", level="agent"), ccnb.kpi.compute(sp, "2026-09", level="agent"))


def test_random_center_every_level(spark_engine):
    spec = importlib.util.spec_from_file_location("engine_reference", ROOT / "tests/unit/test_engine_reference.py")
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    f = ref.frames()
    duck = ccnb.data.Tables.from_frames(f, month="2026-10")
    sp = ccnb.data.Tables.from_frames(f, month="2026-10")
    engine.use(sp, spark_engine)
    for level in ("center", "queue", "team", "agent"):
        s = ccnb.kpi.compute(sp, "2026-10", level=level)
        _same(ccnb.kpi.compute(duck, "2026-10", level=level), s)
        ref.assert_matches_reference(s, ref.reference(f, level), level)


@pytest.fixture(scope="module")
def sample_pair():
    if not (config.SAMPLE_DIR / "interactions").is_dir():
        pytest.skip("data/sample is not complete; run `make setup`")
    return _pair(config.SAMPLE_DIR)


@pytest.mark.parametrize("level", ["center", "team", "agent"])
def test_sample_kpi_tables(spark_engine, sample_pair, level):
    duck, sp = sample_pair
    engine.use(sp, spark_engine)
    d = ccnb.kpi.compute(duck, "2026-10", level=level)
    assert len(d) >= {"center": 1, "team": 5, "agent": 60}[level]
    _same(d, ccnb.kpi.compute(sp, "2026-10", level=level))


def test_sample_interval_series(spark_engine, sample_pair):
    from ccnb.forecast.series import interval_series

    duck, sp = sample_pair
    engine.use(sp, spark_engine)
    start = "2026-09-01"
    d = interval_series(duck, start=start, fill=False)
    s = interval_series(sp, start=start, fill=False)
    assert d["offered"].sum() > 50_000
    _same(d.reset_index(drop=True), s.reset_index(drop=True))
