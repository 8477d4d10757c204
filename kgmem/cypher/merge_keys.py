"""MERGE patterns' property maps, compared by equality so an index can answer them.

AGE tests a MERGE pattern's map (``MERGE (n:L {id: row.id})``) as containment,
``properties @> {"id": ...}``, which no property index answers: for each row it compared
the map with every node of the label (2,000 rows on 2,000 nodes: 2.5 s), which is how
every Neo4j library imports (LangChain's ``MERGE (n:__Entity__ {id: row.id})``,
Graphiti's ``MERGE (n:Entity {uuid: node.uuid})``, LlamaIndex's batches). With AGE's
setting ``age.enable_containment`` off, AGE compares each entry by equality instead,
which the property's index (``CREATE INDEX``, a uniqueness constraint) answers, and
which is also Neo4j's meaning of the map (``{n: 1}`` finds ``1.0``; a list value must
equal the stored list, where containment also took a longer one).

When every map's label has an index led by one of its keys, kgmem turns the setting
off for the statement (``CypherPlan.merges``, ``kgmem.storage.graph.cypher``), with hash
and merge joins off while it is planned, so AGE's MERGE reads the rows in their order
(the first row of a key creates its node, a later row's write wins) and looks each
row's node up by the index. Otherwise the statement keeps AGE's containment, whose
scan of the label an equality without an index would not beat (measured in ``bench
row-writes``).

With containment off, AGE's MERGE as a statement's first clause ends the server process
on a null value, so each value such a MERGE's maps take from the statement (a
parameter, an expression; literals are checked before, ``static_checks``) goes through
``kgmem_cypher.merge_key(value, what)`` (migration 0057), which answers Neo4j's error
for a null, "Cannot merge the following node because of null property value for
'id'", and the value otherwise::

    MERGE (n:L {id: $id, kind: 'x'})
    MERGE (n:L {id: kgmem_cypher.merge_key($id, 'node \\'id\\''), kind: 'x'})

A MERGE after other clauses (``ON CREATE`` / ``ON MATCH`` put clauses before it,
``kgmem.cypher.merge``) meets a null as AGE does: a node without the property.

Only MERGE clauses at the top of the statement are read; a statement with a MERGE
elsewhere (inside FOREACH) keeps AGE's containment.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from kgmem.cypher.fold_parse import literal
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.merge import merge_pattern
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import closing, depths, each_clause, split_top_level

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_LITERALS = (Kind.NUMBER, Kind.STRING)
_CONSTANTS = ("TRUE", "FALSE")
CHECK = "kgmem_cypher.merge_key"


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with each value the maps of a leading MERGE take from the statement
    checked for null (see the module text)."""
    if "{" not in text or not mapped(code):
        return text
    edits: list[Edit] = []
    for kind, key, value in _entries(code):
        if _constant(value):
            continue
        what = literal(f"{kind} '{key}'")
        start, end = value[0].start, value[-1].end
        edits.append((start, end, f"{CHECK}({text[start:end]}, {what})"))
    return splice(text, edits)


def mapped(code: Sequence[Token]) -> bool:
    """Whether the statement has a MERGE with a property map, every MERGE of it at the
    top of the statement (so its plan may compare maps by equality)."""
    merges = sum(1 for t in code if t.is_keyword("MERGE"))
    top = list(each_clause(code, "MERGE"))
    if not merges or merges != len(top):
        return False
    return any(t.text == "{" for placed in top for t in merge_pattern(placed.clause))


def elements(code: Sequence[Token]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per node or relationship pattern with a map in the statement's MERGE clauses: its
    label or type as the text names it ('' for none, or for several) and the map's
    keys; empty when ``mapped`` is not."""
    if not mapped(code):
        return ()
    return tuple(
        (_label(inside), tuple(k for k, _ in found)) for _, _, inside, found in _maps(code)
    )


def _entries(code: Sequence[Token]) -> Iterator[tuple[str, str, Sequence[Token]]]:
    """(node or relationship, key, value tokens) of every entry of every map of a MERGE
    that is the first clause of the statement (or of a UNION part)."""
    for first, bracket, _, found in _maps(code):
        if not first:
            continue
        kind = "node" if bracket == "(" else "relationship"
        for key, value in found:
            yield kind, key, value


Entries = list[tuple[str, Sequence[Token]]]


def _maps(code: Sequence[Token]) -> Iterator[tuple[bool, str, Sequence[Token], Entries]]:
    """Every element pattern of the top-level MERGE clauses that has a map: whether its
    MERGE comes first, its opening bracket, the tokens inside its brackets and the
    map's (key, value tokens) entries."""
    for placed in each_clause(code, "MERGE"):
        pattern = merge_pattern(placed.clause)
        pairs = closing(pattern)
        for index, (depth, token) in enumerate(depths(pattern)):
            if depth != 0 or token.text not in ("(", "[") or token.kind is not Kind.PUNCT:
                continue
            inside = pattern[index + 1 : pairs.get(index, index)]
            opening = next((i for i, t in enumerate(inside) if t.text == "{"), None)
            if opening is None:
                continue
            shut = closing(inside).get(opening, opening)
            found: Entries = [
                (item[0].name, item[2:])
                for item in split_top_level(inside[opening + 1 : shut])
                if len(item) > 2 and item[0].kind in _NAMES and item[1].text == ":"
            ]
            yield not placed.earlier, token.text, inside, found


def _label(inside: Sequence[Token]) -> str:
    """The one label or type an element pattern names before its map ('' for none or
    several)."""
    before = list(itertools.takewhile(lambda t: t.text != "{", inside))
    names = [
        before[i + 1].name
        for i, t in enumerate(before[:-1])
        if t.text == ":" and before[i + 1].kind in _NAMES
    ]
    return names[0] if len(names) == 1 else ""


def _constant(value: Sequence[Token]) -> bool:
    """A literal number, string or boolean: never null."""
    if len(value) == 2 and value[0].text == "-" and value[1].kind is Kind.NUMBER:
        return True
    return len(value) == 1 and (
        value[0].kind in _LITERALS or any(value[0].is_keyword(c) for c in _CONSTANTS)
    )
