"""A node or relationship renamed by WITH and then used in a pattern.

``MATCH (n) WITH n AS a MERGE (a)-[:T]->(b)`` merges on the node ``n`` is bound to.
AGE 1.7 reads ``a`` in the MERGE pattern as a new node, so it creates an empty node
for every row (and ``MATCH (a)`` after the WITH is refused: "variable 'a' already
exists"). Its patterns know variables by the name their pattern bound them with, so
kgmem keeps that name: the WITH carries ``n`` on, and the clauses after it read ``n``
where the query says ``a``::

    MATCH (n), (m) WITH n AS a, m AS b MERGE (a)-[:T]->(b) RETURN a.id AS id
    MATCH (n), (m) WITH n, m MERGE (n)-[:T]->(m) RETURN n.id AS id

When the same WITH carries the old name on too (``WITH n, n AS a``, or ``n AS a, n AS
b`` after one pass), the renaming item is left out. Only when the renamed variable is
used in a later pattern, the old name is not bound again later (nor read, unless the
WITH carries it on), and the new name is not bound again later (``AS a``, a pattern or
a list variable named ``a``). One WITH at a time:
a renamed name renamed again is handled on the next pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import ReturnItem, project
from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, clauses, pattern_positions, union_parts

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_PASSES = 8


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each such renaming undone."""
    if " as " not in text.lower() or not any(t.is_keyword("WITH") for t in code):
        return text
    for _ in range(_PASSES):
        edits = _first_renaming(text, code)
        if not edits:
            break
        text = splice(text, edits)
        code = tokenize(text)
    return text


def _first_renaming(text: str, code: Sequence[Token]) -> list[Edit]:
    for part in union_parts(code):
        found = clauses(part)
        for index, clause in enumerate(found):
            if clause.keyword == "WITH":
                edits = _renaming(text, clause, found[index + 1 :])
                if edits:
                    return edits
    return []


def _renaming(text: str, clause: Clause, later: Sequence[Clause]) -> list[Edit]:
    projection = project(text, clause)
    if projection.star is not None:
        return []
    carried = {i.name for i in projection.items if not i.aliased and _bare(i.expression)}
    everything = [t for c in later for t in c.tokens]
    for item in projection.items:
        if not item.aliased or not _bare(item.expression):
            continue
        old, new = item.expression[0].name, item.name
        if old == new:
            continue
        rest = _until_aliased(later, new)
        if not _in_pattern(rest, new) or _rebound(rest, new):
            continue
        if _aliased(everything, old) or _rebound(everything, old):
            continue  # the old name means something else later
        if old not in carried and _reads(everything, old):
            continue
        source = text[item.expression[0].start : item.expression[0].end]
        edits = [_dropped(clause, item) if old in carried else _kept(clause, item, source)]
        edits.extend((t.start, t.end, source) for t in _reads(rest, new))
        return edits
    return []


def _kept(clause: Clause, item: ReturnItem, source: str) -> Edit:
    """``n AS a`` written ``n``."""
    return item.expression[0].start, _alias_end(clause, item.expression), source


def _dropped(clause: Clause, item: ReturnItem) -> Edit:
    """``n AS a`` left out, with a comma beside it (the WITH carries ``n`` already)."""
    tokens = list(clause.tokens)
    first = next(i for i, t in enumerate(tokens) if t is item.expression[0])
    last = first + 2
    if tokens[first - 1].text == ",":
        return tokens[first - 1].start, tokens[last].end, ""
    return tokens[first].start, tokens[last + 1].end, ""


def _until_aliased(later: Sequence[Clause], name: str) -> list[Token]:
    """The tokens of ``later`` up to the end of the first clause that names something
    ``name`` (``AS name``): past it, the name means what that clause made."""
    tokens: list[Token] = []
    for clause in later:
        tokens.extend(clause.tokens)
        if _aliased(clause.tokens, name):
            break
    return tokens


def _aliased(tokens: Sequence[Token], name: str) -> bool:
    return any(
        t.kind in _NAMES and t.name == name and i and tokens[i - 1].is_keyword("AS")
        for i, t in enumerate(tokens)
    )


def _bare(expression: Sequence[Token]) -> bool:
    """Whether ``expression`` is a variable alone (``true``, ``null`` are not)."""
    if len(expression) != 1 or expression[0].kind not in _NAMES:
        return False
    return not expression[0].is_keyword("TRUE", "FALSE", "NULL")


def _alias_end(clause: Clause, expression: Sequence[Token]) -> int:
    """Where the ``AS name`` after ``expression`` in ``clause`` ends."""
    tokens = list(clause.tokens)
    at = next(i for i, t in enumerate(tokens) if t is expression[-1])
    return tokens[at + 2].end


def _in_pattern(tokens: Sequence[Token], name: str) -> bool:
    """Whether ``name`` is a node or relationship variable of a pattern in ``tokens``."""
    return any(token.name == name for token in pattern_positions(tokens))


def _rebound(tokens: Sequence[Token], name: str) -> bool:
    """Whether ``tokens`` may bind ``name`` anew: a list variable or a path."""
    for index, token in enumerate(tokens):
        if token.kind not in _NAMES or token.name != name:
            continue
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if after is not None and (after.is_keyword("IN") or after.text == "="):
            return True
    return False


def _reads(tokens: Sequence[Token], name: str) -> list[Token]:
    """The tokens of ``tokens`` that read the variable ``name`` (not keys or labels)."""
    found = []
    for index, token in enumerate(tokens):
        if token.kind not in _NAMES or token.name != name:
            continue
        before = tokens[index - 1].text if index else ""
        after = tokens[index + 1].text if index + 1 < len(tokens) else ""
        if before in (".", ":") or after == "(":
            continue
        if after == ":" and before not in ("(", "["):
            continue  # a map key
        if index and tokens[index - 1].is_keyword("AS"):
            continue
        found.append(token)
    return found
