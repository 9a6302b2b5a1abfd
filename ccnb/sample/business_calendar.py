"""The business calendar and the day-level volume factors it implies.

Rows of the ``calendar`` table (contract: date, kind, name, queue) and, for every day,
the factor each event multiplies a queue's volume by:

* public holidays of mainland China from the ``holidays`` package, including the
  weekend days inside a holiday period and the adjusted working days (weekend days
  worked in exchange, parsed from the package's "substituted from" names). Holiday
  days behave like a Sunday times a holiday factor; Spring Festival is the deepest
  trough; the two working days after a holiday period of 3+ days surge; volume
  falls in the week before Spring Festival (people travel home).
* promotions: 11.11 Singles Day (pre-sale from 20 Oct, the day, after-sales),
  6.18 (pre-sale and the day), 12.12, the Spring Festival shopping season;
* the monthly billing run (1st) and payment due date (15th) on billing;
* network outages on tech_support: random (seeded per month), a few hours long, only
  inside the data period (the future holds no known outages).

``planned`` factors are what the workforce planner expects: holidays and billing
runs exactly, promotions under-estimated (70 % of the uplift on the peak day), outages
not at all. The gap is one source of the under-staffing episodes in the data.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np

from ccnb.sample.spec import QI, QUEUES, rng

NQ = len(QUEUES)
EPOCH = dt.date(1970, 1, 1)


#: The sample center's days off (0 = Monday): Saturday and Sunday, as its params say (``center.weekend``).
SAMPLE_WEEKEND = (5, 6)


def ordinal(d: dt.date) -> int:
    return (d - EPOCH).days


def to_date(o: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(o))


def _q(**kw: float) -> np.ndarray:
    """A per-queue factor vector, 1 for queues not named."""
    v = np.ones(NQ)
    for k, x in kw.items():
        v[QI[k]] = x
    return v


HOLIDAY = _q(billing=0.50, tech_support=0.75, sales=0.60, vip=0.60, chat=0.80)
SPRING_FESTIVAL = _q(billing=0.30, tech_support=0.55, sales=0.35, vip=0.45, chat=0.50)
POST_HOLIDAY = (_q(billing=1.35, tech_support=1.35, sales=1.2, vip=1.3, chat=1.2),
                _q(billing=1.15, tech_support=1.15, sales=1.08, vip=1.12, chat=1.08))
SINGLES_DAY = _q(billing=2.4, tech_support=1.3, sales=3.6, vip=1.4, chat=3.3)
SINGLES_AFTER = (_q(billing=1.7, tech_support=1.1, sales=1.3, chat=1.6),
                 _q(billing=1.4, tech_support=1.05, sales=1.1, chat=1.3),
                 _q(billing=1.2, chat=1.15))
MID_YEAR = _q(billing=1.5, tech_support=1.1, sales=2.2, vip=1.2, chat=2.0)
DOUBLE_12 = _q(billing=1.3, sales=1.9, vip=1.1, chat=1.8)
BILLING_RUN = (_q(billing=1.7, vip=1.1), _q(billing=1.35), _q(billing=1.15))
PAYMENT_DUE = (_q(billing=1.3), _q(billing=1.1))
#: Share of a promotion's uplift the planner anticipates.
PLANNED_PROMO_UPLIFT = 0.7
OUTAGE_REGIONS = ("east region", "north region", "south region", "west region", "Shanghai metro", "Chengdu metro")


@dataclass
class Outage:
    day: int          # day ordinal
    queue: int
    start_s: int      # seconds after midnight
    end_s: int
    mult: float       # rate multiplier inside the window


@dataclass
class Calendar:
    """Day factors from ``first`` (day ordinal) for ``n`` days, and the calendar table rows."""

    first: int
    actual: np.ndarray        # (n, NQ) volume factor of events
    planned: np.ndarray       # (n, NQ) what the planner expects
    eff_dow: np.ndarray       # weekday whose pattern the day follows (holiday -> Sunday)
    off: np.ndarray           # bool: holiday-period day (public holiday or weekend inside one)
    outages: list[Outage] = field(default_factory=list)
    rows: list[tuple[int, str, str, str | None]] = field(default_factory=list)

    def idx(self, day: int) -> int:
        return day - self.first


def _cn_holidays(years: range) -> tuple[dict[int, str], dict[int, str]]:
    import holidays

    hol = holidays.country_holidays("CN", years=list(years))
    listed: dict[int, str] = {}
    workdays: dict[int, str] = {}
    for d, name in sorted(hol.items()):
        listed[ordinal(d)] = name
        m = re.search(r"substituted from (\d\d)/(\d\d)/(\d{4})", name)
        if m:
            w = dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
            workdays[ordinal(w)] = "Adjusted working day"
    return listed, workdays


def _block_name(names: list[str]) -> str:
    for n in names:
        if "Chinese New Year" in n or "Spring Festival" in n:
            return "Spring Festival"
    real = [n for n in names if not n.startswith("Day off")]
    return (real or names)[0].replace(" (observed)", "")


def build_calendar(first: dt.date, last: dt.date, seed: int, outage_months: set[int]) -> Calendar:
    """Factors and rows for every day from ``first`` to ``last`` (inclusive).

    ``outage_months`` are month keys (year * 12 + month - 1) in which outages happen.
    """
    f0, f1 = ordinal(first), ordinal(last)
    # look a little beyond both ends so that holiday periods and surges at the edges are whole
    lo, hi = f0 - 40, f1 + 40
    n_all = hi - lo + 1
    listed, workdays = _cn_holidays(range(to_date(lo).year, to_date(hi).year + 1))
    days = np.arange(lo, hi + 1)
    dow = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    is_listed = np.array([d in listed for d in days])
    is_workday = np.array([d in workdays for d in days])
    off = is_listed | (np.isin(dow, SAMPLE_WEEKEND) & ~is_workday)
    actual = np.ones((n_all, NQ))
    planned = np.ones((n_all, NQ))
    eff_dow = dow.copy()
    eff_dow[is_workday] = 4
    rows: list[tuple[int, str, str, str | None]] = []
    hol_flag = np.zeros(n_all, bool)

    # holiday periods: runs of off days containing a listed holiday
    i = 0
    while i < n_all:
        if not off[i]:
            i += 1
            continue
        j = i
        while j + 1 < n_all and off[j + 1]:
            j += 1
        if is_listed[i:j + 1].any():
            names = [listed[days[k]] for k in range(i, j + 1) if is_listed[k]]
            block = _block_name(names)
            factor = SPRING_FESTIVAL if block == "Spring Festival" else HOLIDAY
            for k in range(i, j + 1):
                actual[k] *= factor
                planned[k] *= factor
                eff_dow[k] = 6
                hol_flag[k] = True
                rows.append((days[k], "holiday", listed.get(days[k], f"{block} (holiday period)"), None))
            if j - i + 1 >= 3:  # surge on the first two working days after
                k, m = j + 1, 0
                while k < n_all and m < 2:
                    if not off[k]:
                        actual[k] *= POST_HOLIDAY[m]
                        planned[k] *= POST_HOLIDAY[m]
                        m += 1
                    k += 1
            if block == "Spring Festival":  # travel home: volume falls in the week before
                for m in range(1, 8):
                    k = i - m
                    if k >= 0:
                        f = 1 - 0.25 * (8 - m) / 7
                        actual[k, [QI["billing"], QI["sales"], QI["vip"]]] *= f
                        planned[k, [QI["billing"], QI["sales"], QI["vip"]]] *= f
                # the Spring Festival shopping season: 25 to 8 days before the holiday
                for m in range(8, 26):
                    k = i - m
                    if k >= 0:
                        up = _q(sales=1.25, chat=1.25, billing=1.05)
                        actual[k] *= up
                        planned[k] *= 1 + (up - 1) * PLANNED_PROMO_UPLIFT
                        rows.append((days[k], "promotion", "Spring Festival shopping season", None))
        i = j + 1
    for k in np.flatnonzero(is_workday):
        rows.append((days[k], "workday", workdays[days[k]], None))

    def promo(k: int, up: np.ndarray, name: str, plan_share: float = PLANNED_PROMO_UPLIFT) -> None:
        actual[k] *= up
        planned[k] *= 1 + (up - 1) * plan_share
        rows.append((days[k], "promotion", name, None))

    for k in range(n_all):
        d = to_date(days[k])
        if (d.month == 10 and d.day >= 20) or (d.month == 11 and d.day <= 10):
            x = (d - dt.date(d.year, 10, 20)).days / 21
            promo(k, _q(sales=1.2 + 0.45 * x * x, chat=1.2 + 0.45 * x * x, billing=1.05 + 0.1 * x * x, vip=1.05),
                  "Singles Day 11.11 pre-sale", 0.9)
        elif d.month == 11 and d.day == 11:
            promo(k, SINGLES_DAY, "Singles Day 11.11")
        elif d.month == 11 and 12 <= d.day <= 14:
            promo(k, SINGLES_AFTER[d.day - 12], "Singles Day after-sales")
        elif d.month == 6 and d.day <= 17:
            promo(k, _q(sales=1.15, chat=1.15), "6.18 Shopping Festival pre-sale", 0.9)
        elif d.month == 6 and d.day == 18:
            promo(k, MID_YEAR, "6.18 Shopping Festival")
        elif d.month == 12 and d.day == 12:
            promo(k, DOUBLE_12, "Double 12 (12.12)")
        for day_no, effects, name in ((1, BILLING_RUN, "Monthly billing run"), (15, PAYMENT_DUE, "Payment due date")):
            if d.day == day_no:
                rows.append((days[k], "billing", name, "billing"))
            if day_no <= d.day < day_no + len(effects):
                actual[k] *= effects[d.day - day_no]
                planned[k] *= effects[d.day - day_no]

    outages: list[Outage] = []
    for mk in sorted(outage_months):
        r = rng(seed, "outage", mk)
        y, m = divmod(mk, 12)
        m1 = dt.date(y, m + 1, 1)
        ndays = ((dt.date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1)) - m1).days
        for _ in range(int(r.random() < 0.45) + int(r.random() < 0.12)):
            day = ordinal(m1) + int(r.integers(ndays))
            start = int(r.uniform(7, 19) * 3600)
            end = min(start + int(r.uniform(2, 7) * 3600), 86_399)
            mult = float(r.uniform(3.0, 5.5))
            region = OUTAGE_REGIONS[int(r.integers(len(OUTAGE_REGIONS)))]
            outages.append(Outage(day, QI["tech_support"], start, end, mult))
            rows.append((day, "outage", f"Network outage ({region})", "tech_support"))

    sl = slice(f0 - lo, f1 - lo + 1)
    rows = sorted({(d, k, n): q for d, k, n, q in rows if f0 <= d <= f1}.items())
    return Calendar(first=f0, actual=actual[sl].copy(), planned=planned[sl].copy(), eff_dow=eff_dow[sl].copy(),
                    off=hol_flag[sl].copy(), outages=[o for o in outages if f0 <= o.day <= f1],
                    rows=[(d, k, n, q) for (d, k, n), q in rows])


def season(day: np.ndarray) -> np.ndarray:
    """Annual season and growth: +6 % in mid-January, a mid-year lull, +5 % a year of growth."""
    t = np.asarray(day, float)
    doy = np.array([to_date(int(x)).timetuple().tm_yday for x in np.atleast_1d(t)]).reshape(np.shape(t))
    years = (t - ordinal(dt.date(2025, 7, 1))) / 365.25
    return ((1 + 0.06 * np.cos(2 * np.pi * (doy - 15) / 365.25) + 0.03 * np.cos(4 * np.pi * (doy - 45) / 365.25))
            * (1 + 0.05 * years))
