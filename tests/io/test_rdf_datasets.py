"""Named graphs are first-class (RDF 1.1 Concepts, section 4: a dataset is a default
graph and named graphs; TriG, N-Quads and JSON-LD's @graph write one): every
statement keeps its graphs, so a dataset exports as it came."""

from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions
from tests.io.rdf_compare import dataset, same

# A literal and a type inside a named graph; a statement in the default graph and in a
# named one; a graph name that is also a node described by foaf:name; a blank node
# graph name; a blank node shared between graphs.
TRIG = """\
@prefix ex: <http://example.org/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
ex:alice foaf:name "Alice" ; foaf:knows ex:bob .
ex:g1 foaf:name "Graph one" .
ex:g1 { ex:alice a foaf:Person ; foaf:age 42 ; foaf:knows ex:bob .
        _:x foaf:name "Anon" . ex:alice foaf:knows _:x . }
ex:g2 { ex:alice foaf:name "Alice" , "Alicia"@es . ex:bob a foaf:Person . }
_:g { ex:bob foaf:knows ex:alice . _:x foaf:age 7 . }
"""

NQUADS = """\
<http://example.org/a> <http://example.org/p> "v" .
<http://example.org/a> <http://example.org/p> "v" <http://example.org/g> .
<http://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/T> <http://example.org/g> .
<http://example.org/a> <http://example.org/q> <http://example.org/b> _:gb .
_:s <http://example.org/p> "w"@en <http://example.org/g> .
_:s <http://example.org/p> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://example.org/g> <http://example.org/p> "about g" <http://example.org/g> .
"""  # noqa: E501

# JSON-LD 1.1, section 4.9: a top-level @graph with an @id is a named graph; the
# node objects beside it are in the default graph.
JSONLD = """\
[
  {"@id": "http://example.org/g",
   "@graph": [{"@id": "http://example.org/a", "@type": "http://example.org/T",
               "http://example.org/p": [{"@value": "x", "@language": "en"}, "y"]}]},
  {"@id": "http://example.org/a", "http://example.org/p": "y",
   "http://example.org/q": {"@id": "http://example.org/b"}}
]
"""

CASES = [("trig", TRIG, ".trig"), ("nquads", NQUADS, ".nq"), ("jsonld", JSONLD, ".jsonld")]


async def exported(memory: Memory, namespace: str, fmt: str) -> bytes:
    return b"".join([c async for c in memory.export(namespace, ExportOptions(fmt))])


@pytest.mark.parametrize(("fmt", "text", "suffix"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("batch_size", [20_000, 1])
async def test_dataset_round_trips_isomorphically_in_every_dataset_syntax(
    memory: Memory,
    namespace: str,
    tmp_path: Path,
    fmt: str,
    text: str,
    suffix: str,
    batch_size: int,
) -> None:
    path = tmp_path / f"data{suffix}"
    path.write_text(text, encoding="utf-8")
    report = await memory.import_file(namespace, path, ImportOptions(batch_size=batch_size))
    assert report.records_rejected == 0
    want = dataset(text, fmt)
    for out in ("nquads", "trig", "jsonld"):
        got = dataset(await exported(memory, namespace, out), out)
        assert same(got, want), f"{fmt} -> {out}: {sorted(got)}"


async def test_graph_name_that_is_a_node_invents_no_statement(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    path = tmp_path / "d.trig"
    path.write_text(TRIG, encoding="utf-8")
    await memory.import_file(namespace, path)
    lines = (await exported(memory, namespace, "nquads")).decode().splitlines()
    about_g1 = [line for line in lines if line.startswith("<http://example.org/g1>")]
    assert about_g1 == ['<http://example.org/g1> <http://xmlns.com/foaf/0.1/name> "Graph one" .']
    assert not any("Source" in line for line in lines)


async def test_triple_syntaxes_export_the_union_of_the_graphs_once(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    path = tmp_path / "d.nq"
    path.write_text(NQUADS, encoding="utf-8")
    await memory.import_file(namespace, path)
    lines = (await exported(memory, namespace, "ntriples")).decode().splitlines()
    assert lines.count('<http://example.org/a> <http://example.org/p> "v" .') == 1
    assert len(lines) == len(set(lines)) == 6


async def test_membership_reads_in_cypher(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    path = tmp_path / "d.trig"
    path.write_text(TRIG, encoding="utf-8")
    await memory.import_file(namespace, path)

    async def cypher(query: str) -> list[str]:
        rows = await raw_conn.fetch(
            f"SELECT * FROM ag_catalog.cypher('{namespace}', $$ {query} $$) AS (x agtype)"
        )
        return sorted(str(r[0]) for r in rows)

    # alice knows bob in the default graph and in g1: one edge, both graphs listed.
    graphs = await cypher(
        "MATCH ({uid: 'http://example.org/alice'})-[r:knows]->({uid: 'http://example.org/bob'}) "
        "RETURN r.rdf_graphs"
    )
    assert graphs == ['["default", "http://example.org/g1"]']
    in_g1_edges = await cypher(
        "MATCH (a)-[r]->(b) WHERE 'http://example.org/g1' IN r.rdf_graphs RETURN b.uid"
    )
    assert len(in_g1_edges) == 2 and '"http://example.org/bob"' in in_g1_edges  # and _:x
    in_g1 = await cypher(
        "MATCH (p) WHERE p.rdf_graphs['http://example.org/g1'] IS NOT NULL RETURN p.uid"
    )
    assert len(in_g1) == 2 and '"http://example.org/alice"' in in_g1  # and _:x
    ages = await cypher(
        "MATCH (p {uid: 'http://example.org/alice'}) RETURN p.rdf_graphs['http://example.org/g1']"
    )
    assert ages == ['{"age": [42], "rdf_type": ["http://xmlns.com/foaf/0.1/Person"]}']
    # The plain property graph: alice is a Person named Alice, whatever the graphs.
    assert await cypher("MATCH (p:Person {name: 'Alice'}) RETURN p.uid") == [
        '"http://example.org/alice"'
    ]


async def test_graph_names_as_sources_is_an_explicit_option(
    memory: Memory, namespace: str, tmp_path: Path, raw_conn: asyncpg.Connection
) -> None:
    path = tmp_path / "d.trig"
    path.write_text(TRIG, encoding="utf-8")
    await memory.import_file(namespace, path, ImportOptions(graph_names="sources"))
    claims = await raw_conn.fetch(
        f"SELECT s.uid AS source, f.predicate FROM {namespace}._kg_claim c "
        f"JOIN {namespace}._kg_fact f ON f.id = c.fact_id "
        f"JOIN {namespace}._kg_vertex s ON s.id = c.source_id ORDER BY 1, 2"
    )
    assert ("http://example.org/g1", "knows") in [(r["source"], r["predicate"]) for r in claims]
