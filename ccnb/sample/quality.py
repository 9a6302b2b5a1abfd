"""QA evaluations: routine scoring of agents' contacts and weekly calibration sessions.

Routine: each agent gets 3-10 evaluations a week, more for weaker agents and new
hires (rate 3 + 7 * sigmoid(-1.2 qa_skill + 0.8 [tenure < 60 d] + w - 0.3), pro rata
for weeks cut by the month's edges), on contacts drawn from the agent's handled
contacts that week. 85 % are scored by the QA analysts, 15 % by the team's
supervisor (a little lenient).

Each form item j (``qa.form`` in params: max points, critical or not) scores

    points = round(max_j * sigmoid(a_j + 0.9 qa_skill - 0.8 exp(-tenure / 90) - 1.2 w
                                   + 0.3 resolved - 0.3 transferred + bias_rater + contact + noise))

and a critical item is failed outright (0 points) with P = sigmoid(-4.4 - 0.7 qa_skill
+ 1.2 w + 0.5 [new hire]); total_score is the sum of items, critical_fail whether a
critical item scored 0. Raters differ in severity (``EVALUATORS``: QA04 is harsh).

Calibration: every week 2 contacts are scored by 3-4 of the analysts
(calibration = true), with a shared contact effect per item, so the spread between
raters is their severity and their noise.
"""
from __future__ import annotations

import numpy as np

from ccnb.sample.spec import EVALUATORS, SUPERVISOR_LENIENCY, rng


def _sig(x):
    return 1 / (1 + np.exp(-x))


def month_evaluations(seed: int, mk: int, days: np.ndarray, c: dict[str, np.ndarray], agent_of: np.ndarray,
                      roster, form: dict) -> dict[str, np.ndarray]:
    """Rows of qa_evaluations for the month: contact row, agent, evaluator, date, items, flags."""
    r = rng(seed, "qa", mk)
    items = list(form)
    maxp = np.array([form[k]["max_points"] for k in items], float)
    crit = np.array([bool(form[k].get("critical", False)) for k in items])
    a_j = np.linspace(2.05, 1.65, len(items))  # later items a little harder
    handled = np.flatnonzero(agent_of >= 0)
    day = (c["t"][handled] // 86_400).astype(np.int64)
    week = (day + 3) // 7  # Monday-based week number
    agent = agent_of[handled]
    out = {k: [] for k in ("row", "agent", "evaluator", "date", "calibration")}
    skill = np.array(roster.qa_skill)
    hire = np.array(roster.hire)
    last_day = int(days[-1])
    order = np.lexsort((handled, week, agent))
    handled, day, week, agent = handled[order], day[order], week[order], agent[order]
    key = agent * 100_000 + week
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    for s, e in zip(starts, ends):
        i = int(agent[s])
        worked = len(np.unique(day[s:e]))
        ten = int(day[s]) - roster.hire[i]
        w = roster.warning(i, int(day[s]))
        rate = 3 + 7 * _sig(-1.2 * skill[i] + 0.8 * (ten < 60) + w - 0.3)
        k = int(min(e - s, 10, r.poisson(rate * min(1.0, worked / 5))))
        if k <= 0:
            continue
        pick = s + r.choice(e - s, k, replace=False)
        sup = r.random(k) < 0.15
        ev = r.integers(0, len(EVALUATORS), k)
        out["row"].append(handled[pick])
        out["agent"].append(np.full(k, i))
        out["evaluator"].append(np.where(sup, -1, ev))
        out["date"].append(np.minimum(day[pick] + r.integers(0, 4, k), last_day))
        out["calibration"].append(np.zeros(k, bool))
    # weekly calibration: two contacts, 3-4 analysts each
    for wk in np.unique(week):
        in_wk = np.flatnonzero(week == wk)
        if len(in_wk) < 2:
            continue
        for pick in r.choice(in_wk, 2, replace=False):
            raters = r.permutation(len(EVALUATORS))[: int(r.integers(3, 5))]
            if r.random() < 0.8 and 3 not in raters:
                raters[-1] = 3
            k = len(raters)
            out["row"].append(np.full(k, handled[pick]))
            out["agent"].append(np.full(k, agent[pick]))
            out["evaluator"].append(np.sort(raters))
            out["date"].append(np.full(k, min(max(int(day[pick]), int(wk) * 7 + 1), last_day)))  # Friday
            out["calibration"].append(np.ones(k, bool))
    if not out["row"]:
        return {}
    ev = {k: np.concatenate(v) for k, v in out.items()}
    n = len(ev["row"])
    rows, ag = ev["row"], ev["agent"]
    ten = ev["date"] - hire[ag]
    warn = np.array([roster.warning(int(i), int(d)) for i, d in zip(ag, ev["date"])])
    bias = np.where(ev["evaluator"] < 0, SUPERVISOR_LENIENCY,
                    np.array([b for _, b in EVALUATORS])[np.maximum(ev["evaluator"], 0)])
    # a contact's own quality is shared by every rater who scores it
    uniq, inv = np.unique(rows, return_inverse=True)
    contact_eff = rng(seed, "qa-contact", mk).normal(0, 0.5, (len(uniq), len(items)))[inv]
    lin = (a_j[None, :] + (0.9 * skill[ag] - 0.8 * np.exp(-ten / 90) - 1.2 * warn
                           + 0.3 * (c["resolved"][rows] == 1) - 0.3 * c["transferred"][rows] + bias)[:, None]
           + contact_eff + r.normal(0, 0.25, (n, len(items))))
    pts = np.rint(maxp[None, :] * _sig(lin))
    p_fail = _sig(-4.4 - 0.7 * skill[ag] + 1.2 * warn + 0.5 * (ten < 60))
    fail = (r.random((n, len(items))) < p_fail[:, None]) & crit[None, :]
    pts[fail] = 0.0
    ev["items"] = {k: pts[:, j] for j, k in enumerate(items)}
    ev["total"] = pts.sum(1)
    ev["critical_fail"] = ((pts == 0) & crit[None, :]).any(1)
    return ev
