"""An OPTIONAL MATCH whose WHERE holds a subquery or a list comprehension.

``OPTIONAL MATCH (m:M) WHERE any(x IN m.tags WHERE x = n.tag)`` keeps every row it
starts from: when no match holds the condition, the row goes on with ``m`` null. AGE 1.7
applies a WHERE that holds a list comprehension (kgmem writes quantifiers as ones),
``EXISTS { }`` or ``COUNT { }`` after the optional match's left join instead of inside
it, so such a row is dropped (mended in AGE after 1.7, apache/age issue 2378).

kgmem matches without those conditions and keeps, per row, the matches that hold them;
the conditions without a subquery stay in the match, where an index can answer them::

    MATCH (n) OPTIONAL MATCH (m:M) WHERE m.k = n.k AND EXISTS { MATCH (m)-->(:X) }
    RETURN n, m

    MATCH (n) WITH n, rand() AS __kgmem_or1
    OPTIONAL MATCH __kgmem_oq1 = (m:M) WHERE m.k = n.k
    WITH n, __kgmem_or1, collect(CASE WHEN __kgmem_oq1 IS NOT NULL
        AND (EXISTS { MATCH (m)-->(:X) }) THEN [m] END) AS __kgmem_oc1
    UNWIND CASE WHEN size(__kgmem_oc1) = 0 THEN [[null]] ELSE __kgmem_oc1 END
        AS __kgmem_oe1
    WITH n, __kgmem_oe1[0] AS m
    RETURN n, m

A condition that is null keeps no match, as WHERE does. The random number tells apart
rows equal in every variable (``UNWIND [1, 1] AS x``), so each keeps its own matches;
the pattern is named as a path (by kgmem when the analyst did not), so a row without a
match collects nothing. The rows leave in the order of the grouping, not the order they
came in: an ORDER BY before the OPTIONAL MATCH does not carry past it.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import pattern_variables, scope
from kgmem.cypher.lexer import Kind, Token, quoted_name
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Placed, each_clause, loose_or, split_top_level

PREFIX = "__kgmem_o"
_SUBQUERY_WORDS = ("EXISTS", "COUNT", "COLLECT")
_NAMES = (Kind.NAME, Kind.QUOTED_NAME)


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with each OPTIONAL MATCH whose WHERE holds a subquery or a list
    comprehension written as the module text shows."""
    if "OPTIONAL" not in text.upper():
        return text
    edits: list[Edit] = []
    count = 0
    for placed in each_clause(code, "OPTIONAL MATCH"):
        where = placed.following
        if where is None or where.keyword != "WHERE":
            continue
        moved, kept = split(where.body)
        names = sorted(scope(text, placed.earlier))
        if not moved or not names:
            continue
        count += 1
        edits.extend(_edits(text, placed, (moved, kept), names, count))
    return splice(text, edits)


def split(condition: Sequence[Token]) -> tuple[list[list[Token]], list[list[Token]]]:
    """The conjuncts of ``condition`` that hold a subquery or a list comprehension, and
    the others. A condition with OR, XOR or CASE outside every bracket is one conjunct."""
    parts = [list(condition)] if loose_or(condition) else split_top_level(condition, "AND")
    moved = [p for p in parts if p and has_subquery(p)]
    kept = [p for p in parts if p and not has_subquery(p)]
    return moved, kept


def has_subquery(tokens: Sequence[Token]) -> bool:
    """True when ``tokens`` hold a list comprehension (``[x IN``) or a subquery
    expression (``EXISTS {``, ``COUNT {``, ``COLLECT {``)."""
    for i in range(len(tokens) - 1):
        token, nxt = tokens[i], tokens[i + 1]
        if token.is_keyword(*_SUBQUERY_WORDS) and nxt.text == "{":
            return True
        if (
            token.text == "["
            and nxt.kind in _NAMES
            and i + 2 < len(tokens)
            and tokens[i + 2].is_keyword("IN")
        ):
            return True
    return False


def _edits(
    text: str,
    placed: Placed,
    conditions: tuple[list[list[Token]], list[list[Token]]],
    names: list[str],
    count: int,
) -> list[Edit]:
    """The edits of one OPTIONAL MATCH (``placed``) and its WHERE."""
    moved, kept = conditions
    clause, where = placed.clause, placed.following
    assert where is not None
    carried = ", ".join(quoted_name(n) for n in names)
    tag, path, found, element = (f"{PREFIX}{kind}{count}" for kind in "rqce")
    fresh = sorted(pattern_variables(clause.body) - set(names))
    body = clause.body
    named = len(body) > 1 and body[0].kind in _NAMES and body[1].text == "="
    test = body[0].text if named else path
    values = ", ".join(quoted_name(n) for n in fresh)
    empty = ", ".join("null" for _ in fresh)
    rebound = "".join(f", {element}[{i}] AS {quoted_name(n)}" for i, n in enumerate(fresh))
    held = " AND ".join(f"({_text(text, c)})" for c in moved)
    tail = (
        f" WITH {carried}, {tag}, collect(CASE WHEN {test} IS NOT NULL AND {held}"
        f" THEN [{values}] END) AS {found}"
        f" UNWIND CASE WHEN size({found}) = 0 THEN [[{empty}]] ELSE {found} END AS {element}"
        f" WITH {carried}{rebound}"
    )
    filter_ = f"WHERE {' AND '.join(_text(text, c) for c in kept)}" if kept else ""
    edits: list[Edit] = [
        (clause.tokens[0].start, clause.tokens[0].start, f"WITH {carried}, rand() AS {tag} "),
        (where.tokens[0].start, where.tokens[-1].end, f"{filter_}{tail}"),
    ]
    if not named:
        edits.append((body[0].start, body[0].start, f"{path} = "))
    return edits


def _text(text: str, tokens: Sequence[Token]) -> str:
    return text[tokens[0].start : tokens[-1].end]
