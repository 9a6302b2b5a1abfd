"""Rows set aside instead of stopping the run, clock skews repaired, a roster derived from the contacts.

Three things a real export needs before the contract's rules can hold, all inside DuckDB:

* **Quarantine** (``data.bad_rows: quarantine``): a row that breaks a contract rule (a value of
  the wrong type, an empty required value, a value outside its set or range, a row rule, a repeated
  key, an unknown reference) is moved to the store's ``_quarantine`` table with the rule it broke
  and the row as JSON; never silently dropped. One record per (row, rule): a row breaking two
  rules is counted under both, and once in :func:`counts`' ``rows``.
* **Clock skew** (``data.clock_skew_s``): ACD clocks stamp an answer a second before the queue
  exit now and then. An ``answer_ts`` or ``end_ts`` earlier than ``arrival_ts`` by at most the
  tolerance is set to ``arrival_ts`` (and an ``end_ts`` before ``answer_ts`` to ``answer_ts``);
  the repairs are counted in ``_repairs``. Beyond the tolerance the row still breaks its rule.
* **A derived roster**: a center that sends no ``agents`` table gets one row per agent id seen
  in its contacts (and agent days, QA evaluations), team ``unassigned``, every other attribute
  unknown (NULL): nothing is invented as a fact. ``_meta`` records that the table was derived.
"""
from __future__ import annotations

import duckdb

from ccnb.catalog.contract import TABLES
from ccnb.data.read import ident, sql_string

#: Team given to agents of a derived roster (shown to managers as "unassigned").
UNASSIGNED_TEAM = "unassigned"
#: ``Tables.files`` entry of a derived table.
DERIVED_FILE = "(derived from the contacts)"


def create_store_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The bookkeeping tables of a store: quarantined rows, repairs, derived tables."""
    con.execute("CREATE TABLE IF NOT EXISTS _quarantine (table_name VARCHAR, _file VARCHAR, _row BIGINT, "
                "rule VARCHAR, detail VARCHAR, row_json VARCHAR)")
    con.execute("CREATE TABLE IF NOT EXISTS _repairs (table_name VARCHAR, rule VARCHAR, rows BIGINT)")
    con.execute("CREATE TABLE IF NOT EXISTS _meta (key VARCHAR, value VARCHAR)")


def set_aside(con: duckdb.DuckDBPyConnection, table: str, relation: str, where: str, rule: str, detail: str) -> int:
    """Copy the rows of ``relation`` matching ``where`` into ``_quarantine``; return how many.

    ``rule``: a short name (``answer_in_span``, ``wrong_type:talk_s``); ``detail``: what was expected,
    in words. The rows stay in ``relation``: :func:`remove_set_aside` deletes them once every rule ran.
    """
    n = con.execute(f"SELECT count(*) FROM {relation} WHERE {where}").fetchall()[0][0]
    if n:
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall() if r[0] not in ("_file", "_row")]
        row = "struct_pack(" + ", ".join(f"{ident(c)} := {ident(c)}" for c in cols) + ")"
        con.execute(f"INSERT INTO _quarantine SELECT {sql_string(table)}, _file, _row, {sql_string(rule)}, "
                    f"{sql_string(detail)}, CAST(to_json({row}) AS VARCHAR) FROM {relation} WHERE {where}")
    return n


def remove_set_aside(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> int:
    """Delete from ``relation`` the rows quarantined for ``table``; return how many rows went."""
    before = con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]
    con.execute(f"DELETE FROM {relation} WHERE (_file, _row) IN "
                f"(SELECT (_file, _row) FROM _quarantine WHERE table_name = {sql_string(table)})")
    return before - con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]


def repair_clock_skew(con: duckdb.DuckDBPyConnection, table: str, tolerance_s: float) -> dict[str, int]:
    """Repair ``interactions`` stamps that are early by at most ``tolerance_s`` seconds; rule -> rows repaired.

    * ``answer_before_arrival``: ``arrival_ts - tolerance <= answer_ts < arrival_ts`` -> ``answer_ts = arrival_ts``
    * ``end_before_arrival``: ``arrival_ts - tolerance <= end_ts < arrival_ts`` -> ``end_ts = arrival_ts``
    * ``end_before_answer``: ``answer_ts - tolerance <= end_ts < answer_ts`` -> ``end_ts = answer_ts``

    Durations (``wait_s``, ``talk_s``) are the export's own and are left as they are.
    """
    if table != "interactions" or tolerance_s <= 0:
        return {}
    tol = f"INTERVAL {float(tolerance_s)} SECOND"
    fixes = {
        "answer_before_arrival": ("answer_ts", "arrival_ts"),
        "end_before_arrival": ("end_ts", "arrival_ts"),
        "end_before_answer": ("end_ts", "answer_ts"),
    }
    out = {}
    for rule, (col, ref) in fixes.items():
        where = f"{col} < {ref} AND {col} >= {ref} - {tol}"
        n = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0][0]
        if n:
            con.execute(f"UPDATE {table} SET {col} = {ref} WHERE {where}")
            con.execute("INSERT INTO _repairs VALUES (?, ?, ?)", [table, rule, n])
            out[rule] = n
    return out


def derive_agents(con: duckdb.DuckDBPyConnection, present: set[str]) -> int:
    """Create ``agents`` from the agent ids of the tables present; return the number of agents.

    Columns as the contract's ``agents``: ``agent_id``; ``team`` = ``unassigned``; ``queue`` the
    agent's most frequent queue; ``agent_name``, ``supervisor``, ``site``, ``shift``, ``hire_date``,
    ``leave_date``, ``leave_reason`` NULL (unknown, not invented).
    """
    ids = [f"SELECT agent_id FROM {t} WHERE agent_id IS NOT NULL"
           for t in ("interactions", "agent_days", "qa_evaluations") if t in present]
    spec = TABLES["agents"]
    select = []
    for c in spec.columns:
        if c.name == "agent_id":
            select.append("a.agent_id")
        elif c.name == "team":
            select.append(f"{sql_string(UNASSIGNED_TEAM)} AS team")
        elif c.name == "queue":
            select.append("q.queue AS queue")
        else:
            select.append(f"CAST(NULL AS {c.duckdb_type}) AS {ident(c.name)}")
    top_queue = ("SELECT agent_id, arg_max(queue, n) AS queue FROM (SELECT agent_id, queue, count(*) AS n "
                 "FROM interactions WHERE agent_id IS NOT NULL GROUP BY ALL) GROUP BY agent_id")
    con.execute(f"CREATE TABLE agents AS SELECT {', '.join(select)}, {sql_string(DERIVED_FILE)} AS _file, "
                f"CAST(row_number() OVER (ORDER BY a.agent_id) AS BIGINT) AS _row "
                f"FROM (SELECT DISTINCT agent_id FROM ({' UNION ALL '.join(ids)})) a "
                f"LEFT JOIN ({top_queue}) q USING (agent_id) ORDER BY a.agent_id")
    con.execute("INSERT INTO _meta VALUES ('derived', 'agents')")
    con.execute("INSERT INTO _meta SELECT 'lacking', 'agents.' || unnest(?)",
                [[c.name for c in spec.columns if c.name not in ("agent_id", "queue")]])  # team: a placeholder
    return con.execute("SELECT count(*) FROM agents").fetchall()[0][0]
