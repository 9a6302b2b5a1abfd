"""What each contact was about and how it ended: customer, reason, resolution, transfer,
conversion, repeat contacts, surveys and complaints. Day by day, in time order.

* Repeat contacts. An unresolved contact brings the customer back on the same reason
  and queue (P = 0.65, after 1 + lognormal(median 1.2 d) days), an abandoned one too
  (P = 0.6, mostly the next day), a contact "resolved" in the IVR/bot sometimes
  (0.10) and an agent-resolved one rarely (0.05: it was not really fixed). A chain
  stops after 4 repeats. Repeats take the place of arrivals of that day's queue, so
  volumes stay those of the arrival process.
* Resolution: logistic in the queue's base rate, the agent's skill and tenure (new
  hires resolve less), the repeat number, transfer, long waits and the agent's
  warning level. 1.5 % of handled contacts carry no disposition (NULL).
* Surveys: 15 % of handled voice contacts, 22 % of chats, answer; a latent
  satisfaction (resolution +, transfer -, waiting -, repeat -, agent +, noise) gives
  CSAT 1-5, NPS 0-10 and CES 1-7; each answer may be skipped (never all three).
* Complaints: P = 0.15 % + 2 % unresolved + 1 % wait > 4 min + 1.2 % long abandon +
  5 % CSAT <= 2 + 1 % transferred (+ 1 % for refunds, disputes, cancellations); 10 %
  are filed elsewhere (letter, app, regulator) without a contact id a day or two
  later. Resolution takes lognormal(median 30 h) and 4 % are never resolved.
"""
from __future__ import annotations

import numpy as np

from ccnb.sample.customers import Customers
from ccnb.sample.spec import DAY_S, OUTBOUND, QI, QUEUES, REASONS, RI, rng

_REASON_P = [(np.array([RI[r] for r, _ in q.reasons]), np.array([p for _, p in q.reasons]) /
              sum(p for _, p in q.reasons)) for q in QUEUES]
_SELF_P = [(np.array([RI[r] for r, _ in q.self_reasons]), np.array([p for _, p in q.self_reasons]))
           for q in QUEUES]
_OUT_P = (np.array([RI[r] for r, _ in OUTBOUND["reasons"]]), np.array([p for _, p in OUTBOUND["reasons"]]))
_COMPLAINT_PRONE = np.isin(np.arange(len(REASONS)), [RI["refund"], RI["dispute"], RI["cancellation"]])
CATEGORIES = ("billing", "network", "product", "sales_practice", "service", "agent_behaviour")
_BILLING_REASONS = [RI[r] for r in ("billing_question", "payment", "refund", "dispute", "invoice_copy",
                                    "cancellation", "plan_change", "balance_enquiry")]
_NETWORK_REASONS = [RI[r] for r in ("no_service", "slow_internet", "outage", "tech_issue")]
MAX_CHAIN = 4


def _logit(p):
    return np.log(p / (1 - p))


def _sig(x):
    return 1 / (1 + np.exp(-x))


class Pending:
    """Repeat contacts due on a day: day -> list of (customer, queue, reason, chain) arrays."""

    def __init__(self):
        self.by_day: dict[int, list[tuple[np.ndarray, ...]]] = {}

    def add(self, days, cust, qi, reason, chain) -> None:
        for d in np.unique(days):
            m = days == d
            self.by_day.setdefault(int(d), []).append((cust[m], qi[m], reason[m], chain[m]))

    def pop(self, day: int):
        parts = self.by_day.pop(day, [])
        if not parts:
            e = np.zeros(0, np.int64)
            return e, e, e, e
        return tuple(np.concatenate(x) for x in zip(*parts))


def month_outcomes(seed: int, mk: int, days: np.ndarray, c: dict[str, np.ndarray], ag: dict[str, np.ndarray],
                   customers: Customers, pending: Pending) -> tuple[dict, dict]:
    """Fill ``c`` (the month's contacts, sorted by arrival) with customer, reason, resolved (1/0/-1 for
    NULL), transferred, converted; return (surveys, complaints) as dicts of arrays (contact row index).

    ``ag``: per-contact agent traits (res_shift, transfer_shift, conv_shift, csat_shift, tenure, warn;
    zeros where no agent).
    """
    r = rng(seed, "outcomes", mk)
    n = len(c["t"])
    cust = np.full(n, -1, np.int64)
    reason = np.zeros(n, np.int64)
    chain = np.zeros(n, np.int64)
    resolved = np.full(n, -1, np.int8)
    transferred = np.zeros(n, bool)
    converted = np.zeros(n, bool)
    sv = {k: [] for k in ("row", "csat", "nps", "ces")}
    cp = {k: [] for k in ("row", "cust", "opened", "resolved", "category")}
    day_of = c["t"] // DAY_S
    bounds = np.searchsorted(day_of, np.append(days, days[-1] + 1))
    pool = customers.pool(days)
    qi_all, out_all = c["qi"], c["outbound"]
    for j, d in enumerate(days):
        d = int(d)
        lo, hi = bounds[j], bounds[j + 1]
        if hi == lo:
            pending.pop(d)
            continue
        qi, outb = qi_all[lo:hi], out_all[lo:hi]
        assigned = np.zeros(hi - lo, bool)
        # 1. repeat contacts due today take arrivals of their queue
        pc, pq, pr, pch = pending.pop(d)
        alive = (customers.churn[pc] >= d) if len(pc) else np.zeros(0, bool)
        pc, pq, pr, pch = pc[alive], pq[alive], pr[alive], pch[alive]
        for q in range(len(QUEUES)):
            due = np.flatnonzero(pq == q)
            slots = np.flatnonzero((qi == q) & ~outb)
            k = min(len(due), len(slots) // 2)
            if k:
                due = due[r.permutation(len(due))[:k]]
                take = r.choice(slots, k, replace=False)
                cust[lo + take], reason[lo + take], chain[lo + take] = pc[due], pr[due], pch[due]
                assigned[take] = True
        # 2. everyone else: a customer drawn by contact weights (or anonymous), a reason
        w = customers.weights(pool, d)
        for q in range(len(QUEUES)):
            inb = np.flatnonzero((qi == q) & ~outb & ~assigned)
            ob = np.flatnonzero((qi == q) & outb)
            if len(inb):
                anon = r.random(len(inb)) < QUEUES[q].anonymous
                cust[lo + inb] = _draw(r, pool, w[:, q], len(inb))
                cust[lo + inb[anon]] = -1
                ss = c["self_served"][lo + inb]
                rs, ps = _SELF_P[q]
                ra, pa = _REASON_P[q]
                reason[lo + inb] = np.where(ss, rs[r.choice(len(rs), len(inb), p=ps)],
                                            ra[r.choice(len(ra), len(inb), p=pa)])
                if QUEUES[q].name == "tech_support":
                    o = inb[c["outage"][lo + inb] & (r.random(len(inb)) < 0.8)]
                    reason[lo + o] = RI["outage"]
            if len(ob):
                cust[lo + ob] = _draw(r, pool, w[:, QI["sales"]] * (customers.segment[pool] < 2), len(ob))
                reason[lo + ob] = _OUT_P[0][r.choice(len(_OUT_P[0]), len(ob), p=_OUT_P[1])]
        # 3. outcomes
        sl = slice(lo, hi)
        handled = c["shift"][sl] >= 0
        inbound = ~outb
        qb = qi
        ten = ag["tenure"][sl]
        newness = np.exp(-ten / 60.0)
        u = r.random((8, hi - lo))
        p_tr = _sig(_logit(_Q["transfer"][qb]) + ag["transfer_shift"][sl] + 0.5 * newness)
        tr = handled & inbound & (u[0] < p_tr)
        wait = c["wait"][sl]
        p_res = _sig(_logit(_Q["resolve"][qb]) + ag["res_shift"][sl] - 0.6 * newness - 0.25 * chain[sl]
                     - 0.5 * tr - 0.3 * (wait > 300) - 0.5 * ag["warn"][sl])
        res = np.where(handled & inbound, (u[1] < p_res).astype(np.int8), -1).astype(np.int8)
        res[handled & inbound & (u[2] < 0.015)] = -1
        res[c["self_served"][sl]] = 1
        transferred[sl], resolved[sl] = tr, res
        rsn = reason[sl]
        p_conv = np.where(outb, OUTBOUND["conversion"], 0.0)
        p_conv = np.where(inbound & (qb == QI["sales"]), _Q["conversion"][QI["sales"]] *
                          np.where(np.isin(rsn, [RI["new_plan"], RI["upgrade"]]), 1.4, 0.6), p_conv)
        p_conv = np.where(inbound & (qb == QI["chat"]) & (rsn == RI["promotion_enquiry"]), 0.04, p_conv)
        p_conv = _sig(_logit(np.clip(p_conv, 1e-6, 0.9)) + ag["conv_shift"][sl])
        converted[sl] = handled & (p_conv > 1e-5) & (u[3] < p_conv)
        # 4. surveys
        has_c = cust[sl] >= 0
        p_sv = np.where(QUEUES_CHAT[qb], 0.22, 0.15)
        srv = np.flatnonzero(handled & inbound & has_c & (u[4] < p_sv))
        csat_low = np.zeros(hi - lo, bool)
        if len(srv):
            lat = (1.15 + 1.2 * (res[srv] == 1) - 0.6 * tr[srv] - 0.45 * np.minimum(wait[srv] / 120.0, 3)
                   - 0.3 * chain[lo + srv] + ag["csat_shift"][lo + srv] + r.standard_normal(len(srv)))
            csat = 1 + (lat[:, None] > np.array([-1.0, -0.2, 0.6, 1.5])).sum(1)
            nps = np.clip(np.rint(6.2 + 1.5 * lat + 1.0 * r.standard_normal(len(srv))), 0, 10)
            ces = np.clip(np.rint(4.1 + 1.0 * lat + 0.9 * r.standard_normal(len(srv))), 1, 7)
            miss = r.random((3, len(srv))) < np.array([[0.04], [0.12], [0.22]])
            miss[0] &= ~(miss[1] & miss[2])  # at least one answer
            sv["row"].append(lo + srv)
            sv["csat"].append(np.where(miss[0], -1, csat))
            sv["nps"].append(np.where(miss[1], -1, nps).astype(np.int64))
            sv["ces"].append(np.where(miss[2], -1, ces).astype(np.int64))
            csat_low[srv] = (csat <= 2) & ~miss[0]
        # 5. complaints
        ab = c["abandoned"][sl]
        p_cp = (0.0015 + 0.02 * (res == 0) + 0.01 * (wait > 240) + 0.012 * (ab & (wait > 120))
                + 0.05 * csat_low + 0.01 * tr + 0.01 * _COMPLAINT_PRONE[rsn])
        cpl = np.flatnonzero(inbound & has_c & (u[5] < p_cp))
        if len(cpl):
            elsewhere = r.random(len(cpl)) < 0.10
            opened = c["end"][lo + cpl] + r.integers(0, 600, len(cpl))
            opened = np.where(elsewhere, opened + r.integers(DAY_S // 2, 3 * DAY_S, len(cpl)), opened)
            dur = np.rint(30 * 3600 * np.exp(1.0 * r.standard_normal(len(cpl)))).astype(np.int64) + 600
            never = r.random(len(cpl)) < 0.04
            cat = _category(r, qb[cpl], rsn[cpl], wait[cpl], ab[cpl], csat_low[cpl], res[cpl])
            cp["row"].append(np.where(elsewhere, -1, lo + cpl))
            cp["cust"].append(cust[lo + cpl])
            cp["opened"].append(opened)
            cp["resolved"].append(np.where(never, -1, opened + dur))
            cp["category"].append(cat)
        # 6. repeat contacts to come, and the customers' experience
        ss = c["self_served"][sl]
        p_rep = np.select([ab, handled & (res == 0), handled & (res == -1), ss, handled], [0.6, 0.65, 0.3, 0.10, 0.05],
                          0.0)
        rep = np.flatnonzero(inbound & has_c & (chain[sl] < MAX_CHAIN) & (u[6] < p_rep))
        if len(rep):
            delay = np.where(ab[rep], 1 + np.floor(r.exponential(0.7, len(rep))),
                             1 + np.floor(1.2 * np.exp(0.8 * r.standard_normal(len(rep)))))
            delay = np.where(handled[rep] & (res[rep] == 1), 2 + np.floor(r.exponential(3.0, len(rep))), delay)
            due = d + np.minimum(delay, 25).astype(np.int64)
            pending.add(due, cust[lo + rep], qb[rep], rsn[rep], chain[lo + rep] + 1)
        cc = cust[sl]
        m = has_c
        e = customers.exp
        np.add.at(e["repeats"], cc[m & (chain[sl] > 0)], 1)
        np.add.at(e["abandons"], cc[m & ab], 1)
        np.add.at(e["long_waits"], cc[m & (wait > 120)], 1)
        np.add.at(e["low_csat"], cc[m & csat_low], 1)
        np.add.at(e["unresolved"], cc[m & handled & (res == 0)], 1)
    c.update(customer=cust, reason=reason, chain=chain, resolved=resolved, transferred=transferred,
             converted=converted)
    surveys = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in sv.items()}
    complaints = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in cp.items()}
    return surveys, complaints


_Q = {k: np.array([getattr(q, k) for q in QUEUES]) for k in ("transfer", "resolve", "conversion")}
_Q["conversion"] = np.maximum(_Q["conversion"], 1e-6)
QUEUES_CHAT = np.array([q.channel == "chat" for q in QUEUES])


def _draw(r: np.random.Generator, pool: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    cw = np.cumsum(w)
    if cw[-1] <= 0:
        return np.full(k, -1, np.int64)
    return pool[np.minimum(np.searchsorted(cw, r.random(k) * cw[-1], side="right"), len(pool) - 1)]


def _category(r, qi, rsn, wait, ab, low, res) -> np.ndarray:
    n = len(qi)
    cat = np.full(n, CATEGORIES.index("product"))
    cat[np.isin(rsn, _BILLING_REASONS)] = CATEGORIES.index("billing")
    cat[np.isin(rsn, _NETWORK_REASONS)] = CATEGORIES.index("network")
    cat[qi == QI["sales"]] = CATEGORIES.index("sales_practice")
    cat[(wait > 240) | ab] = CATEGORIES.index("service")
    cat[low & (res == 1) & (r.random(n) < 0.5)] = CATEGORIES.index("agent_behaviour")
    return cat
