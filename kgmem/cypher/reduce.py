"""``reduce()`` for AGE 1.7, which has none.

openCypher's ``reduce(acc = init, x IN list | expression)`` folds a list. kgmem runs
the folds analysts write in practice, an accumulator that the expression adds to or
multiplies (sums, products, string and list concatenation), as the list of terms
and a SQL function that folds it (``kgmem_cypher.fold``, migration 0021)::

    reduce(s = 0, x IN l | s + x * 2)
    kgmem_cypher.fold('+', 0, [x IN l | x * 2])

The fold applies AGE's own ``+`` or ``*`` left to right, so ``reduce(s = '', x IN l |
s + x)`` concatenates strings and ``reduce(acc = [], x IN l | acc + [x])`` builds a
list; a null term makes the result null, as in openCypher. Any other use of the
accumulator (``s * 2 + x``, ``CASE WHEN s > x ...``) is a clear 422: AGE has no way
to evaluate an arbitrary expression per element with a running value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.spans import Edit, scan, splice
from kgmem.cypher.structure import depths
from kgmem.cypher.temporal_sql import SCHEMA
from kgmem.errors import CypherSemanticError

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
# Operators binding looser than ``+`` (or than ``*``) would regroup ``acc + rest``.
_LOOSER = frozenset(
    {"=", "<>", "<", ">", "<=", ">=", "=~", "AND", "OR", "XOR", "NOT", "IN", "IS",
     "STARTS", "ENDS", "CONTAINS"}
)  # fmt: skip


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with every ``reduce(...)`` as a fold,
    unchanged when it has none."""
    if "reduce" not in text.lower():
        return text
    return splice(text, scan(len(code), partial(_reduce_at, text, code)))


def _reduce_at(text: str, code: Sequence[Token], index: int) -> tuple[Edit, int] | None:
    token = code[index]
    if not token.is_keyword("REDUCE") or index + 1 >= len(code) or code[index + 1].text != "(":
        return None
    if index > 0 and code[index - 1].text in (".", ":"):
        return None
    parts = _parts(code, index + 1)
    if parts is None:
        raise CypherSemanticError(
            "reduce() is written reduce(acc = initial, x IN list | expression)",
            position=token.start,
        )
    accumulator, initial, variable, source, body, close = parts
    op, rest = _fold(accumulator, body, token)
    initial_text = _inner(text, initial)
    terms = f"[{variable.text} IN {_inner(text, source)} | {_inner(text, rest)}]"
    replacement = f"{SCHEMA}.fold('{op}', {initial_text}, {terms})"
    return (token.start, code[close].end, replacement), close + 1


def _parts(
    code: Sequence[Token], open_at: int
) -> tuple[Token, list[Token], Token, list[Token], list[Token], int] | None:
    level = 0
    pieces: list[list[Token]] = [[]]
    for offset, (depth, token) in enumerate(depths(code[open_at:])):
        if offset == 0:
            continue
        if depth == 0 and token.text == ")":
            return _shape(pieces, open_at + offset)
        if depth == 1 and level == 0 and token.text == ",":
            level = 1
            pieces.append([])
        elif depth == 1 and level == 1 and token.text == "|":
            level = 2
            pieces.append([])
        else:
            pieces[-1].append(token)
    return None


def _shape(
    pieces: list[list[Token]], close: int
) -> tuple[Token, list[Token], Token, list[Token], list[Token], int] | None:
    if len(pieces) != 3:
        return None
    head, middle, body = pieces
    if len(head) < 3 or head[0].kind not in _NAMES or head[1].text != "=":
        return None
    if len(middle) < 3 or middle[0].kind not in _NAMES or not middle[1].is_keyword("IN"):
        return None
    if not body:
        return None
    return head[0], head[2:], middle[0], middle[2:], body, close


def _fold(accumulator: Token, body: list[Token], where: Token) -> tuple[str, list[Token]]:
    """The operator and the term: ``acc + term`` or ``acc * term``."""
    if len(body) >= 3 and body[0].name == accumulator.name and body[1].text in ("+", "*"):
        op, rest = body[1].text, body[2:]
        top = [t for d, t in depths(rest) if d == 0]
        looser = _LOOSER | ({"+", "-"} if op == "*" else set())
        uses = any(  # the accumulator again in the term (not a property key)
            t.kind in _NAMES and t.name == accumulator.name and (i == 0 or rest[i - 1].text != ".")
            for i, t in enumerate(rest)
        )
        regroups = any(t.upper in looser or t.text in looser for t in top)
        if not uses and not regroups:
            return op, rest
    raise CypherSemanticError(
        "kgmem runs reduce() whose expression adds to or multiplies the accumulator "
        f"(reduce({accumulator.text} = 0, x IN list | {accumulator.text} + x)); "
        "AGE cannot evaluate any other fold",
        position=where.start,
    )


def _inner(text: str, tokens: Sequence[Token]) -> str:
    piece = text[tokens[0].start : tokens[-1].end]
    return rewrite(piece, tokenize(piece))
