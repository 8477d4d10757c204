"""GML (the Graph Modelling Language of networkx, igraph, Gephi and Cytoscape), read
and written.

Reading: the file is parsed whole (networkx's GML grammar). A node's uid is its
``label`` (as networkx reads a GML file: the label is the node's key), else its
``id``; an edge's type is its ``label`` if that names one (free text stays a property),
else the import's default type; every other
key is a property (repeated keys as a list, nested ``key [...]`` blocks as a map). The
graph's own keys and ``directed`` are its ``GraphHeader``. A block ``kgmem [...]``,
which kgmem's own export writes, holds what is not a property: the vertex label or
edge type (``label``), a location (``lat``, ``lon``) and an edge's fact fields.

Writing: ``graph [ directed 0|1 multigraph 1 ... ]`` as networkx writes it; nodes
numbered in order with their uid as ``label``; strings with ``&``, ``"`` and every
character outside printable ASCII as character references (as networkx reads them).
What GML would not read back as it is (booleans, lists, maps, text with control
characters, keys that are not GML names) goes, unless ``plain``, into the block's
``properties`` as JSON text, so an import of kgmem's GML restores every property.
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
from collections.abc import AsyncIterator, Iterator
from typing import IO, TYPE_CHECKING, Any

import orjson

from kgmem.errors import InvalidInput
from kgmem.io.graph_header import GraphHeader
from kgmem.io.graph_tool_formats import FACT_KINDS, fact_fields, user_properties
from kgmem.io.graphml_reader import type_in
from kgmem.io.readers import Parsed, edge_op, fact_restore, record, vertex_op
from kgmem.io.rejects import Reject
from kgmem.storage.bulk import DEFAULT_LABEL, EdgeOp, VertexOp

if TYPE_CHECKING:
    from kgmem.io.exporter import ExportOptions, Graph

KGMEM_BLOCK = "kgmem"
"""The key of the block holding what a GML node or edge says beyond its properties."""


def read_gml(stream: IO[bytes], edge_type: str) -> Iterator[Parsed]:
    """Every node and edge of the file, then its ``GraphHeader``; a file networkx cannot
    parse is one reject that ends the reading."""
    import networkx as nx

    raw = stream.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # GML's own encoding
    try:
        graph = nx.parse_gml(io.StringIO(text), label=None)
    except (nx.NetworkXError, ValueError) as exc:
        yield Reject(0, f"GML: {exc}", "", ends_reading=True)
        return
    uids = {node: _node_uid(node, data) for node, data in graph.nodes(data=True)}
    for number, (node, data) in enumerate(graph.nodes(data=True), 1):
        found = record(functools.partial(_vertex, uids[node], data), 0, uids[node])
        yield _named(found, "node", number)
    edges = graph.edges(data=True, keys=True) if graph.is_multigraph() else (
        (s, t, None, d) for s, t, d in graph.edges(data=True)
    )  # fmt: skip
    for number, (s, t, _, data) in enumerate(edges, 1):
        edge = functools.partial(_edge, uids[s], uids[t], data, edge_type)
        found = record(edge, 0, str(data.get("id", "")))
        yield _named(found, "edge", number)
    yield GraphHeader(directed=graph.is_directed(), attributes=dict(graph.graph))


def _named(found: Parsed, tag: str, number: int) -> Parsed:
    if isinstance(found, Reject):
        return Reject(0, f"{tag} {number} (id {found.raw!r}): {found.reason}", found.raw)
    return found


def _node_uid(node: Any, data: dict[str, Any]) -> str:
    block = data.get(KGMEM_BLOCK)
    if isinstance(block, dict) and isinstance(block.get("uid"), str):
        return str(_from_json("uid", block["uid"]))
    label = data.get("label")
    return str(label if label is not None and label != "" else node)


def _from_json(key: str, text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise InvalidInput(f"{KGMEM_BLOCK} {key}: not JSON: {text!r}") from None


def _with_kept(props: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
    """The properties, with those the export kept as JSON in the block."""
    kept = block.get("properties")
    if kept is None:
        return props
    found = _from_json("properties", kept) if isinstance(kept, str) else None
    if not isinstance(found, dict):
        raise InvalidInput(f"{KGMEM_BLOCK} properties must be a JSON object")
    return {**props, **found}


def _block(data: dict[str, Any]) -> dict[str, Any]:
    block = data.pop(KGMEM_BLOCK, None) or {}
    if not isinstance(block, dict):
        raise InvalidInput(f"{KGMEM_BLOCK!r} must be a block of keys")
    return block


def _vertex(uid: str, data: dict[str, Any]) -> VertexOp:
    props = dict(data)
    props.pop("label", None)
    block = _block(props)
    lat, lon = block.get("lat"), block.get("lon")
    point = None if lat is None and lon is None else {"lat": lat, "lon": lon}
    return vertex_op(uid, block.get("label"), _with_kept(props, block), 0, point)


def _edge(start: str, end: str, data: dict[str, Any], edge_type: str) -> EdgeOp:
    props = dict(data)
    block = _block(props)
    label = block.pop("label", None) or type_in(props, "label")
    uid = props.pop("id", None)
    if isinstance(block.get("uid"), str):
        uid = _from_json("uid", block["uid"])
    fields = {k: _json_field(k, v) for k, v in block.items() if k in FACT_KINDS}
    op = edge_op(uid, label, start, end, _with_kept(props, block), 0, edge_type)
    op.restore = fact_restore(fields)
    return op


def _json_field(key: str, value: Any) -> Any:
    """A fact field as the export wrote it: lists of claims as JSON text."""
    if FACT_KINDS[key] != "json" or not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise InvalidInput(f"{key}: not JSON: {value!r}") from None


# -- writing ----------------------------------------------------------------------------


def _quoted(text: str) -> str:
    """A GML string: ``&``, ``"`` and characters outside printable ASCII as references."""
    out = []
    for ch in text:
        if ch in '&"' or not (32 <= ord(ch) < 127):
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _lines(key: str, value: Any, indent: str) -> Iterator[str]:
    """``key value`` lines: a list as the key repeated, a map as a block."""
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            yield from _lines(key, item, indent)
    elif isinstance(value, dict):
        yield f"{indent}{key} [\n"
        for k, v in value.items():
            yield from _lines(k, v, indent + "  ")
        yield f"{indent}]\n"
    elif isinstance(value, bool):
        yield f"{indent}{key} {int(value)}\n"
    elif isinstance(value, int):
        yield f"{indent}{key} {value}\n"
    elif isinstance(value, float):
        yield f"{indent}{key} {real_text(value)}\n"
    else:
        yield f"{indent}{key} {_quoted(str(value))}\n"


def real_text(x: float) -> str:
    if math.isnan(x):
        return "NAN"
    if math.isinf(x):
        return "+INF" if x > 0 else "-INF"
    text = repr(x)
    if "." in text:
        return text
    mantissa, e, exponent = text.partition("e")  # GML reads a real only with its point
    return f"{mantissa}.0{e}{exponent}"


async def gml(graph: Graph, options: ExportOptions) -> AsyncIterator[bytes]:
    """GML as networkx writes it (see the module docstring); unless ``options.plain``,
    each node and edge has a ``kgmem [...]`` block with its label, location and fact
    fields."""
    shape = graph.shape
    numbers: dict[str, int] = {}
    async for batch in graph.vertices():
        for v in batch:
            numbers[v.uid] = len(numbers)
    multigraph = await _has_parallel_edges(graph, directed=shape.directed)
    head = [f"graph [\n  directed {int(shape.directed)}\n"]
    if multigraph:
        head.append("  multigraph 1\n")
    for key, value in shape.attributes.items():
        head.extend(_lines(key, value, "  "))
    yield "".join(head).encode()
    async for batch in graph.vertices():
        yield "".join(_node(v, numbers[v.uid], options) for v in batch).encode()
    async for edges in graph.edges():
        out = [
            _edge_text(e, numbers[e.start], numbers[e.end], options, shape.edge_type)
            for e in edges
            if e.start in numbers and e.end in numbers
        ]
        yield "".join(out).encode()
    yield b"]\n"


async def _has_parallel_edges(graph: Graph, *, directed: bool) -> bool:
    seen: set[tuple[str, str]] = set()
    async for edges in graph.edges():
        for e in edges:
            pair = (e.start, e.end) if directed else tuple(sorted((e.start, e.end)))
            if pair in seen:
                return True
            seen.add(pair)  # type: ignore[arg-type]
    return False


_GML_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f]")  # read back otherwise by GML readers
_TAKEN = ("id", "label", "source", "target", "key", KGMEM_BLOCK)


def _faithful(value: Any) -> bool:
    """Whether GML reads ``value`` back as it is: text without control characters, an
    integer, a finite number (not a boolean, list or map)."""
    if isinstance(value, str):
        return _UNSAFE.search(value) is None
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _properties(props: dict[str, Any], block: dict[str, Any], *, plain: bool) -> list[str]:
    """The lines of the properties GML can hold; the others (unless ``plain``, where a
    key GML cannot name is left out) as JSON text in the block's ``properties``."""
    lines: list[str] = []
    kept: dict[str, Any] = {}
    for key, value in props.items():
        gml_key = _GML_KEY.fullmatch(key) is not None and key not in _TAKEN
        if gml_key and (plain or _faithful(value)):
            lines.extend(_lines(key, value, "    "))
        elif not plain:
            kept[key] = value
    if kept:
        block["properties"] = json.dumps(kept)  # ASCII: every character escaped
    return lines


def _uid_text(uid: str, block: dict[str, Any], *, plain: bool) -> None:
    """A uid GML would not read back as it is goes into the block as JSON too."""
    if not plain and _UNSAFE.search(uid):
        block["uid"] = json.dumps(uid)


def _node(v: Any, number: int, options: ExportOptions) -> str:
    lines = [f"  node [\n    id {number}\n", *_lines("label", v.uid, "    ")]
    block: dict[str, Any] = {}
    lines.extend(_properties(v.properties, block, plain=options.plain))
    _uid_text(v.uid, block, plain=options.plain)
    if not options.plain or v.label != DEFAULT_LABEL:
        block["label"] = v.label
    if v.location is not None and not options.plain:
        block["lat"], block["lon"] = v.location
    if block:
        lines.extend(_lines(KGMEM_BLOCK, block, "    "))
    return "".join(lines) + "  ]\n"


def _edge_text(e: Any, start: int, end: int, options: ExportOptions, default: str | None) -> str:
    lines = [f"  edge [\n    source {start}\n    target {end}\n"]
    block: dict[str, Any] = {}
    if not options.plain:
        lines.extend(_lines("id", e.uid, "    "))
        _uid_text(e.uid, block, plain=False)
    own = {k: v for k, v in user_properties(e).items() if k not in FACT_KINDS}
    lines.extend(_properties(own, block, plain=options.plain))
    if not options.plain or e.label != default:
        block["label"] = e.label
    if not options.plain:
        fields = fact_fields(e)
        block.update(
            {
                k: orjson.dumps(v).decode() if FACT_KINDS[k] == "json" else v
                for k, v in fields.items()
            }
        )
    if block:
        lines.extend(_lines(KGMEM_BLOCK, block, "    "))
    return "".join(lines) + "  ]\n"
