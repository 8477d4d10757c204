"""Evaluate a parsed constant expression that involves temporal values
(``kgmem.cypher.fold`` parses, this module computes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kgmem.cypher import temporal as t
from kgmem.cypher import temporal_build as build
from kgmem.cypher import temporal_math as tm
from kgmem.cypher.fold_parse import Dynamic, Node, NotConstant
from kgmem.errors import CypherSemanticError, CypherTypeError


def evaluate(node: Node, env: Mapping[str, Any]) -> Any:
    """The value of ``node``; ``NotConstant`` when it needs the database."""
    if node.kind == "lit":
        return node.value
    if node.kind == "var" and node.value in env:
        if isinstance(env[node.value], Dynamic):
            raise NotConstant("computed by the database")
        return env[node.value]
    step = _STEPS.get(node.kind)
    if step is None:
        raise NotConstant(node.kind)  # a parameter, a variable, something unknown
    return step(node, [evaluate(c, env) for c in node.children])


_STEPS: dict[str, Callable[[Node, list[Any]], Any]] = {
    "paren": lambda node, values: values[0],
    "map": lambda node, values: dict(zip(node.value, values, strict=True)),
    "list": lambda node, values: values,
    "prop": lambda node, values: _property(values[0], node.value),
    "index": lambda node, values: _index(values[0], values[1]),
    "unary": lambda node, values: _unary(node.value, values[0]),
    "binary": lambda node, values: binary(node.value, values[0], values[1]),
    "call": lambda node, values: call(node.value, values),
}


def _property(value: Any, key: str) -> Any:
    if value is None:
        return None
    if isinstance(value, t.Temporal):
        return tm.component(value, key)
    if isinstance(value, dict):
        return value.get(key)
    raise NotConstant("property of a non-temporal value")


def _index(value: Any, index: Any) -> Any:
    if value is None or index is None:
        return None
    if isinstance(value, list) and isinstance(index, int) and not isinstance(index, bool):
        return value[index] if -len(value) <= index < len(value) else None
    if isinstance(value, dict) and isinstance(index, str):
        return value.get(index)
    raise NotConstant("index")


def _unary(op: str, value: Any) -> Any:
    if value is None:
        return None
    if op == "-" and isinstance(value, t.Duration):
        return t.Duration(-value.months, -value.days, -value.ns)
    if op == "-" and isinstance(value, int | float) and not isinstance(value, bool):
        return -value
    if op == "NOT" and isinstance(value, bool):
        return not value
    raise NotConstant(op)


def binary(op: str, left: Any, right: Any) -> Any:
    if op in ("AND", "OR", "XOR", "IN"):
        raise NotConstant(op)  # AGE (and kgmem's IN over lists) is three-valued
    if left is None or right is None:
        return None  # every remaining operator propagates null
    temporal = isinstance(left, t.Temporal) or isinstance(right, t.Temporal)
    if not temporal:
        raise NotConstant(op)
    if op in ("=", "<>"):
        same = type(left) is type(right) and _equal(left, right)
        return same if op == "=" else not same
    if op in ("<", ">", "<=", ">="):
        return _order(op, left, right)
    if op in ("+", "-"):
        return _plus_minus(op, left, right)
    if op in ("*", "/"):
        return _scale(op, left, right)
    raise CypherTypeError(f"operator {op} does not apply to temporal values")


def _equal(left: t.Temporal, right: t.Temporal) -> bool:
    if isinstance(left, t.DateTime) and isinstance(right, t.DateTime):
        return t.compare_key(left) == t.compare_key(right)
    return left == right


def _order(op: str, left: Any, right: Any) -> Any:
    if type(left) is not type(right) or isinstance(left, t.Duration):
        return None
    a, b = t.compare_key(left), t.compare_key(right)
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _plus_minus(op: str, left: Any, right: Any) -> Any:
    sign = 1 if op == "+" else -1
    if isinstance(right, t.Duration) and isinstance(left, t.Temporal):
        return tm.add(left, right, sign)
    if op == "+" and isinstance(left, t.Duration) and isinstance(right, t.Temporal):
        return tm.add(right, left)
    raise CypherTypeError(f"cannot apply {op} to {_type(left)} and {_type(right)}")


def _scale(op: str, left: Any, right: Any) -> Any:
    number = (int, float)
    if isinstance(left, t.Duration) and isinstance(right, number) and not isinstance(right, bool):
        return tm.scale(left, right, divide=op == "/")
    if op == "*" and isinstance(right, t.Duration) and isinstance(left, number):
        return tm.scale(right, left)
    raise CypherTypeError(f"cannot apply {op} to {_type(left)} and {_type(right)}")


def _type(value: Any) -> str:
    return type(value).__name__


def call(name: str, args: list[Any]) -> Any:
    """The temporal function ``name`` (lower case, ``kind`` or ``kind.method``)."""
    kind, _, method = name.partition(".")
    if name == "tostring":
        if len(args) == 1 and isinstance(args[0], t.Temporal):
            return t.to_string(args[0])
        raise NotConstant(name)
    if kind not in build.Kinds and kind != "duration":
        raise NotConstant(name)
    if method == "":
        return _construct(kind, args)
    if method in ("transaction", "statement", "realtime"):
        if args == [None]:
            return None
        raise NotConstant("the current time")
    if any(a is None for a in args):
        return None
    return _method(name, kind, method, args)


def _method(name: str, kind: str, method: str, args: list[Any]) -> Any:
    if method == "truncate":
        if len(args) not in (2, 3):
            raise CypherSemanticError(f"{name}() takes 2 or 3 arguments")
        extra = args[2] if len(args) == 3 else None
        if extra is not None and not isinstance(extra, dict):
            raise CypherTypeError(f"the third argument of {name}() must be a map")
        return tm.truncate(kind, args[0], args[1], extra)
    if kind == "duration" and method in ("between", "inmonths", "indays", "inseconds"):
        if len(args) != 2:
            raise CypherSemanticError(f"{name}() takes 2 arguments")
        return tm.between(args[0], args[1], method)
    if kind == "datetime" and method in ("fromepoch", "fromepochmillis"):
        return _from_epoch(method, args)
    raise CypherSemanticError(f"unknown function {name}()")


def _from_epoch(method: str, args: list[Any]) -> t.DateTime:
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise CypherTypeError(f"datetime.{method}() takes integers")
    if method == "fromepochmillis" and len(args) == 1:
        return t.from_epoch(args[0] * 1_000_000, None)
    if method == "fromepoch" and len(args) == 2:
        return t.from_epoch(args[0] * t.NS + args[1], None)
    raise CypherSemanticError(f"wrong number of arguments for datetime.{method}()")


def _construct(kind: str, args: list[Any]) -> Any:
    if not args or (len(args) == 1 and isinstance(args[0], dict) and set(args[0]) == {"timezone"}):
        raise NotConstant("the current time")  # read when the statement runs: kgmem.cypher.clock
    if len(args) != 1:
        raise CypherSemanticError(f"{kind}() takes one argument")
    given = args[0]
    if given is None:
        return None
    if isinstance(given, str):
        return build.parse(kind, given)
    if isinstance(given, dict):
        if kind == "duration":
            return build.duration_from_map(given)
        return build.from_map(kind, given)
    if isinstance(given, t.Temporal) and kind != "duration":
        key = {"date": "date", "localtime": "time", "time": "time"}.get(kind, "datetime")
        if isinstance(given, t.Date) and key == "datetime":
            key = "date"
        return build.from_map(kind, {key: given})
    if isinstance(given, t.Duration) and kind == "duration":
        return given
    raise CypherTypeError(f"{kind}() cannot take {given!r}")
