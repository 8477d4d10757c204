"""An ``ORDER BY`` over what a projection made, not the items as written.

openCypher sorts the rows of ``RETURN DISTINCT a ORDER BY a.name`` by a property of the
projected ``a``, and those of ``RETURN r AS rel ORDER BY rel.id`` by a property of the
alias. AGE 1.7 makes the DISTINCT a ``SELECT DISTINCT`` whose ORDER BY must name a
selected column, so PostgreSQL refuses the first, and it resolves a sort key's
variables before the projection, so it does not know ``rel`` in the second (an alias
alone, ``ORDER BY rel``, it does know). kgmem projects first and sorts in a plain
projection of the same names::

    RETURN DISTINCT a, b.x AS x ORDER BY a.name
    WITH DISTINCT a, b.x AS x RETURN a, x ORDER BY a.name

Only when every item has a name (a variable or an alias) and every variable the
ORDER BY reads is one of those names; and then when the projection is DISTINCT and
some sort key is not an item as written, or a sort key reads an alias within an
expression (those AGE sorts already).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import Projection, project
from kgmem.cypher.functions import aggregates
from kgmem.cypher.lexer import Kind, Token, quoted_name
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, Placed, each_clause, split_top_level
from kgmem.cypher.temporal_sql import SCHEMA

_NOT_VARIABLES = frozenset({
    "ASC", "ASCENDING", "DESC", "DESCENDING", "AND", "OR", "XOR", "NOT", "IS", "NULL",
    "TRUE", "FALSE", "IN", "CASE", "WHEN", "THEN", "ELSE", "END", "STARTS", "ENDS",
    "WITH", "CONTAINS",
})  # fmt: skip
_DIRECTIONS = frozenset({"ASC", "ASCENDING", "DESC", "DESCENDING"})


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each such projection made before it is
    sorted."""
    if "order" not in text.lower():
        return text
    edits: list[Edit] = []
    for placed in each_clause(code, "RETURN", "WITH"):
        edit = _edit(text, placed)
        if edit is not None:
            edits.append(edit)
    return splice(text, edits)


def _edit(text: str, placed: Placed) -> Edit | None:
    order = placed.following
    if order is None or order.keyword != "ORDER BY":
        return None
    clause = placed.clause
    projection = project(text, clause)
    if projection.star is not None or not projection.items:
        return _starred(text, clause, projection, order.body) if projection.star else None
    names = [item.name for item in projection.items]
    if any(not item.aliased and len(item.expression) != 1 for item in projection.items):
        return None  # an unnamed expression: its column name is its text
    written = {_text(text, item.expression) for item in projection.items} | set(names)
    keys = [without_direction(key) for key in split_top_level(list(order.body))]
    if not all(variables(key) <= set(names) for key in keys):
        return None
    aliases = {i.name for i in projection.items if i.name != _text(text, i.expression)}
    unwritten = not all(_text(text, key) in written for key in keys if key)
    in_expressions = any(variables(key) & aliases and len(key) > 1 for key in keys)
    if not ((projection.distinct and unwritten) or in_expressions):
        return None
    body = text[clause.body[0].start : clause.tokens[-1].end]
    carried = ", ".join(quoted_name(name) for name in names)
    replacement = f"WITH {body} {clause.keyword} {carried}"
    return clause.tokens[0].start, clause.tokens[-1].end, replacement


def _starred(
    text: str, clause: Clause, projection: Projection, order: Sequence[Token]
) -> Edit | None:
    """``WITH *, e AS z ORDER BY z``: AGE does not find an alias made beside ``*`` in the
    sort ("could not find rte"), so the rows are sorted in a ``WITH *`` of their own,
    after the projection (only when it is neither DISTINCT nor aggregating, where the
    rows before and after it are the same)."""
    if clause.keyword != "WITH" or projection.distinct or aggregates(clause.body):
        return None
    aliases = {item.name for item in projection.items if item.aliased}
    keys = [without_direction(key) for key in split_top_level(list(order))]
    if not any(variables(key) & aliases for key in keys):
        return None
    return clause.tokens[0].start, clause.tokens[-1].end, f"{_text(text, clause.tokens)} WITH *"


def _text(text: str, tokens: Sequence[Token]) -> str:
    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def without_direction(key: list[Token]) -> list[Token]:
    """A sort key without its ``ASC`` / ``DESC``."""
    return key[:-1] if key and key[-1].upper in _DIRECTIONS else key


def variables(tokens: Sequence[Token]) -> set[str]:
    """The names ``tokens`` read as variables: not keys, labels, functions or keywords."""
    found = set()
    for index, token in enumerate(tokens):
        if token.kind not in (Kind.NAME, Kind.QUOTED_NAME):
            continue
        if index and tokens[index - 1].text in (".", ":"):
            continue
        if index + 1 < len(tokens) and tokens[index + 1].text == "(":
            continue
        if token.name == SCHEMA and index + 1 < len(tokens) and tokens[index + 1].text == ".":
            continue  # kgmem's own function (``kgmem_cypher.sort_key``), not a variable
        if token.kind is Kind.NAME and token.upper in _NOT_VARIABLES:
            continue
        found.add(token.name)
    return found
