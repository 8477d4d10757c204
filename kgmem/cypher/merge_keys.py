"""MERGE patterns' property maps, compared by equality so an index can answer them.

AGE tests a MERGE pattern's map (``MERGE (n:L {id: row.id})``) as containment,
``properties @> {"id": ...}``, which no property index answers: for each row it compared
the map with every node of the label (``bench row-writes``), which is how
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

Each value a MERGE map takes from the statement (a parameter, a variable, an
expression; literal nulls are refused before, ``static_checks``) is checked on its row
before the MERGE, by ``kgmem_cypher.merge_key(value, what)`` (migration 0056): a null
is Neo4j's error, "Cannot merge the following node because of null property value for
'id'", where AGE made a node without the property (and, with containment off, a MERGE
that starts a statement ended the server process on it)::

    UNWIND $rows AS row MERGE (n:L {id: row.id, kind: 'x'})
    UNWIND $rows AS row WITH *, kgmem_cypher.merge_key(row.id, 'node \\'id\\'') AS __kgmem_mk1
    MERGE (n:L {id: __kgmem_mk1, kind: 'x'})

Once a row, not once per node the MERGE compares. A value that reads a variable the
pattern itself names stays as written, and such a MERGE never starts the statement (a
``WITH`` comes first).

Only MERGE clauses at the top of the statement are read; a statement with a MERGE
elsewhere (inside FOREACH) keeps AGE's containment.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from kgmem.cypher.columns import pattern_variables
from kgmem.cypher.fold_parse import literal
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.merge import merge_pattern
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import closing, depths, each_clause, split_top_level

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_LITERALS = (Kind.NUMBER, Kind.STRING)
_CONSTANTS = ("TRUE", "FALSE")
CHECK = "kgmem_cypher.merge_key"
_PREFIX = "__kgmem_mk"


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with each value the MERGE maps take from the statement checked for null
    on its row, before the MERGE (see the module text)."""
    if "{" not in text or not mapped(code):
        return text
    edits: list[Edit] = []
    fresh = itertools.count(1)
    for placed in each_clause(code, "MERGE"):
        checks: list[str] = []
        own = pattern_variables(merge_pattern(placed.clause))
        unchecked = False
        for bracket, _, found in _elements(merge_pattern(placed.clause)):
            kind = "node" if bracket == "(" else "relationship"
            for key, value in found:
                if _constant(value):
                    continue
                if any(t.kind in _NAMES and t.name in own for t in value):
                    unchecked = True
                    continue
                name = _free(text, fresh)
                start, end = value[0].start, value[-1].end
                what = literal(f"{kind} '{key}'")
                checks.append(f"{CHECK}({text[start:end]}, {what}) AS {name}")
                edits.append((start, end, name))
        if unchecked and not checks and not placed.earlier:
            checks.append(f"null AS {_free(text, fresh)}")  # a MERGE never starts the query
        if checks:
            star = "*, " if placed.earlier else ""  # AGE takes WITH * with nothing in scope
            keyword = placed.clause.tokens[0].start
            edits.append((keyword, keyword, f"WITH {star}{', '.join(checks)} "))
    return splice(text, edits)


def _free(text: str, fresh: Iterator[int]) -> str:
    """A variable of kgmem's own, unused in ``text``."""
    while (name := f"{_PREFIX}{next(fresh)}") in text:
        pass
    return name


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
        (_label(inside), tuple(k for k, _ in found))
        for placed in each_clause(code, "MERGE")
        for _, inside, found in _elements(merge_pattern(placed.clause))
    )


Entries = list[tuple[str, Sequence[Token]]]


def _elements(pattern: Sequence[Token]) -> Iterator[tuple[str, Sequence[Token], Entries]]:
    """Every element pattern of a MERGE pattern that has a map: its opening bracket,
    the tokens inside its brackets and the map's (key, value tokens) entries."""
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
        yield token.text, inside, found


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
