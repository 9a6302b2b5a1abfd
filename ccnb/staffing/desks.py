"""Desks (skill groups): queues whose agents are pooled, and their pooled traffic.

A **desk** is a set of queues answered by one pool of agents (multi-skilled agents who take
another queue's callers when their own has nobody waiting). ``staffing.desks`` maps queue ->
desk; a queue not listed is a desk of its own (single-skill agents). All queues of a desk
must be on one channel (a voice desk, a chat desk): agents' concurrency is the channel's.

Why desks: agents shared by several queues cannot be split between them by a head count
(an agent who answered billing and sales callers in a half-hour was one agent, not two), and
a pooled desk needs fewer agents than its queues staffed apart (Erlang's economies of scale:
100 + 100 calls of 180 s per half-hour need 14 + 14 agents apart for 80/20 but 24 pooled).
So required and staffed agents are compared per desk, the requirement computed on the
desk's pooled traffic:

* calls = sum of the desk's queues' offered contacts in the interval;
* AHT = (sum of handle time) / (sum of handled contacts), i.e. the workload-weighted AHT;
* mean patience (Erlang A) = total waiting time / abandons over the desk's queues, the same
  censored maximum-likelihood estimate as per queue (:func:`ccnb.forecast.series.patience`),
  pooled: from per-queue estimates p_q with abandons a_q, p = sum(p_q a_q) / sum(a_q).

The per-queue view is derived from the desk (:func:`allocate_required`): a queue's share of
its desk's requirement is its share of the desk's workload (offered contacts x AHT, erlangs),
so the queues' shares add up to the desk's requirement.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def desk_map(queues, params) -> dict[str, str]:
    """Queue -> desk for ``queues`` (``staffing.desks``; a queue not listed is its own desk)."""
    d = dict(getattr(params.staffing, "desks", None) or {})
    return {q: str(d.get(q, q)) for q in queues}


def check_channels(channels: dict[str, str], desks: dict[str, str]) -> dict[str, str]:
    """Desk -> channel; raises ``ValueError`` when a desk mixes channels (e.g. voice and chat)."""
    out: dict[str, str] = {}
    for q, d in desks.items():
        ch = channels.get(q)
        if ch is None:
            continue
        if d in out and out[d] != ch:
            qs = sorted(x for x, y in desks.items() if y == d)
            raise ValueError(f"staffing.desks: desk {d!r} mixes channels ({out[d]} and {ch}) in queues {qs}; "
                             "a desk's agents work one channel: give the queues of each channel their own desk")
        out[d] = ch
    return out


def pooled_patience(patience: pd.Series | None, abandons: pd.Series, desks: dict[str, str]) -> pd.Series | None:
    """Mean patience (s) per desk from per-queue estimates, weighted by the queues' abandons
    (the pooled MLE: total wait / total abandons, when the abandons are those the estimates
    came from). A desk whose queues have no estimate is left out."""
    if patience is None:
        return None
    p = patience.dropna()
    rows = {}
    for d in sorted(set(desks.values())):
        qs = [q for q, x in desks.items() if x == d and q in p.index]
        if not qs:
            continue
        w = abandons.reindex(qs).fillna(0).astype(float)
        rows[d] = float((p[qs] * w).sum() / w.sum()) if w.sum() > 0 else float(p[qs].mean())
    return pd.Series(rows, dtype=float) if rows else None


def pool(s: pd.DataFrame, desks: dict[str, str], columns) -> pd.DataFrame:
    """Sum ``columns`` of a per-queue interval frame (``queue``, ``ts``, ...) per desk and interval.
    Returns ``desk``, ``ts`` and the sums."""
    d = s.assign(desk=s["queue"].map(desks))
    return d.groupby(["desk", "ts"], as_index=False)[list(columns)].sum()


def allocate_required(queues: pd.DataFrame, desk_req: pd.DataFrame) -> np.ndarray:
    """Each queue's share of its desk's requirement: desk ``required`` x queue workload / desk workload.

    ``queues``: ``desk``, ``ts``, ``traffic`` (erlangs: offered x AHT / interval); ``desk_req``:
    ``desk``, ``ts``, ``required``. Returns the allocated agents per row of ``queues``
    (fractional; they add up to the desk's requirement in every interval with traffic).
    """
    tot = queues.groupby(["desk", "ts"])["traffic"].transform("sum").to_numpy(float)
    req = queues[["desk", "ts"]].merge(desk_req[["desk", "ts", "required"]], on=["desk", "ts"], how="left")
    r = req["required"].fillna(0).to_numpy(float)
    share = np.divide(queues["traffic"].to_numpy(float), tot, out=np.zeros(len(queues)), where=tot > 0)
    return r * share
