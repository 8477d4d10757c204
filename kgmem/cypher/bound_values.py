"""A node or relationship held in a value, then used in a MATCH pattern.

``WITH coalesce(b, c) AS x MATCH (x)-->(d)`` matches from the node ``x`` holds, and so
does ``UNWIND nodes AS x MATCH (x)-->(d)``. AGE 1.7 knows a pattern variable only by
the pattern that bound it and refuses these ("variable 'x' already exists"). kgmem
matches a fresh variable and requires it to be the same element::

    WITH coalesce(b, c) AS x MATCH (x)-->(d) RETURN d
    WITH coalesce(b, c) AS x MATCH (__kgmem_b1)-->(d) WHERE id(__kgmem_b1) = id(x) RETURN d

A MATCH's own WHERE is kept, after the identity (``WHERE id(...) = id(x) AND (...)``).
A null ``x`` matches nothing, as openCypher says; a literal, list or map (``WITH
[n] AS x MATCH (x)``) is a syntax error (``VariableTypeConflict``). The names it applies to are the
aliases of WITH and UNWIND that no later rule made pattern variables again
(``kgmem.cypher.aliased_entities`` runs first).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import project
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.map_projections import writes_literal
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, clauses, filtered, pattern_positions, union_parts
from kgmem.errors import CypherSyntaxError

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_MATCHES = ("MATCH", "OPTIONAL MATCH")
PREFIX = "__kgmem_b"


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each such pattern variable matched
    through a fresh one."""
    if " as " not in text.lower() or "match" not in text.lower():
        return text
    if not any(t.is_keyword("WITH", "UNWIND") for t in code):
        return text
    edits: list[Edit] = []
    fresh = 0
    for part in union_parts(code):
        values: dict[str, bool] = {}
        found = clauses(part)
        for index, clause in enumerate(found):
            if clause.keyword in _MATCHES:
                following = found[index + 1] if index + 1 < len(found) else None
                made, fresh = _matched(clause, following, values, fresh)
                edits.extend(made)
            values = _carried(text, clause, values)
    return splice(text, edits)


def _carried(text: str, clause: Clause, values: dict[str, bool]) -> dict[str, bool]:
    """The value names in scope after ``clause``, each with whether it is known to hold
    no node or relationship (a literal, a list or a map): a WITH keeps those it carries
    on bare (all with ``*``) and adds its aliases; an UNWIND adds its alias."""
    if clause.keyword == "UNWIND":
        tokens = clause.tokens
        named = [tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t.is_keyword("AS")]
        return values | {t.name: False for t in named if t.kind in _NAMES}
    if clause.keyword != "WITH":
        return values
    projection = project(text, clause)
    kept = dict(values) if projection.star is not None else {}
    for item in projection.items:
        bare = len(item.expression) == 1 and item.expression[0].kind in _NAMES
        if item.aliased:
            kept[item.name] = _no_element(item.expression)
        elif bare and item.name in values:
            kept[item.name] = values[item.name]
    return kept


def _no_element(expression: Sequence[Token]) -> bool:
    """Whether ``expression`` can hold no graph element: a literal, or a map literal as
    ``kgmem.cypher.map_projections`` writes one (``kgmem_cypher.project({}, ...)``)."""
    first = expression[0]
    literal = first.kind in (Kind.NUMBER, Kind.STRING) or first.is_keyword("TRUE", "FALSE")
    return literal or writes_literal(expression) or first.text in ("[", "{", "-")


def _matched(
    clause: Clause, following: Clause | None, values: dict[str, bool], fresh: int
) -> tuple[list[Edit], int]:
    edits: list[Edit] = []
    tests: list[str] = []
    for token in pattern_positions(clause.tokens):
        if token.name not in values:
            continue
        if values[token.name]:
            raise CypherSyntaxError(
                f"VariableTypeConflict: {token.text} holds a value, not a node or relationship",
                position=token.start,
            )
        fresh += 1
        name = f"{PREFIX}{fresh}"
        edits.append((token.start, token.end, name))
        tests.append(f"id({name}) = id({token.text})")
    if not tests:
        return [], fresh
    edits.extend(filtered(clause, following, " AND ".join(tests)))
    return edits, fresh
