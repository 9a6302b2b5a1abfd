"""Customers: the base, who contacts the center, and who churns.

The base at the start has sign-up dates spread over the previous twelve years
(long-tenured customers are the survivors); new customers sign up every month
(``SIGNUPS_PER_MONTH`` of the starting base, growing 5 % a year). Segments are
consumer / small_business / vip with lognormal monthly ``value``. Each customer has a
lognormal contact propensity (a few heavy users) and contacts more in the first
weeks after signing up; vip customers use the vip queue, small businesses billing
and tech support more than chat.

Churn is a discrete-time proportional-hazards process, decided at the start of each
month from what happened up to then; the churn date is uniform within the month and
a churned customer never contacts again (about a third call to cancel on that day):

    h = h_segment * exp(1.1 open_complaint + 0.25 min(repeats, 4) + 0.3 min(abandons, 3)
                        + 0.15 min(long_waits, 3) + 0.7 min(low_csat, 2) + 0.35 min(unresolved, 3)
                        - 0.2 log(value / segment median) + 0.9 [tenure < 180 d] - 0.35 [tenure > 2 years])
    P(churn this month) = 1 - exp(-h)

``open_complaint``: a complaint opened and not resolved by the month start; the
experience counts (repeat contacts, abandoned contacts, waits over 120 s, CSAT <= 2,
unresolved contacts) decay by 60 % a month, so last month weighs most. Baseline
hazards (consumer 1.6 %, small business 1.0 %, vip 0.6 % a month) put monthly
retention of the whole base near 98 % (about 80 % over a year), of customers who
contacted the centre in a month near 96 % by the end of the next month, and of new
customers lower (early-life churn: x 2.5 in the first six months); customers with an
open complaint leave several times faster.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from ccnb.sample.spec import CUSTOMERS_AT_START, DAY_S, NEVER, QI, QUEUES, SEGMENTS, SIGNUPS_PER_MONTH, lognormal, rng

#: Contact affinity by segment (rows) and queue (columns, QUEUES order).
AFFINITY = np.array([
    # billing tech sales vip chat
    [1.0, 1.0, 1.0, 0.0, 1.3],    # consumer
    [1.4, 1.3, 0.9, 0.0, 0.6],    # small_business
    [0.12, 0.12, 0.1, 1.0, 0.08],  # vip
])
SEG_MEDIAN = np.array([s[2][0] for s in SEGMENTS])
EXPERIENCE = ("repeats", "abandons", "long_waits", "low_csat", "unresolved")


class Customers:
    """Parallel numpy arrays, index = internal customer number (ids follow sign-up order)."""

    def __init__(self, seed: int, scale: float, start: int):
        r = rng(seed, "customers-initial")
        self.seed, self.scale, self.start = seed, scale, start
        self.n0 = max(200, int(round(CUSTOMERS_AT_START * scale)))
        age = np.minimum(r.exponential(4.0 * 365, self.n0), 12 * 365).astype(np.int64) + 1
        signup = np.sort(start - age)
        self._alloc(0)
        self._append(r, signup)

    def _alloc(self, n: int) -> None:
        self.segment = np.zeros(n, np.int64)
        self.value = np.zeros(n)
        self.signup = np.zeros(n, np.int64)
        self.churn = np.zeros(n, np.int64)
        self.prop = np.zeros(n)
        self.exp = {k: np.zeros(n) for k in EXPERIENCE}

    def _append(self, r: np.random.Generator, signup: np.ndarray) -> None:
        n = len(signup)
        seg = r.choice(len(SEGMENTS), n, p=[s[1] for s in SEGMENTS])
        med = SEG_MEDIAN[seg]
        sig = np.array([s[2][1] for s in SEGMENTS])[seg]
        value = np.round(med * np.exp(sig * r.standard_normal(n)), 2)
        value[r.random(n) < 0.02] = np.nan
        self.segment = np.concatenate([self.segment, seg])
        self.value = np.concatenate([self.value, value])
        self.signup = np.concatenate([self.signup, signup.astype(np.int64)])
        self.churn = np.concatenate([self.churn, np.full(n, NEVER, np.int64)])
        self.prop = np.concatenate([self.prop, lognormal(r, 1.0, 0.9, n)])
        for k in EXPERIENCE:
            self.exp[k] = np.concatenate([self.exp[k], np.zeros(n)])

    def __len__(self) -> int:
        return len(self.signup)

    def sign_up(self, mk: int, days: np.ndarray) -> None:
        """New customers of the month (``mk``: month key)."""
        r = rng(self.seed, "signups", mk)
        years = (days[0] - self.start) / 365.25
        n = int(r.poisson(SIGNUPS_PER_MONTH * self.n0 * (1 + 0.05 * years)))
        self._append(r, np.sort(r.choice(days, n)))

    def decide_churn(self, mk: int, days: np.ndarray, open_complaint: np.ndarray) -> np.ndarray:
        """Churn dates for this month from experience so far; returns the churners' indices."""
        r = rng(self.seed, "churn", mk)
        ms = int(days[0])
        n = len(self)
        u = r.random((2, n))
        active = (self.signup < ms) & (self.churn == NEVER)
        e = self.exp
        base = np.array([s[3] for s in SEGMENTS])[self.segment]
        val = np.where(np.isnan(self.value), SEG_MEDIAN[self.segment], np.maximum(self.value, 1.0))
        lin = (1.1 * open_complaint + 0.25 * np.minimum(e["repeats"], 4) + 0.3 * np.minimum(e["abandons"], 3)
               + 0.15 * np.minimum(e["long_waits"], 3) + 0.7 * np.minimum(e["low_csat"], 2)
               + 0.35 * np.minimum(e["unresolved"], 3) - 0.2 * np.log(val / SEG_MEDIAN[self.segment])
               + 0.9 * ((ms - self.signup) < 180) - 0.35 * ((ms - self.signup) > 730))
        p = 1 - np.exp(-base * np.exp(lin))
        who = np.flatnonzero(active & (u[0] < p))
        self.churn[who] = ms + (u[1, who] * len(days)).astype(np.int64)
        for k in EXPERIENCE:
            self.exp[k] *= 0.4
        return who

    def pool(self, days: np.ndarray) -> np.ndarray:
        """Customers who may contact during ``days`` (signed up by the end, not churned before the start)."""
        return np.flatnonzero((self.signup <= days[-1]) & (self.churn > days[0]))

    def weights(self, pool: np.ndarray, day: int) -> np.ndarray:
        """Contact weights (len(pool), n_queues) on ``day``: zero if not yet signed up or churned."""
        ok = (self.signup[pool] <= day) & (self.churn[pool] > day)
        onboarding = 1 + 2 * np.exp(-np.maximum(day - self.signup[pool], 0) / 45)
        w = self.prop[pool] * onboarding * ok
        return w[:, None] * AFFINITY[self.segment[pool]]

    def contact_details(self) -> tuple[pa.Array, pa.Array]:
        """Fake phone numbers and e-mail addresses (restricted identifiers), some missing.

        Built as Arrow string arrays (no Python string per customer: millions of customers at
        scale); the same text as ``str(number)`` and ``f"{syllable}{syllable}{digits}@{domain}"``.
        """
        import pyarrow.compute as pc

        r = rng(self.seed, "contact-details")
        n = len(self)
        prefixes = np.array([130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 166, 176, 177,
                             180, 181, 182, 186, 187, 188, 189, 191, 199])
        num = prefixes[r.integers(len(prefixes), size=n)] * 10**8 + r.integers(0, 10**8, n)
        syll = np.array("an bai bo chen cheng da fang fei gang hai hao hong hua jia jian jie jing jun kai lan lei li "
                        "lin ling long mei min ming na ning peng ping qiang qing rui shan tao ting wei wen xia xiao "
                        "xin xue yan yang yi ying yu yun zhen zhi".split())
        doms = np.array(["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "gmail.com", "outlook.com"])
        a, b = r.integers(len(syll), size=n), r.integers(len(syll), size=n)
        digits = r.integers(0, 10000, n)
        use_digits = r.random(n) < 0.6
        dom = r.choice(len(doms), n, p=[.35, .2, .1, .07, .08, .1, .1])
        phone_missing = r.random(n) < 0.05
        email_missing = r.random(n) < 0.35
        text = lambda words, idx: pa.array(words.tolist(), pa.string()).take(pa.array(idx))  # noqa: E731
        phones = pc.if_else(pa.array(phone_missing), pa.scalar(None, pa.string()),
                            pc.cast(pa.array(num, pa.int64()), pa.string()))
        tail = pc.if_else(pa.array(use_digits), pc.cast(pa.array(digits, pa.int64()), pa.string()), "")
        emails = pc.binary_join_element_wise(text(syll, a), text(syll, b), tail, "@", text(doms, dom), "")
        emails = pc.if_else(pa.array(email_missing), pa.scalar(None, pa.string()), emails)
        return phones, emails


def open_complaints(n: int, cust: np.ndarray, opened: np.ndarray, resolved: np.ndarray, at_s: int) -> np.ndarray:
    """Per customer: 1 if a complaint opened before ``at_s`` (epoch s) is still open then."""
    out = np.zeros(n)
    if len(cust):
        m = (opened < at_s) & (resolved >= at_s)
        out[cust[m]] = 1.0
    return out


assert AFFINITY.shape == (len(SEGMENTS), len(QUEUES)) and QI["vip"] == 3 and DAY_S == 86_400
