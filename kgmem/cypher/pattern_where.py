"""``WHERE`` inside node and relationship patterns, in the form AGE 1.7 runs.

Neo4j 5 lets a MATCH filter a node or relationship where the pattern names it:
``MATCH (n:Person WHERE n.age > 30)-[r:KNOWS WHERE r.since > 2000]->(m)``. AGE's
grammar has no such WHERE, so kgmem moves each predicate to the clause's WHERE (ANDed,
with the WHERE the analyst wrote kept after them, ``kgmem.cypher.structure.filtered``)::

    MATCH (n:Person)-[r:KNOWS]->(m) WHERE (n.age > 30) AND (r.since > 2000)

In an OPTIONAL MATCH the predicates stay part of the optional match, as Neo4j means.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, closing, each_clause, filtered

_MATCHES = ("MATCH", "OPTIONAL MATCH")
# What stands before an element pattern's opening bracket.
_BEFORE_NODE = frozenset({",", "-", "->", "<-", "=", "("})


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with the predicates inside MATCH patterns moved to the clause's WHERE."""
    if "where" not in text.lower() or not _inside_pattern(code):
        return text
    edits: list[Edit] = []
    for placed in each_clause(code, *_MATCHES):
        moved, predicates = _clause(text, placed.clause)
        if predicates:
            edits.extend(moved)
            edits.extend(filtered(placed.clause, placed.following, " AND ".join(predicates)))
    return splice(text, edits)


def _inside_pattern(code: Sequence[Token]) -> bool:
    """A cheap test: a WHERE right after a name, a label or a map inside brackets."""
    return any(
        (t.is_keyword("WHERE") and i > 0 and code[i - 1].kind is not Kind.PUNCT)
        or (t.is_keyword("WHERE") and i > 0 and code[i - 1].text == "}")
        for i, t in enumerate(code)
    )


def _clause(text: str, clause: Clause) -> tuple[list[Edit], list[str]]:
    tokens = clause.tokens
    pairs = closing(tokens)
    edits: list[Edit] = []
    predicates: list[str] = []
    for index in range(len(tokens)):
        close = pairs.get(index)
        if close is None or not _element(tokens, index):
            continue
        where = _where_at(tokens, index, close, pairs)
        if where is None:
            continue
        before = tokens[where - 1].end
        edits.append((before, tokens[close].start, ""))
        predicates.append("(" + text[tokens[where + 1].start : tokens[close - 1].end] + ")")
    return edits, predicates


def _element(tokens: Sequence[Token], index: int) -> bool:
    """``tokens[index]`` opens a node pattern or a relationship's brackets."""
    token = tokens[index]
    if token.kind is not Kind.PUNCT or index == 0:
        return False
    before = tokens[index - 1].text
    if token.text == "[":
        return before in ("-", "<-")
    return token.text == "(" and (before in _BEFORE_NODE or tokens[index - 1].is_keyword("MATCH"))


def _where_at(
    tokens: Sequence[Token], open_at: int, close: int, pairs: dict[int, int]
) -> int | None:
    """The index of a WHERE at the element's own level after its variable, else None."""
    at = open_at + 1
    while at < close:
        if tokens[at].is_keyword("WHERE"):
            return at if at > open_at + 1 else None
        if tokens[at].text in ("(", "[") and tokens[at].kind is Kind.PUNCT:
            return None  # a group of patterns, not one element
        at = pairs.get(at, at) + 1
    return None
