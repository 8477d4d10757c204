"""``COLLECT { ... RETURN x }``, the subquery expression, as a ``CALL (*)`` subquery
that collects, run before the clause holding it (``kgmem.memory.subquery_steps``)::

    MATCH (a) RETURN a.name, COLLECT { MATCH (a)-->(b) RETURN b.name } AS names
    MATCH (a) CALL (*) { MATCH (a)-->(b) RETURN collect([b.name]) AS kgsqc1 }
    RETURN a.name, [kgsqc1_v IN kgsqc1 | kgsqc1_v[0]] AS names

A subquery that ends in a pure aggregation answers one row per input row, also when it
found nothing (an empty list), which is what ``COLLECT { }`` answers. Unlike the
function ``collect()``, ``COLLECT { }`` keeps null values (Neo4j's manual: "COLLECT
will not remove null values automatically"), so each value is collected inside a list
of one, which is never null, and taken out again. A RETURN with ORDER BY is projected
first (``WITH *, x AS alias`` or ``WITH DISTINCT x AS alias``) and sorted there, so the
sort may name the alias and DISTINCT keeps the order. In a WHERE, the
subquery runs after the clause the WHERE filters, whose filter becomes ``WITH * WHERE``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kgmem.cypher.lexer import Token, tokenize
from kgmem.cypher.structure import clauses, closing, depths
from kgmem.errors import CypherSyntaxError

MAX_COLLECTS = 8
_OPENS = re.compile(r"\bcollect\s*\{", re.IGNORECASE)
_VARIABLE = re.compile(r"[^\W\d]\w*")


def rewrite(text: str) -> str:
    """``text`` with each top-level clause's ``COLLECT { }`` made a subquery before it."""
    if "{" not in text or not _OPENS.search(text):
        return text
    for number in range(1, MAX_COLLECTS + 1):
        done = _one(text, f"kgsqc{number}")
        if done == text:
            return text
        text = done
    return text


def _one(text: str, name: str) -> str:
    """``text`` with its first ``COLLECT { }`` written as a subquery named ``name``."""
    for clause in clauses(tokenize(text)):
        tokens = clause.tokens
        for i, (depth, token) in enumerate(depths(tokens)):
            opens = (
                token.is_keyword("COLLECT") and i + 1 < len(tokens) and tokens[i + 1].text == "{"
            )
            if not opens or (depth == 0 and clause.keyword == "CALL"):
                continue
            end = closing(tokens).get(i + 1)
            if end is None:
                raise CypherSyntaxError("COLLECT { needs its }", position=token.start)
            call = _call(text, tokens[i + 2 : end], name, token.start)
            unwrapped = f"[{name}_v IN {name} | {name}_v[0]]"
            text = text[: tokens[i].start] + unwrapped + text[tokens[end].end :]
            start = tokens[0].start
            if clause.keyword == "WHERE":
                return text[:start] + call + "WITH * " + text[start:]
            return text[:start] + call + text[start:]
    return text


def _call(text: str, body: Sequence[Token], name: str, at: int) -> str:
    """The ``CALL (*) { ... RETURN collect(value) AS name }`` of a COLLECT body."""
    returns = [k for k, (d, t) in enumerate(depths(body)) if d == 0 and t.is_keyword("RETURN")]
    if not returns:
        raise CypherSyntaxError(
            "a COLLECT subquery must end with a RETURN of one column", position=at
        )
    ret = returns[-1]
    items = list(body[ret + 1 :])
    distinct = "DISTINCT " if items and items[0].is_keyword("DISTINCT") else ""
    items = items[1:] if distinct else items
    cut = next(
        (
            k
            for k, (d, t) in enumerate(depths(items))
            if d == 0 and t.is_keyword("ORDER", "SKIP", "LIMIT")
        ),
        len(items),
    )
    order = text[items[cut].start : items[-1].end] + " " if cut < len(items) else ""
    items = items[:cut]
    alias = ""
    if len(items) > 2 and items[-2].is_keyword("AS"):
        alias, items = items[-1].text, items[:-2]
    if not items:
        raise CypherSyntaxError("RETURN needs a value", position=body[ret].start)
    inner = text[body[0].start : body[ret].start]
    value = text[items[0].start : items[-1].end]
    if order:  # the list keeps the order, as Neo4j's does
        inner, value = _ordered(inner, value, alias, bool(distinct), order, f"{name}_x")
        distinct = ""
    return f"CALL (*) {{ {inner}RETURN collect({distinct}[{value}]) AS {name} }} "


def _ordered(
    inner: str, value: str, alias: str, distinct: bool, order: str, spare: str
) -> tuple[str, str]:
    """The body and the value to collect when the RETURN orders its rows: the value
    projected under its alias (``spare`` when it has none and is no variable) first, so
    ORDER BY may name the alias, and made distinct there, so the order stays
    (``collect(DISTINCT ...)`` does not keep it)."""
    if distinct:
        column = alias or (value if _VARIABLE.fullmatch(value) else spare)
        return f"{inner}WITH DISTINCT {value} AS {column} {order}", column
    if not alias or alias == value:
        return f"{inner}WITH * {order}", value
    return f"{inner}WITH *, {value} AS {alias} {order}", alias
