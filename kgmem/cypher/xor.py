"""XOR's precedence, as openCypher sets it.

openCypher binds ``AND`` tighter than ``XOR`` and ``XOR`` tighter than ``OR``:
``true XOR false AND false`` is ``true XOR (false AND false)``, true. AGE 1.7 binds
``XOR`` tighter than ``AND`` and answers false. kgmem puts brackets around each
``AND`` chain that is an operand of ``XOR`` (in WHERE, WITH, RETURN and ORDER BY)::

    RETURN a XOR b AND c         RETURN a XOR (b AND c)
    WHERE a AND b XOR c OR d     WHERE (a AND b) XOR c OR d

An operand ends where the expression does (a comma, ``AS``, a bracket closing, a CASE
keyword, a clause) or at the looser ``OR`` and ``XOR``.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import each_clause

_CLAUSES = ("WHERE", "WITH", "RETURN", "ORDER BY")
_STOPS = frozenset(
    {"OR", "XOR", "AS", "WHERE", "WHEN", "THEN", "ELSE", "END", "CASE", "DISTINCT", "ORDER",
     "BY", "SKIP", "LIMIT", "ASC", "DESC", "ASCENDING", "DESCENDING", "RETURN"}
)  # fmt: skip
_PUNCT_STOPS = frozenset({",", ":", "|"})


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) insertions bracketing the AND chains XOR combines."""
    if not any(t.is_keyword("XOR") for t in code):
        return []
    spans: set[tuple[int, int]] = set()
    for placed in each_clause(code, *_CLAUSES):
        spans |= _spans(placed.clause.body)
    edits = []
    for start, end in sorted(spans):
        edits.append((start, start, "("))
        edits.append((end, end, ")"))
    return edits


def _spans(tokens: Sequence[Token]) -> set[tuple[int, int]]:
    """The text spans of the XOR operands in ``tokens`` that hold an AND."""
    depth = _depths(tokens)
    spans = set()
    for i, token in enumerate(tokens):
        if not token.is_keyword("XOR"):
            continue
        for first, last in (_operand(tokens, depth, i, -1), _operand(tokens, depth, i, 1)):
            if first > last:
                continue
            inside = range(first, last + 1)
            if any(tokens[j].is_keyword("AND") and depth[j] == depth[i] for j in inside):
                spans.add((tokens[first].start, tokens[last].end))
    return spans


def _operand(tokens: Sequence[Token], depth: list[int], at: int, step: int) -> tuple[int, int]:
    """The first and last index of the operand beside ``tokens[at]`` (``step`` -1: the
    left one, 1: the right one)."""
    level = depth[at]
    j = at + step
    while 0 <= j < len(tokens):
        if depth[j] < level or (depth[j] == level and _stops(tokens, j)):
            break
        j += step
    return (j + 1, at - 1) if step < 0 else (at + 1, j - 1)


def _stops(tokens: Sequence[Token], j: int) -> bool:
    token = tokens[j]
    if token.kind is Kind.PUNCT:
        return token.text in _PUNCT_STOPS
    if token.is_keyword("WITH"):  # a clause, unless it is STARTS WITH / ENDS WITH
        return j == 0 or not tokens[j - 1].is_keyword("STARTS", "ENDS")
    return token.kind is Kind.NAME and token.upper in _STOPS


def _depths(tokens: Sequence[Token]) -> list[int]:
    """Each token's bracket depth; a bracket has the depth outside it."""
    found, depth = [], 0
    for token in tokens:
        if token.kind is Kind.PUNCT and token.text in ")]}":
            depth -= 1
        found.append(depth)
        if token.kind is Kind.PUNCT and token.text in "([{":
            depth += 1
    return found
