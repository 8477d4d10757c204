"""TCK expected values (``(:A {name: 'a'})``, ``[:T]``, ``<(a)-[:T]->(b)>``, lists,
maps, strings, numbers) and query results in one comparable, hashable form.

Nodes compare by label set and properties, relationships by type and properties,
paths by their sequence; lists keep their order unless told otherwise.
"""

from __future__ import annotations

import math
from typing import Any

from kgmem.cypher.fold_parse import unquote
from kgmem.cypher.lexer import Kind, Token, tokenize

NAN = ("nan",)


class ParseError(ValueError):
    """A TCK cell that is not a value this parser knows."""


def parse(text: str) -> Any:
    """The comparable form of one TCK cell."""
    parser = _Parser(tokenize(text), text)
    value = parser.value()
    if parser.i != len(parser.tokens):
        raise ParseError(f"trailing text in {text!r}")
    return value


class _Parser:
    def __init__(self, tokens: list[Token], text: str) -> None:
        self.tokens, self.text, self.i = tokens, text, 0

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self, expected: str | None = None) -> Token:
        token = self.peek()
        if token is None or (expected is not None and token.text != expected):
            raise ParseError(f"expected {expected!r} in {self.text!r}")
        self.i += 1
        return token

    def value(self) -> Any:
        token = self.peek()
        if token is None:
            raise ParseError(f"empty value in {self.text!r}")
        if token.text == "-":
            self.take()
            return _negate(self.value())
        if token.kind is Kind.NUMBER:
            return _number(self.take().text)
        if token.kind is Kind.STRING:
            return unquote(self.take().text)
        if token.kind is Kind.NAME:
            return self.name()
        return {"[": self.list_or_rel, "{": self.map, "(": self.node, "<": self.path}[token.text]()

    def name(self) -> Any:
        word = self.take().text
        constants = {
            "null": None,
            "true": ("bool", True),
            "false": ("bool", False),
            "NaN": NAN,
            "Inf": ("float", math.inf),
        }
        if word not in constants:
            raise ParseError(f"unknown word {word!r}")
        return constants[word]

    def list_or_rel(self) -> Any:
        if self.peek(1) is not None and self.peek(1).text == ":":  # type: ignore[union-attr]
            return self.rel()
        self.take("[")
        items = []
        while self.peek() is not None and self.peek().text != "]":  # type: ignore[union-attr]
            items.append(self.value())
            if self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.take()
        self.take("]")
        return ("list", tuple(items))

    def map(self) -> Any:
        self.take("{")
        items = {}
        while self.peek() is not None and self.peek().text != "}":  # type: ignore[union-attr]
            key = self.take().name
            self.take(":")
            items[key] = self.value()
            if self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.take()
        self.take("}")
        return ("map", tuple(sorted(items.items())))

    def labels(self) -> tuple[str, ...]:
        found = []
        while self.peek() is not None and self.peek().text == ":":  # type: ignore[union-attr]
            self.take()
            found.append(self.take().name)
        return tuple(sorted(found))

    def props(self) -> Any:
        if self.peek() is not None and self.peek().text == "{":  # type: ignore[union-attr]
            return self.map()
        return ("map", ())

    def node(self) -> Any:
        self.take("(")
        labels = self.labels()
        props = self.props()
        self.take(")")
        return ("node", labels, props)

    def rel(self) -> Any:
        self.take("[")
        types = self.labels()
        props = self.props()
        self.take("]")
        return ("rel", types[0] if types else "", props)

    def path(self) -> Any:
        self.take("<")
        parts = [self.node()]
        while self.peek() is not None and self.peek().text in ("-", "<-"):  # type: ignore[union-attr]
            backwards = self.take().text == "<-"
            rel = self.rel()
            self.take("-" if backwards else "->")
            parts += [rel, self.node()]
        self.take(">")
        return ("path", tuple(parts))


def _number(text: str) -> Any:
    if text.lower().startswith("0x"):
        return int(text, 16)
    if any(c in text for c in ".eE"):
        return ("float", float(text))
    return int(text)


def _negate(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return -value
    if isinstance(value, tuple) and value[0] == "float":
        return ("float", -value[1])
    raise ParseError("'-' before a non-number")


def from_result(value: Any) -> Any:
    """The comparable form of a decoded kgmem result value (``kgmem.cypher.values``)."""
    if isinstance(value, bool):
        return ("bool", value)
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return NAN if math.isnan(value) else ("float", value)
    if isinstance(value, list):
        return ("list", tuple(from_result(v) for v in value))
    if isinstance(value, dict):
        return _from_map(value)
    raise TypeError(f"unexpected result value {value!r}")


def _from_map(value: dict[str, Any]) -> Any:
    kind = value.get("kind")
    if kind == "node" and "properties" in value:
        labels = value.get("labels") or ([value["label"]] if value["label"] else [])
        return ("node", tuple(sorted(labels)), _props(value))
    if kind == "relationship" and "properties" in value:
        return ("rel", value["label"], _props(value))
    if kind == "path" and "nodes" in value:
        return _path(value)
    return ("map", tuple(sorted((k, from_result(v)) for k, v in value.items())))


def _props(value: dict[str, Any]) -> Any:
    return from_result(value["properties"])


def _path(value: dict[str, Any]) -> Any:
    nodes = [from_result(n) for n in value["nodes"]]
    rels = [from_result(r) for r in value["relationships"]]
    parts = [nodes[0]]
    for rel, node in zip(rels, nodes[1:], strict=False):
        parts += [rel, node]
    return ("path", tuple(parts))


def unordered_lists(value: Any) -> Any:
    """``value`` with every list's elements sorted (for "ignoring element order")."""
    if isinstance(value, tuple) and value and value[0] == "list":
        return ("list", tuple(sorted((unordered_lists(v) for v in value[1]), key=repr)))
    if isinstance(value, tuple) and value and value[0] == "map":
        return ("map", tuple((k, unordered_lists(v)) for k, v in value[1]))
    return value


def to_json(value: Any) -> Any:
    """A parsed TCK cell as the plain value a parameter or a procedure holds."""
    if isinstance(value, tuple):
        if value[0] in ("bool", "float"):
            return value[1]
        if value[0] == "list":
            return [to_json(v) for v in value[1]]
        if value[0] == "map":
            return {k: to_json(v) for k, v in value[1]}
    return value
