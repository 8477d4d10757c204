"""A null element of an unwound list as openCypher's null.

AGE 1.7 binds ``x`` in ``UNWIND [1, null] AS x`` to the agtype value ``null`` for the
second row, not to SQL's NULL, so its operators read it as a value: ``x = 1`` is
false instead of null, ``x IS NULL`` is false, and ``x OR false`` or ``NOT x`` fail
("cannot cast agtype null to type boolean"). kgmem unwinds into a name of its own and
binds the analyst's name to the value passed through ``kgmem_cypher.unnull`` (migration
0021), which turns agtype ``null`` into SQL's NULL::

    UNWIND $list AS x RETURN x = 1
    UNWIND coalesce(kgmem_cypher.unnull($list), []) AS __kgmem_u1
    WITH *, kgmem_cypher.unnull(__kgmem_u1) AS x RETURN x = 1

The list itself passes through ``unnull`` and ``coalesce`` too: AGE unwinds null as one
row holding null, openCypher as no row at all (``UNWIND null AS x`` keeps nothing).
A list literal without ``null``, ``range(...)`` and the rows kgmem passes for a
procedure call are left alone: they hold no null.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import depths, each_clause
from kgmem.cypher.temporal_sql import SCHEMA

_PLAIN = (Kind.NUMBER, Kind.STRING, Kind.PUNCT)


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits binding every unwound name through ``unnull``."""
    edits: list[tuple[int, int, str]] = []
    count = 0
    for placed in each_clause(code, "UNWIND"):
        body = placed.clause.body
        at = next(
            (i for i, (d, t) in enumerate(depths(body)) if d == 0 and t.is_keyword("AS")),
            None,
        )
        if at is None or at + 1 >= len(body) or _null_free(body[:at]):
            continue
        count += 1
        start, end = body[0].start, body[at - 1].end
        edits.append((start, end, f"coalesce({SCHEMA}.unnull({text[start:end]}), [])"))
        alias = body[at + 1]
        hidden = f"__kgmem_u{count}"
        binding = f"{hidden} WITH *, {SCHEMA}.unnull({hidden}) AS {alias.text}"
        edits.append((alias.start, alias.end, binding))
    return edits


def _null_free(expression: Sequence[Token]) -> bool:
    """A list literal of numbers, strings and booleans, a ``range(...)`` call, or the
    rows of a procedure call kgmem passes (``$kgmem_call_0``, a list of maps)."""
    if not expression:
        return True
    if len(expression) == 1 and expression[0].text.startswith("$kgmem_call_"):
        return True
    if expression[0].is_keyword("RANGE") and len(expression) > 1 and expression[1].text == "(":
        return expression[-1].text == ")" and _one_call(expression)
    if expression[0].text != "[":
        return False
    return all(t.kind in _PLAIN or t.is_keyword("TRUE", "FALSE") for t in expression)


def _one_call(expression: Sequence[Token]) -> bool:
    """``range( ... )`` spans the whole expression (not ``range(1, 2) + [null]``)."""
    for index, (depth, token) in enumerate(depths(expression)):
        if depth == 0 and token.text == ")":
            return index == len(expression) - 1
    return False
