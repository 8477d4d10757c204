"""Every row a MATCH finds reaches a DELETE, whatever earlier rows deleted.

AGE runs a statement's rows one by one through all its clauses, and a DELETE on one
row removes what the pattern would still have found for the next rows: ``MATCH
(a)-[*]-(b) DETACH DELETE a, b RETURN count(*)`` on a chain of three nodes counted 2
rows (Neo4j: 6, every path the MATCH finds), and ``MATCH (a)-[r]-(b) DETACH DELETE a, b``
2 rather than 4. Neo4j plans an Eager there: the MATCH finishes before the first
delete.

kgmem collects the rows before such a DELETE and unwinds them again
(``kgmem.cypher.eager.barrier``), carrying only the variables the DELETE and the
clauses after it read. Where no row can lose another's match it leaves the statement as
it is, so the common deletes cost nothing more: every MATCH before the DELETE is one
node pattern (``MATCH (n:L {id: $id}) DETACH DELETE n``), or every MATCH is a node or
one directed relationship of fixed length and a DELETE without DETACH deletes only
relationships (``MATCH (a)-[r:R]->(b) DELETE r``: each row holds its own
relationship).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import eager
from kgmem.cypher.columns import pattern_variables, scope
from kgmem.cypher.functions import aggregates
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import splice
from kgmem.cypher.structure import Clause, clauses, depths, union_parts

_DELETES = ("DELETE", "DETACH DELETE")
_MATCHES = ("MATCH", "OPTIONAL MATCH")
_NAMES = (Kind.NAME, Kind.QUOTED_NAME)


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with every row collected before each DELETE
    whose rows may lose another row's match."""
    if not any(t.is_keyword("DELETE") for t in code):
        return text
    inserts = []
    for part in union_parts(code):
        found = clauses(part)
        for at, clause in enumerate(found):
            if clause.keyword not in _DELETES or not _needs(found[:at], clause):
                continue
            if not eager.scoped(list(found[:at])):
                continue
            if _barrier_before(found, at):
                continue
            names = _read_later(scope(text, found[:at]), found[at:])
            start = clause.tokens[0].start
            inserts.append((start, start, eager.barrier(names, "")))
    return splice(text, inserts)


def _barrier_before(found: Sequence[Clause], at: int) -> bool:
    """Whether every row the last MATCH found is already collected before the DELETE: a
    WITH after it aggregates (another rewrite's barrier, ``count(*)``, the node lists
    ``kgmem.cypher.deleted_paths`` collects)."""
    last = max((i for i in range(at) if found[i].keyword in _MATCHES), default=-1)
    return any(c.keyword == "WITH" and aggregates(c.body) for c in found[last + 1 : at])


def _needs(before: Sequence[Clause], delete: Clause) -> bool:
    """Whether a row's delete may take what the MATCH before it finds for later rows."""
    matches = [c for c in before if c.keyword in _MATCHES]
    if not matches:
        return False
    shapes = [_shape(c) for c in matches]
    if all(shape == "node" for shape in shapes):
        return False
    relationships = set().union(*(_relationship_variables(c) for c in matches))
    deleted = {t.name for t in delete.body if t.kind in _NAMES}
    only_relationships = delete.keyword == "DELETE" and deleted <= relationships
    return not (only_relationships and all(s in ("node", "directed") for s in shapes))


def _shape(clause: Clause) -> str:
    """``node`` for one node pattern, ``directed`` for one directed relationship of
    fixed length between two nodes, else ``other``."""
    body = [t for d, t in depths(clause.body) if d == 0]
    if any(t.text == "," for t in body):
        return "other"
    arrows = [t.text for t in body if t.text in ("-", "->", "<-", "<", ">")]
    if not arrows:
        return "node"
    directed = arrows in (["-", "->"], ["<-", "-"])
    fixed = not any(t.text == "*" for t in clause.body)
    return "directed" if directed and fixed else "other"


def _relationship_variables(clause: Clause) -> set[str]:
    tokens = clause.body
    return {
        tokens[i + 1].name
        for i in range(len(tokens) - 1)
        if tokens[i].text == "[" and tokens[i + 1].kind in _NAMES
    }


def _read_later(bound: set[str], after: Sequence[Clause]) -> list[str]:
    """The variables of ``bound`` that the clauses from the DELETE on name."""
    named = {t.name for c in after for t in c.tokens if t.kind in _NAMES}
    named |= {v for c in after if c.keyword in _MATCHES for v in pattern_variables(c.body)}
    return sorted(bound & named)
