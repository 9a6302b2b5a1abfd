"""Deterministic, realistic sample data for ccnb: a simulated mid-size call center.

>>> manifest = ccnb.sample.write_sample("data/sample")                 # the committed sample's seed
>>> ccnb.sample.write_sample("/tmp/small", months=2, contacts=60_000)   # a small center, 2 months

The center (``spec``): five queues (billing, tech_support, sales, vip, chat) served by a
shared voice desk of multi-skilled agents and a chat desk, two sites, 65-80 agents on the
books in teams of up to 14 with a supervisor, about 4,700 inbound contacts on a weekday
(plus outbound), ~110,000 customers. Agents are busy 70-76 % of their available time
(occupancy), as healthy centers are. Month by month (``generator``):

1. the planner sets headcount targets from the Erlang A requirement of each desk for the
   80/20 goal over the day, with realistic allowances, and hires (``planning``,
   ``roster``); agents leave (~2.5-3 % a month) after showing warning signs;
2. days are scheduled: days off set monthly, shifts placed on the requirement curve,
   surplus agents on leave, absences, breaks, late logins, classroom training of new
   hires (``schedule``);
3. arrivals are drawn from a non-homogeneous Poisson process with intraday, weekday,
   seasonal, holiday, promotion, billing-run and outage effects (``arrivals``, ``calendar``);
4. all desks are simulated at once, each contact routed by skills to the agents
   actually on shift (primary queue first, vip overflow, vip to the night team out of
   hours), impatient callers abandoning; idle agents of the service queues get blended
   outbound calls (``queue_sim``): waits, abandonment, service level and occupancy
   follow from staffing;
5. customers, reasons, resolution, repeats, transfers, conversion, surveys and
   complaints are drawn day by day; churn follows bad experiences (``outcomes``,
   ``customers``); QA evaluations and calibration (``quality``); WFM day records
   (``agent_days``); deterministic Parquet (``writer``).

Every random draw comes from ``SeedSequence(seed)`` spawned per component and month,
so the same arguments give byte-identical files (same pyarrow version).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pandas as pd

from ccnb.core import config
from ccnb.params import load_params
from ccnb.sample import writer
from ccnb.sample.generator import Generator
from ccnb.sample.spec import GENERATOR_VERSION

__all__ = ["write_sample", "parse_months", "GENERATOR_VERSION", "DEFAULT_MONTHS", "PARTITIONED", "WHOLE"]

DEFAULT_MONTHS = "2025-07..2026-10"
#: Tables written one file per month (``<table>/YYYY-MM.parquet``) and as one file.
PARTITIONED = ("interactions", "surveys", "qa_evaluations", "agent_days")
WHOLE = ("complaints", "customers", "agents", "calendar")


def parse_months(months: str | int) -> list[pd.Period]:
    """``"YYYY-MM..YYYY-MM"`` (inclusive), ``"YYYY-MM"``, or an int: that many months ending at
    ``config.SAMPLE_MONTH``."""
    if isinstance(months, bool):
        raise ValueError(f"months must be 'YYYY-MM..YYYY-MM' or a number of months, got {months!r}")
    if isinstance(months, int):
        if months < 1:
            raise ValueError(f"months must be at least 1, got {months}")
        end = pd.Period(config.SAMPLE_MONTH, "M")
        return [end - k for k in range(months - 1, -1, -1)]
    m = re.fullmatch(r"\s*(\d{4}-\d{2})\s*(?:\.\.\s*(\d{4}-\d{2})\s*)?", str(months))
    if not m:
        raise ValueError(f"months must be 'YYYY-MM..YYYY-MM' or a number of months, got {months!r}")
    try:
        a = pd.Period(m.group(1), "M")
        b = pd.Period(m.group(2) or m.group(1), "M")
    except ValueError:
        raise ValueError(f"months {months!r}: not a calendar month (YYYY-MM)") from None
    if b < a:
        raise ValueError(f"months {months!r}: the range ends before it starts")
    return [a + k for k in range((b - a).n + 1)]


def _form() -> dict:
    """The QA form of the default parameters (item -> max_points, critical): the sample is the
    same for every center, so it follows ``params/default.yaml`` through the validated defaults."""
    return {k: {"max_points": float(v.max_points), "critical": bool(v.critical)}
            for k, v in load_params().qa.form.items()}


def write_sample(out_dir, seed: int = config.SAMPLE_SEED, months: str | int = DEFAULT_MONTHS,
                 contacts: int | None = None, *, only_missing: bool = False,
                 progress: Callable[[str], None] | None = None) -> dict:
    """Generate the sample data set into ``out_dir``; return the manifest (also ``MANIFEST.json``).

    ``months``: ``"YYYY-MM..YYYY-MM"`` or a number of months ending at ``config.SAMPLE_MONTH``.
    ``contacts``: target number of contacts over the whole period; None = the natural
    center (~1.3 million over the default 16 months). Arrival rates, roster and customer
    base scale together, so service levels stay alike.
    ``only_missing``: keep files that exist (the committed slice) and write the others;
    the whole period is still simulated, so the output is the same as one full run.
    Raises ``ValueError`` when the folder's MANIFEST.json was made with other arguments.

    The returned dict is the manifest plus ``written``: the files this call wrote.
    """
    say = progress or (lambda s: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    periods = parse_months(months)
    if contacts is not None and int(contacts) < 1000:
        raise ValueError(f"contacts must be at least 1000, got {contacts}")
    spec = {"generator_version": GENERATOR_VERSION, "seed": int(seed),
            "months": [str(periods[0]), str(periods[-1])], "contacts_target": None if contacts is None else int(contacts)}
    if only_missing and (out / "MANIFEST.json").exists():
        import json

        old = json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))
        diff = {k: (old.get(k), v) for k, v in spec.items() if old.get(k) != v}
        if diff:
            raise ValueError(f"{out}: its MANIFEST.json was generated with other settings {diff} "
                             "(existing, new); remove the folder or regenerate it without only_missing")
    gen = Generator(seed, periods, contacts, _form())
    say(f"sample: seed {seed}, {periods[0]}..{periods[-1]}, scale {gen.scale:.3g} "
        f"({len(gen.roster)} agents on the first roster)")
    files = []
    for p in periods:
        for name, table in gen.month(p):  # one table in memory at a time
            files.append(writer.write(out, f"{name}/{p}.parquet", table, only_missing))
            del table
        s = gen.stats[str(p)]
        say(f"sample: {p}: {s['contacts']:,} contacts, service level {s['service_level']:.1%}, "
            f"abandoned {s['abandon_rate']:.1%}, occupancy {s['occupancy']:.1%}, "
            f"{s['agents_scheduled']} agents scheduled")
    for name, table in gen.final_tables().items():
        files.append(writer.write(out, f"{name}.parquet", table, only_missing))
    import pyarrow

    rows: dict[str, int] = {}
    for f in files:
        t = f["path"].split("/")[0].removesuffix(".parquet")
        rows[t] = rows.get(t, 0) + f["rows"]
    manifest = {
        **spec, "scale": round(gen.scale, 6), "pyarrow": pyarrow.__version__,
        "qa_items": list(gen.items), "rows": dict(sorted(rows.items())),
        "months_summary": gen.stats,
        "files": [{k: f[k] for k in ("path", "rows", "bytes", "sha256")} for f in sorted(files, key=lambda f: f["path"])],
    }
    wrote_manifest = writer.write_manifest(out, manifest, only_missing)
    written = [f["path"] for f in files if f["written"]] + (["MANIFEST.json"] if wrote_manifest else [])
    say(f"sample: wrote {len(written)} files to {out}")
    return {**manifest, "written": written}
