"""Property maps in MATCH patterns, as conditions an index can answer.

AGE 1.7 tests a node or relationship pattern's property map (``MATCH (n:L {id:
row.id})``) as containment, ``properties @> {"id": ...}``, which no property index
answers and PostgreSQL cannot join by: ``UNWIND $rows AS row MATCH (n:L {id: row.id})``
compared every row with every node of the label (``bench row-writes``),
and a lookup by a key read the whole label. It is how the Neo4j libraries find nodes
(Graphiti's ``MATCH (n:Entity {uuid: $uuid})``, LlamaIndex's and LangChain's batches).
kgmem writes each entry as an equality in the clause's WHERE, which the property's
index (``CREATE INDEX``, a uniqueness constraint) answers, or a hash join between the
rows and the label when there is none::

    MATCH (n:L {id: row.id})-[r:R {since: 2020}]->(:M {k: $k}) WHERE n.x > 1
    MATCH (n:L)-[r:R]->(__kgmem_pm1:M) WHERE n.id = row.id AND r.since = 2020
    AND __kgmem_pm1.k = $k AND n.x > 1

The answer is Neo4j's: a map entry is an equality (``{k: null}`` matches nothing, ``{n:
1}`` finds ``1.0``, a list value must equal the stored list, where containment also
took a longer list). Patterns inside a function (``shortestPath(...)``), quantified
groups and variable-length relationships keep their maps, as do MERGE and CREATE,
which also write them. An OPTIONAL MATCH's WHERE stays part of the optional match.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token, quoted_name
from kgmem.cypher.property_keys import KEYWORDS
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, closing, depths, each_clause, filtered, split_top_level

_MATCHES = ("MATCH", "OPTIONAL MATCH")
_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_PREFIX = "__kgmem_pm"
# A value written as it is after ``=``: one token, or a name with a key (``row.id``).
_ATOMS = (Kind.PARAMETER, Kind.NUMBER, Kind.STRING, Kind.NAME, Kind.QUOTED_NAME)


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with the property maps of MATCH patterns written as WHERE equalities."""
    if "{" not in text:
        return text
    edits: list[Edit] = []
    fresh = _Fresh(text)
    for placed in each_clause(code, *_MATCHES):
        moved, conditions = _clause(text, placed.clause, fresh)
        if conditions:
            edits.extend(moved)
            edits.extend(filtered(placed.clause, placed.following, " AND ".join(conditions)))
    return splice(text, edits)


class _Fresh:
    """Variables of kgmem's own for anonymous elements, unused in the text."""

    def __init__(self, text: str) -> None:
        self._text, self._count = text, 0

    def name(self) -> str:
        while True:
            self._count += 1
            candidate = f"{_PREFIX}{self._count}"
            if candidate not in self._text:
                return candidate


def _clause(text: str, clause: Clause, fresh: _Fresh) -> tuple[list[Edit], list[str]]:
    """The edits taking the maps out of a MATCH's element patterns, and the conditions."""
    tokens = list(clause.body)
    pairs = closing(tokens)
    edits: list[Edit] = []
    conditions: list[str] = []
    for index, (depth, token) in enumerate(depths(tokens)):
        if depth != 0 or token.kind is not Kind.PUNCT or token.text not in ("(", "["):
            continue
        end = pairs.get(index)
        if end is None or _skipped(tokens, index, end):
            continue
        found = _element(text, tokens, index, end, fresh)
        if found is not None:
            edits.extend(found[0])
            conditions.extend(found[1])
    return edits, conditions


def _skipped(tokens: Sequence[Token], start: int, end: int) -> bool:
    """A quantified group ``((a)-->(b)){1,3}``, a function's argument (``shortestPath(``),
    or a variable-length relationship ``[*1..2 {k: v}]``."""
    inner = tokens[start + 1 : end]
    if tokens[start].text == "(":
        before = tokens[start - 1] if start else None
        return (bool(inner) and inner[0].text == "(") or (
            before is not None and before.kind in _NAMES
        )
    return any(t.text == "*" for t in inner)


def _element(
    text: str, tokens: Sequence[Token], start: int, end: int, fresh: _Fresh
) -> tuple[list[Edit], list[str]] | None:
    """For one element pattern with a literal map: the edits (remove the map, name an
    anonymous element) and one equality per entry."""
    opening = next(
        (i for i in range(start + 1, end) if tokens[i].text == "{"), None
    )  # fmt: skip
    if opening is None:
        return None
    shut = closing(tokens).get(opening)
    if shut is None or shut != end - 1:
        return None  # something after the map: not an element pattern kgmem reads
    entries = _entries(text, tokens[opening + 1 : shut])
    if entries is None:
        return None
    named = tokens[start + 1].kind in _NAMES and start + 1 < opening
    variable = tokens[start + 1].name if named else fresh.name()
    edits: list[Edit] = [(tokens[opening].start, tokens[shut].end, "")]
    if not named:
        edits.append((tokens[start].end, tokens[start].end, variable))
    conditions = [f"{_name(variable)}.{_name(k)} = {v}" for k, v in entries]
    return edits, conditions


def _name(name: str) -> str:
    """A variable or key as AGE reads it: in backticks when it is one of AGE's keywords."""
    return f"`{name}`" if name.upper() in KEYWORDS else quoted_name(name)


def _entries(text: str, inside: Sequence[Token]) -> list[tuple[str, str]] | None:
    """The map's (key, value text) entries; None when it is not a plain literal map."""
    found = []
    for item in split_top_level(inside):
        if len(item) < 3 or item[0].kind not in _NAMES or item[1].text != ":":
            return None
        value = item[2:]
        written = text[value[0].start : value[-1].end]
        found.append((item[0].name, written if _atom(value) else f"({written})"))
    return found


def _atom(value: Sequence[Token]) -> bool:
    """A value that needs no brackets after ``=``: one token, or ``name.key``."""
    if len(value) == 1:
        return value[0].kind in _ATOMS
    return (
        len(value) == 3
        and value[0].kind in _NAMES
        and value[1].text == "."
        and value[2].kind in _NAMES
    )
