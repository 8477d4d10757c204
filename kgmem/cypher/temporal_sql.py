"""Temporal expressions over graph values and parameters, handed to the database.

What ``kgmem.cypher.fold`` cannot evaluate while planning (``date(n.born)``,
``n.at + duration('P1D')``, ``d.year`` for a ``d`` computed from the graph,
``duration.between($a, n.at)``, ``n.at < datetime('2015-07-21T10:00Z')``) becomes a
call of a function in the ``kgmem_cypher`` schema (migration 0017), which AGE runs as
a schema-qualified SQL function with agtype arguments:

- ``kgmem_cypher.construct(kind, value)``: ``date(x)``, ``datetime(x)``, ... from a
  temporal value's text or from a map of components;
- ``kgmem_cypher.part(value, key)``: ``value.year``, ``value.offset``, ``dur.days``;
- ``kgmem_cypher.plus(a, b, sign)``: ``a + b`` and ``a - b`` with a duration;
- ``kgmem_cypher.compare(a, b)``: -1, 0, 1, or null for values of different types;
- ``kgmem_cypher.between(a, b, unit)``: ``duration.between`` / ``inMonths`` / ...;
- ``kgmem_cypher.truncate(kind, unit, value)``: ``date.truncate(...)`` and the like.

Those names are the only SQL functions the rewrite emits (``FUNCTIONS``); the guard
still refuses any schema-qualified call the analyst writes. The functions are
IMMUTABLE, STRICT, read no table and run with the reader role's rights.

Temporal values stay stored as their ISO 8601 text (``'2015-07-21'``,
``'2015-07-21T21:40+01:00[Europe/Paris]'``, ``'P1DT2H'``): the text says its type, and
the functions read it back as that type. A value is only treated as temporal where
the query says so (a temporal function, or an operand next to one); a stored string
compared with another stored string stays a string comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kgmem.cypher import clock, fold_parse
from kgmem.cypher.fold_parse import CONSTRUCTORS, Dynamic, Node, NotConstant, literal
from kgmem.cypher.lexer import Token
from kgmem.cypher.temporal import Temporal
from kgmem.cypher.temporal_eval import evaluate
from kgmem.errors import CypherSemanticError

SCHEMA = fold_parse.SCHEMA
FUNCTIONS = frozenset(
    {"construct", "part", "plus", "compare", "between", "truncate", "compare3", "isnull"}
)
_COMPARISONS = ("<", ">", "<=", ">=", "=", "<>")
_BETWEEN = ("between", "inmonths", "indays", "inseconds")


def touches(node: Node, env: Mapping[str, Any]) -> bool:
    """Does ``node`` involve a temporal call or a name bound to a temporal value?"""
    if node.kind == "call" and node.value.split(".")[0] in CONSTRUCTORS:
        return True
    if node.kind == "var":
        bound = env.get(node.value)
        return isinstance(bound, Dynamic | Temporal)
    return any(touches(c, env) for c in node.children)


def valued(node: Node, env: Mapping[str, Any]) -> bool:
    """Is ``node``'s value itself temporal (not, say, a component or a string of one)?"""
    if node.kind == "call":
        return bool(node.value.partition(".")[0] in CONSTRUCTORS)
    if node.kind == "var":
        bound = env.get(node.value)
        return isinstance(bound, Dynamic | Temporal)
    if node.kind == "paren":
        return valued(node.children[0], env)
    if node.kind == "binary" and node.value in ("+", "-"):
        return any(valued(c, env) for c in node.children)
    return False


_VALUE_KINDS = {
    "Date": "date", "LocalTime": "localtime", "Time": "time",
    "LocalDateTime": "localdatetime", "DateTime": "datetime", "Duration": "duration",
}  # fmt: skip


def value_kind(value: Any) -> str | None:
    """The Cypher type name of a temporal constant, None for anything else."""
    return _VALUE_KINDS.get(type(value).__name__) if isinstance(value, Temporal) else None


def kind_of(node: Node, env: Mapping[str, Any]) -> str | None:
    """The temporal type ``node`` evaluates to, when the query says (a temporal call,
    a name bound to one, a sum with a duration); None otherwise."""
    if node.kind == "call":
        kind = node.value.partition(".")[0]
        return kind if kind in CONSTRUCTORS else None
    if node.kind == "var":
        bound = env.get(node.value)
        return bound.kind if isinstance(bound, Dynamic) else value_kind(bound)
    if node.kind == "paren":
        return kind_of(node.children[0], env)
    if node.kind == "binary" and node.value in ("+", "-"):
        kinds = [kind_of(c, env) for c in node.children]
        moved = [k for k in kinds if k is not None and k != "duration"]
        if moved:
            return moved[0]
        return "duration" if kinds == ["duration", "duration"] else None
    return None


class Lowering:
    """Turns one parsed expression into Cypher text with ``kgmem_cypher`` calls."""

    def __init__(self, text: str, code: Sequence[Token], env: Mapping[str, Any]) -> None:
        self.text, self.code, self.env = text, code, env

    def source(self, node: Node) -> str:
        return self.text[self.code[node.first].start : self.code[node.last - 1].end]

    def lower(self, node: Node) -> str:
        try:
            value = evaluate(node, self.env)
        except NotConstant:
            pass
        else:
            return literal(value)
        if not touches(node, self.env):
            return self.source(node)
        if node.kind == "call" and node.value.split(".")[0] in CONSTRUCTORS:
            return self._call(node)
        if node.kind == "prop":
            return self._fn("part", self.lower(node.children[0]), literal(node.value))
        if node.kind == "binary":
            return self._binary(node)
        return self._splice(node)

    def _fn(self, name: str, *args: str) -> str:
        assert name in FUNCTIONS
        return f"{SCHEMA}.{name}({', '.join(args)})"

    def _call(self, node: Node) -> str:
        kind, _, method = node.value.partition(".")
        reading = self._clock(node, kind, method)
        if reading is not None:
            return reading
        args = [self.lower(c) for c in node.children]
        where = self.code[node.first].start
        if not method:
            if len(args) != 1:
                raise CypherSemanticError(f"{kind}() takes one argument", position=where)
            return self._fn("construct", literal(kind), args[0])
        if method == "truncate" and len(args) == 2:
            return self._fn("truncate", literal(kind), args[0], args[1])
        if kind == "duration" and method in _BETWEEN and len(args) == 2:
            return self._fn("between", args[0], args[1], literal(method))
        raise CypherSemanticError(
            f"{node.value}() needs constant arguments in kgmem's Cypher", position=where
        )

    def _clock(self, node: Node, kind: str, method: str) -> str | None:
        """The parameter of a reading of the current time (``kgmem.cypher.clock``):
        ``kind()``, ``kind({timezone: z})``, ``kind.statement([z])`` and the
        ``transaction`` and ``realtime`` forms; None for any other call."""
        if kind == "duration" or method not in ("", *clock.CLOCKS):
            return None
        children = node.children
        if children and not method:  # kind({timezone: z})
            only = children[0]
            if len(children) > 1 or only.kind != "map" or list(only.value) != ["timezone"]:
                return None
            children = only.children
        if len(children) > 1:
            return None
        zone = None
        if children:
            try:
                given = evaluate(children[0], self.env)
            except NotConstant:
                given = None
                if children[0].kind == "param":  # read when the statement runs
                    zone_parameter = str(children[0].value)[1:]
                    return "$" + clock.parameter(
                        method or "statement", kind, zone_parameter=zone_parameter
                    )
            if not isinstance(given, str):
                raise CypherSemanticError(
                    f"the time zone of {node.value}() must be a string or a parameter in "
                    "kgmem's Cypher",
                    position=self.code[node.first].start,
                )
            zone = given
        return "$" + clock.parameter(method or "statement", kind, zone)

    def _binary(self, node: Node) -> str:
        left, right = node.children
        op = node.value
        temporal = valued(left, self.env) or valued(right, self.env)
        if op in ("+", "-") and temporal:
            sign = "1" if op == "+" else "-1"
            return self._fn("plus", self.lower(left), self.lower(right), sign)
        if op in _COMPARISONS and temporal:
            return f"({self._fn('compare', self.lower(left), self.lower(right))} {op} 0)"
        if op in ("*", "/", "%", "^") and temporal:
            raise CypherSemanticError(
                f"operator {op} on a temporal value needs constant operands in kgmem's Cypher",
                position=self.code[node.first].start,
            )
        return self._splice(node)

    def _splice(self, node: Node) -> str:
        """The node's own text with each child replaced by its lowering."""
        out: list[str] = []
        at = self.code[node.first].start
        for child in sorted(node.children, key=lambda c: c.first):
            start = self.code[child.first].start
            out.append(self.text[at:start])
            out.append(self.lower(child))
            at = self.code[child.last - 1].end
        out.append(self.text[at : self.code[node.last - 1].end])
        return "".join(out)
