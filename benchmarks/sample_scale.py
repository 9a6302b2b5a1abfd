"""How fast and how big: the sample generator at scale.

    python benchmarks/sample_scale.py --contacts 10000000 --out /tmp/bench

Prints wall time, peak resident memory (this process, psutil sampling plus the
kernel's ru_maxrss), rows per table and bytes written, and the realised service
level, abandonment and agents' occupancy (the centre should look alike at any scale;
a bigger one runs a little hotter for the same service: Erlang's economies of scale).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import threading
import time
from pathlib import Path

import psutil

from ccnb.core import config
from ccnb.sample import DEFAULT_MONTHS, write_sample


class PeakRSS:
    """Samples this process's RSS every 50 ms; ``peak`` in bytes."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(0.05)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=10_000_000, help="target contacts over the period")
    ap.add_argument("--months", default=DEFAULT_MONTHS)
    ap.add_argument("--seed", type=int, default=config.SAMPLE_SEED)
    ap.add_argument("--out", type=Path, default=Path("/tmp/ccnb-bench-sample"))
    ap.add_argument("--keep", action="store_true", help="keep an existing output folder (default: start empty)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.out.exists() and not a.keep:
        shutil.rmtree(a.out)
    t0 = time.perf_counter()
    with PeakRSS() as mem:
        m = write_sample(a.out, seed=a.seed, months=a.months, contacts=a.contacts,
                         progress=None if a.quiet else (lambda s: print(f"[{time.perf_counter() - t0:7.1f}s] {s}",
                                                                        flush=True)))
    wall = time.perf_counter() - t0
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    total_bytes = sum(f["bytes"] for f in m["files"])
    rows = m["rows"]
    s = m["months_summary"]
    sl = sum(v["service_level"] * v["contacts"] for v in s.values()) / sum(v["contacts"] for v in s.values())
    ab = sum(v["abandon_rate"] * v["contacts"] for v in s.values()) / sum(v["contacts"] for v in s.values())
    print(f"contacts target   {a.contacts:,} over {m['months'][0]}..{m['months'][1]} (scale {m['scale']:.3g})")
    print(f"wall time         {wall:,.1f} s  ({rows['interactions'] / wall:,.0f} contacts/s)")
    print(f"peak RSS          {max(mem.peak, maxrss) / 2**30:.2f} GiB")
    print(f"bytes written     {total_bytes / 2**20:,.1f} MiB in {len(m['files'])} files")
    for t, n in rows.items():
        print(f"rows {t:<14}{n:>12,}")
    print(f"service level     {sl:.1%} (contact-weighted monthly), abandoned {ab:.1%}")
    occ = [v["occupancy"] for v in s.values()]
    print(f"occupancy         {min(occ):.1%}-{max(occ):.1%} by month (mean {sum(occ) / len(occ):.1%})")
    print(f"agents scheduled  {min(v['agents_scheduled'] for v in s.values())}-"
          f"{max(v['agents_scheduled'] for v in s.values())} a month")
    return 0


if __name__ == "__main__":
    sys.exit(main())
