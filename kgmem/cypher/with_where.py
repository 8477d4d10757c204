"""``WITH ... WHERE`` that tests a variable the WITH does not carry on.

openCypher lets the ``WHERE`` of a plain ``WITH`` (no aggregate, no DISTINCT) use the
variables in scope before it: ``OPTIONAL MATCH (a)-[r:KNOWS]->(c) WITH c WHERE r IS
NULL`` keeps the rows without ``r``. AGE 1.7 resolves the WHERE after the projection
("could not find rte for r"). kgmem filters before it projects::

    WITH c WHERE r IS NULL
    WITH * WHERE r IS NULL WITH c

Items that compute a value stay in the first WITH (``WITH *, n.x AS x WHERE ...``),
so the WHERE sees them too. Left alone: a WITH with ORDER BY, SKIP or LIMIT (its WHERE
filters after them), one whose alias hides an earlier variable, and a WHERE that only
uses what the WITH projects.

The WHERE of a DISTINCT or aggregating WITH filters the projected rows, so there an
expression the WITH projects under an alias is read as that alias
(``WITH DISTINCT a.name AS name WHERE a.name = 'B'`` filters on ``name``).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import projected_names
from kgmem.cypher.columns import project, scope
from kgmem.cypher.functions import aggregates
from kgmem.cypher.lexer import Kind, Token, quoted_name
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, Placed, each_clause

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each such WITH ... WHERE filtering
    before it projects."""
    if "where" not in text.lower() or not any(t.is_keyword("WITH") for t in code):
        return text
    edits: list[Edit] = []
    for placed in each_clause(code, "WITH"):
        where = placed.following
        if placed.earlier and where is not None and where.keyword == "WHERE":
            edits.extend(_edits(text, placed, where))
    return splice(text, edits)


def _edits(text: str, placed: Placed, where: Clause) -> list[Edit]:
    clause = placed.clause
    body = clause.body
    if not body:
        return []
    if body[0].is_keyword("DISTINCT") or aggregates(body):
        return _projected(text, clause, where)
    projection = project(text, clause)
    if projection.star is not None:
        return []
    before = scope(text, placed.earlier)
    names = [item.name for item in projection.items]
    computed = []
    for item in projection.items:
        bare = len(item.expression) == 1 and item.expression[0].kind in _NAMES
        if bare and item.expression[0].name == item.name:
            continue
        if item.name in before:
            return []  # the alias hides an earlier variable
        expression = text[item.expression[0].start : item.expression[-1].end]
        computed.append(f"{expression} AS {quoted_name(item.name)}")
    used = {t.name for t in _references(where.body)}
    if not (used & before) - set(names):
        return []
    head = ", ".join(["*", *computed])
    tail = " WITH " + ", ".join(quoted_name(n) for n in names)
    return [(body[0].start, body[-1].end, head), (where.tokens[-1].end, where.tokens[-1].end, tail)]


def _projected(text: str, clause: Clause, where: Clause) -> list[Edit]:
    """Edits reading, in the WHERE of a DISTINCT or aggregating WITH, each expression the
    WITH projects under an alias as that alias (``WITH DISTINCT a.x AS x WHERE a.x = 1``
    filters on ``x``): the rows it filters are the projected ones, as openCypher reads it."""
    projection = project(text, clause)
    if projection.star is not None:
        return []
    return projected_names.edits(projection, list(where.body))


def _references(tokens: Sequence[Token]) -> list[Token]:
    out = []
    for index, token in enumerate(tokens):
        if token.kind not in _NAMES:
            continue
        if index > 0 and tokens[index - 1].text in (".", ":", "$"):
            continue
        if index + 1 < len(tokens) and tokens[index + 1].text in ("(", ":"):
            continue
        out.append(token)
    return out
