"""GraphML, GEXF and Cytoscape.js JSON: the formats of graph tools (Gephi, yEd,
Cytoscape, networkx), written from an export's vertices and edges.

Every edge carries its fact's time and trust (``kgmem.storage.backups.dump.FACT_FIELDS``):
``valid_from``, ``valid_to`` (when it is true in the world), ``recorded_at``,
``expired_at`` (when kgmem believed it), ``status`` and ``trust`` (verification), so a
closed fact is told from a current one. GEXF is written in dynamic mode: an edge's
spell is its valid time (open ends left out), so Gephi's timeline shows facts come
and go; it is read by networkx and by graphology-gexf, Gephi's reader family
(``tests/io/test_gexf_readers.py``). GraphML and GEXF read the vertices and edges
twice (once to declare the property columns); Cytoscape.js JSON streams in one pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

import orjson

from kgmem.declarations.fact import EXPORTED_KINDS
from kgmem.storage.backups.dump import DumpedEdge, DumpedVertex
from kgmem.storage.bulk import DEFAULT_LABEL
from kgmem.storage.graph.fact_reads import SYSTEM_KEYS

if TYPE_CHECKING:
    from kgmem.io.exporter import ExportOptions, Graph

FACT_KINDS = EXPORTED_KINDS | {"claims": "json", "withdrawn": "json"}
"""The fact fields a graph-tool export writes on each edge, and their column types."""

LABEL_KEY = "kg_label"
"""The column holding a vertex's or edge's label (GraphML, GEXF): not ``label``, which
is free for a property of that name."""

POINT_KEYS = ("kg_lat", "kg_lon")
"""The columns holding a vertex's location in degrees (GraphML)."""


def fact_fields(e: DumpedEdge) -> dict[str, Any]:
    """What an edge's fact says beyond the edge, as a dump writes it (``FACT_KINDS``,
    the unset ones left out)."""
    found: dict[str, Any] = {k: v for k, v in e.fact.items() if v is not None}
    if e.revised_at is not None:
        found["revised_at"] = e.revised_at
    if e.closed_by is not None:
        found["closed_by"] = e.closed_by
    if e.claims:
        found["claims"] = list(e.claims)
    if e.withdrawn:
        found["withdrawn"] = list(e.withdrawn)
    return found


def user_properties(edge: DumpedEdge) -> dict[str, Any]:
    """An edge's own properties, without the fact fields kgmem mirrors into it."""
    return {k: v for k, v in edge.properties.items() if k not in SYSTEM_KEYS}


def _edge_values(e: DumpedEdge) -> dict[str, Any]:
    """An edge's properties, then its fact fields (which win over a same-named one)."""
    own = {k: v for k, v in user_properties(e).items() if k not in FACT_KINDS}
    return {**own, **fact_fields(e)}


def kind(value: Any) -> str:
    """The column type of a value: long, double, boolean, string, a list of one, or
    json (a map, or a list of mixed or nested values)."""
    if isinstance(value, list):
        kinds = {kind(v) for v in value}
        one = next(iter(kinds)) if len(kinds) == 1 else "json"
        return one + "[]" if one in _SCALARS else "json"
    if isinstance(value, dict):
        return "json"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


_SCALARS = ("long", "double", "boolean", "string")


def _merge_kind(old: str | None, new: str) -> str:
    """A column of values of two kinds holds JSON, which keeps each value's type."""
    return new if old is None or old == new else "json"


async def columns(
    batches: AsyncIterator[list[Any]], props: Callable[[Any], dict[str, Any]]
) -> dict[str, str]:
    """Every property key of the items and the type that holds all its values."""
    kinds: dict[str, str] = {}
    async for batch in batches:
        for item in batch:
            for key, value in props(item).items():
                kinds[key] = _merge_kind(kinds.get(key), kind(value))
    return dict(sorted(kinds.items()))


def plain(value: Any) -> str:
    """A value as text: numbers and booleans as written, lists and maps as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


_XML_TYPES = {"long": "long", "double": "double", "boolean": "boolean"}


async def _edge_columns(graph: Graph) -> dict[str, str]:
    own = await columns(graph.edges(), user_properties)
    return {k: t for k, t in own.items() if k not in FACT_KINDS} | FACT_KINDS


# -- GraphML ----------------------------------------------------------------------------


async def graphml(graph: Graph, options: ExportOptions) -> AsyncIterator[bytes]:
    """GraphML: typed keys; lists and maps as JSON text marked ``kgmem.json``; the fact
    fields' keys marked ``kgmem.fact`` (an import restores them onto the fact, not into
    the properties); the label in key ``kg_label`` and a location in ``kg_lat`` and
    ``kg_lon``, marked ``kgmem.role``, so that a property may be named ``label``. The
    graph's own attributes and ``edgedefault`` are as imported (``graph.shape``);
    ``options.plain`` leaves out the fact fields, locations, edge ids and default labels."""
    plain, shape = options.plain, graph.shape
    node_kinds = await columns(graph.vertices(), lambda v: v.properties)
    edge_kinds = await (_plain_edge_columns(graph) if plain else _edge_columns(graph))
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n',
        f'<key id="{LABEL_KEY}" for="all" attr.name="{LABEL_KEY}" attr.type="string" '
        'kgmem.role="label"/>\n',
    ]
    head.extend(
        f'<key id="{k}" for="node" attr.name="{k}" attr.type="double" kgmem.role="{k[3:]}"/>\n'
        for k in POINT_KEYS
        if not plain
    )
    graph_kinds = {k: kind(v) for k, v in shape.attributes.items() if v is not None}
    for prefix, target, kinds in (
        ("g", "graph", graph_kinds), ("v", "node", node_kinds), ("e", "edge", edge_kinds)
    ):  # fmt: skip
        head.extend(
            _graphml_key(f"{prefix}{i}", target, key, kind_)
            for i, (key, kind_) in enumerate(kinds.items())
        )
    edgedefault = "directed" if shape.directed else "undirected"
    head.append(f'<graph edgedefault="{edgedefault}">\n')
    graph_ids = {k: f"g{i}" for i, k in enumerate(graph_kinds)}
    if own := _data(graph_ids, shape.attributes, graph_kinds):
        head.append(own + "\n")
    yield "".join(head).encode()
    node_ids = {k: f"v{i}" for i, k in enumerate(node_kinds)}
    edge_ids = {k: f"e{i}" for i, k in enumerate(edge_kinds)}
    async for batch in graph.vertices():
        yield "".join(
            f"<node id={_attr(v.uid)}>"
            + _label(v.label, DEFAULT_LABEL if plain else None)
            + ("" if plain else _point(v.location))
            + _data(node_ids, v.properties, node_kinds)
            + "</node>\n"
            for v in batch
        ).encode()
    async for edges in graph.edges():
        yield "".join(
            ("<edge" if plain else f"<edge id={_attr(e.uid)}")
            + f" source={_attr(e.start)} target={_attr(e.end)}>"
            + _label(e.label, shape.edge_type if plain else None)
            + _data(edge_ids, user_properties(e) if plain else _edge_values(e), edge_kinds)
            + "</edge>\n"
            for e in edges
        ).encode()
    yield b"</graph>\n</graphml>\n"


def _label(label: str, default: str | None) -> str:
    """The ``kg_label`` data of an element, unless its label is ``default``."""
    if label == default:
        return ""
    return f'<data key="{LABEL_KEY}">{_escaped(label)}</data>'


async def _plain_edge_columns(graph: Graph) -> dict[str, str]:
    return await columns(graph.edges(), user_properties)


def _graphml_key(key_id: str, target: str, name: str, kind_: str) -> str:
    marker = "" if kind_ in _XML_TYPES or kind_ == "string" else ' kgmem.json="true"'
    if target == "edge" and name in FACT_KINDS and kind_ == FACT_KINDS[name]:
        marker += ' kgmem.fact="true"'
    return (
        f'<key id="{key_id}" for="{target}" attr.name={_attr(name)} '
        f'attr.type="{_XML_TYPES.get(kind_, "string")}"{marker}/>\n'
    )


def _point(location: tuple[float, float] | None) -> str:
    if location is None:
        return ""
    return "".join(
        f'<data key="{k}">{x!r}</data>' for k, x in zip(POINT_KEYS, location, strict=True)
    )


def _data(ids: dict[str, str], values: dict[str, Any], kinds: dict[str, str]) -> str:
    return "".join(
        f'<data key="{ids[k]}">{_escaped(_text(v, kinds[k]))}</data>'
        for k, v in values.items()
        if v is not None and k in ids
    )


def _escaped(text: str) -> str:
    """Element text GraphML readers accept: escaped, and with ``xml_safe``'s replacements
    (XML 1.0 cannot hold most control characters even escaped)."""
    return escape(xml_safe(text))


def _attr(text: str) -> str:
    """A quoted attribute value, ``xml_safe`` as element text is."""
    return quoteattr(xml_safe(text))


def _text(value: Any, kind_: str) -> str:
    """A value as its column holds it: JSON in a column marked ``kgmem.json`` (lists
    and mixed kinds: a string is quoted there), else as ``plain`` writes it."""
    if kind_ in _SCALARS:
        return plain(value)
    return orjson.dumps(value).decode()


# -- GEXF -------------------------------------------------------------------------------


_GEXF_TYPES = {"long": "long", "double": "double", "boolean": "boolean", "string": "string"}
"""A column's GEXF type: a list of one scalar kind is a ``liststring`` (the list type
every GEXF reader knows: networkx reads no other), a map or mixed list JSON text."""


def _gexf_type(kind_: str) -> str:
    if kind_.endswith("[]"):
        return "liststring"
    return _GEXF_TYPES.get(kind_, "string")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with each character XML 1.0 cannot hold, even escaped (the control
    characters but tab, newline and carriage return), as U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _gexf_text(value: Any, kind_: str) -> str:
    """A value as its GEXF column holds it: a scalar as ``plain`` writes it (``xml_safe``),
    a list as ``[a, "b"]`` (JSON: strings quoted and escaped, as Gephi and graphology
    read list values), a map or a mixed column's value as JSON text."""
    if kind_ in _SCALARS:
        return xml_safe(plain(value))
    if kind_.endswith("[]"):
        return "[" + ", ".join(orjson.dumps(v).decode() for v in value) + "]"
    return orjson.dumps(value).decode()


def _display_edge(e: DumpedEdge) -> str:
    """An edge's GEXF ``label``: its property ``label`` when it has one (as a node's),
    else its fact's predicate (also in ``kg_label``)."""
    own = user_properties(e).get("label")
    if own is None:
        return e.label
    return xml_safe(own if isinstance(own, str) else plain(own))


def _display(v: DumpedVertex) -> str:
    """A node's GEXF ``label``: its property ``label`` when it has one (networkx and
    graphology read the element's label and a property of that name into the same
    key), else its name, else its uid."""
    for key in ("label", "name"):
        value = v.properties.get(key)
        if value is not None:
            return xml_safe(value if isinstance(value, str) else plain(value))
    return str(v.uid)


async def gexf(graph: Graph, options: ExportOptions) -> AsyncIterator[bytes]:
    """GEXF 1.3 in dynamic mode: an edge's spell is its fact's valid time, in ISO 8601
    (``timeformat="date"``: the time format networkx reads as text; Gephi and the GEXF
    schema read date-times under it). A vertex's label is in ``kg_label`` and its
    location in ``kg_lat`` and ``kg_lon``; an edge's predicate in ``kg_label``."""
    node_kinds = {
        LABEL_KEY: "string",
        **dict.fromkeys(POINT_KEYS, "double"),
        **await columns(graph.vertices(), lambda v: v.properties),
    }
    edge_kinds = {LABEL_KEY: "string", **await _edge_columns(graph)}
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<gexf xmlns="http://gexf.net/1.3" version="1.3">\n',
        '<graph defaultedgetype="directed" mode="dynamic" timeformat="date">\n',
    ]
    for cls, kinds in (("node", node_kinds), ("edge", edge_kinds)):
        parts.append(f'<attributes class="{cls}" mode="static">\n')
        parts.extend(
            f'<attribute id="{i}" title={quoteattr(k)} type="{_gexf_type(t)}"/>\n'
            for i, (k, t) in enumerate(kinds.items())
        )
        parts.append("</attributes>\n")
    parts.append("<nodes>\n")
    yield "".join(parts).encode()
    node_ids = {k: i for i, k in enumerate(node_kinds)}
    edge_ids = {k: i for i, k in enumerate(edge_kinds)}
    async for batch in graph.vertices():
        out = []
        for v in batch:
            point = dict(zip(POINT_KEYS, v.location or (None, None), strict=True))
            values = {LABEL_KEY: v.label, **point, **v.properties}
            out.append(
                f"<node id={_attr(v.uid)} label={quoteattr(_display(v))}>"
                + _attvalues(node_ids, values, node_kinds)
                + "</node>\n"
            )
        yield "".join(out).encode()
    yield b"</nodes>\n<edges>\n"
    async for edges in graph.edges():
        yield "".join(
            f"<edge id={_attr(e.uid)} source={_attr(e.start)} "
            f"target={_attr(e.end)} label={quoteattr(_display_edge(e))}>"
            + _attvalues(edge_ids, {LABEL_KEY: e.label, **_edge_values(e)}, edge_kinds)
            + _spell(e)
            + "</edge>\n"
            for e in edges
        ).encode()
    yield b"</edges>\n</graph>\n</gexf>\n"


def _attvalues(ids: dict[str, int], values: dict[str, Any], kinds: dict[str, str]) -> str:
    return (
        "<attvalues>"
        + "".join(
            f'<attvalue for="{ids[k]}" value={quoteattr(_gexf_text(x, kinds[k]))}/>'
            for k, x in values.items()
            if x is not None and k in ids
        )
        + "</attvalues>"
    )


def _spell(e: DumpedEdge) -> str:
    start, end = e.fact.get("valid_from"), e.fact.get("valid_to")
    if start is None and end is None:
        return ""  # true at every time
    bounds = "".join(
        f" {name}={quoteattr(value)}" for name, value in (("start", start), ("end", end)) if value
    )
    return f"<spells><spell{bounds}/></spells>"


# -- Cytoscape.js -----------------------------------------------------------------------


async def cytoscape(graph: Graph, options: ExportOptions) -> AsyncIterator[bytes]:
    """Cytoscape.js JSON with its top-level ``data``, ``directed`` and ``multigraph``
    keys (as networkx's ``cytoscape_graph`` reads it); an edge's ``key`` is its uid, so
    parallel edges stay apart. A node's ``value`` is its uid, as networkx writes and
    reads it (a vertex property ``value`` is written ``value_``)."""
    yield b'{"data": {}, "directed": true, "multigraph": true, "elements": {"nodes": ['
    first = True
    async for batch in graph.vertices():
        for v in batch:
            data = {**v.properties, "id": v.uid, "label": v.label}
            if "value" in data:  # networkx reads "value" as the node's key
                data["value_"] = data.pop("value")
            data["value"] = v.uid
            yield (b"" if first else b",") + b'\n{"data": ' + orjson.dumps(data) + b"}"
            first = False
    yield b'\n], "edges": ['
    first = True
    async for edges in graph.edges():
        for e in edges:
            data = {
                **_edge_values(e),
                "id": e.uid,
                "key": e.uid,
                "source": e.start,
                "target": e.end,
                "label": e.label,
            }
            yield (b"" if first else b",") + b'\n{"data": ' + orjson.dumps(data) + b"}"
            first = False
    yield b"\n]}}\n"
