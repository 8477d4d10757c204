"""Comparisons by openCypher's three-valued logic outside list predicates.

AGE 1.7 orders values of different types instead of answering null (``1 < 'a'`` is
true), and compares lists and maps holding null as values (``[null] = [1]`` is false,
openCypher: null). In the items of ``RETURN`` and ``WITH`` and in ``WHERE``, kgmem
writes such a comparison as ``kgmem_cypher.compare3(a, 'op', b)`` (migration 0021:
null for a null operand, lists and maps element by element, ``<``/``>`` only between
numbers, strings, booleans or lists).

``compare3`` (migration 0046) also answers NaN as openCypher does: equal to nothing,
neither above nor below any number (PostgreSQL orders it above every number and equal
to itself).

Comparisons AGE already answers as openCypher does, or that an index or a join
serves, stay as written: ``=`` and ``<>`` between variables, properties, literals and
parameters, and any ``=`` or ``<>`` in ``WHERE``, unless an operand is a list or map
literal (AGE's equality differs only for lists and maps holding null, and for NaN,
which expressions such as ``0.0 / 0.0`` make); and in ``WHERE`` an ordering between
variables, properties, literals and parameters (``a.x < b.x``, ``n.age > $min``),
which PostgreSQL can push into an index or a join. Against a string, number or
boolean literal such an ordering is kept to values of the literal's type, by a second
range of the same expression: ``n.v > 'x'`` is written ``(n.v > 'x' AND n.v < false)``
(AGE orders numbers above strings, so ``0 > 'x'`` was true; openCypher's null drops the
row as false does), and one against a number stops short of NaN. Below ``NOT`` or
``XOR``, where null and false differ, such an ordering is ``compare3``'s.

Membership (``x IN list``) is AGE's where AGE agrees (a scalar literal against a list
literal, ``3 IN [1, null]``) and in WHERE where an index serves it (``n.name IN $names``,
``type(r) IN ['A', 'B']``); elsewhere it becomes a count of the items ``compare3``
finds equal and of those it finds null (``kgmem.cypher.nulls.membership``; a list
literal's items are compared one by one, ``membership_of_items``), so
``[1, 2] IN [[null, 2]]`` is null and ``null IN []`` false. ``1 IN 123`` (a literal that
is not a list) is a syntax error. So do chained comparisons (``a < b < c``),
comparisons of boolean operators' results, and expressions kgmem's expression parser
does not read whole (CASE, patterns, comprehensions).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.fold_parse import Node, Unsupported, parse_at
from kgmem.cypher.lexer import Token
from kgmem.cypher.nulls import COMPARISONS, Lower
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import each_clause, split_top_level
from kgmem.errors import CypherSyntaxError

_BOOLEAN_OPS = frozenset({"AND", "OR", "XOR", *COMPARISONS})


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with its comparisons three-valued where AGE
    would answer otherwise."""
    if not any(op in text for op in ("=", "<", ">")) and not any(t.is_keyword("IN") for t in code):
        return text
    edits: list[Edit] = []
    for placed in each_clause(code, "RETURN", "WITH", "WHERE"):
        clause = placed.clause
        if clause.keyword == "WHERE":
            edits.extend(_lowered(text, list(clause.body), in_where=True))
            continue
        body = list(clause.body)
        if body and body[0].is_keyword("DISTINCT"):
            body = body[1:]
        for item in split_top_level(body):
            edits.extend(_lowered(text, _expression(item), in_where=False))
    return splice(text, edits)


def _expression(item: Sequence[Token]) -> list[Token]:
    if len(item) >= 3 and item[-2].is_keyword("AS"):
        return list(item[:-2])
    return list(item)


def _lowered(text: str, tokens: list[Token], *, in_where: bool) -> list[tuple[int, int, str]]:
    operators = {t.upper for t in tokens if t.text in COMPARISONS or t.is_keyword("IN")}
    if not operators:
        return []
    if operators <= {"=", "<>"} and in_where and not any(t.text in ("[", "{") for t in tokens):
        return []  # equality of scalars: AGE agrees but for NaN
    try:
        node, stop = parse_at(tokens, 0)
    except (Unsupported, RecursionError):
        return []
    if stop != len(tokens) or _chained(node):
        return []
    lowering = _Comparisons(text, tokens, in_where=in_where)
    new = lowering.lower(node)
    return [(tokens[0].start, tokens[-1].end, new)] if lowering.changed else []


class _Comparisons(Lower):
    tests_nulls = False

    def __init__(self, text: str, tokens: list[Token], *, in_where: bool) -> None:
        super().__init__(text, tokens)
        self.in_where = in_where
        self.changed = False
        self.negated = 0  # how many NOTs and XORs enclose the node being lowered

    def lower(self, node: Node) -> str:
        if _negates(node):  # false and null differ below NOT and XOR
            self.negated += 1
            try:
                return super().lower(node)
            finally:
                self.negated -= 1
        bounded = self._bounded(node) if self.in_where and not self.negated else None
        if bounded is None:
            return super().lower(node)
        self.changed = True
        return bounded

    def _bounded(self, node: Node) -> str | None:
        """``n.v > 'x'`` as ``(n.v > 'x' AND n.v < false)``: an ordering of a property or
        variable against a string, number or boolean literal, kept to values of the
        literal's type (openCypher: null across types, which WHERE drops; AGE orders
        numbers above strings, so ``0 > 'x'`` was true) and, for numbers, short of NaN
        (PostgreSQL orders it above every number). Both conditions are ranges of the
        one expression, which an index still serves."""
        if node.kind != "binary" or node.value not in _ORDERINGS:
            return None
        left, right = node.children
        op, operand, literal = node.value, left, right
        if left.kind not in ("prop", "var"):
            op, operand, literal = _FLIPPED[node.value], right, left
        if operand.kind not in ("prop", "var"):
            return None
        bounds = _bounds(literal)
        if bounds is None:
            return None
        bound = bounds[0] if op in (">", ">=") else bounds[1]
        start, end = self.tokens[operand.first].start, self.tokens[operand.last - 1].end
        return f"({self._splice(node)} AND {self.text[start:end]} {bound})"

    def lowers(self, node: Node) -> bool:
        left, right = node.children
        if _boolean(left, self.in_where) or _boolean(right, self.in_where):
            return False
        plain = all(c.kind in ("prop", "var") or _constant(c) for c in node.children)
        scalars = not any(c.kind in ("list", "map") for c in node.children)
        if node.value in ("=", "<>") and scalars and (self.in_where or plain):
            # AGE's equality differs only for lists and maps holding null, and for NaN,
            # which an expression makes (0.0 / 0.0, sqrt(-1)) more than a property holds
            return False
        if self.in_where and plain and not (self.negated and node.value in _ORDERINGS):
            return False  # n.age > 30, a.x < b.x, x > 1: what an index or a join serves
        self.changed = True
        return True

    def lowers_in(self, node: Node) -> bool:
        element, source = node.children
        _check_source(self.tokens, source)
        if _age_keeps(element, source, self.in_where):
            return False
        self.changed = True
        return True


_ORDERINGS = frozenset({"<", "<=", ">", ">="})
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
# For a literal of each type, the bound that keeps an operand above it, then below it,
# to values of its type (and numbers short of NaN): agtype orders maps, lists and graph
# values before strings, strings before booleans and booleans before numbers.
_STRING_BOUNDS = ("< false", ">= ''")
_BOOLEAN_BOUNDS = ("<= true", ">= false")
_NUMBER_BOUNDS = ("< 'NaN'::float", "> true")


def _negates(node: Node) -> bool:
    """``NOT x`` or ``x XOR y``: an operand's null and false give different answers."""
    unary_not = node.kind == "unary" and node.value == "NOT"
    return unary_not or (node.kind == "binary" and node.value == "XOR")


def _bounds(literal: Node) -> tuple[str, str] | None:
    """The two bounds for an operand compared with ``literal``; None for another
    expression (or null, which needs none)."""
    if _negative(literal):
        return _NUMBER_BOUNDS
    if literal.kind != "lit":
        return None
    if isinstance(literal.value, bool):
        return _BOOLEAN_BOUNDS
    if isinstance(literal.value, str):
        return _STRING_BOUNDS
    if isinstance(literal.value, int | float):
        return _NUMBER_BOUNDS
    return None


def _age_agrees(element: Node, source: Node, *, in_where: bool) -> bool:
    """Does AGE answer ``element IN source`` as openCypher does (or, in WHERE, keep the
    same rows while an index can serve it)?"""
    if element.kind == "lit" and element.value is not None and source.kind == "list":
        return True  # 3 IN [1, null]: a scalar against each item
    if not in_where:
        return False
    if source.kind == "list":  # type(r) IN ['A', $b, -1]: literal or parameter items
        return all(c.kind in ("lit", "param") or _negative(c) for c in source.children)
    return _scalar(element) and source.kind in ("param", "var", "prop")  # n.name IN $names


def _negative(node: Node) -> bool:
    """A number literal with a minus: ``-1`` (a literal to AGE, an operator to the parser)."""
    if node.kind != "unary" or node.value != "-":
        return False
    (operand,) = node.children
    return operand.kind == "lit" and isinstance(operand.value, int | float)


def _check_source(tokens: list[Token], source: Node) -> None:
    """``x IN 123`` (a literal that is not a list) is a syntax error, as in Neo4j."""
    if source.kind == "map" or (source.kind == "lit" and source.value is not None):
        raise CypherSyntaxError(
            "the right side of IN must be a list", position=tokens[source.first].start
        )


def _scalar(node: Node) -> bool:
    """A literal (null included), a parameter, a variable or a property."""
    return node.kind in ("lit", "param", "var", "prop")


def _constant(node: Node) -> bool:
    """A scalar literal (not null) or a parameter."""
    return node.kind == "param" or (node.kind == "lit" and node.value is not None)


def _age_keeps(element: Node, source: Node, in_where: bool) -> bool:
    """Does ``element IN source`` stay AGE's own IN (a PostgreSQL boolean)?"""
    if _boolean(element, in_where) or _boolean(source, in_where):
        return True  # compare3 cannot take PostgreSQL's booleans
    return _age_agrees(element, source, in_where=in_where)


def _boolean(node: Node, in_where: bool) -> bool:
    """Does ``node`` give one of PostgreSQL's booleans (which compare3 cannot take)?"""
    if node.kind == "paren":
        return _boolean(node.children[0], in_where)
    if node.kind in ("isnull", "notnull"):
        return True
    if node.kind == "unary" and node.value == "NOT":
        return True
    if node.kind == "binary" and node.value == "IN":
        element, source = node.children
        return _age_keeps(element, source, in_where)
    return node.kind == "binary" and node.value in _BOOLEAN_OPS


def _chained(node: Node) -> bool:
    """``a < b < c`` (AGE reads it as ``a < b AND b < c``) anywhere in ``node``."""
    comparison = node.kind == "binary" and node.value in COMPARISONS
    if comparison and any(c.kind == "binary" and c.value in COMPARISONS for c in node.children):
        return True
    return any(_chained(c) for c in node.children)
