"""``shortestPath(...)`` and ``allShortestPaths(...)`` in MATCH, as a bounded search.

AGE 1.7 has no shortest-path search. In a MATCH, kgmem matches the two end nodes as
the pattern writes them and unwinds the paths ``kgmem_cypher.shortest_paths`` finds
between them (a breadth-first search in SQL, migration 0031)::

    MATCH p = shortestPath((a:Person {name: 'A'})-[:KNOWS*..5]->(b:Person {name: 'B'}))
    RETURN length(p)
    MATCH (a:Person {name: 'A'}), (b:Person {name: 'B'})
    UNWIND kgmem_cypher.shortest_paths($__kgmem_graph, a, b, ['KNOWS'], 'out', 1, 5,
                                       false, 100000) AS p
    RETURN length(p)

- The relationship's types (``[:A|B*]``, each as AGE stores it:
  ``kgmem.cypher.label_sets.stored``), direction and length bounds pass to the search;
  a relationship variable (``[r*..5]``) is the path's relationships.
- The length is bounded: an upper bound past ``MAX_LENGTH`` is refused with
  ``LimitExceeded``, and an unbounded ``*`` searches up to ``UNBOUNDED_LENGTH`` hops.
  The search stops with ``limit_exceeded`` once it reaches ``MAX_REACHED`` nodes, and
  allShortestPaths once it finds more than ``MAX_REACHED`` paths; the statement
  timeout bounds the rest.
- A WHERE that reads the path or its relationships filters the paths found (Neo4j
  searches for the shortest path that passes it; kgmem answers the shortest paths
  that do); any other WHERE filters the end nodes before the search.
- The minimum length is 0 or 1, as in Neo4j.
- GQL's path selectors (Neo4j 5.21 and later) say the same: ``SHORTEST 1`` and
  ``ANY SHORTEST`` as ``shortestPath``, ``ALL SHORTEST`` as ``allShortestPaths``, before a
  pattern of one relationship (``MATCH p = ALL SHORTEST (a)-[:R]-+(b)``, its quantifier
  already a length by ``kgmem.cypher.quantified_paths``).
- In an OPTIONAL MATCH the path is null when there is none (the search's list is held
  in a variable of kgmem's, ``WITH *, ... AS __kgmem_s2``).

``$__kgmem_graph`` is the namespace, bound by kgmem when it runs the query
(``GRAPH_PARAMETER``), never by the analyst's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgmem.cypher.label_sets import stored
from kgmem.cypher.labels import NAMES, string
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, closing, each_clause, split_top_level
from kgmem.errors import CypherSemanticError, LimitExceeded

GRAPH_PARAMETER = "__kgmem_graph"
FUNCTION = "kgmem_cypher.shortest_paths"
MAX_LENGTH = 100
UNBOUNDED_LENGTH = 100
MAX_REACHED = 100_000
_NAMES = ("SHORTESTPATH", "ALLSHORTESTPATHS")
_FRESH = "__kgmem_s"


@dataclass(frozen=True, slots=True)
class _Search:
    """One shortest-path pattern: its end nodes, relationship and what it binds."""

    path: str
    start: str
    end: str
    nodes: tuple[str, str]
    types: tuple[str, ...]
    direction: str
    lower: int
    upper: int
    every: bool
    relationship: str | None
    held: str

    def call(self, *, optional: bool) -> str:
        """The clauses that bind the path (null when none is found, if ``optional``)."""
        listed = ", ".join(string(stored(t)) for t in self.types)
        types = f"[{listed}]" if self.types else "null"
        arguments = (
            f"${GRAPH_PARAMETER}, {self.start}, {self.end}, {types}, '{self.direction}', "
            f"{self.lower}, {self.upper}, {'true' if self.every else 'false'}, {MAX_REACHED}"
        )
        found = f"{FUNCTION}({arguments})"
        if optional:
            unwind = (
                f" WITH *, {found} AS {self.held} UNWIND (CASE WHEN coalesce(size({self.held}), "
                f"0) = 0 THEN [null] ELSE {self.held} END) AS {self.path}"
            )
        else:
            unwind = f" UNWIND {found} AS {self.path}"
        if self.relationship is not None:
            unwind += f" UNWIND [relationships({self.path})] AS {self.relationship}"
        return unwind


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with every shortest-path pattern of a MATCH as a search."""
    if "shortest" not in text.lower():
        return text
    if not any(t.kind is Kind.NAME and t.upper in (*_NAMES, "SHORTEST") for t in code):
        return text
    edits: list[Edit] = []
    fresh = [0]
    for placed in each_clause(code):
        clause = placed.clause
        if clause.keyword not in ("MATCH", "OPTIONAL MATCH"):
            _refuse_elsewhere(clause)
            continue
        found = _searches(clause, fresh)
        if not found:
            continue
        edits.extend(_clause_edits(clause, placed.following, found))
    return splice(text, edits)


def _refuse_elsewhere(clause: Clause) -> None:
    """Refuse ``shortestPath(`` outside a MATCH's patterns (an expression)."""
    tokens = clause.tokens
    for i, token in enumerate(tokens[:-1]):
        if token.is_keyword(*_NAMES) and tokens[i + 1].text == "(":
            raise CypherSemanticError(
                f"kgmem answers {token.text}() in a MATCH pattern, not in an expression: "
                f"MATCH p = {token.text}(...) and use p",
                position=token.start,
            )


def _clause_edits(
    clause: Clause, following: Clause | None, found: list[tuple[list[Token], _Search]]
) -> list[Edit]:
    edits: list[Edit] = []
    for piece, search in found:
        edits.append((piece[0].start, piece[-1].end, ", ".join(search.nodes)))
    optional = clause.keyword == "OPTIONAL MATCH"
    calls = "".join(search.call(optional=optional) for _, search in found)
    bound = {s.path for _, s in found} | {s.relationship for _, s in found if s.relationship}
    where = following if following is not None and following.keyword == "WHERE" else None
    if where is not None and any(t.kind in NAMES and t.name in bound for t in where.tokens):
        if optional:
            raise CypherSemanticError(
                "kgmem cannot filter the path of an optional shortestPath() in its WHERE: "
                "filter it in a WITH after the OPTIONAL MATCH",
                position=where.tokens[0].start,
            )
        # The WHERE reads what the search binds: it filters after the search.
        edits.append((clause.tokens[-1].end, clause.tokens[-1].end, calls + " WITH *"))
        return edits
    last = (where or clause).tokens[-1]
    edits.append((last.end, last.end, calls))
    return edits


def _searches(clause: Clause, fresh: list[int]) -> list[tuple[list[Token], _Search]]:
    found = []
    for piece in split_top_level(clause.body):
        search = _piece(piece, fresh)
        if search is not None:
            found.append((piece, search))
    return found


def _piece(piece: list[Token], fresh: list[int]) -> _Search | None:
    """The search a pattern part ``[p =] shortestPath(...)`` or ``[p =] SHORTEST 1 ...``
    asks, else None."""
    at, path = 0, None
    if len(piece) > 2 and piece[0].kind in NAMES and piece[1].text == "=":
        at, path = 2, piece[0].name
    selected = _selector(piece, at)
    if selected is not None:
        every, start = selected
        path = path if path is not None else _fresh(fresh)
        return _pattern(piece[start:], path, piece[at], fresh, every=every)
    if len(piece) < at + 2 or not piece[at].is_keyword(*_NAMES) or piece[at + 1].text != "(":
        return None
    pairs = closing(piece)
    if pairs.get(at + 1) != len(piece) - 1:
        return None
    inner = piece[at + 2 : -1]
    if path is None:
        path = _fresh(fresh)
    every = piece[at].upper == "ALLSHORTESTPATHS"
    return _pattern(inner, path, piece[at], fresh, every=every)


def _selector(piece: Sequence[Token], at: int) -> tuple[bool, int] | None:
    """(all shortest paths, index of the pattern) after a GQL path selector at ``at``
    (``SHORTEST 1``, ``ANY SHORTEST``, ``ALL SHORTEST``, then ``PATH`` or ``PATHS``),
    else None; ``SHORTEST k`` of more than one path and ``GROUPS`` are refused."""
    words = [t.upper if t.kind is Kind.NAME else t.text for t in piece[at : at + 4]]
    if words[:2] in (["ANY", "SHORTEST"], ["ALL", "SHORTEST"]):
        every, start = words[0] == "ALL", at + 2
    elif words[:1] == ["SHORTEST"] and len(words) > 1 and words[1] == "1":
        every, start = False, at + 2
    elif words[:1] == ["SHORTEST"] and len(piece) > at + 1 and piece[at + 1].text != "(":
        raise CypherSemanticError(
            "kgmem answers SHORTEST 1, ANY SHORTEST and ALL SHORTEST, not SHORTEST k of "
            "several paths nor GROUPS",
            position=piece[at].start,
        )
    else:
        return None
    if start < len(piece) and piece[start].is_keyword("PATH", "PATHS"):
        start += 1
    return every, start


def _fresh(fresh: list[int]) -> str:
    fresh[0] += 1
    return f"{_FRESH}{fresh[0]}"


def _pattern(
    inner: Sequence[Token], path: str, head: Token, fresh: list[int], *, every: bool
) -> _Search:
    pairs = closing(inner)
    first_close = pairs.get(0) if inner and inner[0].text == "(" else None
    if first_close is None:
        raise _shape(head)
    start, start_text = _node(inner[: first_close + 1], fresh)
    rest = inner[first_close + 1 :]
    at, direction, rel = _relationship(rest, head)
    tail = rest[at:]
    if not tail or tail[0].text != "(" or closing(tail).get(0) != len(tail) - 1:
        raise _shape(head)
    end, end_text = _node(tail, fresh)
    variable, types, lower, upper = _details(rel, head)
    return _Search(
        path=path,
        start=start,
        end=end,
        nodes=(start_text, end_text),
        types=types,
        direction=direction,
        lower=lower,
        upper=upper,
        every=every,
        relationship=variable,
        held=_fresh(fresh),
    )


def _shape(head: Token) -> CypherSemanticError:
    return CypherSemanticError(
        f"{head.text}(...) needs a pattern of two nodes and one relationship, such as "
        "(a)-[:KNOWS*..5]->(b)",
        position=head.start,
    )


def _node(tokens: Sequence[Token], fresh: list[int]) -> tuple[str, str]:
    """The variable of a node pattern (a fresh one for an anonymous node) and the
    pattern's text with it."""
    text = _text(tokens)
    if len(tokens) > 2 and tokens[1].kind in NAMES:
        return tokens[1].text, text
    name = _fresh(fresh)
    return name, "(" + name + text[1:]


def _text(tokens: Sequence[Token]) -> str:
    out = ""
    for index, token in enumerate(tokens):
        gap = index and token.start > tokens[index - 1].end
        out += (" " if gap else "") + token.text
    return out


def _relationship(rest: Sequence[Token], head: Token) -> tuple[int, str, Sequence[Token]]:
    """(index after the relationship, direction, the tokens inside its brackets)."""
    texts = [t.text for t in rest[:2]]
    if len(rest) < 3 or texts[0] not in ("-", "<-"):
        raise _shape(head)
    left = texts[0] == "<-"
    if texts[1] == "[":
        close = closing(rest).get(1)
        if close is None or close + 1 >= len(rest):
            raise _shape(head)
        inside, after = rest[2:close], close + 1
    else:
        inside, after = [], 1
    right = rest[after].text
    if right not in ("-", "->") or (left and right == "->"):
        raise _shape(head)
    direction = "in" if left else "out" if right == "->" else "both"
    return after + 1, direction, inside


def _details(inside: Sequence[Token], head: Token) -> tuple[str | None, tuple[str, ...], int, int]:
    """(variable, types, lower, upper) of a relationship pattern's inside."""
    at, variable = 0, None
    if inside and inside[0].kind in NAMES:
        at, variable = 1, inside[0].name
    types: list[str] = []
    while at + 1 < len(inside) and inside[at].text in (":", "|"):
        at += 1 + (inside[at].text == "|" and inside[at + 1].text == ":")
        if at >= len(inside) or inside[at].kind not in NAMES:
            raise _shape(head)
        types.append(inside[at].name)
        at += 1
    lower, upper, at = _bounds(inside, at, head)
    if at != len(inside):
        raise CypherSemanticError(
            f"{head.text}(...) takes relationship types, a direction and a length, not "
            "properties: test them in WHERE",
            position=inside[at].start,
        )
    return variable, tuple(dict.fromkeys(types)), lower, upper


def _bounds(inside: Sequence[Token], at: int, head: Token) -> tuple[int, int, int]:
    """(lower, upper, index after) of ``*``, ``*n``, ``*n..m``, ``*..m``, ``*n..``."""
    if at >= len(inside) or inside[at].text != "*":
        return 1, 1, at
    at += 1
    numbers: list[int | None] = [None, None]
    slot = 0
    while at < len(inside) and (inside[at].kind is Kind.NUMBER or inside[at].text == ".."):
        if inside[at].text == "..":
            slot = 1
        else:
            numbers[slot] = _integer(inside[at])
        at += 1
    lower = numbers[0] if numbers[0] is not None else 1
    upper = numbers[1] if slot else numbers[0]
    if slot == 0 and numbers[0] is None:
        upper = None
    if lower not in (0, 1):
        raise CypherSemanticError(
            f"{head.text}(...) does not support a minimal length different from 0 or 1",
            position=head.start,
        )
    if upper is None:
        return lower, UNBOUNDED_LENGTH, at
    if upper > MAX_LENGTH:
        raise LimitExceeded(
            f"the shortest-path pattern has an upper length of {upper}, more than kgmem's "
            f"limit of {MAX_LENGTH}: give it a smaller upper bound",
            bound="shortest path length",
            limit=MAX_LENGTH,
        )
    return lower, upper, at


def _integer(token: Token) -> int:
    try:
        return int(token.text)
    except ValueError:
        raise CypherSemanticError(
            f"a path length must be an integer, not {token.text}", position=token.start
        ) from None
