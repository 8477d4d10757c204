"""``+`` and ``-`` between two stored values, which may be temporal.

kgmem stores a temporal value as its ISO 8601 text (``kgmem.cypher.temporal_sql``), so
AGE reads ``n.start + n.length`` (a date and a duration read from the graph) as two
strings and concatenates them: ``'2020-01-01P1D'``. Where the query does not say the
values are temporal (``date(n.start) + n.length`` it does), kgmem writes a sum or
difference of two values read from the graph, parameters or variables as
``kgmem_cypher.arith`` (migration 0025), which adds them as temporal values when both
are strings and one is a duration's text, and as AGE does otherwise::

    MATCH (n) RETURN n.start + n.length AS end
    MATCH (n) RETURN kgmem_cypher.arith('+', n.start, n.length) AS end

An operand may also be a call that gives back one of the values it is given, stored
as they were: ``min``, ``max``, ``head``, ``last``, ``coalesce``
(``min(e.at) + max(e.gap)``, where AGE concatenated the two texts too).

Only where both operands stand alone: ``a.x + b.y`` and ``$p - n.y``, not ``n.x + 1``
(a literal is no stored value) nor ``2 * n.x + n.y`` or ``n.x + n.y * 2`` (another
operator binds an operand first), nor after ``|`` (``reduce(s = 0, x IN l | s + x)``
stays the fold ``kgmem.cypher.reduce`` reads, and a comprehension's projection is left
as written); a chain ``a + b - c`` nests, left to right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kgmem.cypher import chains
from kgmem.cypher.functions import PASSING
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import function_calls
from kgmem.cypher.temporal_sql import SCHEMA

_OPERANDS = (Kind.NAME, Kind.QUOTED_NAME, Kind.PARAMETER)
_NOT_NAMES = frozenset({"NULL", "TRUE", "FALSE", "AND", "OR", "XOR", "NOT", "IN", "IS"})
# What may stand before a left operand, or after a right one, for it to stand alone.
_BEFORE = frozenset({"(", ",", "[", "{", ":", "=", "<", ">", "<=", ">=", "<>"})
_BEFORE_WORDS = frozenset(
    {"RETURN", "WITH", "WHERE", "AND", "OR", "XOR", "NOT", "THEN", "ELSE", "WHEN", "CASE",
     "IN", "UNWIND", "DISTINCT", "BY"}
)  # fmt: skip
_AFTER_BINDS = frozenset({".", "(", "[", "*", "/", "%", "^"})


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits writing each such sum or difference as ``arith``."""
    if not any(t.text in ("+", "-") for t in code):
        return []
    calls = dict(function_calls(code, PASSING))  # a passing call's name -> its ")"
    named = {close: name for name, close in calls.items()}
    edits: list[tuple[int, int, str]] = []
    taken = -1
    for index, token in enumerate(code):
        if token.kind is not Kind.PUNCT or token.text not in ("+", "-") or index <= taken:
            continue
        left = _left(code, index, named)
        right = _right(code, index, calls)
        if left is None or right is None:
            continue
        call = _call(text, token.text, code[left], code[index - 1], code[index + 1], code[right])
        while right + 1 < len(code) and code[right + 1].text in ("+", "-"):
            further = _right(code, right + 1, calls)
            if further is None:
                break
            op, after = code[right + 1].text, code[right + 2]
            call = f"{SCHEMA}.arith('{op}', {call}, {text[after.start : code[further].end]})"
            right = further
        edits.append((code[left].start, code[right].end, call))
        taken = right
    return edits


def _call(text: str, op: str, first: Token, last: Token, after: Token, end: Token) -> str:
    """``arith(op, a, b)`` of the operands spanning ``first``-``last`` and ``after``-``end``."""
    left, right = text[first.start : last.end], text[after.start : end.end]
    return f"{SCHEMA}.arith('{op}', {left}, {right})"


def _operand(token: Token) -> bool:
    return token.kind in _OPERANDS and not (token.kind is Kind.NAME and token.upper in _NOT_NAMES)


def _left(code: Sequence[Token], op: int, named: Mapping[int, int]) -> int | None:
    """The index of the first token of the chain ``x.a.b`` (or ``$p``), or of the passing
    call (``named``: its ")" -> its name), just before ``op``, when nothing before it
    binds it first."""
    at = chains.start_before(code, op, _operand)
    if at is None:
        at = named.get(op - 1)
    if at is None or at < 1:
        return None
    before = code[at - 1]
    standalone = (before.kind is Kind.PUNCT and before.text in _BEFORE) or (
        before.kind is Kind.NAME and before.upper in _BEFORE_WORDS
    )
    return at if standalone else None


def _right(code: Sequence[Token], op: int, calls: Mapping[int, int]) -> int | None:
    """The index of the last token of the chain, or of the passing call (``calls``: its
    name -> its ")"), just after ``op``, when nothing after it binds it first."""
    at = calls.get(op + 1)
    if at is None:
        at = chains.end_after(code, op, _operand)
    if at is None:
        return None
    after = code[at + 1] if at + 1 < len(code) else None
    if after is not None and after.kind is Kind.PUNCT and after.text in _AFTER_BINDS:
        return None
    return at
