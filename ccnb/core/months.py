"""Which month(s) a run reports on: ``2026-10``, ``last``, or a backfill range ``2026-01..2026-06``.

* ``last`` is the calendar month before *today in the center's time zone*
  (``params.center.timezone``): a run at 01:30 on 1 November in Shanghai reports on
  October even though it is still 31 October in UTC.
* "Today" comes from :func:`today` — the ``today`` argument, else the environment
  variable ``CCNB_TODAY`` (``YYYY-MM-DD``, for tests and re-runs "as if" on a date), else
  the clock — never from a constant.
* A range is inclusive and ascending, at most :data:`MAX_MONTHS` months; each month
  becomes one pack.

Month strings become folder names, so only the exact forms above are accepted
(``../../x``, ``2026-1`` or ``2026-10/`` never get through). This module is the one parser of
months in ccnb: :func:`parse_month` for one month, :func:`check_spec` / :func:`resolve` for what
a run is asked for; both raise :class:`MonthError` (a usage error, exit code 2).
"""
from __future__ import annotations

import datetime as _dt
import os
import re
from zoneinfo import ZoneInfo

import pandas as pd

from ccnb.core.errors import ReportError

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
RANGE_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2]))\.\.(\d{4}-(?:0[1-9]|1[0-2]))$")
LAST = "last"
#: Longest backfill range (ten years of packs).
MAX_MONTHS = 120
FORMS = "YYYY-MM (e.g. 2026-10), 'last', or a range YYYY-MM..YYYY-MM"


class MonthError(ReportError, ValueError):
    """Not a month ccnb accepts; the message shows the forms that are. Exit code 2 (bad request)."""


def parse_month(month: object) -> pd.Period:
    """``"2026-10"`` (or a monthly ``Period``) -> ``Period('2026-10', 'M')``; anything else is a :class:`MonthError`.

    Only the exact form ``YYYY-MM`` is accepted (month folders are built from it, so
    ``../x`` or ``2026-1`` must never get through).
    """
    if isinstance(month, pd.Period):
        month = month.strftime("%Y-%m")
    if not isinstance(month, str) or not MONTH_RE.fullmatch(month):
        raise MonthError(f"month must look like YYYY-MM (e.g. 2026-10), got {month!r}")
    return pd.Period(month, freq="M")


def check_spec(spec: object) -> str:
    """``spec`` unchanged when it is a month, ``last`` or a range; else :class:`ReportError`."""
    if isinstance(spec, str) and (MONTH_RE.fullmatch(spec) or spec == LAST or RANGE_RE.fullmatch(spec)):
        return spec
    raise MonthError(f"month must be {FORMS}, got {spec!r}")


def today(timezone: str = "UTC", value: str | _dt.date | None = None) -> _dt.date:
    """Today's date in ``timezone``: ``value`` if given, else ``$CCNB_TODAY``, else the clock."""
    if value is None:
        value = os.environ.get("CCNB_TODAY") or None
    if isinstance(value, _dt.datetime):
        return value.astimezone(ZoneInfo(timezone)).date() if value.tzinfo else value.date()
    if isinstance(value, _dt.date):
        return value
    if value is not None:
        try:
            return _dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ReportError(f"CCNB_TODAY must be a date YYYY-MM-DD, got {value!r}") from None
    return _dt.datetime.now(ZoneInfo(timezone)).date()


def previous_month(day: _dt.date) -> str:
    """The calendar month before ``day``'s month: 2026-01-15 -> ``2025-12``."""
    first = day.replace(day=1)
    return (first - _dt.timedelta(days=1)).strftime("%Y-%m")


def _index(month: str) -> int:
    y, m = map(int, month.split("-"))
    return y * 12 + m - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def resolve(spec: str, timezone: str = "UTC", today_value: str | _dt.date | None = None) -> list[str]:
    """The months ``spec`` stands for, oldest first.

    >>> resolve("2026-10")
    ['2026-10']
    >>> resolve("last", "Asia/Shanghai", "2026-11-01")
    ['2026-10']
    >>> resolve("2026-01..2026-03")
    ['2026-01', '2026-02', '2026-03']
    """
    spec = check_spec(spec)
    if spec == LAST:
        return [previous_month(today(timezone, today_value))]
    m = RANGE_RE.fullmatch(spec)
    if not m:
        return [spec]
    lo, hi = _index(m[1]), _index(m[2])
    if hi < lo:
        raise MonthError(f"month range {spec!r} runs backwards; expected the earlier month first "
                          f"(e.g. {m[2]}..{m[1]})")
    if hi - lo + 1 > MAX_MONTHS:
        raise MonthError(f"month range {spec!r} has {hi - lo + 1} months; at most {MAX_MONTHS} per run")
    return [_month(i) for i in range(lo, hi + 1)]


__all__ = ["FORMS", "LAST", "MAX_MONTHS", "MonthError", "check_spec", "parse_month", "previous_month", "resolve",
           "today"]
