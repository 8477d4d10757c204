"""The value of a constant Cypher expression, computed in Python: what a procedure call
passes as arguments (``CALL p('Ann', [1, 2], {k: $param}, -3)``) and what a signature
gives as a default.

Literals, parameters, lists, maps, a unary minus and parentheses are evaluated here.
Other expressions (operators, function calls) raise ``NeedsDatabase``: the caller has
PostgreSQL evaluate them; a name of the query (``x`` bound by ``UNWIND``) raises
``Variable``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kgmem.cypher.fold_parse import Node, Unsupported, parse_at
from kgmem.cypher.lexer import Token
from kgmem.errors import CypherSemanticError


class NeedsDatabase(Exception):
    """The expression is constant as far as Python can tell, but not simple enough."""


class Variable(Exception):
    """The expression reads a variable of the query (named by ``args[0]``)."""


def evaluate(tokens: Sequence[Token], params: Mapping[str, Any]) -> Any:
    """The value of the expression ``tokens`` spell (see the module docstring)."""
    try:
        node, end = parse_at(tokens, 0)
    except Unsupported:
        raise NeedsDatabase from None
    if end != len(tokens):
        raise NeedsDatabase
    return _value(node, params, tokens)


def _value(node: Node, params: Mapping[str, Any], tokens: Sequence[Token]) -> Any:
    if node.kind == "lit":
        return node.value
    if node.kind == "param":
        return parameter(str(node.value), params, tokens[node.first].start)
    if node.kind == "list":
        return [_value(child, params, tokens) for child in node.children]
    if node.kind == "map":
        values = [_value(child, params, tokens) for child in node.children]
        return dict(zip(node.value, values, strict=True))
    if node.kind == "paren":
        return _value(node.children[0], params, tokens)
    if node.kind == "unary" and node.value == "-":
        inner = _value(node.children[0], params, tokens)
        if isinstance(inner, int | float) and not isinstance(inner, bool):
            return -inner
    _no_variables(node)
    raise NeedsDatabase


def reads_variables(tokens: Sequence[Token]) -> bool:
    """True when the expression ``tokens`` spell names a variable of the query."""
    try:
        node, _ = parse_at(tokens, 0)
    except Unsupported:
        return False
    try:
        _no_variables(node)
    except Variable:
        return True
    return False


def _no_variables(node: Node) -> None:
    if node.kind == "var":
        raise Variable(node.value)
    for child in node.children:
        _no_variables(child)


def parameter(text: str, params: Mapping[str, Any], position: int) -> Any:
    """The value of the parameter token ``text`` (``$name`` or ``$`quoted```)."""
    name = text[1:]
    if name.startswith("`") and name.endswith("`"):
        name = name[1:-1].replace("``", "`")
    if name not in params:
        raise CypherSemanticError(
            f"missing parameter(s): ${name}", position=position, missing=[name]
        )
    return params[name]
