"""The data check of ``ccnb report``: the month's data validated in a child process.

Why a child: validating a 10M-contact month takes DuckDB gigabytes, and a closed connection
does not give them back to the operating system; the report process would carry them while
every notebook's kernel runs beside it. The child builds the validated cache, exits and frees
them; the kernels then read that cache.
"""
from __future__ import annotations

from pathlib import Path

import ccnb.data
from ccnb.core.errors import ReportError
from ccnb.params.sources import DataSources


def _load_data(data_dir: Path, month: str, timezone: str, sources: DataSources | None = None):
    if not data_dir.is_dir():
        raise ccnb.data.DataError(f"data folder not found: {data_dir}")
    return ccnb.data.load(data_dir, month=month, timezone=timezone, sources=sources)


def _validate(data_dir: Path, month: str, timezone: str, sources: DataSources | None = None) -> str | None:
    """Validate the month's data (building the shared DuckDB cache); the cache key."""
    tables = _load_data(data_dir, month, timezone, sources)
    try:
        return getattr(tables, "fingerprint", None)
    finally:
        tables.con.close()


def check_data(data_dir: Path, month: str, timezone: str, sources: DataSources | None = None) -> str | None:
    """Validate the data in a child process (see the module doc); the cache key, or the child's
    ``DataError`` (file, column, rows, expected) re-raised here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if not data_dir.is_dir():  # the common mistake, answered without a process
        _load_data(data_dir, month, timezone)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            return pool.submit(_validate, data_dir, month, timezone, sources).result()
        except BrokenProcessPool:
            raise ReportError(f"checking the data in {data_dir} stopped: the checking process died "
                              "(out of memory? see the system log)") from None
