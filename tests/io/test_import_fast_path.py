"""The fast path's own behaviour: the type pass, side-row times, and what a load leaves."""

from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from kgmem import Memory
from kgmem.io.loader import ImportOptions

EX = "http://example.org/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# bob is an object (line 2) long before his own statements, in a later batch of 2.
FORWARD = f"""\
<{EX}alice> <{TYPE}> <{EX}Person> .
<{EX}alice> <{EX}knows> <{EX}bob> .
<{EX}alice> <{EX}name> "Alice" .
<{EX}acme> <{TYPE}> <{EX}Company> .
<{EX}bob> <{EX}name> "Bob" .
<{EX}bob> <{TYPE}> <{EX}Person> .
<{EX}bob> <{TYPE}> <{EX}Employee> .
<{EX}bob> <{EX}worksAt> <{EX}acme> .
"""


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def vertex_ids(conn: asyncpg.Connection, ns: str) -> dict[str, tuple[str, int]]:
    rows = await conn.fetch(f"SELECT uid, label, id::text::bigint AS id FROM {ns}._kg_vertex")
    return {r["uid"]: (r["label"], r["id"]) for r in rows}


async def test_forward_referenced_vertex_is_created_under_its_label_and_never_moved(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    path = write(tmp_path, FORWARD, "forward.nt")
    report = await memory.import_file(namespace, path, ImportOptions(batch_size=2))
    # Created once each (a move would count bob as updated under a new id).
    assert (report.vertices_created, report.records_rejected) == (3, 0)
    ids = await vertex_ids(raw_conn, namespace)
    assert ids[f"{EX}bob"][0] == "Person"  # the first type in the file, not Employee
    assert ids[f"{EX}acme"][0] == "Company"
    # The graph id's top 16 bits are its label's id: bob's id is a Person id.
    person = await raw_conn.fetchval(
        "SELECT l.id FROM ag_catalog.ag_label l JOIN ag_catalog.ag_graph g ON g.graphid = l.graph "
        "WHERE g.name = $1 AND l.name = 'Person'",
        namespace,
    )
    assert ids[f"{EX}bob"][1] >> 48 == person
    bob = await memory.get_entity(namespace, f"{EX}bob")
    assert bob.entity.properties["rdf_type"] == [f"{EX}Person", f"{EX}Employee"]
    assert bob.entity.properties["name"] == "Bob"
    rows = await raw_conn.fetch(
        f"SELECT * FROM ag_catalog.cypher('{namespace}', $$ MATCH (:Person)-[:knows]->"
        "(p:Person)-[:worksAt]->(c:Company) RETURN p.name, c.uid $$) AS (n agtype, c agtype)"
    )
    assert [(r["n"], r["c"]) for r in rows] == [('"Bob"', f'"{EX}acme"')]
    # The pass's rows are gone once the load ends.
    assert await raw_conn.fetchval("SELECT count(*) FROM kgmem.import_type") == 0


async def test_type_pass_gives_the_graph_a_load_without_it_gives(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    """Loaded in batches of 2 (bob's label comes from the pass) and in one batch (his
    statements type him in the batch that creates him), the graphs are the same."""
    nt = write(tmp_path, FORWARD, "forward.nt")
    await memory.import_file(namespace, nt, ImportOptions(batch_size=2))
    with_pass = await vertex_ids(raw_conn, namespace)
    other = namespace + "_b"
    await memory.create_namespace(other)
    try:
        await memory.import_file(other, nt, ImportOptions(batch_size=100))
        without = await vertex_ids(raw_conn, other)
        assert {u: lab for u, (lab, _) in with_pass.items()} == {
            u: lab for u, (lab, _) in without.items()
        }
        for uid in with_pass:
            a = await memory.get_entity(namespace, uid)
            b = await memory.get_entity(other, uid)
            assert a.entity.properties == b.entity.properties
    finally:
        await memory.delete_namespace(other)


async def test_bulk_import_times_vertices_like_api_writes(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    lines = (
        '{"kind": "vertex", "uid": "e1", "label": "Event", '
        '"properties": {"name": "launch", "occurred_at": "2024-05-01T10:00:00+00:00"}}\n'
        '{"kind": "vertex", "uid": "e2", "label": "Event", '
        '"properties": {"name": "meeting", "starts_at": "2024-06-01T09:30:00Z"}}\n'
        '{"kind": "vertex", "uid": "e3", "label": "Event", '
        '"properties": {"name": "vague", "occurred_at": "sometime"}}\n'
    )
    await memory.import_file(namespace, write(tmp_path, lines, "events.jsonl"))
    rdf = (
        f'<{EX}e4> <{EX}occurred_at> "2024-07-01T12:00:00Z"'
        "^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
    )
    await memory.import_file(namespace, write(tmp_path, rdf, "event.nt"))
    rows = await raw_conn.fetch(
        f"SELECT uid, occurred_at::text AS t FROM {namespace}._kg_vertex "
        "WHERE uid IN ('e1', 'e2', 'e3', $1) ORDER BY uid",
        f"{EX}e4",
    )
    assert [(r["uid"], r["t"]) for r in rows] == [
        ("e1", "2024-05-01 10:00:00+00"),
        ("e2", "2024-06-01 09:30:00+00"),
        ("e3", None),
        (f"{EX}e4", "2024-07-01 12:00:00+00"),
    ]
    # An update by uid keeps the side row's time in step.
    moved = (
        '{"kind": "vertex", "uid": "e1", "label": "Event", '
        '"properties": {"name": "launch", "occurred_at": "2025-01-02T03:04:05+00:00"}}\n'
    )
    await memory.import_file(namespace, write(tmp_path, moved, "events2.jsonl"))
    assert (
        await raw_conn.fetchval(
            f"SELECT occurred_at::text FROM {namespace}._kg_vertex WHERE uid = 'e1'"
        )
        == "2025-01-02 03:04:05+00"
    )


async def test_rdf_export_reifies_edge_properties_and_fact_times(
    memory: Memory, namespace: str
) -> None:
    import rdflib
    import rdflib.compare

    from kgmem import EntityWrite, FactWrite
    from kgmem.io.exporter import ExportOptions

    await memory.upsert_entity(namespace, EntityWrite("ann", "Person", {"name": "Ann"}))
    await memory.upsert_entity(namespace, EntityWrite("bo", "Person", {"name": "Bo"}))
    await memory.add_fact(
        namespace,
        FactWrite(
            "ann",
            "KNOWS",
            "bo",
            uid="k1",
            properties={"since": 2019, "how": "school"},
            valid_from=datetime(2019, 9, 1, tzinfo=UTC),
            confidence=0.75,
        ),
    )
    await memory.add_fact(namespace, FactWrite("bo", "KNOWS", "ann", uid="k2"))
    data = b"".join([c async for c in memory.export(namespace, ExportOptions("ntriples"))])
    graph = rdflib.Graph().parse(data=data, format="nt")
    rdf = rdflib.RDF
    vocab = "urn:kgmem:vocab:"
    ann, bo = (rdflib.URIRef("urn:kgmem:uid:" + u) for u in ("ann", "bo"))
    knows = rdflib.URIRef(vocab + "KNOWS")
    assert (ann, knows, bo) in graph and (bo, knows, ann) in graph  # the statements as ever
    statements = list(graph.subjects(rdf.type, rdf.Statement))
    assert len(statements) == 2  # both edges have uids of their own; k1 also has values
    by_uid = {str(n).removeprefix("urn:kgmem:fact:"): n for n in statements}
    node = by_uid["k1"]
    assert (graph.value(node, rdf.subject), graph.value(node, rdf.predicate)) == (ann, knows)
    assert graph.value(node, rdf.object) == bo
    valid_from = graph.value(node, rdflib.URIRef(vocab + "valid_from"))
    assert valid_from.datatype == rdflib.XSD.dateTime
    assert valid_from.toPython() == datetime(2019, 9, 1, tzinfo=UTC)
    assert graph.value(node, rdflib.URIRef(vocab + "confidence")).toPython() == 0.75
    assert graph.value(node, rdflib.URIRef(vocab + "since")).toPython() == 2019
    assert str(graph.value(node, rdflib.URIRef(vocab + "how"))) == "school"
    recorded_at = graph.value(node, rdflib.URIRef(vocab + "recorded_at"))
    assert recorded_at.datatype == rdflib.XSD.dateTime
    assert graph.value(by_uid["k2"], rdflib.URIRef(vocab + "valid_from")) is None
    # Turtle carries the same statements.
    ttl = b"".join([c async for c in memory.export(namespace, ExportOptions("turtle"))])
    assert rdflib.compare.isomorphic(rdflib.Graph().parse(data=ttl, format="turtle"), graph)
