"""Three-valued logic inside the list predicates kgmem rewrites (``any``, ``all``,
``none``, ``single``).

AGE 1.7 reads a null list element as the agtype value ``null``, not as SQL's NULL:
comparing it gives false rather than null, and ``IS NULL`` on it is false. The
smallest query that shows it: ``UNWIND [null] AS x RETURN x = 1, x IS NULL`` returns
``false, false`` (openCypher: ``null, true``). So ``[x IN [null, 1] WHERE x = 2]`` drops
the null element as though the comparison were false, and ``single(x IN [null] WHERE
x = 2)`` would be false instead of null.

Inside a quantifier's predicate kgmem therefore writes each comparison as
``kgmem_cypher.compare3(a, 'op', b)`` and each null test as ``kgmem_cypher.isnull(x)``
(SQL functions of migration 0017 that treat both kinds of null as null), and the
quantifier counts the elements (and ``x IN list`` the items, ``membership``) whose
predicate is true and those whose predicate is null separately
(``kgmem.cypher.rewrite``). A predicate the expression parser cannot read whole (a
CASE, a pattern, a nested comprehension) keeps AGE's two-valued answer.
"""

from __future__ import annotations

from kgmem.cypher.fold_parse import Node, Unsupported, parse_at
from kgmem.cypher.lexer import Token, tokenize
from kgmem.cypher.temporal_sql import SCHEMA

COMPARISONS = ("=", "<>", "<", ">", "<=", ">=")
_ITEM = "__kgmem_in"  # kgmem's names are reserved: no query can shadow or capture it


def three_valued(predicate: str) -> str | None:
    """``predicate`` with its comparisons and null tests as three-valued functions, or
    None when it cannot be read whole."""
    tokens = tokenize(predicate)
    if not tokens:
        return None
    try:
        node, end = parse_at(tokens, 0)
    except (Unsupported, RecursionError):
        return None
    if end != len(tokens):
        return None
    return Lower(predicate, tokens).lower(node)


# A list literal of at most this many items is tested item by item, without a list
# comprehension: AGE loses an OPTIONAL MATCH's row when its WHERE holds a comprehension.
ITEMS_ONE_BY_ONE = 16


def membership_of_items(element: str, items: list[str]) -> str:
    """``element IN [items]`` by three-valued logic without a comprehension: true when
    an item equals ``element``, else null when a comparison is null, else false (always
    false for no items), ``compare3`` comparing each. The CASE makes the answer an agtype
    value, which an enclosing comparison needs (the OR alone is SQL's boolean)."""
    if not items:
        return "false"
    some = " OR ".join(f"{SCHEMA}.compare3({element}, '=', {item})" for item in items)
    return f"(CASE WHEN ({some}) THEN true WHEN ({some}) IS NULL THEN null ELSE false END)"


def membership(element: str, source: str) -> str:
    """``element IN source`` by three-valued logic: true when some item equals
    ``element``, else null when some comparison is null (or ``source`` is null), else
    false; items and ``element`` compare as ``compare3`` does, lists element-wise."""
    test = f"{SCHEMA}.compare3({_ITEM}, '=', {element})"
    true = f"size([{_ITEM} IN ({source}) WHERE {test}])"
    unknown = f"size([{_ITEM} IN ({source}) WHERE ({test}) IS NULL])"
    return (
        f"(CASE WHEN ({source}) IS NULL THEN null WHEN {true} > 0 THEN true "
        f"WHEN {unknown} > 0 THEN null ELSE false END)"
    )


class Lower:
    """One parsed expression as text, its comparisons (and null tests) three-valued."""

    tests_nulls = True  # IS [NOT] NULL as kgmem_cypher.isnull, for agtype null too

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text, self.tokens = text, tokens

    def lowers(self, node: Node) -> bool:
        """Whether the comparison ``node`` becomes ``compare3`` (all of them here)."""
        return True

    def lowers_in(self, node: Node) -> bool:
        """Whether the membership test ``node`` (``x IN list``) becomes three-valued."""
        return True

    def lower(self, node: Node) -> str:
        if node.kind == "binary" and node.value == "IN" and self.lowers_in(node):
            element, source = node.children
            if source.kind == "list" and len(source.children) <= ITEMS_ONE_BY_ONE:
                items = [self.lower(c) for c in source.children]
                return membership_of_items(self.lower(element), items)
            return membership(self.lower(element), self.lower(source))
        if node.kind == "binary" and node.value in COMPARISONS and self.lowers(node):
            left, right = (self.lower(c) for c in node.children)
            return f"{SCHEMA}.compare3({left}, '{node.value}', {right})"
        if node.kind == "isnull" and self.tests_nulls:
            return f"{SCHEMA}.isnull({self.lower(node.children[0])})"
        if node.kind == "notnull" and self.tests_nulls:
            return f"(NOT {SCHEMA}.isnull({self.lower(node.children[0])}))"
        return self._splice(node)

    def _splice(self, node: Node) -> str:
        out: list[str] = []
        at = self.tokens[node.first].start
        for child in sorted(node.children, key=lambda c: c.first):
            out.append(self.text[at : self.tokens[child.first].start])
            out.append(self.lower(child))
            at = self.tokens[child.last - 1].end
        out.append(self.text[at : self.tokens[node.last - 1].end])
        return "".join(out)
