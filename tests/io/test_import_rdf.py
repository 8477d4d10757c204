"""RDF imports: the mapping, idempotence, updates, and Cypher over the loaded graph."""

from pathlib import Path

import asyncpg

from kgmem import Memory
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions

EX = "http://example.org/"
DATA = f"""\
<{EX}alice> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .
<{EX}alice> <http://xmlns.com/foaf/0.1/name> "Alice" .
<{EX}alice> <http://xmlns.com/foaf/0.1/age> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .
<{EX}alice> <http://xmlns.com/foaf/0.1/nick> "Ali"@en .
<{EX}alice> <http://xmlns.com/foaf/0.1/nick> "Lis"@fr .
<{EX}alice> <http://xmlns.com/foaf/0.1/knows> <{EX}bob> .
<{EX}bob> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .
<{EX}bob> <http://xmlns.com/foaf/0.1/name> "Bob" .
<{EX}bob> <http://xmlns.com/foaf/0.1/knows> _:carol .
_:carol <http://xmlns.com/foaf/0.1/name> "Carol" .
_:carol <http://purl.org/dc/terms/created> "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .
"""


async def cypher(conn: asyncpg.Connection, ns: str, query: str, cols: str) -> list[str]:
    rows = await conn.fetch(f"SELECT * FROM ag_catalog.cypher('{ns}', $$ {query} $$) AS ({cols})")
    return sorted(str(r[0]) for r in rows)


def write(tmp_path: Path, text: str, name: str = "data.nt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_ntriples_map_to_labelled_vertices_typed_properties_and_edges(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    report = await memory.import_file(namespace, write(tmp_path, DATA))
    assert (report.records_read, report.records_rejected) == (11, 0)
    assert (report.vertices_created, report.edges_created) == (3, 2)
    alice = await memory.get_entity(namespace, f"{EX}alice")
    assert alice.entity.label == "Person"
    props = alice.entity.properties
    assert props["name"] == "Alice" and props["age"] == 42
    # Language-tagged values: the English one shows, all are kept exactly.
    assert props["nick"] == "Ali"
    assert props["rdf_literals"]["nick"] == [
        {"@value": "Ali", "@language": "en"},
        {"@value": "Lis", "@language": "fr"},
    ]
    assert props["rdf_type"] == "http://xmlns.com/foaf/0.1/Person"
    assert [f.predicate for f in alice.outgoing] == ["knows"]
    names = await cypher(
        raw_conn, namespace, "MATCH (a:Person)-[:knows]->(b) RETURN b.name", "n agtype"
    )
    assert names == ['"Bob"', '"Carol"']
    ages = await cypher(
        raw_conn, namespace, "MATCH (a:Person) WHERE a.age > 40 RETURN a.uid", "u agtype"
    )
    assert ages == [f'"{EX}alice"']


async def test_reimport_changes_nothing_and_new_values_are_added(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    path = write(tmp_path, DATA)
    await memory.import_file(namespace, path)
    before = await memory.get_entity(namespace, f"{EX}bob")
    stats = await memory.namespace_stats(namespace)
    again = await memory.import_file(namespace, path)
    # The journal knows the batch: nothing is written; the report carries its counts.
    assert (again.batches, again.batches_already_loaded) == (1, 1)
    assert again.vertices_created == 3
    other = await memory.import_file(
        namespace, path, ImportOptions(batch_size=3)
    )  # another batch size is another load: everything is found unchanged
    assert (other.vertices_updated, other.edges_updated, other.edges_created) == (0, 0, 0)
    assert other.vertices_unchanged > 0
    after = await memory.get_entity(namespace, f"{EX}bob")
    assert after.entity.updated_at == before.entity.updated_at
    assert (await memory.namespace_stats(namespace)).vertices == stats.vertices
    extra = write(tmp_path, f'<{EX}bob> <http://xmlns.com/foaf/0.1/name> "Robert" .\n', "more.nt")
    update = await memory.import_file(namespace, extra)
    assert update.vertices_updated == 1
    bob = await memory.get_entity(namespace, f"{EX}bob")
    assert bob.entity.properties["name"] == ["Bob", "Robert"]


async def test_untyped_vertex_takes_its_type_from_a_later_batch(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    text = (
        f"<{EX}a> <{EX}rel> <{EX}b> .\n"
        f"<{EX}b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Thing2> .\n"
    )
    await memory.import_file(namespace, write(tmp_path, text), ImportOptions(batch_size=1))
    b = await memory.get_entity(namespace, f"{EX}b")
    assert b.entity.label == "Thing2"
    assert [f.subject for f in b.incoming] == [f"{EX}a"]
    found = await cypher(
        raw_conn, namespace, "MATCH (a)-[:rel]->(b:Thing2) RETURN a.uid", "u agtype"
    )
    assert found == [f'"{EX}a"']
    assert await memory.check_namespace(namespace) == dict.fromkeys(
        (await memory.check_namespace(namespace)).keys(), 0
    )


async def test_ntriples_export_round_trips(memory: Memory, namespace: str, tmp_path: Path) -> None:
    import rdflib
    from rdflib.compare import isomorphic

    await memory.import_file(namespace, write(tmp_path, DATA))
    chunks = [c async for c in memory.export(namespace, ExportOptions("ntriples"))]
    exported = rdflib.Graph().parse(data=b"".join(chunks).decode(), format="nt")
    original = rdflib.Graph().parse(data=DATA, format="nt")
    assert isomorphic(exported, original)
