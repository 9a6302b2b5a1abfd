"""Staffing benchmark: Erlang C and Erlang A over 35,000 intervals, and agreement with pyworkforce.

    .venv/bin/python benchmarks/staffing.py [--intervals 35000] [--compare 2000]

Prints seconds for ``erlang_c`` (given agents), ``agents_needed`` by Erlang C (80/20, occupancy at
most 85 %), ``erlang_a`` and ``agents_needed`` by Erlang A (mean patience 150 s) over random
half-hours (0-3,000 calls, AHT 120-600 s: up to 1,000 erlangs), then pyworkforce's ``ErlangC``
on ``--compare`` of them: its ``raw_positions`` against ours, the largest difference in service
level, and how many intervals it could not compute. pyworkforce is taken from this environment or,
if absent, from ``benchmarks/.venv-peers`` (``benchmarks/.venv-peers/bin/pip install --no-deps
pyworkforce joblib``: its package init imports ortools for rostering, which is not needed here,
so the queuing module is loaded on its own).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ccnb.staffing import agents_needed, erlang_a, erlang_c  # noqa: E402

PEERS = ROOT / "benchmarks" / ".venv-peers" / "bin" / "python"

PYWF = r'''
import importlib.util, json, math, sys, time, types
spec = importlib.util.find_spec("pyworkforce")
pkg = types.ModuleType("pyworkforce"); pkg.__path__ = list(spec.submodule_search_locations)
sys.modules["pyworkforce"] = pkg
from pyworkforce.queuing.erlang import ErlangC
calls, aht = json.load(open(sys.argv[1]))
out, t0 = [], time.perf_counter()
for c, h in zip(calls, aht):
    try:
        e = ErlangC(transactions=c, asa=20 / 60, aht=h / 60, interval=30, shrinkage=0.0)
        r = e.required_positions(service_level=0.8, max_occupancy=0.85)
        out.append([r["raw_positions"], r["service_level"]])
    except Exception as ex:  # pyworkforce's factorials overflow at large N
        out.append([None, type(ex).__name__])
json.dump({"rows": out, "seconds": time.perf_counter() - t0}, open(sys.argv[2], "w"))
'''


def timed(f, *a, **k):
    t0 = time.perf_counter()
    r = f(*a, **k)
    return r, time.perf_counter() - t0


def pyworkforce_rows(calls, aht):
    with tempfile.TemporaryDirectory() as tmp:
        inp, out, script = Path(tmp) / "in.json", Path(tmp) / "out.json", Path(tmp) / "pywf.py"
        inp.write_text(json.dumps([list(map(float, calls)), list(map(float, aht))]))
        script.write_text(PYWF)
        try:
            import pyworkforce  # noqa: F401

            py = sys.executable
        except ImportError:
            if not PEERS.exists():
                return None
            py = str(PEERS)
        r = subprocess.run([py, str(script), str(inp), str(out)], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr.strip().splitlines()[-1] if r.stderr else "pyworkforce failed", file=sys.stderr)
            return None
        return json.loads(out.read_text())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--intervals", type=int, default=35_000)
    ap.add_argument("--compare", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    rng = np.random.default_rng(a.seed)
    calls = rng.uniform(0, 3000, a.intervals)
    aht = rng.uniform(120, 600, a.intervals)
    traffic = calls * aht / 1800
    print(f"{a.intervals:,} half-hour intervals, {traffic.mean():.0f} erlangs on average, up to {traffic.max():.0f}")
    need_c, t_need_c = timed(agents_needed, calls, aht, 1800, 0.8, 20, 0.85)
    perf_c, t_c = timed(erlang_c, calls, aht, need_c)
    need_a, t_need_a = timed(agents_needed, calls, aht, 1800, 0.8, 20, 0.85, 150.0)
    perf_a, t_a = timed(erlang_a, calls, aht, 150.0, need_a)
    rows = [("erlang_c (given agents)", t_c), ("agents_needed, Erlang C 80/20, occupancy <= 85 %", t_need_c),
            ("erlang_a (given agents, patience 150 s)", t_a), ("agents_needed, Erlang A 80/20", t_need_a)]
    for name, t in rows:
        print(f"  {name:<52} {t:8.3f} s   ({1e6 * t / a.intervals:6.1f} us per interval)")
    print(f"  Erlang A needs {100 * (1 - need_a.sum() / need_c.sum()):.1f} % fewer agent-intervals than Erlang C")
    assert (perf_c["service_level"] >= 0.8 - 1e-9).all() and (perf_a["service_level"] >= 0.8 - 1e-9).all()
    n = min(a.compare, a.intervals)
    res = pyworkforce_rows(calls[:n], aht[:n])
    if res is None:
        print("pyworkforce: not installed (see the module docstring); agreement not checked")
        return
    got = res["rows"]
    ok = np.array([r[0] is not None for r in got])
    pw = np.array([r[0] if r[0] is not None else -1 for r in got], float)
    ours = np.asarray(need_c[:n], float)
    same = (pw == ours) & ok
    print(f"pyworkforce ErlangC on {n:,} of them: {res['seconds']:.2f} s ({1e6 * res['seconds'] / n:.0f} us per interval)")
    print(f"  same agent count: {same.sum():,} of {ok.sum():,} computed; largest difference "
          f"{np.abs(pw - ours)[ok].max() if ok.any() else float('nan'):.0f} agents; "
          f"{(~ok).sum():,} intervals failed in pyworkforce (largest traffic it computed: "
          f"{traffic[:n][ok].max() if ok.any() else float('nan'):.0f} erlangs)")
    if ok.any():
        sl_pw = np.array([r[1] for r in got], dtype=object)[ok].astype(float)
        print(f"  largest service-level difference at those agent counts: "
              f"{np.abs(sl_pw - np.asarray(erlang_c(calls[:n][ok], aht[:n][ok], pw[ok])['service_level'])).max():.2e}")


if __name__ == "__main__":
    main()
