"""``COLLECT { ... RETURN x }``, the subquery expression, as a ``CALL (*)`` subquery
that collects, run before the clause holding it (``kgmem.memory.subquery_steps``)::

    MATCH (a) RETURN a.name, COLLECT { MATCH (a)-->(b) RETURN b.name } AS names
    MATCH (a) CALL (*) { MATCH (a)-->(b) RETURN collect(b.name) AS kgsqc1 }
    RETURN a.name, kgsqc1 AS names

A subquery that ends in a pure aggregation answers one row per input row, also when it
found nothing (an empty list), which is what ``COLLECT { }`` answers. In a WHERE, the
subquery runs after the clause the WHERE filters, whose filter becomes ``WITH * WHERE``.
"""

from __future__ import annotations

from kgmem.cypher.lexer import tokenize
from kgmem.cypher.structure import clauses, closing, depths
from kgmem.errors import CypherSyntaxError

MAX_COLLECTS = 8


def rewrite(text: str) -> str:
    """``text`` with each top-level clause's ``COLLECT { }`` made a subquery before it."""
    if "collect" not in text.lower() or "{" not in text:
        return text
    for number in range(1, MAX_COLLECTS + 1):
        done = _one(text, f"kgsqc{number}")
        if done == text:
            return text
        text = done
    return text


def _one(text: str, name: str) -> str:
    code = tokenize(text)
    listed = clauses(code)
    for clause in listed:
        tokens = clause.tokens
        pairs = closing(tokens)
        for i, (depth, token) in enumerate(depths(tokens)):
            if not (token.is_keyword("COLLECT") and i + 1 < len(tokens)):
                continue
            if tokens[i + 1].text != "{" or (depth == 0 and clause.keyword == "CALL"):
                continue
            end = pairs.get(i + 1)
            if end is None:
                raise CypherSyntaxError("COLLECT { needs its }", position=token.start)
            body = tokens[i + 2 : end]
            returns = [
                k for k, (d, t) in enumerate(depths(body)) if d == 0 and t.is_keyword("RETURN")
            ]
            if not returns:
                raise CypherSyntaxError(
                    "a COLLECT subquery must end with a RETURN of one column", position=token.start
                )
            ret = returns[-1]
            items = body[ret + 1 :]
            distinct = "DISTINCT " if items and items[0].is_keyword("DISTINCT") else ""
            items = items[1:] if distinct else items
            if not items:
                raise CypherSyntaxError("RETURN needs a value", position=body[ret].start)
            inner = text[body[0].start : body[ret].start]
            if len(items) > 2 and items[-2].is_keyword("AS"):
                items = items[:-2]
            value = text[items[0].start : items[-1].end]
            call = f"CALL (*) {{ {inner}RETURN collect({distinct}{value}) AS {name} }} "
            expression = (tokens[i].start, tokens[end].end)
            text = text[: expression[0]] + name + text[expression[1] :]
            start = clause.tokens[0].start
            if clause.keyword == "WHERE":
                return text[:start] + call + "WITH * " + text[start:]
            return text[:start] + call + text[start:]
    return text
