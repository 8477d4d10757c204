"""APOC's functions that the Neo4j libraries call, answered by kgmem's SQL functions
(migration ``0034_apoc_functions``), which AGE calls with agtype arguments::

    SET e += apoc.map.clean(row.properties, [], [])
    SET e += kgmem_neo4j.apoc_map_clean(row.properties, [], [])

``apoc.map.clean``, ``apoc.map.merge``, ``apoc.any.property``, ``apoc.any.properties``,
``apoc.coll.toSet`` and ``apoc.coll.flatten`` (names matched case-insensitively); and
the functions APOC's writing procedures become (``WRITERS``, which the guard counts as
writes). The guard lets these dotted names through (``inside_dotted``); any other
schema-qualified call stays refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.functions import within_dotted
from kgmem.cypher.lexer import Kind, Token

SCHEMA = "kgmem_neo4j"
DOTTED: dict[tuple[str, ...], str] = {
    ("apoc", "map", "clean"): "apoc_map_clean",
    ("apoc", "map", "merge"): "apoc_map_merge",
    ("apoc", "any", "property"): "apoc_any_property",
    ("apoc", "any", "properties"): "apoc_any_properties",
    ("apoc", "coll", "toset"): "apoc_coll_to_set",
    ("apoc", "coll", "flatten"): "apoc_coll_flatten",
}
"""APOC's function names (lower case) and kgmem's SQL function for each."""
WRITERS: dict[tuple[str, ...], str] = {
    ("apoc", "merge", "node"): "apoc_merge_node",
    ("apoc", "merge", "relationship"): "apoc_merge_relationship",
    ("apoc", "create", "relationship"): "apoc_create_relationship",
    ("apoc", "create", "addlabels"): "apoc_add_labels",
    ("apoc", "create", "setlabels"): "apoc_set_labels",
    ("apoc", "create", "removelabels"): "apoc_remove_labels",
    ("apoc", "refactor", "mergenodes"): "apoc_merge_nodes",
}
"""What APOC's writing procedures become (``kgmem.cypher.apoc_writes``): functions that
write, which the guard counts as writes."""
SQL_WRITERS = frozenset(WRITERS.values())
_ALL = {**DOTTED, **WRITERS}
NAMES = {".".join(parts): sql for parts, sql in DOTTED.items()}


def dotted_at(tokens: Sequence[Token], index: int) -> int:
    """How many tokens the APOC function name starting at ``index`` spans (0: none), up
    to but not including its ``(``."""
    if tokens[index].kind is not Kind.NAME or tokens[index].text.lower() != "apoc":
        return 0
    if index > 0 and tokens[index - 1].text == ".":
        return 0
    parts = tokens[index : index + 6 : 2]
    dots = tokens[index + 1 : index + 5 : 2]
    if len(parts) < 3 or len(tokens) <= index + 5 or tokens[index + 5].text != "(":
        return 0
    if any(t.kind is not Kind.NAME for t in parts) or any(t.text != "." for t in dots):
        return 0
    return 5 if tuple(t.text.lower() for t in parts) in _ALL else 0


def writes_at(tokens: Sequence[Token], index: int) -> bool:
    """Whether a call of one of ``WRITERS`` starts at ``tokens[index]``."""
    if not dotted_at(tokens, index):
        return False
    return tuple(t.text.lower() for t in tokens[index : index + 5 : 2]) in WRITERS


def inside_dotted(tokens: Sequence[Token], index: int) -> bool:
    """Whether ``tokens[index]`` is part of a name ``dotted_at`` recognises."""
    return within_dotted(tokens, index, dotted_at, 5)


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits naming kgmem's SQL function in each call."""
    if "apoc" not in text.lower():
        return []
    edits = []
    for index, token in enumerate(code):
        if dotted_at(code, index):
            parts = tuple(t.text.lower() for t in code[index : index + 5 : 2])
            edits.append((token.start, code[index + 4].end, f"{SCHEMA}.{_ALL[parts]}"))
    return edits
