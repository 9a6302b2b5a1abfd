"""Inbound arrivals: a non-homogeneous Poisson process per queue, at second resolution.

The rate of queue q at minute m of day d is

    lambda(d, m) = scale * base_q * season(d) * weekday_q(d) * events_q(d)
                   * G_qd * profile_q(m) * N_q,d,interval(m) * outage_q(d, m)

* ``profile_q``: the intraday shape, a double peak (late morning ~10:30, afternoon
  ~15:00) with a lunch dip, zero outside opening hours (billing and sales 08-21,
  chat 08-24) and a low night level for the 24 h queues (tech_support, vip);
* ``weekday_q``: Monday highest, weekends lowest (holidays follow Sunday);
* ``events_q``: calendar factors (:mod:`ccnb.sample.business_calendar`);
* ``G_qd ~ Gamma(40, 1/40)``: day-level overdispersion (CV 16 %), and
  ``N ~ Gamma(60, 1/60)`` per 30-minute interval (CV 13 %);
* ``outage``: a 3-5.5x multiplier on tech_support inside an outage window.

Counts per minute are Poisson; each arrival gets a uniform second in its minute.
Per arrival the caller's side is drawn too: patience (lognormal), base talk, hold
and after-call work (lognormal; the agent's speed multiplies them in the queue
simulation), ring time, and whether the IVR / bot resolves it (self-service).
"""
from __future__ import annotations

import numpy as np

from ccnb.sample.business_calendar import Calendar, season
from ccnb.sample.spec import DAY_S, PATIENCE_SIGMA, QUEUES, QueueSpec, lognormal, rng

_H = (np.arange(1440) + 0.5) / 60


def _s(x):
    return 1 / (1 + np.exp(-x))


def profile(q: QueueSpec) -> np.ndarray:
    """Share of the day's arrivals in each minute (sums to 1)."""
    h = _H
    day = (0.25 + np.exp(-(h - 10.5) ** 2 / 2) + 0.85 * np.exp(-(h - 15.0) ** 2 / (2 * 1.25 ** 2)))
    day = day * _s((h - 8.0) / 0.35) * _s((20.0 - h) / 0.8)
    evening = q.evening * 0.5 * _s((h - 18.0) / 0.6) * _s((23.2 - h) / 0.4)
    p = np.maximum(day, evening) + q.night * 1.25 * (1 - _s((h - 7.5) / 0.5) * _s((23.0 - h) / 0.6))
    p[(np.arange(1440) < q.open_min) | (np.arange(1440) >= q.close_min)] = 0
    return p / p.sum()


PROFILES = np.stack([profile(q) for q in QUEUES])


def expected_daily(cal: Calendar, days: np.ndarray, qi: int, scale: float, planned: bool = False) -> np.ndarray:
    """Expected inbound arrivals per day (before the random day multiplier)."""
    q = QUEUES[qi]
    k = days - cal.first
    ev = (cal.planned if planned else cal.actual)[k, qi]
    wd = np.asarray(q.weekday)[cal.eff_dow[k]]
    return scale * q.base * season(days) * wd * ev


def generate(seed: int, mk: int, qi: int, days: np.ndarray, cal: Calendar, scale: float) -> dict[str, np.ndarray]:
    """Arrivals of queue ``qi`` on ``days`` (one month; ``mk`` its month key), sorted by time.

    Returns arrays: ``t`` (arrival, s since epoch, local), ``patience``, ``talk``, ``hold``,
    ``acw`` (base seconds, ints), ``ring`` (s), ``self_served`` (bool), ``ivr`` (IVR/bot
    time of a self-served contact, s), ``outage`` (bool: arrived inside an outage window).
    """
    q = QUEUES[qi]
    r = rng(seed, "arrivals", mk, qi)
    nd = len(days)
    daily = expected_daily(cal, days, qi, scale) * r.gamma(40.0, 1 / 40.0, nd)
    noise = np.repeat(r.gamma(60.0, 1 / 60.0, (nd, 48)), 30, axis=1)
    lam = daily[:, None] * PROFILES[qi][None, :] * noise
    in_out = np.zeros((nd, 1440), bool)
    for o in cal.outages:
        if o.queue == qi and days[0] <= o.day <= days[-1]:
            a, b = o.start_s // 60, o.end_s // 60
            lam[o.day - days[0], a:b] *= o.mult
            lam[o.day - days[0], b:min(b + 120, 1440)] *= 1.5
            in_out[o.day - days[0], a:b] = True
    counts = r.poisson(lam).ravel()
    n = int(counts.sum())
    minute = np.repeat(np.arange(nd * 1440), counts)
    t = (days[0] * DAY_S + minute * 60 + r.integers(0, 60, n)).astype(np.int64)
    t.sort(kind="stable")  # seconds within a minute were drawn after the minute: re-sort
    outage = in_out.ravel()[minute]  # minute order is unchanged by the sort within a minute
    out = {"t": t, "outage": outage}
    out["patience"] = np.maximum(1, np.rint(lognormal(r, q.patience / np.exp(PATIENCE_SIGMA ** 2 / 2),
                                                      PATIENCE_SIGMA, n))).astype(np.int64)
    out["talk"] = np.maximum(5, np.rint(lognormal(r, *q.talk, n))).astype(np.int64)
    out["hold"] = np.where(r.random(n) < q.hold_p, np.rint(lognormal(r, *q.hold, n)), 0).astype(np.int64)
    out["acw"] = np.maximum(3, np.rint(lognormal(r, *q.acw, n))).astype(np.int64)
    out["ring"] = (r.integers(2, 7, n) if q.channel == "voice" else r.integers(0, 4, n)).astype(np.int64)
    p_self = np.where(outage & (q.name == "tech_support"), 0.35, q.self_serve)
    out["self_served"] = r.random(n) < p_self
    out["ivr"] = np.maximum(20, np.rint(lognormal(r, 75, 0.5, n))).astype(np.int64)
    return out
