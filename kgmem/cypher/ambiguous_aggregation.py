"""AmbiguousAggregationExpression: a projection item that mixes an aggregate with a
value that is not one of the projection's grouping keys.

In ``RETURN me.age + you.age, me.age + you.age + count(*)`` the second item groups
implicitly by ``me.age`` and ``you.age``, which are not grouping keys (the key is the
whole sum). Neo4j refuses such a query before it runs; AGE accepts whatever its
grouping can rewrite. kgmem checks the analyst's tokens first: outside the aggregating
calls of an item that has one, every variable must be a grouping key written as a bare
variable (``RETURN n, n.age + count(*)``), or stand in a property access that is one
(``RETURN n.age, n.age + count(*)``).

Items it cannot read whole are left to run: those holding a list or map literal, a
comprehension, a quantifier, ``reduce``, a subquery or a pattern (their variables may be
bound inside the item), and projections with ``*``.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import item_expressions
from kgmem.cypher.functions import AGGREGATES, called
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import Clause, closing, each_clause
from kgmem.errors import CypherSyntaxError

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
# Words of an expression that are no variable.
_WORDS = frozenset(
    {"TRUE", "FALSE", "NULL", "AND", "OR", "XOR", "NOT", "IN", "IS", "CASE", "WHEN", "THEN",
     "ELSE", "END", "STARTS", "ENDS", "WITH", "CONTAINS", "DISTINCT", "AS"}
)  # fmt: skip
# Calls that bind a variable of their own inside the item.
_BINDING_CALLS = frozenset({"all", "any", "none", "single", "reduce", "exists"})


def check(code: Sequence[Token]) -> None:
    """Raise ``CypherSyntaxError`` for the first RETURN or WITH item that aggregates over
    an implicit grouping key."""
    for placed in each_clause(code, "RETURN", "WITH"):
        _check_projection(placed.clause)


def _check_projection(clause: Clause) -> None:
    items = item_expressions(clause)
    if items is None:
        return
    aggregating = [item for item in items if _aggregates(item)]
    if not aggregating:
        return
    keys = [item for item in items if not _aggregates(item)]
    variables = {item[0].name for item in keys if len(item) == 1 and item[0].kind in _NAMES}
    properties = {_property(item, 0) for item in keys if len(item) == 3}
    for item in aggregating:
        if _readable(item):
            _check_item(item, variables, properties)


def _aggregates(item: Sequence[Token]) -> bool:
    return any((name := called(item, i)) is not None and name.lower() in AGGREGATES
               for i in range(len(item)))  # fmt: skip


def _readable(item: Sequence[Token]) -> bool:
    """Whether every variable of ``item`` is bound outside it."""
    if any(t.text in ("[", "{", "-->", "<--", "--", "->", "<-") for t in item):
        return False
    for index in range(len(item)):
        name = called(item, index)
        if name is not None and name.lower() in _BINDING_CALLS:
            return False
    return not any(t.is_keyword("IN") for t in item)


def _property(item: Sequence[Token], at: int) -> str | None:
    """``var.key`` when ``item[at:at+3]`` is a property access of a variable."""
    if at + 2 >= len(item) or item[at + 1].text != "." or item[at].kind not in _NAMES:
        return None
    if item[at + 2].kind not in _NAMES:
        return None
    return f"{item[at].name}.{item[at + 2].name}"


def _check_item(item: Sequence[Token], variables: set[str], properties: set[str | None]) -> None:
    ends = closing(item)
    index = 0
    while index < len(item):
        token = item[index]
        name = called(item, index)
        if name is not None and name.lower() in AGGREGATES:
            index = ends.get(index + 1, index) + 1
            continue
        if _variable(item, index):
            access = _property(item, index)
            if token.name not in variables and (access is None or access not in properties):
                raise CypherSyntaxError(
                    "AmbiguousAggregationExpression: an item that aggregates may use "
                    f"only grouping keys outside its aggregates, and {access or token.name} "
                    "is not one; project it as an item of its own, or compute the "
                    "expression in a WITH before",
                    position=token.start,
                )
            index += 3 if access is not None else 1
            continue
        index += 1


def _variable(item: Sequence[Token], index: int) -> bool:
    """Whether ``item[index]`` names a variable (not a keyword, function, key or label)."""
    token = item[index]
    if token.kind not in _NAMES or (token.kind is Kind.NAME and token.upper in _WORDS):
        return False
    if index + 1 < len(item) and item[index + 1].text == "(":
        return False
    return not (index > 0 and item[index - 1].text in (".", ":"))
