"""Writes that a final SKIP or LIMIT must not cut short.

openCypher runs every write of a query whatever the final RETURN keeps:
``UNWIND range(1, 5) AS x CREATE (n {x: x}) RETURN n LIMIT 1`` creates five nodes.
AGE hands LIMIT to PostgreSQL, whose plan stops pulling rows once it has enough (and
pulls none for ``LIMIT 0``), so the writes stop too. When a query writes and its final
RETURN (without ORDER BY, DISTINCT or aggregates, so one row in gives one row out) has
SKIP or LIMIT, kgmem collects every row first and slices the list instead (and so for a
final ``RETURN DISTINCT`` of constants, ``RETURN DISTINCT 'done'``, which PostgreSQL
plans as a LIMIT 1)::

    ... CREATE (n {x: x}) RETURN n LIMIT 1
    ... CREATE (n {x: x})
    WITH collect([0, n, x]) AS __kgmem_rows UNWIND __kgmem_rows[0..0 + (1)] AS __kgmem_row
    WITH __kgmem_row[1] AS n, __kgmem_row[2] AS x RETURN n
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import apoc_functions
from kgmem.cypher.columns import scope
from kgmem.cypher.functions import aggregates
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import WRITE_WORDS, Clause, clauses, split_top_level, union_parts

_ROWS, _ROW = "__kgmem_rows", "__kgmem_row"


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits making the final SKIP/LIMIT keep every write."""
    parts = union_parts(code)
    if len(parts) != 1 or not _writes(code):
        return []
    found = clauses(parts[0])
    at = next((i for i, c in enumerate(found) if c.keyword == "RETURN"), None)
    if at is not None and _constant_distinct(found[at]) and len(found) == at + 1:
        return _edits(text, found[:at], found[at], [])
    if at is None or not _plain(found[at]):
        return []
    tail = found[at + 1 :]
    if not tail or any(c.keyword not in ("SKIP", "LIMIT") for c in tail):
        return []
    if not any(_writes(c.tokens) for c in found[:at]):
        return []
    return _edits(text, found[:at], found[at], tail)


def _writes(tokens: Sequence[Token]) -> bool:
    """Whether ``tokens`` write: a writing clause, or a function APOC's writing
    procedures became (``kgmem.cypher.apoc_writes``)."""
    return any(
        t.upper in WRITE_WORDS or apoc_functions.writes_at(tokens, i) for i, t in enumerate(tokens)
    )


def _constant_distinct(clause: Clause) -> bool:
    """``RETURN DISTINCT`` of constants only (``RETURN DISTINCT 'done' AS result``), which
    PostgreSQL plans as a LIMIT 1."""
    body = clause.body
    if not body or not body[0].is_keyword("DISTINCT"):
        return False
    for item in split_top_level(body[1:]):
        value = (
            item[:1] if len(item) in (1, 3) and (len(item) == 1 or item[1].is_keyword("AS")) else []
        )
        if not value or not (
            value[0].kind in (Kind.STRING, Kind.NUMBER)
            or value[0].is_keyword("TRUE", "FALSE", "NULL")
        ):
            return False
    return True


def _plain(clause: Clause) -> bool:
    body = clause.body
    if any(t.is_keyword("DISTINCT") for t in body[:1]):
        return False
    return not aggregates(body)


def _edits(
    text: str, before: list[Clause], final: Clause, tail: list[Clause]
) -> list[tuple[int, int, str]]:
    names = sorted(scope(text, before))
    counts = {c.keyword: text[c.body[0].start : c.body[-1].end] for c in tail if c.body}
    low = f"({counts['SKIP']})" if "SKIP" in counts else "0"
    high = f"{low} + ({counts['LIMIT']})" if "LIMIT" in counts else ""
    items = ", ".join(["0", *names])
    barrier = f"WITH collect([{items}]) AS {_ROWS} UNWIND {_ROWS}[{low}..{high}] AS {_ROW} "
    if names:
        barrier += "WITH " + ", ".join(
            f"{_ROW}[{index}] AS {name}" for index, name in enumerate(names, start=1)
        ) + " "  # fmt: skip
    start = final.tokens[0].start
    edits = [(start, start, barrier)]
    for clause in tail:
        edits.append((clause.tokens[0].start, clause.tokens[-1].end, ""))
    return edits
