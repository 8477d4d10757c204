"""Undirected relationships in MATCH, in a form PostgreSQL plans from their bound end.

AGE 1.7 joins ``(n)-[r]-(m)`` on ``(r.start_id = n.id AND r.end_id = m.id) OR
(r.end_id = n.id AND r.start_id = m.id)``. PostgreSQL cannot split that condition by
the tables it joins, so it crosses ``n`` with every candidate ``m`` before it looks at
an edge: a one-node pattern such as ``MATCH (n:Person {uid: $u})-[r]-(m)`` reads the
whole graph. The Neo4j libraries ask such patterns all the time (Graphiti's
``-[:RELATES_TO]-``, LlamaIndex's relation maps).

kgmem adds to the clause's WHERE what the pattern already implies, written from one
end, the *anchor*::

    MATCH (n:Person {uid: $u})-[r]-(m)
    WHERE (start_id(r) = id(n) OR end_id(r) = id(n))
      AND id(m) = CASE WHEN start_id(r) = id(n) THEN end_id(r) ELSE start_id(r) END

The first condition lets PostgreSQL find ``r`` by the anchor's id in the edge tables'
``start_id`` and ``end_id`` indexes; the second finds ``m`` by its id index. Both hold
for every match of the pattern (a self-loop included), so the rows are the same.

The anchor of a pattern is the node most likely to be few: one bound by an earlier
clause, then one with a property map, then one the WHERE names, then one with a label,
the leftmost of equals. Along a chain the anchor of each undirected relationship is
its end nearer to the pattern's anchor. Anonymous nodes and relationships the
conditions need get a variable of their own (``kgmem_ud0``, ...). Variable-length
relationships are left as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, closing, each_clause, filtered, split_top_level

_MATCHES = ("MATCH", "OPTIONAL MATCH")
_PREFIX = "kgmem_ud"


@dataclass(frozen=True, slots=True)
class _Node:
    open: int  # index of "(" in the clause's tokens
    close: int
    name: str | None
    labelled: bool
    mapped: bool


@dataclass(frozen=True, slots=True)
class _Rel:
    first: int  # index of its first token ("-" or "<-")
    last: int  # index of its last token ("-" or "->")
    bracket: int | None  # index of "[" when it has brackets
    name: str | None
    undirected: bool
    variable_length: bool


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with the implied conditions of each undirected relationship in a MATCH
    added to the clause's WHERE (see the module docstring)."""
    if not _has_undirected(code):
        return text
    fresh = _Fresh(text)
    edits: list[Edit] = []
    for placed in each_clause(code, *_MATCHES):
        parts = split_top_level(list(placed.clause.body))
        chains = [(part, found) for part in parts if (found := _chain(part)) is not None]
        if not chains:
            continue
        where = (
            placed.following if placed.following and placed.following.keyword == "WHERE" else None
        )
        context = _Context(bound=scope(text, placed.earlier), named=_names(where))
        conditions: list[str] = []
        for part, (nodes, rels) in chains:
            conditions.extend(_conditions(nodes, rels, part, context, fresh, edits))
        if conditions:
            edits.extend(filtered(placed.clause, placed.following, " AND ".join(conditions)))
    return splice(text, edits)


def _has_undirected(code: Sequence[Token]) -> bool:
    """A cheap test: a ``-`` after a node pattern or a relationship's brackets, then a
    ``-`` before the next node pattern."""
    for index in range(1, len(code) - 1):
        if code[index].text == "-" and code[index - 1].text in (")", "]"):
            after = code[index + 1].text
            if after == "(" and code[index - 1].text == "]":
                return True
            if after == "-" and code[index - 1].text == ")":
                return True
    return False


@dataclass(frozen=True, slots=True)
class _Context:
    bound: set[str]  # variables bound by earlier clauses
    named: set[str]  # names the clause's WHERE mentions


class _Fresh:
    """Variable names no part of the query uses."""

    def __init__(self, text: str) -> None:
        self._text = text.lower()
        self._next = 0

    def name(self) -> str:
        while f"{_PREFIX}{self._next}" in self._text:
            self._next += 1
        self._next += 1
        return f"{_PREFIX}{self._next - 1}"


def _names(where: Clause | None) -> set[str]:
    if where is None:
        return set()
    return {t.text for t in where.body if t.kind in (Kind.NAME, Kind.QUOTED_NAME)}


def _chain(part: Sequence[Token]) -> tuple[list[_Node], list[_Rel]] | None:
    """The nodes and relationships of one pattern part (``p = `` allowed), or None when
    it is not a plain chain of node and relationship patterns."""
    at = 2 if len(part) > 2 and part[1].text == "=" else 0
    pairs = closing(part)
    nodes: list[_Node] = []
    rels: list[_Rel] = []
    while True:
        node = _node(part, at, pairs)
        if node is None:
            return None
        nodes.append(node)
        at = node.close + 1
        if at == len(part):
            break
        rel = _rel(part, at, pairs)
        if rel is None:
            return None
        rels.append(rel)
        at = rel.last + 1
    return (nodes, rels) if any(r.undirected and not r.variable_length for r in rels) else None


def _node(part: Sequence[Token], at: int, pairs: dict[int, int]) -> _Node | None:
    if at >= len(part) or part[at].text != "(" or part[at].kind is not Kind.PUNCT:
        return None
    close = pairs.get(at)
    if close is None:
        return None
    inner = part[at + 1 : close]
    name = _leading_name(inner)
    return _Node(
        open=at,
        close=close,
        name=name,
        labelled=any(t.text == ":" for t in inner),
        mapped=any(t.text == "{" or t.kind is Kind.PARAMETER for t in inner),
    )


def _rel(part: Sequence[Token], at: int, pairs: dict[int, int]) -> _Rel | None:
    if at >= len(part) or part[at].text not in ("-", "<-"):
        return None
    bracket = at + 1 if at + 1 < len(part) and part[at + 1].text == "[" else None
    last = pairs.get(bracket, -1) + 1 if bracket is not None else at + 1
    if bracket is not None and last == 0:
        return None
    if last >= len(part) or part[last].text not in ("-", "->"):
        return None
    inner = part[bracket + 1 : last - 1] if bracket is not None else []
    return _Rel(
        first=at,
        last=last,
        bracket=bracket,
        name=_leading_name(inner),
        undirected=part[at].text == "-" and part[last].text == "-",
        variable_length=any(t.text == "*" for t in inner),
    )


def _leading_name(inner: Sequence[Token]) -> str | None:
    if inner and inner[0].kind in (Kind.NAME, Kind.QUOTED_NAME):
        return inner[0].text
    return None


def _conditions(
    nodes: list[_Node],
    rels: list[_Rel],
    part: Sequence[Token],
    context: _Context,
    fresh: _Fresh,
    edits: list[Edit],
) -> list[str]:
    """The implied conditions of the chain's undirected relationships; ``edits`` gains
    the variables given to anonymous elements they need."""
    anchor = max(range(len(nodes)), key=lambda i: (_weight(nodes[i], context), -i))
    names: dict[int, str] = {}

    def node_name(index: int) -> str:
        if index not in names:
            node = nodes[index]
            names[index] = node.name or _named_node(part, node, fresh, edits)
        return names[index]

    found = []
    for index, rel in enumerate(rels):
        if not rel.undirected or rel.variable_length:
            continue
        near, far = (index, index + 1) if index >= anchor else (index + 1, index)
        r = rel.name or _named_rel(part, rel, fresh, edits)
        a, b = node_name(near), node_name(far)
        found.append(
            f"(start_id({r}) = id({a}) OR end_id({r}) = id({a})) AND "
            f"id({b}) = CASE WHEN start_id({r}) = id({a}) THEN end_id({r}) ELSE start_id({r}) END"
        )
    return found


def _weight(node: _Node, context: _Context) -> int:
    """How likely the node is to be few (see the module docstring)."""
    if node.name is not None and node.name in context.bound:
        return 8
    return 4 * node.mapped + 2 * (node.name in context.named) + node.labelled


def _named_node(part: Sequence[Token], node: _Node, fresh: _Fresh, edits: list[Edit]) -> str:
    name = fresh.name()
    at = part[node.open].end
    edits.append((at, at, name))
    return name


def _named_rel(part: Sequence[Token], rel: _Rel, fresh: _Fresh, edits: list[Edit]) -> str:
    name = fresh.name()
    if rel.bracket is not None:
        at = part[rel.bracket].end
        edits.append((at, at, name))
    else:  # "--": brackets with the name between the two dashes
        dash = part[rel.first]
        edits.append((dash.end, dash.end, f"[{name}]"))
    return name
