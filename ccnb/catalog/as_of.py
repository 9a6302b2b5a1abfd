"""What a report for a past month may see: the as-of rules of every contract table (portable SQL).

A pack for October shows what was known at October's end: later events are hidden and later
dates unknown (NULL). The rules are data about the contract (which column a later date hides,
which timestamp cuts a table), written once here as SQL without DuckDB-only syntax, so that
:mod:`ccnb.data` (DuckDB views) and :mod:`ccnb.engine.spark` (Spark temp views) build the same views.
"""
from __future__ import annotations


def as_of_sql(name: str, columns: list[str], end: str, source: str = "store.{name}", *,
              contacts_before_end: bool = False) -> str:
    """The as-of view of table ``name``: what was known before ``end`` (a SQL timestamp literal).

    Later events are hidden and later dates unknown (NULL). Portable SQL (explicit column
    list, no DuckDB-only syntax) so that :mod:`ccnb.engine.spark` builds the same views on
    Spark; ``source`` names the stored table (``{name}`` is replaced by the table name).

    ``contacts_before_end``: every stored contact arrived before ``end`` (the report month is the
    data's last), so no survey is of a later contact and the surveys need no filter: the filter
    is a semi-join with every contact, which on a year of 100M contacts, stacked under the
    surveys KPI's own join, exhausts a 1 GB DuckDB limit.
    """
    src = source.format(name=name)
    d = f"CAST({end} AS DATE)"
    hidden = {  # column -> expression replacing it
        "complaints": {"resolved_ts": f"CASE WHEN resolved_ts < {end} THEN resolved_ts END"},
        "customers": {"churn_date": f"CASE WHEN churn_date < {d} THEN churn_date END"},
        "agents": {"leave_date": f"CASE WHEN leave_date < {d} THEN leave_date END",
                   "leave_reason": f"CASE WHEN leave_date < {d} THEN leave_reason END"},
    }.get(name, {})
    sel = ", ".join(f'{hidden[c]} AS "{c}"' if c in hidden else f'"{c}"' for c in columns)
    where = {
        "interactions": f"arrival_ts < {end}",
        "agent_days": f"date < {d}",
        "qa_evaluations": f"eval_date < {d}",
        "surveys": None if contacts_before_end else "contact_id IN (SELECT contact_id FROM interactions)",
        "complaints": f"opened_ts < {end}",
        "customers": f"signup_date < {d}",
        "agents": f"(hire_date < {d} OR hire_date IS NULL)",  # a derived roster's hire dates are unknown
    }.get(name)  # calendar: future events are known plans
    return f"SELECT {sel} FROM {src}" + (f" WHERE {where}" if where else "")
