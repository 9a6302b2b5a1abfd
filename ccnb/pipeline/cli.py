"""The ``ccnb`` command: ``ccnb report``, ``ccnb sample``, ``ccnb validate`` (also ``python -m ccnb``).

Expected problems (a bad argument, parameters or data, a failing notebook, a busy lock)
print **one line** on stderr (``ccnb: error: <reason>``), without a traceback, and exit
with a code that says which kind of problem it was (:data:`ccnb.core.errors.EXIT_CODES`, also
in ``--help`` and ``docs/scheduling.md``); a traceback means a bug in ccnb. Notes about
what a run repaired first (a stale lock, a pack restored after a kill) go to stderr as
``ccnb: note: ...`` lines, also with ``--quiet``.

``--month`` takes ``YYYY-MM``, ``last`` (the month before today in the center's time
zone; ``$CCNB_TODAY`` fixes "today") or a backfill range ``YYYY-MM..YYYY-MM``.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import traceback
from pathlib import Path
from typing import Sequence

import ccnb.data
from ccnb import __version__, engine
from ccnb.core import config
from ccnb.core.errors import (
    EXIT_CODES,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    ReportError,
    Terminated,
    exit_code_of,
    one_line,
)
from ccnb.core.months import check_spec, resolve
from ccnb.engine.spark import check
from ccnb.i18n.labels import LabelError
from ccnb.params import ParamsError, load_params
from ccnb.pipeline import inventory, report
from ccnb.sample import write_sample


class UsageError(Exception):
    """A bad command line; ``prog`` is the (sub)command it was given to."""

    def __init__(self, prog: str, message: str):
        super().__init__(message)
        self.prog = prog


class CommandError(Exception):
    """An expected failure of a command, with its exit code."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + message + exit
        raise UsageError(self.prog, message)


def _month_spec(value: str) -> str:
    """``YYYY-MM``, ``last`` or ``YYYY-MM..YYYY-MM`` (checked here, resolved with the params' time zone later)."""
    try:
        return check_spec(value)
    except ReportError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _month(value: str) -> str:
    """One month: ``YYYY-MM`` or ``last``."""
    spec = _month_spec(value)
    if ".." in spec:
        raise argparse.ArgumentTypeError(f"month must be YYYY-MM (e.g. 2026-10) or 'last', got {value!r}")
    return spec


def _seconds(value: str) -> float:
    """``--timeout``: a finite number of seconds above 0 (0, negative, nan or inf would mean no limit, silently)."""
    try:
        s = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {value!r}") from None
    if not math.isfinite(s) or s <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {value!r}")
    return s


def _codes_epilog() -> str:
    return "exit codes:\n" + "\n".join(f"  {code:<4} {text}" for code, (_, text) in EXIT_CODES.items())


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = _Parser(prog="ccnb", formatter_class=fmt, epilog=_codes_epilog(),
                description="Call-center analysis workbook: monthly report packs, sample data, data checks.")
    p.add_argument("--version", action="version", version=f"ccnb {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    r = sub.add_parser("report", help="build a month's report pack (HTML, PDF, executed notebooks)",
                       formatter_class=fmt, epilog=_codes_epilog(),
                       description="Run every notebook for one month and publish the pack "
                                   "<out>/<month>/ (or <out>/<month>-zh/ in Chinese). Parameters and data "
                                   "are validated first; the previous pack is replaced only when every "
                                   "notebook ran and rendered.")
    r.add_argument("--month", required=True, type=_month_spec, metavar="MONTH",
                   help="report month: YYYY-MM (e.g. 2026-10), 'last' (the month before today in the center's "
                        "time zone) or a range YYYY-MM..YYYY-MM (one pack per month)")
    r.add_argument("--data", type=Path, metavar="DIR", help=f"data folder (default: {_short(config.SAMPLE_DIR)})")
    r.add_argument("--params", type=Path, metavar="FILE",
                   help=f"center parameters, merged over {_short(config.DEFAULT_PARAMS)}")
    r.add_argument("--out", type=Path, metavar="DIR", help=f"where packs go (default: {_short(config.REPORTS_DIR)})")
    r.add_argument("--lang", choices=("en", "zh"), help="report language (default: params report.lang)")
    r.add_argument("--notebooks", type=Path, metavar="DIR",
                   help=f"notebooks to run (default: $CCNB_NOTEBOOKS or {_short(config.NOTEBOOKS_DIR)})")
    r.add_argument("--timeout", type=_seconds, metavar="S", help="longest a notebook cell may run, seconds (> 0)")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress lines (errors and notes still on stderr)")
    r.add_argument("--engine", choices=("duckdb", "spark"),
                   help="where KPI aggregates and interval series run (default: params engine.name, duckdb)")
    r.add_argument("--spark-master", metavar="URL",
                   help="Spark master URL for --engine spark: local[N], spark://host:7077, yarn ... "
                        "(default: params engine.spark.master)")

    s = sub.add_parser("sample", help="write the deterministic sample data set", formatter_class=fmt,
                       epilog=_codes_epilog(),
                       description="Generate the sample call-center data (a queue simulation) from a seed.")
    s.add_argument("--out", type=Path, metavar="DIR", help=f"output folder (default: {_short(config.SAMPLE_DIR)})")
    s.add_argument("--seed", type=int, metavar="N", help=f"random seed (default: {config.SAMPLE_SEED})")
    s.add_argument("--months", metavar="RANGE", help="months to generate, e.g. 2025-07..2026-10")
    s.add_argument("--contacts", type=int, metavar="N", help="approximate contacts over all the months (e.g. 30000000: three 10M months; default: the natural center, ~150,000 a month)")
    s.add_argument("--fill", action="store_true",
                   help="only write what is missing (completes the committed sample slice; used by setup)")

    v = sub.add_parser("validate", help="check parameters and data and summarise the tables", formatter_class=fmt,
                       epilog=_codes_epilog(),
                       description="Validate a params file and a data folder against the contract, as "
                                   "`ccnb report` does before running anything, and print row counts.")
    v.add_argument("--data", type=Path, metavar="DIR", help=f"data folder (default: {_short(config.SAMPLE_DIR)})")
    v.add_argument("--month", type=_month, metavar="MONTH", help="check as of this month's end (YYYY-MM or last)")
    v.add_argument("--params", type=Path, metavar="FILE", help="center parameters file")
    return p


def _short(p: Path) -> str:
    try:
        return Path(p).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------- commands
def _note(message: str) -> None:
    print(f"ccnb: note: {message}", file=sys.stderr, flush=True)


def _printer():
    """``print`` for progress lines that goes quiet instead of failing when stdout is closed (``| head``)."""
    state = {"open": True}

    def out(line: str) -> None:
        if state["open"]:
            try:
                print(line, flush=True)
            except (BrokenPipeError, ValueError, OSError):
                state["open"] = False
                try:
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                except (OSError, ValueError):
                    pass

    return out


def _engine_options(a: argparse.Namespace) -> None:
    """``--engine`` / ``--spark-master`` and params ``engine``: checked, then put in the environment the
    notebook kernels inherit (:func:`ccnb.engine.export_env`; DuckDB's memory cap included)."""
    if a.spark_master is not None and not a.spark_master.strip():
        raise CommandError(EXIT_USAGE, "report: --spark-master must not be empty")
    try:
        prm = load_params(a.params)
    except (ParamsError, OSError):
        prm = None  # the run reports bad params itself, with their exit code
    if a.engine is None and a.spark_master is None and (prm is None or prm.engine == load_params().engine):
        return  # nothing to pass on: the kernels' defaults are the same (params/default.yaml)
    chosen = engine.export_env(prm, a.engine, a.spark_master)
    if chosen[engine.ENV_ENGINE] == "spark":
        try:
            check()
        except engine.EngineError as e:
            raise CommandError(EXIT_USAGE, f"report: --engine spark: {e}") from None


def cmd_report(a: argparse.Namespace) -> int:
    _engine_options(a)
    progress = None if a.quiet else _printer()
    kw = dict(data=a.data, params=a.params, out=a.out, lang=a.lang, notebooks_dir=a.notebooks, progress=progress,
              notice=_note, timeout=a.timeout)
    if ".." not in a.month:
        report.run(a.month, **kw)
        return EXIT_OK
    results = report.run_months(a.month, **kw)
    failed = [(m, e) for m, _, e in results if e is not None]
    for m, e in failed:
        print(f"ccnb: error: {m}: {one_line(str(e))}", file=sys.stderr, flush=True)
    if progress:
        done = [m for m, _, e in results if e is None]
        progress(f"backfill {a.month}: {len(done)} pack(s) built, {len(failed)} failed"
                 + (f" ({', '.join(m for m, _ in failed)})" if failed else ""))
    return exit_code_of(failed[0][1]) if failed else EXIT_OK


def cmd_sample(a: argparse.Namespace) -> int:
    kw = {}
    if a.seed is not None:
        kw["seed"] = a.seed
    if a.months is not None:
        kw["months"] = a.months
    if a.contacts is not None:
        kw["contacts"] = a.contacts
    out = a.out or config.SAMPLE_DIR
    try:
        result = write_sample(out, only_missing=a.fill, progress=lambda line: print(line, flush=True), **kw)
    except ValueError as e:  # bad --months / --contacts, or a folder made with other arguments
        raise CommandError(EXIT_USAGE, f"sample: {e}") from None
    del result  # the generator reports what it wrote through progress
    return EXIT_OK


def cmd_validate(a: argparse.Namespace) -> int:
    prm = load_params(a.params)
    if a.month == "last":
        a.month = resolve("last", prm.center.timezone)[0]
    print(f"params: ok ({' + '.join(_short(Path(s)) for s in prm.sources)}; digest {prm.digest()[:12]})")
    data_dir = a.data or config.SAMPLE_DIR
    if not Path(data_dir).is_dir():
        raise ccnb.data.DataError(f"data folder not found: {data_dir}")
    tables = ccnb.data.load(data_dir, month=a.month, timezone=prm.center.timezone, sources=prm.data)
    scope = f", as of the end of {a.month}" if a.month else ""
    print(f"data: ok ({_short(Path(data_dir))}{scope})")
    for line in inventory.describe(tables, prm):
        print(line)
    if a.month:
        span = tables.sql("SELECT min(arrival_ts) AS lo, max(arrival_ts) AS hi FROM interactions "
                          "WHERE arrival_ts >= ?", [tables.start])
        lo, hi = span.lo.iloc[0], span.hi.iloc[0]
        print(f"  contacts in {a.month}: {lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M}")
    return EXIT_OK


COMMANDS = {"report": cmd_report, "sample": cmd_sample, "validate": cmd_validate}


def _fail(code: int, message: str, prog: str = "ccnb") -> int:
    print(f"{prog}: error: {one_line(message)}", file=sys.stderr, flush=True)
    return code


def _on_sigterm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ccnb`` console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as e:
        return _fail(EXIT_USAGE, f"{e} (see `{e.prog} --help`)", e.prog)
    except SystemExit as e:  # --help, --version
        return int(e.code or 0)

    previous = None
    try:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except (ImportError, ValueError, AttributeError):  # pragma: no cover - no signals here
        previous = None
    try:
        return COMMANDS[args.command](args)
    except CommandError as e:
        return _fail(e.code, str(e))
    except LabelError as e:
        return _fail(EXIT_USAGE, str(e))
    except BrokenPipeError:  # stdout closed by the reader (`ccnb validate | head`): not an error of ours
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        return _fail(EXIT_INTERRUPTED, "interrupted")
    except Terminated:
        return _fail(EXIT_TERMINATED, "terminated (SIGTERM)")
    except Exception as e:  # noqa: BLE001 - expected failures have their code; anything else is a bug
        code = exit_code_of(e)
        if code != EXIT_INTERNAL:
            return _fail(code, str(e))
        traceback.print_exc()
        return _fail(EXIT_INTERNAL, "internal error (this is a bug in ccnb; the traceback is above)")
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
