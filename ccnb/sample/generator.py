"""The month loop: plan, roster, schedule, arrivals, queue simulation, outcomes, QA, files.

Months are simulated in order (agents, customers and pending repeat contacts carry
over), each from its own random streams (``spec.rng(seed, component, month)``), and
written as soon as they are done, so memory stays that of one month.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ccnb.sample import agent_days, agent_schedule, arrivals, planning, quality, writer
from ccnb.sample.agent_roster import Roster
from ccnb.sample.business_calendar import build_calendar, ordinal
from ccnb.sample.customers import Customers, open_complaints
from ccnb.sample.outcomes import CATEGORIES, Pending, month_outcomes
from ccnb.sample.queue_sim import dial, outbound_calls, simulate
from ccnb.sample.spec import (
    BLEND,
    BREAK_FLEX_S,
    DAY_S,
    EVALUATORS,
    NEVER,
    QI,
    QUEUES,
    REASONS,
    RI,
    ROUTES,
    SEGMENTS,
    SKILLS,
    month_key,
    rng,
    route,
)

#: Outbound calls (the outbound team's and blended) as a share of all contacts (measured on the
#: natural center), used to scale.
OUTBOUND_SHARE = 0.12
CHANNELS = ("voice", "chat", "email")
DIRECTIONS = ("inbound", "outbound")


def _days(p: pd.Period) -> np.ndarray:
    return np.arange(ordinal(p.start_time.date()), ordinal(p.end_time.date()) + 1, dtype=np.int64)


class Generator:
    def __init__(self, seed: int, months: list[pd.Period], contacts: int | None, form: dict):
        self.seed, self.months, self.form = int(seed), months, form
        self.items = list(form)
        self.first, self.last = int(_days(months[0])[0]), int(_days(months[-1])[-1])
        horizon = (months[-1] + 2).end_time.date()
        self.cal = build_calendar(months[0].start_time.date(), horizon, self.seed, {month_key(m) for m in months})
        self.natural = self.natural_total()
        self.scale = 1.0 if contacts is None else float(contacts) / self.natural
        self.agent_width = 4 if self.scale < 25 else 6
        self.roster = Roster(self.seed)
        d0 = _days(months[0])
        self.roster.initial(self.seed, planning.headcount_targets(self.cal, d0, self.scale), self.first)
        prev = month_key(months[0]) - 1
        self.roster.decide_leavers(self.seed, prev, self.first - 1, self.first, int(d0[-1]))
        self.customers = Customers(self.seed, self.scale, self.first)
        self.pending = Pending()
        self.complaints: dict[str, list] = {k: [] for k in ("contact_id", "cust", "opened", "resolved", "category")}
        self.stats: dict[str, dict] = {}

    def natural_total(self) -> float:
        """Expected contacts of the natural center over the period (inbound from rates, plus outbound)."""
        days = np.arange(self.first, self.last + 1)
        inbound = sum(arrivals.expected_daily(self.cal, days, qi, 1.0).sum() for qi in range(len(QUEUES)))
        return inbound / (1 - OUTBOUND_SHARE)

    # ------------------------------------------------------------------ one month
    def month(self, p: pd.Period) -> Iterator[tuple[str, pa.Table]]:
        """Simulate month ``p``; yield its tables (``interactions``, ``surveys``, ``qa_evaluations``,
        ``agent_days``) one at a time, so a caller that writes each before taking the next holds one
        table in memory, not four (the simulation's state is complete before the first is yielded)."""
        seed, mk, days, roster, cal = self.seed, month_key(p), _days(p), self.roster, self.cal
        ms = int(days[0])
        nxt = _days(p + 1)
        roster.decide_leavers(seed, mk, ms, int(nxt[0]), int(nxt[-1]))
        roster.hire_to_target(seed, mk, planning.headcount_targets(cal, nxt, self.scale), int(nxt[0]) + 10, ms)
        cu = self.customers
        cu.sign_up(mk, days)
        cp = self.complaints
        opened = np.concatenate(cp["opened"]) if cp["opened"] else np.zeros(0, np.int64)
        resolved = np.concatenate(cp["resolved"]) if cp["resolved"] else np.zeros(0, np.int64)
        resolved = np.where(resolved < 0, np.int64(1) << 62, resolved)
        custs = np.concatenate(cp["cust"]) if cp["cust"] else np.zeros(0, np.int64)
        churners = cu.decide_churn(mk, days, open_complaints(len(cu), custs, opened, resolved, ms * DAY_S))
        cancel = churners[rng(seed, "cancel", mk).random(len(churners)) < 0.35]
        self.pending.add(cu.churn[cancel], cancel, np.full(len(cancel), QI["billing"]),
                         np.full(len(cancel), RI["cancellation"]), np.zeros(len(cancel), np.int64))

        req = planning.requirements(cal, days, self.scale)
        sh = agent_schedule.build_month(seed, mk, p.month, days, roster, cal, req)
        ns = len(sh)
        st = {"break_s": np.zeros(ns, np.int64), "break_n": np.zeros(ns, np.int64),
              "other_s": np.zeros(ns, np.int64), "last": np.array(sh.login, np.int64)}
        arr = [arrivals.generate(seed, mk, qi, days, cal, self.scale) for qi in range(len(QUEUES))]
        shift_of, answer_of, blended = self._route_and_serve(mk, days, sh, st, arr)
        parts = [self._contacts(a, qi, shift_of[qi], answer_of[qi], np.array(sh.mult)) for qi, a in enumerate(arr)]
        del arr, shift_of, answer_of  # memory: one copy of the month's contacts at a time (10M rows: GBs)
        parts.append(self._outbound(mk, sh, st))
        parts.append(blended)
        del blended
        c = {k: np.concatenate([x.pop(k) for x in parts]) for k in list(parts[0])}
        del parts
        order = np.lexsort((c["seq"], c["qi"], c["t"]))
        for k in c:  # in place, one column at a time
            c[k] = c[k][order]
        del order
        agent_of = np.where(c["shift"] >= 0, np.array(sh.agent, np.int64)[np.maximum(c["shift"], 0)], -1)
        ag = self._traits(c, agent_of, sh)
        surveys, complaints = month_outcomes(seed, mk, days, c, ag, cu, self.pending)
        qa = quality.month_evaluations(seed, mk, days, c, agent_of, roster, self.form)
        ad = agent_days.aggregate(sh, st, c)
        self._occupancy(ad)
        prefix = f"C{p.year % 100:02d}{p.month:02d}"
        contact_ids = writer.ids(prefix, np.arange(1, len(c["t"]) + 1), 8)
        keep = complaints["opened"] < (self.last + 1) * DAY_S
        rows = complaints["row"][keep]
        cid = contact_ids.take(pa.array(np.maximum(rows, 0), mask=rows < 0)) if len(rows) else pa.array([], pa.string())
        cp["contact_id"].append(cid)
        for k in ("cust", "opened", "resolved", "category"):
            cp[k].append(complaints[k][keep])
        self._month_stats(p, c, ad)
        del ag, rows, cid, complaints, keep
        interactions = self._t_interactions(c, contact_ids, agent_of)
        del c, agent_of
        yield "interactions", interactions
        del interactions
        yield "surveys", self._t_surveys(surveys, contact_ids)
        yield "qa_evaluations", self._t_qa(qa, contact_ids, p)
        yield "agent_days", self._t_agent_days(ad)

    def _route_and_serve(self, mk, days, sh, st, arr) -> tuple[list[np.ndarray], list[np.ndarray], dict]:
        """Simulate every desk at once (``queue_sim.simulate``) over the agents present (chat agents: one
        slot per concurrent chat), with call blending on the service desk; fill ``st`` (per shift:
        breaks, other aux, last activity) and return, per queue and contact, the shift that handled
        it and the answer time (-1: not handled), and the blended outbound calls as contacts."""
        present, outb = np.array(sh.present, bool) & ~np.array(sh.classroom, bool), np.array(sh.outbound, bool)
        idx = np.flatnonzero(present & ~outb)
        sq = np.array(sh.qi, np.int64)[idx]
        slot_shift = np.repeat(idx, np.array([q.slots for q in QUEUES])[sq])
        route_ix = {r: i for i, r in enumerate(ROUTES)}
        skills = [tuple(tuple((route_ix[r], d) for r, d in tier) for tier in SKILLS[q.name]) for q in QUEUES]
        agent_q = np.array(sh.qi, np.int64)[slot_shift]
        calls = [np.flatnonzero(~a["self_served"]) for a in arr]
        t = np.concatenate([a["t"][c] for a, c in zip(arr, calls)])
        qi = np.concatenate([np.full(len(c), i) for i, c in enumerate(calls)])
        pos = np.concatenate([c for c in calls])
        order = np.lexsort((pos, qi, t))
        t, qi, pos = t[order], qi[order], pos[order]
        pick = lambda k: np.concatenate([a[k][c] for a, c in zip(arr, calls)])[order]  # noqa: E731
        hd = pick("talk") + pick("hold") + pick("acw")
        # call blending: day-shift agents of BLEND's queues, Monday to Saturday outside holidays
        blending = np.isin(agent_q, [QI[q] for q in BLEND["queues"]]) & (np.array(sh.start)[slot_shift] % DAY_S > 0)
        dow = (days + 3) % 7
        pool = outbound_calls(rng(self.seed, "blend", mk), 60 * int(blending.sum()) + 100)
        blend = {"agents": blending, "desk": np.array([QUEUES[q].channel == "voice" for q in agent_q], bool),
                 "days": days[(dow != 6) & ~self.cal.off[days - self.cal.first]], "hours": BLEND["hours"],
                 "reserve": max(2, int(round(BLEND["reserve"] * np.sqrt(self.scale)))),
                 "gap": pool["gap"], "ring": pool["ring"], "handle": pool["talk"] + pool["hold"] + pool["acw"]}
        slot, ans, free, bs, bn, os_, last, (bj, bk, _, bans) = simulate(
            t, pick("patience"), hd, pick("ring"),
            [sh.login[i] for i in slot_shift], [sh.end[i] for i in slot_shift],
            [sh.mult[i] for i in slot_shift], [sh.windows[i] for i in slot_shift],
            queue=route(qi, t), group=agent_q.tolist(), skills=skills, flex=BREAK_FLEX_S, blend=blend)
        first_slot = np.r_[True, slot_shift[1:] != slot_shift[:-1]] if len(slot_shift) else np.zeros(0, bool)
        st["break_s"][slot_shift[first_slot]] = bs[first_slot]
        st["break_n"][slot_shift[first_slot]] = bn[first_slot]
        st["other_s"][slot_shift[first_slot]] = os_[first_slot]
        np.maximum.at(st["last"], slot_shift, last)
        handled_by = np.where(slot >= 0, slot_shift[np.maximum(slot, 0)] if len(slot_shift) else -1, -1)
        shift_of, answer_of = [], []
        for i, a in enumerate(arr):
            n = len(a["t"])
            m = qi == i
            shift, answer = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
            shift[pos[m]] = handled_by[m]
            answer[pos[m]] = np.where(slot[m] >= 0, ans[m], -1)
            shift_of.append(shift)
            answer_of.append(answer)
        # blended outbound calls: contacts like the outbound team's
        n = len(bj)
        shift = slot_shift[bk] if n else np.zeros(0, np.int64)
        m = np.array(sh.mult)[shift] if n else np.zeros(0)
        total = ((pool["talk"][bj] + pool["hold"][bj] + pool["acw"][bj]) * m + 0.5).astype(np.int64)
        talk, hold = np.rint(pool["talk"][bj] * m).astype(np.int64), np.rint(pool["hold"][bj] * m).astype(np.int64)
        blended = {"t": bans - pool["ring"][bj], "qi": np.full(n, QI["sales"]), "seq": np.arange(n),
                   "outbound": np.ones(n, bool), "shift": shift, "answer": bans, "end": bans + talk + hold,
                   "wait": np.zeros(n, np.int64), "talk": talk, "hold": hold, "acw": np.maximum(total - talk - hold, 0),
                   "abandoned": np.zeros(n, bool), "self_served": np.zeros(n, bool), "outage": np.zeros(n, bool),
                   "chat": np.zeros(n, bool)}
        return shift_of, answer_of, blended

    def _contacts(self, a, qi, shift, answer, mult) -> dict[str, np.ndarray]:
        n = len(a["t"])
        handled = shift >= 0
        m = np.where(handled, mult[np.maximum(shift, 0)], 0.0)
        total = (a["talk"] + a["hold"] + a["acw"]) * m + 0.5
        total = total.astype(np.int64)
        talk = np.where(handled, np.rint(a["talk"] * m), 0).astype(np.int64)
        hold = np.where(handled, np.rint(a["hold"] * m), 0).astype(np.int64)
        acw = np.where(handled, total - talk - hold, 0)
        ss = a["self_served"]
        ab = ~handled & ~ss
        wait = np.where(handled, answer - a["t"], np.where(ab, a["patience"], 0))
        end = np.where(handled, answer + talk + hold, a["t"] + np.where(ab, a["patience"], a["ivr"]))
        return {"t": a["t"], "qi": np.full(n, qi), "seq": np.arange(n), "outbound": np.zeros(n, bool),
                "shift": shift, "answer": answer, "end": end, "wait": wait, "talk": talk, "hold": hold, "acw": acw,
                "abandoned": ab, "self_served": ss, "outage": a["outage"], "chat": np.full(n, QUEUES[qi].channel == "chat")}

    def _outbound(self, mk, sh, st) -> dict[str, np.ndarray]:
        r = rng(self.seed, "outbound", mk)
        cols = {k: [] for k in ("t", "shift", "answer", "talk", "hold", "acw")}
        for i in range(len(sh)):
            if not (sh.outbound[i] and sh.present[i]) or sh.classroom[i]:
                continue
            (dl, an, tk, hd, aw), (bs, bn, os_, last) = dial(r, sh.login[i], sh.end[i], sh.mult[i], sh.windows[i])
            st["break_s"][i], st["break_n"][i], st["other_s"][i] = bs, bn, os_
            st["last"][i] = max(st["last"][i], last)
            for k, v in zip(("t", "answer", "talk", "hold", "acw"), (dl, an, tk, hd, aw)):
                cols[k] += v
            cols["shift"] += [i] * len(dl)
        c = {k: np.array(v, np.int64) for k, v in cols.items()}
        n = len(c["t"])
        c.update(qi=np.full(n, QI["sales"]), seq=np.arange(n), outbound=np.ones(n, bool), wait=np.zeros(n, np.int64),
                 end=c["answer"] + c["talk"] + c["hold"], abandoned=np.zeros(n, bool), self_served=np.zeros(n, bool),
                 outage=np.zeros(n, bool), chat=np.zeros(n, bool))
        return c

    def _traits(self, c, agent_of, sh) -> dict[str, np.ndarray]:
        ro = self.roster
        a = np.maximum(agent_of, 0)
        has = agent_of >= 0
        out = {k: np.where(has, np.array(getattr(ro, k))[a], 0.0)
               for k in ("res_shift", "transfer_shift", "conv_shift", "csat_shift")}
        out["tenure"] = np.where(has, c["t"] // DAY_S - np.array(ro.hire)[a], 1000).astype(float)
        out["warn"] = np.where(has, np.array(sh.warn)[np.maximum(c["shift"], 0)], 0.0)
        return out

    def _occupancy(self, ad) -> None:
        avail = ad["logged_in_s"] - ad["break_s"] - ad["other_s"]
        busy = ad["talk_s"] + ad["hold_s"] + ad["acw_s"]
        num = np.bincount(ad["agent"], busy, len(self.roster))
        den = np.bincount(ad["agent"], avail, len(self.roster))
        for i in np.flatnonzero(den > 0):
            self.roster.occ[i] = float(num[i] / den[i])

    def _month_stats(self, p, c, ad) -> None:
        inb = ~c["outbound"] & ~c["self_served"]
        handled = c["shift"] >= 0
        offered = inb.sum()
        sl = (inb & handled & (c["wait"] <= 20)).sum() / max(offered, 1)
        busy = (ad["talk_s"] + ad["hold_s"] + ad["acw_s"]).sum()
        self.stats[str(p)] = {"contacts": int(len(c["t"])), "service_level": round(float(sl), 4),
                              "abandon_rate": round(float((inb & c["abandoned"]).sum() / max(offered, 1)), 4),
                              "occupancy": round(float(busy / max((ad["logged_in_s"] - ad["break_s"]).sum(), 1)), 4),
                              "agents_scheduled": int(len(np.unique(ad["agent"])))}

    # ------------------------------------------------------------------ tables
    def agent_ids(self, idx) -> pa.Array:
        idx = np.asarray(idx, np.int64)
        s = writer.ids("A", idx + 1, self.agent_width)
        return pc.if_else(pa.array(idx < 0), pa.scalar(None, pa.string()), s) if (idx < 0).any() else s

    def customer_ids(self, idx) -> pa.Array:
        idx = np.asarray(idx, np.int64)
        s = writer.ids("CU", np.maximum(idx, 0) + 1, 7)
        return pc.if_else(pa.array(idx < 0), pa.scalar(None, pa.string()), s) if (idx < 0).any() else s

    def _t_interactions(self, c, contact_ids, agent_of) -> pa.Table:
        """The month's interactions table; consumes ``c`` (each column is dropped once converted,
        so that a 10M-contact month never holds both whole)."""
        W = writer
        ch = np.array([CHANNELS.index(q.channel) for q in QUEUES])[c["qi"]]
        cols = {"contact_id": contact_ids, "channel": W.lookup(CHANNELS, ch)}
        del ch
        cols["direction"] = W.lookup(DIRECTIONS, c.pop("outbound").astype(np.int64))
        cols["queue"] = W.lookup([q.name for q in QUEUES], c.pop("qi"))
        cols["arrival_ts"] = W.ts(c.pop("t"))
        answer = c.pop("answer")
        cols["answer_ts"] = W.ts(np.maximum(answer, 0), answer < 0)
        del answer
        cols["end_ts"] = W.ts(c.pop("end"))
        cols["customer_id"] = self.customer_ids(c.pop("customer"))
        cols["agent_id"] = self.agent_ids(agent_of)
        for k in ("wait", "talk", "hold", "acw"):
            cols[f"{k}_s"] = W.num(c.pop(k).astype(float))
        for k in ("abandoned", "transferred", "self_served"):
            cols[k] = W.boolean(c.pop(k))
        cols["reason"] = W.lookup(REASONS, c.pop("reason"))
        resolved = c.pop("resolved")
        cols["resolved"] = W.boolean(resolved == 1, resolved < 0)
        del resolved
        cols["converted"] = W.boolean(c.pop("converted"))
        c.clear()
        return W.build("interactions", cols)

    def _t_surveys(self, s, contact_ids) -> pa.Table:
        W = writer
        order = np.argsort(s["row"], kind="stable")
        s = {k: v[order] for k, v in s.items()}
        return W.build("surveys", {
            "contact_id": contact_ids.take(pa.array(s["row"], pa.int64())),
            **{k: W.num(np.maximum(s[k], 0), "int", s[k] < 0) for k in ("csat", "nps", "ces")}})

    def _evaluator_names(self) -> list[str]:
        return [e for e, _ in EVALUATORS]

    def _t_qa(self, q, contact_ids, p) -> pa.Table:
        W = writer
        if not q:
            return W.build("qa_evaluations", {f.name: pa.array([], f.type) for f in W.schema("qa_evaluations", self.items)},
                           self.items)
        order = np.lexsort((q["evaluator"], q["calibration"], q["row"], q["agent"], q["date"]))
        q = {k: (v[order] if k != "items" else {j: x[order] for j, x in v.items()}) for k, v in q.items()}
        n = len(q["row"])
        teams = [f"SV-{self.roster.team[i]}" for i in q["agent"]]
        names = self._evaluator_names()
        evaluator = [names[e] if e >= 0 else t for e, t in zip(q["evaluator"].tolist(), teams)]
        cols = {"evaluation_id": W.ids(f"QE{p.year % 100:02d}{p.month:02d}", np.arange(1, n + 1), 6),
                "contact_id": contact_ids.take(pa.array(q["row"], pa.int64())),
                "agent_id": self.agent_ids(q["agent"]), "evaluator_id": pa.array(evaluator, pa.string()),
                "eval_date": W.date(q["date"]), "total_score": W.num(q["total"]),
                "critical_fail": W.boolean(q["critical_fail"]), "calibration": W.boolean(q["calibration"])}
        cols.update({f"item_{k}": W.num(v) for k, v in q["items"].items()})
        return W.build("qa_evaluations", cols, self.items)

    def _t_agent_days(self, ad) -> pa.Table:
        W = writer
        order = np.lexsort((ad["agent"], ad["day"]))
        ad = {k: v[order] for k, v in ad.items()}
        cols = {"agent_id": self.agent_ids(ad["agent"]), "date": W.date(ad["day"]),
                "present": W.boolean(ad["present"]), "break_count": W.num(ad["break_count"], "int"),
                "training_assigned": W.num(ad["training_assigned"], "int"),
                "training_completed": W.num(ad["training_completed"], "int")}
        for k in ("scheduled_s", "logged_in_s", "talk_s", "hold_s", "acw_s", "idle_s", "break_s"):
            cols[k] = W.num(np.asarray(ad[k], float))
        return W.build("agent_days", cols)

    # ------------------------------------------------------------------ whole-period tables
    def final_tables(self) -> dict[str, pa.Table]:
        W = writer
        cp = self.complaints
        cat = lambda k: np.concatenate(cp[k]) if cp[k] else np.zeros(0, np.int64)  # noqa: E731
        opened, resolved, cust, category = cat("opened"), cat("resolved"), cat("cust"), cat("category")
        cid = pa.concat_arrays(cp["contact_id"]) if cp["contact_id"] else pa.array([], pa.string())
        end_s = (self.last + 1) * DAY_S
        unres = (resolved < 0) | (resolved >= end_s)
        order = np.lexsort((cust, opened))
        n = len(order)
        complaints = W.build("complaints", {
            "complaint_id": W.ids("CP", np.arange(1, n + 1), 7), "customer_id": self.customer_ids(cust[order]),
            "contact_id": cid.take(pa.array(order, pa.int64())), "opened_ts": W.ts(opened[order]),
            "resolved_ts": W.ts(np.maximum(resolved[order], 0), unres[order]),
            "category": W.lookup(CATEGORIES, category[order])})
        cu = self.customers
        keep = np.flatnonzero((cu.signup <= self.last) & (cu.churn >= self.first))
        phones, emails = cu.contact_details()
        churn = cu.churn[keep]
        customers = W.build("customers", {
            "customer_id": self.customer_ids(keep), "segment": W.lookup([s[0] for s in SEGMENTS], cu.segment[keep]),
            "value": W.num(np.nan_to_num(cu.value[keep]), "float", np.isnan(cu.value[keep])),
            "signup_date": W.date(cu.signup[keep]),
            "churn_date": W.date(np.where(churn > self.last, 0, churn), churn > self.last),
            "phone": phones.take(pa.array(keep)), "email": emails.take(pa.array(keep))})
        ro = self.roster.frame_columns(self.first, self.last)
        leave = np.array([-1 if x is None else x for x in ro["leave_date"]], np.int64)
        agents = W.build("agents", {
            "agent_id": self.agent_ids(ro["i"]), "agent_name": pa.array(ro["agent_name"], pa.string()),
            **{k: pa.array(ro[k], pa.string()) for k in ("team", "supervisor", "site", "shift", "queue", "leave_reason")},
            "hire_date": W.date(ro["hire_date"]), "leave_date": W.date(np.maximum(leave, 0), leave < 0)})
        rows = self.cal.rows
        calendar = W.build("calendar", {
            "date": W.date([r[0] for r in rows]), "kind": pa.array([r[1] for r in rows], pa.string()),
            "name": pa.array([r[2] for r in rows], pa.string()), "queue": pa.array([r[3] for r in rows], pa.string())})
        return {"complaints": complaints, "customers": customers, "agents": agents, "calendar": calendar}


assert NEVER > 0 and dt is not None
