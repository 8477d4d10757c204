"""A long script of CREATE clauses, run in batches.

A setup script pasted from a Neo4j tutorial is one statement of hundreds of CREATE
clauses. AGE 1.7 carries every element each clause creates, named or not, on to the
end of the statement, so past some hundreds of them PostgreSQL refuses the query
("target lists can have at most 1664 entries"), and long before that planning slows,
with the number of columns each nested clause carries. Every ``BATCH`` created
elements kgmem inserts a WITH that carries on only the variables a later clause reads,
and within a batch it joins consecutive CREATE clauses into one (a clause nests a
subquery in AGE; one CREATE of many patterns does not, and runs five times faster at
500 clauses)::

    CREATE (a:School) CREATE (a)-[:STAFF]->(b:Teacher) ... CREATE (c)-[:R]->(:X)
    CREATE (a:School), (a)-[:STAFF]->(b:Teacher) ... WITH a, c CREATE (c)-[:R]->(:X) ...

Only in a statement without UNION whose updating clauses are CREATE or MERGE; rows are
not changed (a WITH of variables keeps every row).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token, quoted_name
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, clauses, depths, union_parts

BATCH = 50  # created elements between two WITHs (docs/performance.md)
_MIN_CLAUSES = 50  # shorter statements are left as they are
_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_CREATES = ("CREATE", "MERGE")


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with a WITH every ``BATCH`` created
    elements of a long CREATE script."""
    lowered = text.lower()
    if lowered.count("create") + lowered.count("merge") < _MIN_CLAUSES:
        return text
    parts = union_parts(code)
    if len(parts) != 1:
        return text
    found = clauses(parts[0])
    if sum(c.keyword in _CREATES for c in found) < _MIN_CLAUSES:
        return text
    edits: list[Edit] = []
    created = 0
    for index, clause in enumerate(found[:-1]):
        if clause.keyword in _CREATES:
            created += _elements(clause)
        following = found[index + 1]
        if created < BATCH or clause.keyword not in _CREATES or following.keyword not in _CREATES:
            if clause.keyword == following.keyword == "CREATE":
                keyword = following.tokens[0]
                edits.append((keyword.start, keyword.end, ","))
            continue
        carried = _read_later(text, found[: index + 1], found[index + 1 :])
        names = ", ".join(quoted_name(n) for n in sorted(carried)) or "1 AS __kgmem_batch"
        end = clause.tokens[-1].end
        edits.append((end, end, f" WITH {names}"))
        created = 0
    return splice(text, edits)


def _elements(clause: Clause) -> int:
    """The nodes and relationships a pattern clause names or creates."""
    return sum(
        1
        for depth, token in depths(clause.tokens)
        if depth == 0 and token.kind is Kind.PUNCT and token.text in ("(", "[")
    )


def _read_later(text: str, before: Sequence[Clause], after: Sequence[Clause]) -> set[str]:
    """The variables bound in ``before`` that ``after`` reads."""
    bound = scope(text, before)
    read = set()
    for clause in after:
        tokens = clause.tokens
        for index, token in enumerate(tokens):
            if token.kind in _NAMES and token.name in bound:
                if index and tokens[index - 1].text in (".", ":"):
                    continue
                read.add(token.name)
    return read
