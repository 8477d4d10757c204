"""Compile-time errors of operands whose type the query text already shows.

openCypher's semantic analysis knows the type of a literal, and of a list
comprehension's or quantifier's variable that runs over a list literal of one type;
Neo4j refuses, before anything runs, what cannot work on such a type. AGE finds these
only on a row (or never, when there is none), so kgmem checks the analyst's text first:

- an arithmetic operator (``-``, ``*``, ``/``, ``%``, ``^``) with an operand that is a
  string or boolean literal, or a variable running over a list literal of only strings
  or only booleans (``none(x IN ['a', 'b'] WHERE x % 2 = 0)``), is InvalidArgumentType
  (such a list holding a number, or a list, is of no one type: it is left to run);
- ``rand()`` inside an aggregating function (``count(rand())``) is
  NonConstantExpression: an aggregate over a non-deterministic argument.

``+`` is left alone: it joins strings and lists.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.functions import AGGREGATES, called
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import closing
from kgmem.errors import CypherSyntaxError

_ARITHMETIC = ("-", "*", "/", "%", "^")
_QUANTIFIERS = ("ALL", "ANY", "NONE", "SINGLE")
_BOOLEANS = ("TRUE", "FALSE")


def check(code: Sequence[Token]) -> None:
    """Raise ``CypherSyntaxError`` for arithmetic on a value that cannot be a number, or
    for ``rand()`` inside an aggregating function (``code``: the query as written,
    without spaces or comments)."""
    typed = _typed_variables(code)
    for index, token in enumerate(code):
        if token.kind is Kind.PUNCT and token.text in _ARITHMETIC:
            for side in (index - 1, index + 1):
                kind = _operand_kind(code, side, typed)
                if kind is not None:
                    raise CypherSyntaxError(
                        f"InvalidArgumentType: {token.text} needs numbers (or temporal values), "
                        f"not {kind}",
                        position=code[side].start,
                    )
    _check_random_aggregates(code)


def _operand_kind(code: Sequence[Token], at: int, typed: dict[int, str]) -> str | None:
    """'a string' or 'a boolean' when the token at ``at`` is such a literal, or a variable
    of ``typed``; None otherwise (or out of range)."""
    if at < 0 or at >= len(code):
        return None
    token = code[at]
    if token.kind is Kind.STRING:
        return "a string"
    if token.kind is not Kind.NAME:
        return None
    after = code[at + 1].text if at + 1 < len(code) else ""
    before = code[at - 1].text if at > 0 else ""
    if before in (".", ":") or after in (".", "(", "["):
        return None  # a property key, a label, a call or a subscript
    if token.upper in _BOOLEANS:
        return "a boolean"
    return typed.get(at)


def _typed_variables(code: Sequence[Token]) -> dict[int, str]:
    """Token index -> type, for each use of a variable that runs over a list literal of
    only strings or only booleans (with nulls), within its comprehension or quantifier."""
    typed: dict[int, str] = {}
    closes = closing(code)
    for start, token in enumerate(code):
        opened = _binding_start(code, start, token)
        if opened is None:
            continue
        name_at = opened
        if name_at + 3 >= len(code) or not code[name_at + 1].is_keyword("IN"):
            continue
        if code[name_at + 2].text != "[":
            continue
        list_end = closes.get(name_at + 2)
        end = closes.get(start if token.text == "[" else start + 1)
        kind = _list_kind(code[name_at + 3 : list_end])
        if kind is None or end is None or list_end is None:
            continue
        name = code[name_at].name
        for j in range(list_end + 1, end):
            if code[j].kind is Kind.NAME and code[j].name == name:
                typed[j] = kind
    return typed


def _binding_start(code: Sequence[Token], start: int, token: Token) -> int | None:
    """The index of the variable a quantifier (``any(x IN ...``) or list comprehension
    (``[x IN ...``) starting at ``start`` binds, or None."""
    if token.kind is Kind.NAME and token.upper in _QUANTIFIERS:
        if start + 2 < len(code) and code[start + 1].text == "(":
            return start + 2 if code[start + 2].kind is Kind.NAME else None
        return None
    if token.text == "[" and token.kind is Kind.PUNCT and start + 1 < len(code):
        return start + 1 if code[start + 1].kind is Kind.NAME else None
    return None


def _list_kind(items: Sequence[Token]) -> str | None:
    """'a string' or 'a boolean' when ``items`` (a list literal's inside) are literals of
    that one type and nulls, with at least one that is not null."""
    kinds = set()
    for position, token in enumerate(items):
        if position % 2 == 1:
            if token.text != ",":
                return None
            continue
        if token.kind is Kind.STRING:
            kinds.add("a string")
        elif token.kind is Kind.NAME and token.upper in _BOOLEANS:
            kinds.add("a boolean")
        elif not (token.kind is Kind.NAME and token.upper == "NULL"):
            return None
    return kinds.pop() if len(kinds) == 1 else None


def _check_random_aggregates(code: Sequence[Token]) -> None:
    closes = closing(code)
    for start in range(len(code) - 1):
        if (called(code, start) or "").lower() not in AGGREGATES:
            continue
        end = closes.get(start + 1, len(code))
        for j in range(start + 2, end - 1):
            if code[j].kind is Kind.NAME and code[j].upper == "RAND" and code[j + 1].text == "(":
                raise CypherSyntaxError(
                    "NonConstantExpression: an aggregating function cannot take a "
                    "non-deterministic argument such as rand()",
                    position=code[j].start,
                )
