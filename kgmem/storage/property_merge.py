"""How an import joins new values into a stored vertex's or edge's properties.

Each value of a property is one statement (an RDF literal or ``rdf:type``). Two
reserved properties annotate them when the plain map alone would lose something:

- ``rdf_graphs`` (vertices): the named graphs of the statements that are not only in
  the default graph, as ``{graph: {property: [values]}}``; ``"default"`` stands for
  the default graph where a statement is in it and in a named graph. A statement not
  listed is in the default graph only. On an edge, ``rdf_graphs`` is the list of the
  graphs of its statement, absent when that is the default graph only.
- ``rdf_literals`` (vertices): for a property with a language-tagged value, every
  value exactly as imported (``{"@value", "@language"}`` objects and plain strings);
  the property itself then holds one plain string, the preferred value: the first
  value without a language tag, else the first in English (``en`` or ``en-*``), else
  the first one. So ``p.name = 'Alice'`` works in Cypher whatever the tags.

Membership only grows: joining a statement in a named graph into a stored one that
was in the default graph keeps both, as a second import of the same dataset must.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

GRAPHS_PROPERTY = "rdf_graphs"
LITERALS_PROPERTY = "rdf_literals"
DEFAULT_GRAPH = "default"
ANNOTATIONS = frozenset({GRAPHS_PROPERTY, LITERALS_PROPERTY})

Statements = dict[str, list[Any]]
Membership = dict[tuple[str, bytes], set[str]]


def merge_properties(stored: Mapping[str, Any], added: Mapping[str, Any]) -> dict[str, Any]:
    """``stored`` with each value of ``added`` joined in: a key with several distinct
    values holds a list of them in first-seen order; graph membership and exact
    literals are joined as the module docstring says."""
    if not annotated(stored) and not annotated(added):
        return _merge_plain(stored, added)
    merged: Statements = {}
    seen: dict[str, set[bytes]] = {}
    members: Membership = {}
    for props in (stored, added):
        found = membership(props)
        for key, values in statements(props).items():
            bucket, keys = merged.setdefault(key, []), seen.setdefault(key, set())
            for value in values:
                vkey = value_key(value)
                if vkey not in keys:
                    keys.add(vkey)
                    bucket.append(value)
                members.setdefault((key, vkey), set()).update(
                    found.get((key, vkey), {DEFAULT_GRAPH})
                )
    return _encode(merged, members)


def annotated(props: Mapping[str, Any]) -> bool:
    """Whether ``props`` has graph membership or exact literals (two key look-ups: this
    runs once per imported statement)."""
    return GRAPHS_PROPERTY in props or LITERALS_PROPERTY in props


def merge_edge_properties(stored: Mapping[str, Any], added: Mapping[str, Any]) -> dict[str, Any]:
    """An edge's properties joined as ``merge_properties`` joins plain values, and its
    graphs (``rdf_graphs``, absent: the default graph only) as the union of both."""
    old, new = stored.get(GRAPHS_PROPERTY), added.get(GRAPHS_PROPERTY)
    merged = _merge_plain(
        {k: v for k, v in stored.items() if k != GRAPHS_PROPERTY},
        {k: v for k, v in added.items() if k != GRAPHS_PROPERTY},
    )
    if old is None and new is None:
        return merged
    graphs = set(_as_list(old) if old is not None else [DEFAULT_GRAPH])
    graphs.update(_as_list(new) if new is not None else [DEFAULT_GRAPH])
    if graphs != {DEFAULT_GRAPH}:
        merged[GRAPHS_PROPERTY] = sorted(graphs)
    return merged


def statements(props: Mapping[str, Any]) -> Statements:
    """Every property's values as imported (exact literals where flattened)."""
    literals = props.get(LITERALS_PROPERTY)
    exact = literals if isinstance(literals, dict) else {}
    return {
        key: list(exact[key]) if key in exact else _as_list(value)
        for key, value in props.items()
        if key not in ANNOTATIONS
    }


def membership(props: Mapping[str, Any]) -> Membership:
    """The graphs of each listed statement, by (property, ``value_key``)."""
    graphs = props.get(GRAPHS_PROPERTY)
    found: Membership = {}
    if not isinstance(graphs, dict):
        return found
    for graph, keys in graphs.items():
        for key, values in keys.items():
            for value in _as_list(values):
                found.setdefault((key, value_key(value)), set()).add(graph)
    return found


def value_key(value: Any) -> bytes:
    """A value's identity (``True`` and ``1`` are different values)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def preferred(values: list[Any]) -> Any:
    """The value a flattened property shows (see the module docstring)."""
    for value in values:
        if not isinstance(value, dict):
            return value
    for value in values:
        lang = str(value.get("@language", "")).lower()
        if lang == "en" or lang.startswith("en-"):
            return value["@value"]
    first = values[0]
    return first.get("@value", first) if isinstance(first, dict) else first


def _tagged(value: Any) -> bool:
    return isinstance(value, dict) and "@language" in value and "@value" in value


def _encode(merged: Statements, members: Membership) -> dict[str, Any]:
    out: dict[str, Any] = {}
    literals: dict[str, list[Any]] = {}
    graphs: dict[str, dict[str, list[Any]]] = {}
    for key, values in merged.items():
        if any(_tagged(v) for v in values):
            literals[key] = values
            out[key] = preferred(values)
        else:
            out[key] = values[0] if len(values) == 1 else values
        for value in values:
            where = members.get((key, value_key(value)), {DEFAULT_GRAPH})
            if where != {DEFAULT_GRAPH}:
                for graph in sorted(where):
                    graphs.setdefault(graph, {}).setdefault(key, []).append(value)
    if literals:
        out[LITERALS_PROPERTY] = literals
    if graphs:
        out[GRAPHS_PROPERTY] = graphs
    return out


def _merge_plain(stored: Mapping[str, Any], added: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(stored)
    for key, value in added.items():
        if key not in merged:
            merged[key] = value
            continue
        values = _as_list(merged[key])
        for item in _as_list(value):
            if not contains(values, item):
                values.append(item)
        merged[key] = values[0] if len(values) == 1 else values
    return merged


def contains(values: list[Any], item: Any) -> bool:
    """Whether ``item`` is among ``values``, ``True`` and ``1`` being different values."""
    return any(v == item and type(v) is type(item) for v in values)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]
