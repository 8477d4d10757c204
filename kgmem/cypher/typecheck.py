"""Compile-time type errors AGE only finds at run time (or never).

openCypher rejects a boolean operator (``AND``, ``OR``, ``XOR``, ``NOT``) whose operand
is a literal that cannot be a boolean (a number, a string, a list or a map literal) as
a compile-time error (InvalidArgumentType). AGE runs such a query and fails on the
first row, or not at all when there is no row; kgmem reports it before anything runs.
Likewise SKIP and LIMIT must be constant non-negative integers (openCypher's
NonConstantExpression, NegativeIntegerArgument, InvalidArgumentType).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kgmem.cypher.lexer import Kind, Token
from kgmem.errors import CypherSyntaxError

_BOOLEAN_OPS = ("AND", "OR", "XOR", "NOT")
_BEFORE_OPERAND = ("AND", "OR", "XOR", "NOT", "RETURN", "WHERE", "WITH", "WHEN", "THEN", "ELSE")
_AFTER_OPERAND = (
    "AND", "OR", "XOR", "AS", "THEN", "ELSE", "END", "WHEN", "ORDER", "SKIP", "LIMIT",
    "RETURN", "WITH", "MATCH", "OPTIONAL", "UNWIND", "CREATE", "MERGE", "SET", "DELETE",
    "DETACH", "REMOVE", "UNION",
)  # fmt: skip
_CLOSERS = {"[": "]", "{": "}"}


def check_boolean_operands(tokens: Sequence[Token]) -> None:
    """Raise ``CypherSyntaxError`` for a boolean operator applied to a non-boolean literal."""
    for index in range(len(tokens)):
        if not _separator(tokens, index - 1):
            continue
        end = literal_end(tokens, index)
        if end is None:
            continue
        before = tokens[index - 1] if index > 0 else None
        after = tokens[end] if end < len(tokens) else None
        whole = (
            after is None or after.text in (")", ",", "]", "}") or after.is_keyword(*_AFTER_OPERAND)
        )
        if not whole:
            continue
        if (before is not None and before.is_keyword(*_BOOLEAN_OPS)) or (
            after is not None and after.is_keyword("AND", "OR", "XOR")
        ):
            raise CypherSyntaxError(
                "InvalidArgumentType: a boolean operator needs boolean operands, not "
                f"{_describe(tokens[index])}",
                position=tokens[index].start,
            )


def _separator(tokens: Sequence[Token], index: int) -> bool:
    if index < 0:
        return True
    token = tokens[index]
    if token.is_keyword("WITH") and index > 0 and tokens[index - 1].is_keyword("STARTS", "ENDS"):
        return False  # STARTS WITH 'a' is a string operator, not a clause
    return token.text in ("(", ",") or token.is_keyword(*_BEFORE_OPERAND)


def literal_end(tokens: Sequence[Token], index: int) -> int | None:
    """The index just past a non-boolean literal starting at ``index``, if one does."""
    token = tokens[index]
    if token.text == "-" and index + 1 < len(tokens) and tokens[index + 1].kind is Kind.NUMBER:
        return index + 2
    if token.kind in (Kind.NUMBER, Kind.STRING):
        return index + 1
    if token.text in _CLOSERS:
        return _balanced_end(tokens, index)
    return None


def _balanced_end(tokens: Sequence[Token], index: int) -> int | None:
    depth = 0
    for j in range(index, len(tokens)):
        text = tokens[j].text
        if tokens[j].kind is Kind.PUNCT and text in "[{":
            depth += 1
        elif tokens[j].kind is Kind.PUNCT and text in "]}":
            depth -= 1
            if depth == 0:
                following = tokens[j + 1].text if j + 1 < len(tokens) else ""
                return None if following in ("[", ".") else j + 1
    return None


def _describe(token: Token) -> str:
    if token.kind is Kind.STRING:
        return "a string"
    if token.text == "[":
        return "a list"
    if token.text == "{":
        return "a map"
    return "a number"


def check_skip_limit(tokens: Sequence[Token], params: Mapping[str, Any]) -> None:
    """SKIP and LIMIT take a constant non-negative integer: a literal, a parameter or an
    expression without variables. Raise ``CypherSyntaxError`` otherwise."""
    for index, token in enumerate(tokens):
        if not token.is_keyword("SKIP", "LIMIT") or (index and tokens[index - 1].text == "."):
            continue
        expression = _until_clause(tokens, index + 1)
        if expression:  # (an empty one is AGE's syntax error to report)
            _check_count(token.upper, expression, params)


def _until_clause(tokens: Sequence[Token], start: int) -> list[Token]:
    out: list[Token] = []
    for token in tokens[start:]:
        if token.is_keyword(*_CLAUSE_AFTER_COUNT) or token.text in (")", "}", "]"):
            break
        out.append(token)
    return out


_CLAUSE_AFTER_COUNT = (
    "LIMIT", "SKIP", "RETURN", "WITH", "MATCH", "OPTIONAL", "UNWIND", "CREATE", "MERGE",
    "SET", "DELETE", "DETACH", "REMOVE", "UNION", "WHERE", "ORDER", "CALL",
)  # fmt: skip


def _check_count(word: str, expression: list[Token], params: Mapping[str, Any]) -> None:
    first = expression[0]
    if len(expression) == 1 and first.kind is Kind.PARAMETER:
        value = params.get(first.text[1:])
        if first.text[1:] in params and not _non_negative_int(value):
            raise CypherSyntaxError(
                f"{word} must be a non-negative integer, parameter {first.text} is {value!r}",
                position=first.start,
            )
        return
    for j, token in enumerate(expression):
        following = expression[j + 1].text if j + 1 < len(expression) else ""
        if token.kind in (Kind.NAME, Kind.QUOTED_NAME) and following != "(":
            raise CypherSyntaxError(
                f"NonConstantExpression: {word} cannot depend on variables", position=token.start
            )
    if len(expression) == 1 and first.kind is Kind.NUMBER and not first.text.isdigit():
        raise CypherSyntaxError(
            f"InvalidArgumentType: {word} takes an integer", position=first.start
        )
    if len(expression) == 2 and first.text == "-" and expression[1].kind is Kind.NUMBER:
        raise CypherSyntaxError(
            f"NegativeIntegerArgument: {word} must not be negative", position=first.start
        )


def count_parameters(tokens: Sequence[Token]) -> list[tuple[str, Token]]:
    """(SKIP or LIMIT, the parameter token) for each SKIP/LIMIT given as a parameter."""
    found = []
    for index, token in enumerate(tokens):
        if token.is_keyword("SKIP", "LIMIT") and index + 1 < len(tokens):
            expression = _until_clause(tokens, index + 1)
            if len(expression) == 1 and expression[0].kind is Kind.PARAMETER:
                found.append((token.upper, expression[0]))
    return found


def check_count_parameters(counts: Sequence[tuple[str, Token]], params: Mapping[str, Any]) -> None:
    """The parameters of SKIP/LIMIT (from ``count_parameters``) hold non-negative integers."""
    for word, token in counts:
        _check_count(word, [token], params)


def _non_negative_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
