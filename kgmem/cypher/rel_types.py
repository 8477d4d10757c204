"""Relationship patterns with several types, in the form AGE 1.7 runs.

AGE's grammar takes one type per relationship pattern, so ``[r:KNOWS|FOLLOWS]`` (and
the older ``[:KNOWS|:FOLLOWS]``) is a syntax error there. In a MATCH or OPTIONAL MATCH,
kgmem drops the types from the pattern and tests them in the clause's WHERE, with the
WHERE the analyst wrote kept after it (``kgmem.cypher.structure.filtered``); an
anonymous relationship gets a variable of kgmem's own (``__kgmem_t1``)::

    MATCH (a)-[:KNOWS|LIKES]->(b) WHERE b.age > 30 RETURN b
    MATCH (a)-[__kgmem_t1]->(b) WHERE type(__kgmem_t1) IN ['KNOWS', 'LIKES'] AND b.age > 30
    RETURN b

In an OPTIONAL MATCH the test stays part of the optional match, as openCypher means.
A variable-length pattern (``[:A|B*1..2]``) tests every relationship of the list it
binds: ``size([x IN r WHERE NOT type(x) IN ['A', 'B']]) = 0``. The MATCH of an
``EXISTS { }`` or ``COUNT { }`` subquery is rewritten the same way (a subquery that is a
bare pattern gets its MATCH), and a pattern test ``exists((a)-[:A|B]->(b))`` (what
``kgmem.cypher.patterns`` makes of ``WHERE (a)-[:A|B]->(b)``) becomes the subquery
``EXISTS { MATCH (a)-[__kgmem_t1]->(b) WHERE type(__kgmem_t1) IN ['A', 'B'] }``.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.labels import NAMES, string
from kgmem.cypher.lexer import Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, closing, each_clause, filtered, subquery_clauses

_MATCHES = ("MATCH", "OPTIONAL MATCH")
FRESH = "__kgmem_t"


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with every relationship pattern of several types in a MATCH rewritten."""
    if "|" not in text:
        return text
    edits: list[Edit] = []
    count = 0
    for placed in each_clause(code, *_MATCHES):
        found, count = _clause(placed.clause, placed.following, count)
        edits.extend(found)
    for clause, following in subquery_clauses(code):
        if clause.keyword in _MATCHES or _bare_pattern(clause):
            found, count = _clause(clause, following, count)
            if found and not clause.keyword:
                found.append((clause.tokens[0].start, clause.tokens[0].start, "MATCH "))
            edits.extend(found)
    found, count = _tests(code, count)
    edits.extend(found)
    return splice(text, edits)


def _bare_pattern(clause: Clause) -> bool:
    """A subquery's pattern written without MATCH (``EXISTS { (a)-[:A|B]->(b) }``)."""
    return not clause.keyword and clause.tokens[0].text == "("


def _tests(code: Sequence[Token], count: int) -> tuple[list[Edit], int]:
    """A pattern test ``exists((a)-[:A|B]->(b))`` (what ``kgmem.cypher.patterns`` makes
    of a pattern predicate) as the subquery ``EXISTS { MATCH ... WHERE ... }``."""
    pairs = closing(code)
    edits: list[Edit] = []
    for index, token in enumerate(code):
        if not token.is_keyword("EXISTS") or index + 1 >= len(code) or code[index + 1].text != "(":
            continue
        close = pairs.get(index + 1)
        if close is None or code[index + 2].text != "(":
            continue
        found, count = _clause(Clause("", code[index + 2 : close]), None, count)
        if not found:
            continue
        *inside, where = found  # the last edit is the WHERE ``filtered`` appends
        edits.extend(inside)
        edits.append((token.start, code[index + 1].end, "EXISTS { MATCH "))
        edits.append((code[close].start, code[close].end, f"{where[2]} }}"))
    return edits, count


def _clause(clause: Clause, where: Clause | None, count: int) -> tuple[list[Edit], int]:
    tokens = clause.tokens
    pairs = closing(tokens)
    edits: list[Edit] = []
    tests = []
    for i, token in enumerate(tokens):
        if token.text != "[" or i == 0 or not tokens[i - 1].text.endswith("-"):
            continue
        found = _types(tokens, i, pairs.get(i))
        if found is None:
            continue
        first, last, names = found
        variable = tokens[i + 1].text if first == i + 2 else None
        if variable is None:
            count += 1
            variable = f"{FRESH}{count}"
            edits.append((token.end, token.end, variable))
        edits.append((tokens[first].start, tokens[last].end, ""))
        listed = f"[{', '.join(string(n) for n in names)}]"
        if any(t.text == "*" for t in tokens[last : pairs[i]]):
            each = f"{FRESH}x{count}"
            tests.append(f"size([{each} IN {variable} WHERE NOT type({each}) IN {listed}]) = 0")
        else:
            tests.append(f"type({variable}) IN {listed}")
    if tests:
        edits.extend(filtered(clause, where, " AND ".join(tests)))
    return edits, count


def _types(
    tokens: Sequence[Token], open_at: int, close_at: int | None
) -> tuple[int, int, list[str]] | None:
    """(index of the ``:``, index of the last type, the types) of the relationship
    pattern opened at ``open_at`` when it names several types and no length."""
    if close_at is None:
        return None
    first = open_at + 2 if tokens[open_at + 1].kind in NAMES else open_at + 1
    if tokens[first].text != ":":
        return None
    names: list[str] = []
    i = first
    while i + 1 < close_at and tokens[i].text in (":", "|"):
        if tokens[i].text == "|" and tokens[i + 1].text == ":":
            i += 1
        if tokens[i + 1].kind not in NAMES:
            return None
        names.append(tokens[i + 1].name)
        i += 2
    inside = [t.text for t in tokens[i:close_at]]
    if len(names) < 2 or "|" in inside:
        return None
    return first, i - 1, list(dict.fromkeys(names))
