"""What a Bolt result's summary says of its query: its type (``r``, ``w``, ``rw``,
``s``), its counters (the ``stats`` map), and for ``EXPLAIN`` and ``PROFILE`` the
plan, as Neo4j's drivers read them. A query that runs brings its type and counters
with its result (``CypherResult.query_type``, ``counters``); an ``EXPLAIN`` takes its
type from its plan.

``EXPLAIN q`` answers ``q``'s columns, no records and a ``plan``; ``PROFILE q`` runs
``q`` and adds a ``profile``. Both hold one operator, ``ProduceResults@kgmem``, whose
arguments carry kgmem's plan lines (columns, rewrites, the Cypher sent to AGE) and
PostgreSQL's, the same lines ``EXPLAIN`` answers as rows on the other doors. Neither
depends on the transaction: the plan is made on a connection of its own, and what
planning a write makes (AGE creates the labels it names) is undone.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Literal

from kgmem.cypher.lexer import tokenize
from kgmem.model.cypher_summary import CypherCounters, QueryType

Prefix = Literal["EXPLAIN", "PROFILE"]
_SCHEMA_OBJECTS = frozenset({"INDEX", "CONSTRAINT"})
_OPERATOR = "ProduceResults@kgmem"


def split_prefix(query: str) -> tuple[Prefix | None, str]:
    """``EXPLAIN`` or ``PROFILE`` when the query starts with one, and the query after it."""
    head = query.lstrip()[:8].upper()
    if not (head.startswith("EXPLAIN") or head.startswith("PROFILE")):
        return None, query
    tokens = tokenize(query)
    if not tokens or not tokens[0].is_keyword("EXPLAIN", "PROFILE"):
        return None, query
    kind: Prefix = "EXPLAIN" if tokens[0].upper == "EXPLAIN" else "PROFILE"
    return kind, query[tokens[0].end :]


def query_type(query: str, lines: list[str]) -> QueryType:
    """The type of ``query`` from its plan ``lines``: ``s`` for a schema statement,
    else as Neo4j decides (``kgmem.graph.summary``): ``r`` for a query that cannot
    write, ``w`` for one that writes and returns no columns, ``rw`` otherwise."""
    tokens = tokenize(query)
    words = [t.upper for t in tokens[:4]]
    if words[:1] in (["CREATE"], ["DROP"]) and _SCHEMA_OBJECTS & set(words):
        return "s"
    if "writes: yes" not in lines:
        return "r"
    return "rw" if columns_of(lines) else "w"


def stats(counters: CypherCounters) -> dict[str, Any]:
    """The ``stats`` map of a SUCCESS, as Neo4j sends it: the counters above zero under
    their hyphenated names and ``contains-updates``; empty when nothing changed."""
    named = {f.name.replace("_", "-"): getattr(counters, f.name) for f in fields(counters)}
    shown: dict[str, Any] = {name: n for name, n in named.items() if n}
    if shown:
        shown["contains-updates"] = True
    return shown


def columns_of(lines: list[str]) -> list[str]:
    """The columns named by the ``columns:`` line of kgmem's plan."""
    for line in lines:
        if line.startswith("columns: "):
            listed = line.removeprefix("columns: ")
            return [] if listed == "(none)" else listed.split(", ")
    return []


def plan(lines: list[str], columns: list[str]) -> dict[str, Any]:
    """The ``plan`` entry of an EXPLAIN's summary."""
    return {
        "operatorType": _OPERATOR,
        "identifiers": columns,
        "args": {"planner": "kgmem", "runtime": "AGE", "Details": "\n".join(lines)},
        "children": [],
    }


def profile(lines: list[str], columns: list[str], rows: int, ms: int) -> dict[str, Any]:
    """The ``profile`` entry of a PROFILE's summary: the plan with what running gave."""
    return {
        **plan(lines, columns),
        "rows": rows,
        "dbHits": 0,
        "pageCacheHits": 0,
        "pageCacheMisses": 0,
        "time": ms * 1_000_000,
    }
