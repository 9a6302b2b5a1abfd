"""Staffing: Erlang C and Erlang A per interval, required and scheduled agents, FTE, what-if.

>>> ccnb.staffing.erlang_c(100, 180, 14)            # 100 calls per 30 min, AHT 180 s, 14 agents
>>> ccnb.staffing.agents_needed(100, 180, service_level=0.8, answer_s=20)   # -> 14
>>> ccnb.staffing.erlang_a(100, 180, patience_s=120, agents=12)

Modules: :mod:`~ccnb.staffing.erlang` (queueing formulas), :mod:`~ccnb.staffing.plan`
(the plan from a forecast: required and scheduled agents, shrinkage, FTE, what-if),
:mod:`~ccnb.staffing.desks` (queues whose agents are pooled, and their pooled traffic) and
:mod:`~ccnb.staffing.actual` (last month: required vs staffed per desk, each agent counted once,
service level achieved).
"""
from ccnb.staffing.erlang import agents_needed, erlang_a, erlang_b, erlang_c

__all__ = ["erlang_c", "erlang_a", "erlang_b", "agents_needed"]
