"""GraphML read as a stream of records: each ``<node>`` and ``<edge>`` element as it
ends, then the graph's own part (``GraphHeader``: ``edgedefault`` and the ``<data>`` of
the ``<graph>`` element) when the graph ends.

A file kgmem wrote marks its keys (``kgmem.role``, ``kgmem.fact``, ``kgmem.json``); a
file another tool wrote (networkx, yEd, Gephi) is read by its ``attr.type``s: a node's
or edge's type from a ``label``/``labels`` attribute or data key that names one (free
text stays a property), an edge without one takes the import's default type.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from kgmem.errors import InvalidInput
from kgmem.io.graph_header import GraphHeader
from kgmem.io.readers import VALUE_TYPES, Parsed, edge_op, fact_restore, record, vertex_op
from kgmem.io.rejects import Reject
from kgmem.storage.bulk import EdgeOp, VertexOp


@dataclass(frozen=True, slots=True)
class _Key:
    """A GraphML key: its name, how its values read, and its kgmem role: "" (a
    property), "fact" (a fact field), "label", "lat" or "lon"."""

    name: str
    convert: Callable[[str], Any]
    role: str = ""


def _graphml_key(elem: Any) -> _Key:
    convert = VALUE_TYPES.get(elem.get("attr.type", "string"), str)
    if elem.get("kgmem.json") == "true":
        convert = orjson.loads
    role = "fact" if elem.get("kgmem.fact") == "true" else elem.get("kgmem.role", "")
    return _Key(elem.get("attr.name") or elem.get("id", ""), convert, role)


# What a foreign file's ``label`` or ``type`` property must look like to be taken as a
# type name rather than display text: a plain identifier.
_TYPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")


def type_in(props: dict[str, Any], key: str) -> str | None:
    """The label or type that a foreign file's property ``key`` names, taken out of
    ``props``; None, and the property kept, when it does not look like one (networkx
    users put free text such as ``"Jean Valjean"`` in ``label``: it stays a property,
    and the entity's text). Only a plain identifier is taken so: every label or type is
    accepted under kgmem's own ``kg_label`` key or a ``labels`` attribute, but free text
    in ``label`` is far more common than a type name with spaces."""
    value = props.get(key)
    if not isinstance(value, str) or not _TYPE_NAME.fullmatch(value.strip(":").split(":")[0]):
        return None
    return str(props.pop(key))


def _tag(elem: Any) -> str:
    return str(elem.tag).rsplit("}", 1)[-1]


def read_graphml(stream: IO[bytes], edge_type: str) -> Iterator[Parsed]:
    """Every node and edge of the file's (first) graph, then its ``GraphHeader``."""
    import xml.etree.ElementTree as ET

    keys: dict[str, _Key] = {}
    number = 0
    open_tags: list[str] = []
    directed, attributes = True, {}
    try:
        for event, elem in ET.iterparse(stream, events=("start", "end")):  # noqa: S314
            tag = _tag(elem)
            if event == "start":
                if tag == "graph" and "graph" not in open_tags:
                    directed = elem.get("edgedefault", "directed") != "undirected"
                open_tags.append(tag)
                continue
            open_tags.pop()
            if tag == "key":
                keys[elem.get("id", "")] = _graphml_key(elem)
            elif tag == "data" and open_tags[-1:] == ["graph"] and open_tags.count("graph") == 1:
                key = keys.get(elem.get("key", "")) or _Key(elem.get("key", ""), str)
                attributes[key.name] = _value(key, elem.text)
            elif tag in ("node", "edge"):
                number += 1
                yield _graphml_record(elem, keys, number, tag, edge_type)
                elem.clear()
            elif tag == "graph" and "graph" not in open_tags:
                yield GraphHeader(directed=directed, attributes=attributes)
    except ET.ParseError as exc:
        line, column = exc.position
        yield Reject(line, f"invalid XML: {exc}", "", column + 1, ends_reading=True)
    except InvalidInput as exc:
        yield Reject(0, f"graph data: {exc.detail}", "", ends_reading=True)


def _graphml_record(
    elem: Any, keys: dict[str, _Key], number: int, tag: str, edge_type: str
) -> Parsed:
    """A node or edge element; the streaming XML parser gives no line for it, so a
    reject names it by its ordinal and id (line 0)."""
    item = functools.partial(_graphml_item, elem, keys, edge_type)
    found = record(item, 0, elem.get("id", ""))
    if isinstance(found, Reject):
        return Reject(0, f"{tag} {number} (id {found.raw!r}): {found.reason}", found.raw)
    return found


def _value(key: _Key, text: str | None) -> Any:
    try:
        return key.convert(text or "")
    except (ValueError, KeyError, orjson.JSONDecodeError):
        raise InvalidInput(f"data {key.name!r}: {text!r} is not a valid value") from None


def _graphml_values(elem: Any, keys: dict[str, _Key]) -> dict[str, dict[str, Any]]:
    """An element's data by role ("" for the properties)."""
    found: dict[str, dict[str, Any]] = {"": {}, "fact": {}, "label": {}, "lat": {}, "lon": {}}
    for data in elem:
        if _tag(data) != "data":
            continue
        key = keys.get(data.get("key", "")) or _Key(data.get("key", ""), str)
        found.setdefault(key.role, {})[key.name] = _value(key, data.text)
    return found


def _graphml_item(elem: Any, keys: dict[str, _Key], edge_type: str) -> VertexOp | EdgeOp:
    """A node or edge; its label from the ``kgmem.role="label"`` key, else (a file
    another tool wrote) from a ``label``/``labels`` attribute or data key."""
    found = _graphml_values(elem, keys)
    props = found[""]
    label = next(iter(found["label"].values()), None) or elem.get("label")
    label = label or type_in(props, "label") or props.pop("labels", None)
    label = str(label).strip(":").split(":")[0] if label else None
    props.pop("uid", None)
    if _tag(elem) == "node":
        lat, lon = (next(iter(found[k].values()), None) for k in ("lat", "lon"))
        point = None if lat is None and lon is None else {"lat": lat, "lon": lon}
        return vertex_op(elem.get("id"), label, props, 0, point)
    label = label or type_in(props, "type")
    ends = (elem.get("source"), elem.get("target"))
    op = edge_op(elem.get("id"), label, *ends, props, 0, edge_type)
    op.restore = fact_restore(found["fact"])
    return op
