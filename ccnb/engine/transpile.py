"""One SQL dialect for the definitions (DuckDB's), transpiled to Spark SQL with sqlglot.

``to_spark(sql)`` is ``sqlglot.transpile(sql, read="duckdb", write="spark")`` plus the few
rewrites sqlglot leaves to us, each an exact equivalent:

* ``time_bucket(INTERVAL n MINUTE, ts, origin)`` (sqlglot writes ``DATE_BIN``, which Spark
  does not have) becomes ``timestampadd(SECOND, floor(timestampdiff(SECOND, origin, ts) /
  s) * s, origin)`` with ``s`` the bucket in seconds: the start of the bucket holding ``ts``.

Anything else sqlglot cannot express in Spark raises :class:`TranspileError` with the
offending SQL rather than producing a query that means something else.
"""
from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp


class TranspileError(ValueError):
    """A DuckDB query that has no faithful Spark SQL translation."""


_UNIT_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400, "WEEK": 7 * 86400}


def _interval_seconds(node: exp.Expression) -> int:
    """Seconds of a constant ``INTERVAL n UNIT`` (the bucket of ``time_bucket``)."""
    if isinstance(node, exp.Interval):
        value = node.this.name if isinstance(node.this, exp.Literal) else node.this.sql()
        unit = (node.unit.name if node.unit is not None else "").upper().rstrip("S")
        parts = str(value).strip("'").split()
        if len(parts) == 2 and not unit:  # INTERVAL '30 minutes'
            value, unit = parts[0], parts[1].upper().rstrip("S")
        if unit in _UNIT_SECONDS:
            return int(float(value) * _UNIT_SECONDS[unit])
    raise TranspileError(f"time_bucket needs a constant interval in seconds to days, got {node.sql('duckdb')}")


def _bucket(node: exp.Expression) -> exp.Expression:
    if not isinstance(node, exp.DateBin):
        return node
    # sqlglot keeps time_bucket's third argument (the origin) under "origin" or "unit"
    origin = node.args.get("origin")
    if origin is None and not isinstance(node.args.get("unit"), (exp.Var, type(None))):
        origin = node.args.get("unit")
    if origin is None:
        raise TranspileError(f"time_bucket without an explicit origin is not portable: {node.sql('duckdb')}")
    s = _interval_seconds(node.this)
    ts = node.expression
    o, t = origin.sql("spark"), ts.sql("spark")
    return sqlglot.parse_one(
        f"timestampadd(SECOND, CAST(floor(timestampdiff(SECOND, {o}, {t}) / {s}) * {s} AS BIGINT), {o})",
        read="spark")


@lru_cache(maxsize=512)
def to_spark(sql: str) -> str:
    """``sql`` (DuckDB dialect) as Spark SQL."""
    try:
        trees = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as e:
        raise TranspileError(f"cannot parse the query as DuckDB SQL: {e}") from None
    if len(trees) != 1 or trees[0] is None:
        raise TranspileError("expected exactly one SQL statement")
    tree = trees[0]
    bins = list(tree.find_all(exp.DateBin))
    for b in bins:
        b.replace(_bucket(b))
    try:
        return tree.sql("spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as e:
        raise TranspileError(f"no Spark SQL for part of the query: {e}") from None


__all__ = ["to_spark", "TranspileError"]
