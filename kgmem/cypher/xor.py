"""XOR without XOR: linear in its operands, with openCypher's precedence.

AGE 1.7 expands ``a XOR b`` into ``(a OR b) AND NOT (a AND b)``, writing each operand
twice, so a chain of n XORs is planned from 2^n copies: 40 of them in a short query keep
a backend busy past every timeout and any cancellation. AGE also binds ``XOR`` tighter
than ``AND`` (openCypher binds ``AND`` tighter: ``true XOR false AND false`` is true).

kgmem writes each chain with every operand once, compared by ``<>`` after a ``NOT``
(which, like XOR, refuses what is not a boolean and keeps null as null), the whole
made an agtype value as ``kgmem.cypher.booleans`` does::

    RETURN a XOR b AND c     RETURN [(((NOT (a)) <> (NOT (b AND c))))][0]
    WHERE a XOR b XOR c      WHERE [(((NOT (((NOT (a)) <> (NOT (b))))) <> (NOT (c))))][0]

An operand ends where the expression does (a comma, ``AS``, a bracket closing, a CASE
keyword, a clause) or at the looser ``OR``; it takes the tighter ``AND`` and ``NOT``.
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
    """(start, end, replacement) edits writing each XOR chain without XOR."""
    if not any(t.is_keyword("XOR") for t in code):
        return []
    edits: list[tuple[int, int, str]] = []
    for placed in each_clause(code, *_CLAUSES):
        for chain in _chains(placed.clause.body):
            edits.extend(_unxored(placed.clause.body, chain))
    return edits


def _chains(tokens: Sequence[Token]) -> list[list[tuple[int, int, int]]]:
    """The XOR chains of ``tokens``: per chain, each XOR's index with its left operand's
    first index and its right operand's last index."""
    depth = _depths(tokens)
    chains: list[list[tuple[int, int, int]]] = []
    open_chain: dict[int, list[tuple[int, int, int]]] = {}
    for i, token in enumerate(tokens):
        if not token.is_keyword("XOR"):
            continue
        first, _ = _operand(tokens, depth, i, -1)
        _, last = _operand(tokens, depth, i, 1)
        chain = open_chain.get(depth[i])
        if chain is not None and chain[-1][2] + 1 == i:
            chain.append((i, first, last))
        else:
            chain = [(i, first, last)]
            chains.append(chain)
        open_chain[depth[i]] = chain
    return chains


def _unxored(
    tokens: Sequence[Token], chain: list[tuple[int, int, int]]
) -> list[tuple[int, int, str]]:
    """``a XOR b XOR c`` as ``[(((NOT ((NOT (a)) <> (NOT (b)))) <> (NOT (c))))][0]``:
    each operand once, ``NOT`` refusing what is not a boolean as XOR does, the whole an
    agtype value (``kgmem.cypher.booleans``: ``<>`` of two booleans is PostgreSQL's)."""
    first = tokens[chain[0][1]].start
    edits = [(first, first, "[(" + "((NOT (" * len(chain))]
    for number, (at, _, last) in enumerate(chain):
        xor = tokens[at]
        closing = ("" if number == 0 else ")))") + ")) <> (NOT ("
        edits.append((xor.start, xor.end, closing))
        if number == len(chain) - 1:
            end = tokens[last].end
            edits.append((end, end, ")))" + ")][0]"))
    return edits


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
