"""The parser behind temporal folding (``kgmem.cypher.fold``): expressions around a
temporal call as a small tree whose nodes remember their token range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kgmem.cypher import temporal as t
from kgmem.cypher.lexer import Kind, Token

SCHEMA = "kgmem_cypher"
"""The schema of kgmem's SQL functions, which rewrites call as ``kgmem_cypher.<name>(...)``."""
CONSTRUCTORS = ("date", "localtime", "time", "localdatetime", "datetime", "duration")
_METHODS = {"truncate", "between", "inmonths", "indays", "inseconds", "fromepoch",
            "fromepochmillis",
            "transaction", "statement", "realtime"}  # fmt: skip
# Binding strength: IN binds tighter than comparisons and looser than arithmetic.
_BINARY = {"OR": 2, "XOR": 4, "AND": 6, "=": 10, "<>": 10, "<": 10, ">": 10, "<=": 10,
           ">=": 10, "IN": 11, "+": 12, "-": 12, "*": 14, "/": 14, "%": 14, "^": 16}  # fmt: skip
_ORDERING = ("<", ">", "<=", ">=", "+", "-", "*", "/", "%", "^")


class NotConstant(Exception):
    """The expression depends on something only the database knows."""


@dataclass(frozen=True, slots=True)
class Dynamic:
    """What a name is bound to when the database computes its temporal value: the
    value's type (``date``, ``datetime``, ...; None when the query does not say)."""

    kind: str | None


class Unsupported(Exception):
    """Syntax the folding parser does not handle."""


@dataclass
class Node:
    kind: str  # lit, var, param, call, prop, index, unary, binary, map, list, paren
    first: int  # token index range [first, last)
    last: int
    value: Any = None
    children: list[Node] = field(default_factory=list)


# -- parsing ---------------------------------------------------------------------------


class _Parser:
    def __init__(self, code: Sequence[Token]) -> None:
        self.code = code

    def at(self, i: int) -> Token | None:
        return self.code[i] if i < len(self.code) else None

    def expression(self, i: int, min_prec: int = 0) -> tuple[Node, int]:
        left, i = self.unary(i)
        while True:
            token = self.at(i)
            if token is None:
                return left, i
            op = token.upper if token.kind is Kind.NAME else token.text
            prec = _BINARY.get(op) if token.kind in (Kind.NAME, Kind.PUNCT) else None
            if prec is None or prec < min_prec:
                return left, i
            right, j = self.expression(i + 1, prec + 1)
            left = Node("binary", left.first, j, op, [left, right])
            i = j

    def unary(self, i: int) -> tuple[Node, int]:
        token = self.at(i)
        if token is not None and (token.text == "-" or token.is_keyword("NOT")):
            operand, j = self.expression(i + 1, 18 if token.text == "-" else 8)
            return Node("unary", i, j, token.upper, [operand]), j
        return self.postfix(i)

    def postfix(self, i: int) -> tuple[Node, int]:
        node, i = self.primary(i)
        while True:
            token, following = self.at(i), self.at(i + 1)
            if (
                token is not None
                and token.text == "."
                and following is not None
                and following.kind in (Kind.NAME, Kind.QUOTED_NAME)
            ):
                if self.at(i + 2) is not None and self.at(i + 2).text == "(":  # type: ignore[union-attr]
                    raise Unsupported("method call")
                node = Node("prop", node.first, i + 2, following.name, [node])
                i += 2
            elif token is not None and token.is_keyword("IS"):
                negated = following is not None and following.is_keyword("NOT")
                at_null = self.at(i + 2 if negated else i + 1)
                if at_null is None or not at_null.is_keyword("NULL"):
                    return node, i
                end = i + (3 if negated else 2)
                node = Node("notnull" if negated else "isnull", node.first, end, None, [node])
                i = end
            elif token is not None and token.text == "[":
                index, j = self.expression(i + 1)
                if self.at(j) is None or self.at(j).text != "]":  # type: ignore[union-attr]
                    raise Unsupported("slice")
                node = Node("index", node.first, j + 1, None, [node, index])
                i = j + 1
            else:
                return node, i

    def primary(self, i: int) -> tuple[Node, int]:
        token = self.at(i)
        if token is None:
            raise Unsupported("end of query")
        single = _single(token)
        if single is not None:
            return Node(single[0], i, i + 1, single[1]), i + 1
        if token.text == "(":
            inner, j = self.expression(i + 1)
            self.expect(j, ")")
            return Node("paren", i, j + 1, None, [inner]), j + 1
        if token.text == "{":
            return self.map_literal(i)
        if token.text == "[":
            return self.list_literal(i)
        if token.kind in (Kind.NAME, Kind.QUOTED_NAME) and not token.is_keyword("CASE", "EXISTS"):
            return self.name(i, token)
        raise Unsupported(token.text)

    def name(self, i: int, token: Token) -> tuple[Node, int]:
        function = token.name.lower()
        j = i + 1
        dot, method = self.at(j), self.at(j + 1)
        if (
            function in CONSTRUCTORS and dot is not None and dot.text == "."
            and method is not None and method.name.lower() in _METHODS
            and self.at(j + 2) is not None and self.at(j + 2).text == "("  # type: ignore[union-attr]
        ):  # fmt: skip
            function, j = f"{function}.{method.name.lower()}", j + 2
        elif (
            function == SCHEMA and dot is not None and dot.text == "."
            and method is not None and method.name == "project" and self.at(j + 2) is not None
            and self.at(j + 2).text == "("  # type: ignore[union-attr]
        ):  # fmt: skip
            function, j = f"{function}.project", j + 2  # a map literal (map_projections)
        after = self.at(j)
        if after is None or after.text != "(":
            return Node("var", i, i + 1, token.name), i + 1
        args: list[Node] = []
        j += 1
        if self.at(j) is not None and self.at(j).text == ")":  # type: ignore[union-attr]
            return Node("call", i, j + 1, function, args), j + 1
        while True:
            if self.at(j) is not None and self.at(j).is_keyword("DISTINCT"):  # type: ignore[union-attr]
                raise Unsupported("DISTINCT")
            arg, j = self.expression(j)
            args.append(arg)
            token_j = self.expect(j, ",", ")")
            j += 1
            if token_j.text == ")":
                return Node("call", i, j, function, args), j

    def map_literal(self, i: int) -> tuple[Node, int]:
        j, entries = i + 1, []
        if self.at(j) is not None and self.at(j).text == "}":  # type: ignore[union-attr]
            return Node("map", i, j + 1, [], []), j + 1
        while True:
            key = self.at(j)
            if key is None or key.kind not in (Kind.NAME, Kind.QUOTED_NAME):
                raise Unsupported("map key")
            self.expect(j + 1, ":")
            value, j = self.expression(j + 2)
            entries.append((key.name, value))
            closing = self.expect(j, ",", "}")
            j += 1
            if closing.text == "}":
                return Node("map", i, j, [k for k, _ in entries], [v for _, v in entries]), j

    def list_literal(self, i: int) -> tuple[Node, int]:
        j, items = i + 1, []
        variable, keyword = self.at(j), self.at(j + 1)
        if variable is not None and keyword is not None and keyword.is_keyword("IN"):
            raise Unsupported("list comprehension")  # [x IN l ...], not a list of x IN l
        if self.at(j) is not None and self.at(j).text == "]":  # type: ignore[union-attr]
            return Node("list", i, j + 1, None, []), j + 1
        while True:
            item, j = self.expression(j)
            if self.at(j) is not None and self.at(j).is_keyword("IN", "WHERE"):  # type: ignore[union-attr]
                raise Unsupported("list comprehension")
            items.append(item)
            closing = self.expect(j, ",", "]")
            j += 1
            if closing.text == "]":
                return Node("list", i, j, None, items), j

    def expect(self, i: int, *texts: str) -> Token:
        token = self.at(i)
        if token is None or token.text not in texts:
            raise Unsupported(f"expected {texts}")
        return token


def parse_at(code: Sequence[Token], index: int, min_precedence: int = 0) -> tuple[Node, int]:
    """The expression starting at ``code[index]`` whose operators bind at least as tight
    as ``min_precedence``, and the index after it; ``Unsupported`` for other syntax."""
    return _Parser(code).expression(index, min_precedence)


def _single(token: Token) -> tuple[str, Any] | None:
    """(kind, value) of a one-token literal or parameter, else None."""
    if token.kind is Kind.NUMBER:
        return "lit", _number(token.text)
    if token.kind is Kind.STRING:
        return "lit", unquote(token.text)
    if token.kind is Kind.PARAMETER:
        return "param", token.text
    if token.is_keyword("TRUE", "FALSE", "NULL"):
        return "lit", {"TRUE": True, "FALSE": False}.get(token.upper)
    return None


def _number(text: str) -> int | float:
    if text.lower().startswith("0x"):
        return int(text, 16)
    if text.lower().startswith("0o"):
        return int(text, 8)
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


def unquote(text: str) -> str:
    """The text of a quoted Cypher string literal, its escapes resolved."""
    body, out, i = text[1:-1], [], 0
    escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def literal(value: Any) -> str:
    """``value`` as Cypher literal text (temporal values as their ISO string)."""
    if isinstance(value, t.Temporal):
        value = t.to_string(value)
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise NotConstant("non-finite float")
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"`{k}`: {literal(v)}" for k, v in value.items()) + "}"
    raise NotConstant(type(value).__name__)
