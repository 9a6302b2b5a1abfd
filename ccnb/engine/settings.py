"""Which engine runs ccnb's SQL and how it is set up: resolved once, from the validated params.

:class:`Settings` come from, in this order: explicit arguments, the environment
(``$CCNB_ENGINE``, ``$CCNB_SPARK_MASTER``, ``$CCNB_DUCKDB_MEMORY_LIMIT``, ``$CCNB_DUCKDB_THREADS``:
what ``ccnb report`` sets for its notebook kernels), then the params' ``engine`` section.
:func:`current` is what this process uses when nobody passes settings: the params given to
:func:`configure` (a notebook's setup does that with the center's params), else the validated
defaults of ``params/default.yaml``. This is the one place engine parameters are read.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

from ccnb.params import Params, load_params

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
        """Explicit arguments, then the environment, then ``params.engine`` (None: the configured or default params)."""
        e = (params if params is not None else _base_params()).engine
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



_configured: Params | None = None


@functools.lru_cache(maxsize=1)
def _default_params() -> Params:
    return load_params()


def configure(params: Params | None) -> None:
    """Use ``params.engine`` for this process from now on (None: back to the defaults)."""
    global _configured
    _configured = params


def _base_params() -> Params:
    return _configured if _configured is not None else _default_params()


def current() -> Settings:
    """The engine settings in force: the environment over the configured (else default) params."""
    return Settings.resolve()
