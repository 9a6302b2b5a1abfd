"""The run record, ``run.json``: what ran, on which data and parameters, how long, how it ended.

Every published pack holds one (``<out>/<pack>/run.json``); a failed run leaves its record
next to the kept notebook (``<out>/_failed/<pack>-<stamp>/run.json``). Fields::

    month, lang, pack, month_spec ("last", a range or the month), today (for "last")
    outcome        "ok" | "failed";  exit_code (see ccnb.core.errors.EXIT_CODES);  error (one line)
    failed_notebook, kept (folder of the kept notebook and kernel log)
    command        argv, pid, host, user, cwd;  out (the output folder)
    params         sources (files merged), digest (SHA-256 of the effective parameters), values
    data           dir, fingerprint (SHA-256 over every data file's path, size and content),
                   files [{path, bytes, sha256}], cache_key (the data layer's validation cache key)
    notebooks      [{name, title, seconds, execute_s, html_s, pdf_s}] in run order
    started, finished (ISO 8601 with offset), seconds;  versions {python, ccnb, pandas, ...}
    notes          what the run repaired first (a stale lock, a pack restored after a kill)

The data fingerprint depends on the bytes only (not on paths outside the folder or on
modification times): two runs with the same fingerprint and params digest read the same
inputs.
"""
from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import json
import os
import platform
import socket
import sys
from pathlib import Path
from typing import Any

from ccnb import __version__

VERSIONED = ("pandas", "numpy", "scipy", "statsmodels", "duckdb", "pyarrow", "matplotlib", "seaborn",
             "pydantic", "papermill", "nbconvert", "nbclient", "ipykernel", "weasyprint")
DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq", ".gz")


def versions() -> dict[str, str]:
    """Python, ccnb and the versions of the packages that shape the numbers and the pages."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "ccnb": __version__}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


_DIGESTS: dict[tuple[str, int, int], str] = {}


def _sha256(path: Path) -> str:
    """SHA-256 of a file; remembered per (path, size, mtime) so that a backfill reads each file once."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        with open(path, "rb") as f:
            _DIGESTS[key] = hashlib.file_digest(f, "sha256").hexdigest()
    return _DIGESTS[key]


def data_fingerprint(data_dir: str | os.PathLike) -> dict[str, Any]:
    """``{"fingerprint", "files": [{path, bytes, sha256}]}`` over the data files under ``data_dir``.

    Hidden files and files that are not data (``MANIFEST.json``, ``README.md``) are left out.
    Cost: one read of the data (about a second per GB), once per process while files are unchanged.
    """
    root = Path(data_dir)
    files = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if not p.name.lower().endswith(DATA_SUFFIXES):
            continue
        files.append({"path": rel.as_posix(), "bytes": p.stat().st_size, "sha256": _sha256(p)})
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f['path']}\0{f['bytes']}\0{f['sha256']}\n".encode())
    return {"fingerprint": h.hexdigest(), "files": files}


def iso(ts: float | None = None) -> str:
    """A POSIX time as ISO 8601 with the local offset (``2026-11-01T06:30:02+08:00``)."""
    when = _dt.datetime.fromtimestamp(ts) if ts is not None else _dt.datetime.now()
    return when.astimezone().isoformat(timespec="seconds")


def command() -> dict[str, Any]:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        user = None
    return {"argv": list(sys.argv), "pid": os.getpid(), "host": socket.gethostname(), "user": user,
            "cwd": os.getcwd()}


def write(path: Path, doc: dict) -> None:
    """Write a record atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written record
        raise


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


__all__ = ["VERSIONED", "command", "data_fingerprint", "iso", "read", "versions", "write"]
