"""The property writes a query's ``SET`` and ``REMOVE`` clauses make on each row, for
the ``properties_set`` counter of its result summary (``kgmem.graph.summary``).

Neo4j counts one property set per ``SET x.p = v`` and per ``REMOVE x.p`` executed, and
one per key of the map in ``SET x = map`` / ``SET x += map``; label items count as
labels, not properties. A map is counted by its keys when it is written out (``{a: 1,
b: 2}``) or is a parameter holding a map; any other map expression (``row.props``)
counts as one. Used on the text the procedures left (``db.create.set*VectorProperty``
calls are ``SET`` items by then), before kgmem's own rewrites.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.structure import CLAUSE_WORDS, closing, is_keyword_at, split_top_level

_ENDS = CLAUSE_WORDS | {"ON"}


@dataclass(frozen=True, slots=True)
class WriteItems:
    """How many ``SET`` / ``REMOVE`` clauses a query has and the property writes they
    name in all."""

    clauses: int = 0
    properties: int = 0

    def properties_set(self, updated_rows: int) -> int:
        """The properties written to ``updated_rows`` rows (AGE writes a row once per
        clause that changes it): rows per clause times the items of the clauses."""
        if self.clauses == 0 or updated_rows <= 0:
            return 0
        return updated_rows * self.properties // self.clauses


def count(query: str, params: Mapping[str, Any]) -> WriteItems:
    """The ``SET`` / ``REMOVE`` clauses of ``query`` and their property items."""
    lowered = query.lower()
    if "set" not in lowered and "remove" not in lowered:
        return WriteItems()
    tokens = tokenize(query)
    clauses = properties = 0
    for index in range(len(tokens)):
        if not is_keyword_at(tokens, index, "SET", "REMOVE"):
            continue
        items = split_top_level(_clause(tokens, index + 1))
        written = sum(_item(item, params, tokens[index].upper) for item in items)
        clauses += written > 0  # a clause of labels only moves nodes, updates no row
        properties += written
    return WriteItems(clauses, properties)


def _clause(tokens: Sequence[Token], start: int) -> list[Token]:
    """The tokens of the clause body starting at ``start``: up to the next clause word
    outside brackets, or the bracket that closes around the clause."""
    pairs = closing(tokens)
    out: list[Token] = []
    index = start
    while index < len(tokens):
        token = tokens[index]
        if token.kind is Kind.PUNCT and token.text in ")]}":
            break
        if is_keyword_at(tokens, index, *_ENDS):
            break
        end = pairs.get(index, index)
        out.extend(tokens[index : end + 1])
        index = end + 1
    return out


def _item(item: Sequence[Token], params: Mapping[str, Any], word: str) -> int:
    """The property writes of one item: 0 for a label item."""
    texts = [t.text for t in item]
    if len(texts) < 2 or texts[1] == ":":
        return 0  # n:Label, n:$(expr)
    if word == "REMOVE" or texts[1] == ".":
        return 1  # n.p = v, REMOVE n.p
    return _map_keys(item[2:], params)  # n = map, n += map


def _map_keys(value: Sequence[Token], params: Mapping[str, Any]) -> int:
    if len(value) == 1 and value[0].kind is Kind.PARAMETER:
        given = params.get(value[0].text[1:])
        return len(given) if isinstance(given, dict) else 1
    if value and value[0].text == "{" and value[-1].text == "}":
        return len([part for part in split_top_level(value[1:-1]) if part])
    return 1
