"""Every format kgmem writes is read back by kgmem with what it carries intact: a
random graph (unicode, typed and list properties, locations, valid times, a closed
fact, sources) exported, imported into a fresh namespace and compared; what a format
cannot carry is exactly what its export declares dropped (``DROPPED``). GraphML is also
read by networkx, the tool it is for, with every vertex and a property named ``label``
apart from kgmem's label."""

from __future__ import annotations

import uuid
import warnings
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings

from kgmem import EntityWrite, FactWrite, GeoPoint, Memory
from kgmem.io.exporter import EXTENSIONS, ExportOptions
from kgmem.io.formats import DROPPED, EXPORT_FORMATS
from kgmem.io.loader import ImportOptions
from tests.graph.test_invariants import Runner, store  # noqa: F401
from tests.io.rdf_compare import flatten, same
from tests.io.round_trip_graphs import T0, Plan, plans, snapshot, without, write

EXAMPLES = 6
RDF_FORMATS = {
    "ntriples": ("nt", ox.RdfFormat.N_TRIPLES),
    "nquads": ("nquads", ox.RdfFormat.N_QUADS),
    "turtle": ("turtle", ox.RdfFormat.TURTLE),
    "trig": ("trig", ox.RdfFormat.TRIG),
    "jsonld": ("json-ld", ox.RdfFormat.JSON_LD),
    "rdfxml": ("xml", ox.RdfFormat.RDF_XML),
}  # kgmem's name: rdflib's and pyoxigraph's
RESTORED = ("jsonl", "graphml", "gml", *RDF_FORMATS)  # the formats kgmem exports and imports


async def _round_trip(memory: Memory, plan: Plan, fmt: str, folder: Path) -> None:
    source, target = (f"t_{uuid.uuid4().hex[:12]}" for _ in range(2))
    for ns in (source, target):
        await memory.create_namespace(ns)
    try:
        await write(memory, source, plan)
        path = folder / f"{source}{EXTENSIONS[fmt]}"
        path.write_bytes(b"".join([c async for c in memory.export(source, ExportOptions(fmt))]))
        report = await memory.import_file(target, path, ImportOptions(report_dir=folder))
        assert report.records_rejected == 0, report.errors
        if fmt == "graphml":
            _read_by_networkx(path, plan)
        if fmt in RDF_FORMATS:
            _read_by_rdf_libraries(path, fmt)
        before, after = await snapshot(memory, source), await snapshot(memory, target)
        assert without(after, DROPPED[fmt]) == without(before, DROPPED[fmt])
    finally:
        for ns in (source, target):
            await memory.delete_namespace(ns)


def _read_by_networkx(path: Path, plan: Plan) -> None:
    graph = nx.read_graphml(path)
    assert set(graph.nodes) >= {e.uid for e in plan.entities}
    for entity in plan.entities:
        node = graph.nodes[entity.uid]
        assert node["kg_label"] == entity.label
        assert ("label" in node) == ("label" in entity.properties)


def _read_by_rdf_libraries(path: Path, fmt: str) -> None:
    """rdflib and pyoxigraph both read the export, to the same dataset."""
    data = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's own Dataset calls
        by_rdflib = rdflib.Dataset()
        by_rdflib.parse(data=data, format=RDF_FORMATS[fmt][0])
        found = [(s, p, o, g) for s, p, o, g in by_rdflib.quads()]
    by_oxigraph = ox.parse(data, format=RDF_FORMATS[fmt][1])
    theirs = [(*(_rdflib_term(t) for t in q.triple), _graph_name(q)) for q in by_oxigraph]
    assert found and same(flatten(found), flatten(theirs))


def _rdflib_term(term: Any) -> Any:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    datatype = None if term.language else rdflib.URIRef(term.datatype.value)
    return rdflib.Literal(term.value, lang=term.language, datatype=datatype, normalize=False)


def _graph_name(quad: Any) -> Any:
    return None if isinstance(quad.graph_name, ox.DefaultGraph) else _rdflib_term(quad.graph_name)


def test_every_export_format_declares_what_it_drops() -> None:
    assert set(DROPPED) == set(EXPORT_FORMATS)
    assert DROPPED["jsonl"] == () and DROPPED["graphml"] == ("revisions",)


@pytest.mark.parametrize("fmt", RESTORED)
def test_export_then_import_keeps_what_the_format_carries(
    store: tuple[Runner, Memory],  # noqa: F811
    fmt: str,
    tmp_path: Path,
) -> None:
    runner, memory = store

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(plan=plans())
    def check(plan: Plan) -> None:
        runner.run(_round_trip(memory, plan, fmt, tmp_path))

    check()


ISSUE_GRAPH = Plan(
    entities=[
        EntityWrite(
            "zoë",
            "Person",
            {"name": "Zoë 東京", "label": "vip", "age": 31, "height": 1.7, "alive": True},
            location=GeoPoint(lat=48.4, lon=9.99),
        ),
        EntityWrite("ulm", "Place", {"name": "Ulm", "tags": ["a", "b"]}),
        EntityWrite("bern", "Place", {"name": "Bern"}),
    ],
    facts=[
        FactWrite(
            "zoë", "LIVES_IN", "ulm", {"since": 2001}, uid="f0", valid_from=T0, source="census"
        ),
        FactWrite("zoë", "LIVES_IN", "bern", uid="f1", valid_from=T0.replace(year=2022)),
    ],
    closed=[],
)


@pytest.mark.parametrize("fmt", RESTORED)
async def test_the_issue_graph_comes_back_whole(memory: Memory, fmt: str, tmp_path: Path) -> None:
    """The closed fact stays closed (and knows which fact closed it), the location and
    every time come back."""
    source = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(source)
    try:
        await write(memory, source, ISSUE_GRAPH)
        found = await snapshot(memory, source)
        closed = found["facts"]["f0"]
        assert closed["expired_at"] is not None and closed["closed_by"] == "f1"
        assert found["vertices"]["zoë"]["location"] == (48.4, 9.99)
        await _round_trip(memory, ISSUE_GRAPH, fmt, tmp_path)
    finally:
        await memory.delete_namespace(source)


async def test_graphml_writes_control_characters_as_replacement_characters(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    """XML cannot hold U+0001 even escaped: the GraphML export stays readable, with the
    character replaced and the rest of the value kept."""
    ns = namespace
    await memory.upsert_entity(
        ns, EntityWrite(uid="bell", label="Thing", properties={"note": "a\x01b\tc"})
    )
    path = tmp_path / "out.graphml"
    path.write_bytes(b"".join([c async for c in memory.export(ns, ExportOptions("graphml"))]))
    graph = nx.read_graphml(path)
    assert graph.nodes["bell"]["note"] == "a\ufffdb\tc"
