"""``DISTINCT`` followed by an ``ORDER BY`` over what it projects, not the items.

openCypher sorts the rows of ``RETURN DISTINCT a ORDER BY a.name`` by a property of the
projected ``a``. AGE 1.7 makes the DISTINCT a ``SELECT DISTINCT`` whose ORDER BY must
name a selected column, so PostgreSQL refuses it. kgmem projects the distinct rows
first and sorts in a plain projection of the same names::

    RETURN DISTINCT a, b.x AS x ORDER BY a.name
    WITH DISTINCT a, b.x AS x RETURN a, x ORDER BY a.name

Only when every item has a name (a variable or an alias), every variable the ORDER BY
reads is one of those names, and some sort key is not an item as written (those AGE
sorts already).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import project
from kgmem.cypher.lexer import Kind, Token, quoted_name
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Placed, each_clause, split_top_level

_NOT_VARIABLES = frozenset({
    "ASC", "ASCENDING", "DESC", "DESCENDING", "AND", "OR", "XOR", "NOT", "IS", "NULL",
    "TRUE", "FALSE", "IN", "CASE", "WHEN", "THEN", "ELSE", "END", "STARTS", "ENDS",
    "WITH", "CONTAINS",
})  # fmt: skip
_DIRECTIONS = frozenset({"ASC", "ASCENDING", "DESC", "DESCENDING"})


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each such DISTINCT projected before it
    is sorted."""
    if "distinct" not in text.lower():
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
    if not projection.distinct or projection.star is not None or not projection.items:
        return None
    names = [item.name for item in projection.items]
    if any(not item.aliased and len(item.expression) != 1 for item in projection.items):
        return None  # an unnamed expression: its column name is its text
    written = {_text(text, item.expression) for item in projection.items} | set(names)
    keys = [_without_direction(key) for key in split_top_level(list(order.body))]
    if all(_text(text, key) in written for key in keys if key):
        return None
    if not all(_variables(key) <= set(names) for key in keys):
        return None
    body = text[clause.body[0].start : clause.tokens[-1].end]
    carried = ", ".join(quoted_name(name) for name in names)
    replacement = f"WITH {body} {clause.keyword} {carried}"
    return clause.tokens[0].start, clause.tokens[-1].end, replacement


def _text(text: str, tokens: Sequence[Token]) -> str:
    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def _without_direction(key: list[Token]) -> list[Token]:
    return key[:-1] if key and key[-1].upper in _DIRECTIONS else key


def _variables(tokens: Sequence[Token]) -> set[str]:
    """The names ``tokens`` read as variables: not keys, labels, functions or keywords."""
    found = set()
    for index, token in enumerate(tokens):
        if token.kind not in (Kind.NAME, Kind.QUOTED_NAME):
            continue
        if index and tokens[index - 1].text in (".", ":"):
            continue
        if index + 1 < len(tokens) and tokens[index + 1].text == "(":
            continue
        if token.kind is Kind.NAME and token.upper in _NOT_VARIABLES:
            continue
        found.add(token.name)
    return found
