"""Every format kgmem writes is read back by kgmem with what it carries intact: a
random graph (unicode, typed and list properties, locations, valid times, a closed
fact, sources) exported, imported into a fresh namespace and compared; what a format
cannot carry is exactly what its export declares dropped (``DROPPED``). GraphML is also
read by networkx, the tool it is for, with every vertex and a property named ``label``
apart from kgmem's label."""

from __future__ import annotations

import uuid
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

from kgmem import EntityWrite, FactWrite, GeoPoint, Memory
from kgmem.io.exporter import EXTENSIONS, ExportOptions
from kgmem.io.formats import DROPPED, EXPORT_FORMATS
from kgmem.io.loader import ImportOptions
from tests.graph.test_invariants import Runner, store  # noqa: F401
from tests.io.round_trip_graphs import T0, Plan, plans, snapshot, without, write

EXAMPLES = 6
RESTORED = ("jsonl", "graphml")  # the formats kgmem exports that it also imports


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
