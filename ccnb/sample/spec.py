"""The sample center's design: queues, handling times, shifts, QA raters, seeding.

Everything the generator assumes about the "natural" mid-size center lives here,
as plain data, so that the mechanisms in the other modules stay generic. Volumes
are for the natural center (``scale = 1``: about 4,700 inbound contacts on a weekday,
70-80 agents on the books); ``write_sample(contacts=...)`` scales arrival rates, the
roster and the customer base by one factor.

How the agents are organised (``SKILLS``; routing in :mod:`ccnb.sample.queue_sim`):

* one **voice desk**: every voice agent has a primary queue (the ``queue`` of the
  ``agents`` table: billing, sales, vip or tech_support) and is trained on the other
  voice lines, which it takes when its own has nobody waiting (a shared pool with
  primary skills first). vip agents (senior) take vip callers first; a vip caller
  waiting ``VIP_OVERFLOW_S`` seconds is offered to every voice agent, ahead of their
  own queue. vip agents work the service hours (``SERVICE_HOURS``, when billing and
  sales are open); outside them the vip line rings at the tech_support agents
  (routing queue ``vip_out``) ahead of tech_support: the night team (00:00-08:00,
  tech_support agents) covers every voice line at night;
* the **chat desk** (08:00-24:00): chat agents with two chats at once;
* **call blending** (``BLEND``): while inbound is quiet the dialler hands idle billing,
  sales and vip agents outbound renewal / upsell calls, keeping a reserve of idle
  voice agents for inbound callers; a small outbound team dials all day.

Units: durations in seconds, rates in contacts per day, shares as fractions.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

#: Bumped whenever the generated data changes for a given seed (recorded in MANIFEST.json).
GENERATOR_VERSION = "2.0.0"

DAY_S = 86_400
#: Far-future sentinel for "no leave date / no churn date" as a day ordinal.
NEVER = 10**7


@dataclass(frozen=True)
class QueueSpec:
    """One queue (skill) of the sample center."""

    name: str
    channel: str                 # voice | chat
    open_min: int                # opening minute of the day (local)
    close_min: int               # closing minute (1440 = midnight)
    base: float                  # expected inbound arrivals on a normal Wednesday (natural center, 2025-07)
    weekday: tuple[float, ...]   # Mon..Sun volume factors
    night: float                 # rate level 00-07h relative to the day's peak (24 h queues)
    evening: float               # evening shoulder level 19-23h relative to the peak
    talk: tuple[float, float]    # lognormal (median s, sigma)
    hold_p: float                # share of handled contacts with a hold
    hold: tuple[float, float]
    acw: tuple[float, float]
    patience: float              # mean caller patience, s (lognormal, sigma PATIENCE_SIGMA)
    self_serve: float            # share resolved in the IVR / bot
    slots: int                   # concurrent contacts per agent (chat: 2)
    resolve: float               # P(resolved) for a tenured average agent, first contact
    transfer: float              # P(transferred) for a tenured average agent
    conversion: float            # P(converted) on a handled inbound contact
    anonymous: float             # share of contacts without a customer id
    reasons: tuple[tuple[str, float], ...]
    self_reasons: tuple[tuple[str, float], ...]
    sites: tuple[str, ...]       # sites hosting this queue's teams
    peak_share: float            # share of day-part hours covered by part-time peak agents
    night_shift: bool            # its agents include a 00:00-08:00 night shift (the night team)


PATIENCE_SIGMA = 0.7
SITES = ("Shanghai", "Chengdu")
SITE_CODE = {"Shanghai": "SH", "Chengdu": "CD"}

_WD = (1.18, 1.06, 1.0, 0.98, 0.95, 0.70, 0.62)

QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec("billing", "voice", 8 * 60, 21 * 60, 1190, _WD, 0.0, 0.30,
              (152, 0.55), 0.30, (40, 0.7), (26, 0.5), 100, 0.18, 1, 0.85, 0.08, 0.0, 0.03,
              (("billing_question", .34), ("payment", .18), ("refund", .12), ("plan_change", .13),
               ("invoice_copy", .08), ("dispute", .10), ("cancellation", .05)),
              (("balance_enquiry", .6), ("payment", .4)), SITES, 0.25, False),
    QueueSpec("tech_support", "voice", 0, 1440, 1020, (1.16, 1.05, 1.0, 0.99, 0.96, 0.78, 0.72), 0.07, 0.40,
              (166, 0.6), 0.40, (50, 0.7), (25, 0.5), 120, 0.10, 1, 0.75, 0.12, 0.0, 0.03,
              (("no_service", .24), ("slow_internet", .25), ("device_setup", .20), ("outage", .08),
               ("password_reset", .11), ("other_tech", .12)),
              (("outage", .5), ("password_reset", .5)), ("Chengdu",), 0.10, True),
    QueueSpec("sales", "voice", 8 * 60, 21 * 60, 620, (1.12, 1.04, 1.0, 0.99, 0.98, 0.85, 0.78), 0.0, 0.35,
              (146, 0.6), 0.15, (30, 0.7), (20, 0.5), 70, 0.0, 1, 0.87, 0.05, 0.065, 0.12,
              (("new_plan", .35), ("upgrade", .30), ("promotion_enquiry", .25), ("order_status", .10)),
              (("order_status", 1.0),), ("Shanghai",), 0.25, False),
    QueueSpec("vip", "voice", 0, 1440, 215, (1.15, 1.05, 1.0, 0.98, 0.96, 0.72, 0.66), 0.05, 0.30,
              (172, 0.55), 0.25, (40, 0.7), (28, 0.5), 150, 0.0, 1, 0.88, 0.06, 0.0, 0.0,
              (("account_review", .30), ("billing_question", .25), ("tech_issue", .30), ("plan_change", .15)),
              (("account_review", 1.0),), ("Shanghai",), 0.0, False),
    QueueSpec("chat", "chat", 8 * 60, 1440, 1400, (1.10, 1.04, 1.0, 0.99, 0.98, 0.90, 0.86), 0.0, 0.55,
              (145, 0.6), 0.10, (30, 0.7), (12, 0.5), 240, 0.25, 2, 0.83, 0.09, 0.0, 0.05,
              (("order_status", .30), ("billing_question", .20), ("promotion_enquiry", .20), ("refund", .15),
               ("device_setup", .15)),
              (("order_status", .6), ("billing_question", .4)), ("Chengdu",), 0.25, False),
)
QUEUE_NAMES = tuple(q.name for q in QUEUES)
QI = {q.name: i for i, q in enumerate(QUEUES)}

#: Opening hours of the service desk (minutes of the day): billing and sales are open, vip
#: agents work; outside them the vip line rings at the technical desk.
SERVICE_HOURS = (8 * 60, 21 * 60)
#: A vip caller waiting this long (s) is offered to every voice agent, ahead of their own queue (overflow).
VIP_OVERFLOW_S = 10
#: Routing queues: the five queues, then the vip line outside the service desk's hours.
ROUTES = QUEUE_NAMES + ("vip_out",)
#: Skills of an agent by primary queue: routing queues in the order the agent looks for its next
#: contact, with the wait (s) after which the agent may take one (0: at once); its own queue before
#: the others, which keeps more callers within the 20 s goal than serving the longest wait first.
#: An arriving caller goes to an idle agent for whom its queue comes first among the skills
#: without delay (its primary agents), else to the others.
_SKILLS = {
    "billing": (("vip", VIP_OVERFLOW_S), ("billing", 0), ("sales", 0), ("tech_support", 0)),
    "sales": (("vip", VIP_OVERFLOW_S), ("sales", 0), ("billing", 0), ("tech_support", 0)),
    "vip": (("vip", 0), ("billing", 0), ("sales", 0), ("tech_support", 0)),
    "tech_support": (("vip_out", 0), ("vip", VIP_OVERFLOW_S), ("tech_support", 0), ("billing", 0), ("sales", 0)),
    "chat": (("chat", 0),),
}
#: The same as tiers for the queue simulation (one queue a tier: strict priority).
SKILLS = {k: tuple((x,) for x in v) for k, v in _SKILLS.items()}
#: Hours (minutes of the day) in which a queue's agents are scheduled: the desk's hours.
STAFF_HOURS = {q.name: (q.open_min, q.close_min) for q in QUEUES} | {"vip": SERVICE_HOURS}


def route(qi: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Routing queue (index into ``ROUTES``) of contacts of queue ``qi`` arriving at ``t`` (epoch s, local)."""
    minute = (np.asarray(t) % DAY_S) // 60
    out_of_hours = (minute < SERVICE_HOURS[0]) | (minute >= SERVICE_HOURS[1])
    return np.where((np.asarray(qi) == QI["vip"]) & out_of_hours, len(QUEUES), qi)


#: Outbound sales calls (dialled by the sales queue's outbound agents, 09:00-19:30, Mon-Sat, with a
#: progressive dialler: ``gap_mean`` s of unanswered attempts between connected calls; blended agents
#: get the same calls); ``agents``: outbound agents of the natural centre (times the scale, rounded:
#: none in a tiny center).
OUTBOUND = dict(talk=(120, 0.6), hold_p=0.05, hold=(25, 0.6), acw=(20, 0.5), gap_mean=45,
                conversion=0.03, agents=3.0, reasons=(("upsell_campaign", .6), ("renewal", .4)))

#: Call blending: while inbound is quiet, the dialler gives idle day-shift agents of these queues
#: outbound calls (drawn as the outbound team's) during ``hours`` (s after midnight), Monday to
#: Saturday outside holidays, keeping ``reserve`` voice agents idle for inbound callers (x sqrt(scale):
#: Erlang's slack grows like the square root of the load; at least 2).
BLEND = dict(queues=("billing", "sales", "vip"), hours=(9 * 3600, 20 * 3600), reserve=4)

#: All contact reasons, in a fixed order (codes are indices into this tuple).
REASONS: tuple[str, ...] = tuple(sorted({r for q in QUEUES for r, _ in q.reasons + q.self_reasons}
                                        | {r for r, _ in OUTBOUND["reasons"]}))
RI = {r: i for i, r in enumerate(REASONS)}

#: Shifts: span (s) and planned unavailability windows as (earliest and latest start, in 30-minute
#: slots from the shift start; duration s; kind). kind 0 = break (counted in break_s and
#: break_count), 1 = other aux (training, coaching). The planner puts each window in the slot of
#: its range where coverage exceeds the requirement most (breaks away from the peaks).
#: Day shifts are 8.5 h with a 30-minute lunch and two 15-minute rest breaks (all logged in, in
#: aux), night shifts 8 h, part-time peak shifts 5 h with one break.
SHIFT_KINDS = ("day", "night", "peak")
SHIFTS = {
    "day": dict(span=8 * 3600 + 1800, windows=((3, 6, 900, 0), (6, 10, 1800, 0), (11, 14, 900, 0))),
    "night": dict(span=8 * 3600, windows=((3, 5, 900, 0), (6, 9, 1800, 0), (11, 13, 900, 0))),
    "peak": dict(span=5 * 3600, windows=((3, 6, 900, 0),)),
}
#: Real-time adherence: an agent due for a break or aux window takes a waiting caller first, for
#: up to this long (s) after the planned start (the queue simulation's ``flex``).
BREAK_FLEX_S = 600
#: Available share of a shift (span minus planned breaks), used by the planner.
AVAILABLE = {k: 1 - sum(w[2] for w in v["windows"]) / v["span"] for k, v in SHIFTS.items()}

#: New hires train in a classroom (off the phones) for their first this many days.
CLASSROOM_DAYS = 14
#: Planner's allowances: absence and other aux (training, coaching) as shares of rostered time, and
#: the hours fixed shifts need to cover the intraday requirement curve (schedule efficiency ~94 %).
PLAN_ABSENCE = 0.05
PLAN_OTHER = 0.03
PLAN_COVERAGE = 1.10
#: Service goal the planner rosters for (Erlang C on each desk's pooled traffic): share answered
#: within ANSWER_S, occupancy cap.
PLAN_SL, PLAN_ANSWER_S, PLAN_MAX_OCC = 0.80, 20.0, 0.85
#: The goal holds for the day; no interval is planned below this service level.
PLAN_SL_FLOOR = 0.60
#: Occupancy cap of a chat slot: an agent with two chats open is at the limit.
PLAN_CHAT_MAX_OCC = 0.70

#: QA analysts and their severity (logit shift of every item score); QA04 is notably harsh.
EVALUATORS = (("QA01", 0.0), ("QA02", 0.15), ("QA03", -0.1), ("QA04", -0.75), ("QA05", 0.3))
SUPERVISOR_LENIENCY = 0.25

#: Customer segments: share of the base, value lognormal (median CNY/month, sigma), monthly churn hazard.
SEGMENTS = (("consumer", 0.86, (75.0, 0.6), 0.016),
            ("small_business", 0.10, (380.0, 0.8), 0.010),
            ("vip", 0.04, (1500.0, 0.5), 0.006))
#: Customers active at the natural center's start, and new sign-ups a month as a share of them.
CUSTOMERS_AT_START = 110_000
SIGNUPS_PER_MONTH = 0.022


def rng(seed: int, component: str, *key: int) -> np.random.Generator:
    """An independent random stream for ``component`` and ``key`` (e.g. a month number).

    Streams are spawned from ``SeedSequence(seed)`` with a spawn key, so a month's draws
    do not depend on how many draws other months or components made.
    """
    ss = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(component.encode()), *map(int, key)))
    return np.random.Generator(np.random.PCG64(ss))


def lognormal(r: np.random.Generator, median: float, sigma: float, size) -> np.ndarray:
    return median * np.exp(sigma * r.standard_normal(size))


def mean_handle_s(q: QueueSpec) -> float:
    """Expected talk + hold + ACW of a contact with an average agent (lognormal means)."""
    m = lambda p: p[0] * np.exp(p[1] ** 2 / 2)  # noqa: E731
    return m(q.talk) + q.hold_p * m(q.hold) + m(q.acw)


def month_key(period) -> int:
    """Month number used as a spawn key: year * 12 + month - 1."""
    return int(period.year) * 12 + int(period.month) - 1
