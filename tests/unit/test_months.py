"""ccnb.core.months: ``last`` in the center's time zone with an injectable today, backfill ranges, strict forms."""
from __future__ import annotations

import datetime as dt

import pytest

from ccnb.core import months
from ccnb.core.errors import ReportError


@pytest.mark.parametrize("day, want", [("2026-11-01", "2026-10"), ("2026-11-30", "2026-10"),
                                       ("2026-01-15", "2025-12"), ("2026-03-01", "2026-02")])
def test_last_is_the_previous_calendar_month(day, want):
    assert months.resolve("last", "Asia/Shanghai", day) == [want]


def test_last_counts_from_today_in_the_centers_time_zone():
    # 31 Oct 2026 17:30 UTC is already 1 Nov 01:30 in Shanghai, still 31 Oct 13:30 in New York
    instant = dt.datetime(2026, 10, 31, 17, 30, tzinfo=dt.timezone.utc)
    assert months.resolve("last", "Asia/Shanghai", instant) == ["2026-10"]
    assert months.resolve("last", "America/New_York", instant) == ["2026-09"]
    assert months.today("Asia/Shanghai", instant) == dt.date(2026, 11, 1)


def test_today_comes_from_the_environment_then_the_clock(monkeypatch):
    monkeypatch.setenv("CCNB_TODAY", "2026-02-10")
    assert months.today("Asia/Shanghai") == dt.date(2026, 2, 10)
    assert months.resolve("last", "Asia/Shanghai") == ["2026-01"]
    monkeypatch.setenv("CCNB_TODAY", "yesterday")
    with pytest.raises(ReportError, match=r"^CCNB_TODAY must be a date YYYY-MM-DD, got 'yesterday'$"):
        months.resolve("last", "Asia/Shanghai")
    monkeypatch.delenv("CCNB_TODAY")
    now = dt.datetime.now(dt.timezone.utc)
    got = months.today("Asia/Shanghai")
    assert abs((got - now.date()).days) <= 1              # the clock, in the center's zone


def test_ranges_are_inclusive_and_ascending():
    assert months.resolve("2025-11..2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months.resolve("2026-10..2026-10") == ["2026-10"]
    assert len(months.resolve("2017-01..2026-12")) == months.MAX_MONTHS == 120
    with pytest.raises(ReportError, match=r"runs backwards; expected the earlier month first \(e.g. 2026-01..2026-06\)"):
        months.resolve("2026-06..2026-01")
    with pytest.raises(ReportError, match="has 121 months; at most 120 per run"):
        months.resolve("2016-12..2026-12")


@pytest.mark.parametrize("spec", ["../../x", "2026-13", "2026-1", "2026-10/", "2026-10\n", " 2026-10", "LAST",
                                  "2026-01..", "..2026-01", "2026-01...2026-02", "2026-01..../x", "", None, 202610])
def test_anything_else_is_refused(spec):
    with pytest.raises(ReportError, match=r"^month must be YYYY-MM \(e.g. 2026-10\), 'last', or a range"):
        months.resolve(spec)
