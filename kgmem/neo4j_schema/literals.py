"""Cypher literal values as schema statements write them: the ``OPTIONS {...}`` map
(strings, numbers, booleans, null, lists, maps and ``$parameters`` resolved from the
request's parameters). Only constants: a schema statement has no variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgmem.cypher.lexer import Kind, Token
from kgmem.errors import CypherSemanticError, CypherSyntaxError

_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def string_value(token: Token) -> str:
    """The text a Cypher string literal token stands for (quotes and escapes undone)."""
    body, out, i = token.text[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in ("u", "U"):
            width = 4 if nxt == "u" else 8
            digits = body[i + 2 : i + 2 + width]
            try:
                out.append(chr(int(digits, 16)))
            except ValueError:
                raise CypherSyntaxError("invalid unicode escape", position=token.start) from None
            i += 2 + width
        else:
            raise CypherSyntaxError(f"invalid escape \\{nxt}", position=token.start + i + 1)
    return "".join(out)


class LiteralReader:
    """Reads one literal value from ``tokens`` at ``pos`` (``read`` moves ``pos``)."""

    def __init__(self, tokens: list[Token], pos: int, params: Mapping[str, Any]) -> None:
        self.tokens = tokens
        self.pos = pos
        self.params = params

    def read(self) -> Any:
        """The value starting at ``pos``; raises ``CypherSyntaxError`` where none starts."""
        token = self._take()
        if token.kind is Kind.PUNCT and token.text == "{":
            return self._map()
        if token.kind is Kind.PUNCT and token.text == "[":
            return self._list()
        if token.kind is Kind.PUNCT and token.text == "-":
            number = self._take()
            if number.kind is not Kind.NUMBER:
                raise CypherSyntaxError("expected a number after '-'", position=number.start)
            return -_number(number)
        return self._scalar(token)

    def _scalar(self, token: Token) -> Any:
        if token.kind is Kind.STRING:
            return string_value(token)
        if token.kind is Kind.NUMBER:
            return _number(token)
        if token.kind is Kind.PARAMETER:
            return self.parameter(token)
        if token.is_keyword("TRUE", "FALSE"):
            return token.upper == "TRUE"
        if token.is_keyword("NULL"):
            return None
        if token.kind is Kind.NAME and token.name.lower() in _CONVERSIONS and self._punct("("):
            value = self.read()
            self._expect(")")
            return _converted(token, value)
        raise CypherSyntaxError(
            f"expected a literal value, found {token.text!r}", position=token.start
        )

    def parameter(self, token: Token) -> Any:
        """The value of parameter ``token`` from the request's parameters."""
        name = token.text[1:]
        if name not in self.params:
            raise CypherSemanticError(f"expected parameter(s): {name}", position=token.start)
        return self.params[name]

    def _map(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        if self._punct("}"):
            return result
        while True:
            key = self._take()
            if key.kind not in (Kind.NAME, Kind.QUOTED_NAME, Kind.STRING):
                raise CypherSyntaxError(
                    f"expected a map key, found {key.text!r}", position=key.start
                )
            name = string_value(key) if key.kind is Kind.STRING else key.name
            self._expect(":")
            result[name] = self.read()
            if self._punct("}"):
                return result
            self._expect(",")

    def _list(self) -> list[Any]:
        result: list[Any] = []
        if self._punct("]"):
            return result
        while True:
            result.append(self.read())
            if self._punct("]"):
                return result
            self._expect(",")

    def _punct(self, text: str) -> bool:
        if self.pos < len(self.tokens) and self.tokens[self.pos].text == text:
            self.pos += 1
            return True
        return False

    def _expect(self, text: str) -> None:
        token = self._take()
        if token.kind is not Kind.PUNCT or token.text != text:
            raise CypherSyntaxError(
                f"expected {text!r}, found {token.text!r}", position=token.start
            )

    def _take(self) -> Token:
        if self.pos >= len(self.tokens):
            end = self.tokens[-1].end if self.tokens else 0
            raise CypherSyntaxError("unexpected end of statement", position=end)
        token = self.tokens[self.pos]
        self.pos += 1
        return token


def _number(token: Token) -> int | float:
    text = token.text.lower()
    if text.startswith("0x"):
        return int(text[2:], 16)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if any(c in text for c in ".e"):
        return float(text)
    return int(text)


_CONVERSIONS = frozenset({"tointeger", "tofloat", "tostring", "toboolean"})
"""The conversions a constant may go through (``toInteger($dimensions)``, as
neo4j-graphrag writes its vector index's options)."""


def _converted(function: Token, value: Any) -> Any:
    """``value`` converted as Cypher's ``toInteger`` / ``toFloat`` / ``toString`` /
    ``toBoolean`` convert a constant: null for text that is no such value,
    ``CypherSemanticError`` for a list or a map."""
    name = function.name.lower()
    if isinstance(value, (list, dict)):
        raise CypherSemanticError(
            f"{function.name}() cannot convert {value!r}", position=function.start
        )
    if value is None or name == "tostring":
        return None if value is None else _text(value)
    if name == "toboolean":
        return value if isinstance(value, bool) else _BOOLEANS.get(str(value).strip().lower())
    if isinstance(value, bool):
        return int(value) if name == "tointeger" else None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if name == "tointeger" else number


_BOOLEANS = {"true": True, "false": False}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
