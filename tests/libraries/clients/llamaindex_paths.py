"""LlamaIndex's Neo4jPropertyGraphStore on kgmem, with its defaults: nodes, relations,
reads, vector query (the harness's stub embeddings), plain Cypher and deletes."""

from typing import Any

from harness import QUERY, Report, embed, main
from llama_index.core.graph_stores.types import ChunkNode, EntityNode, Relation
from llama_index.core.vector_stores.types import VectorStoreQuery
from llama_index.graph_stores.neo4j import Neo4jPropertyGraphStore

# Each entity's stub embedding is that of a text of the harness's vocabulary.
ENTITIES = (
    ("Alice", "PERSON", "apple apple banana", {"age": 30}),
    ("Acme", "COMPANY", "apple cherry", {"founded": 1990}),
    ("Bob", "PERSON", "lemon mango", {"age": 41}),
)
CHUNK = "Alice works at Acme and knows Bob."


def _nodes() -> list[Any]:
    chunk = ChunkNode(text=CHUNK, id_="chunk-1", embedding=embed(CHUNK))
    entities = [
        EntityNode(name=name, label=label, embedding=embed(text),
                   properties={**props, "triplet_source_id": "chunk-1"})
        for name, label, text, props in ENTITIES
    ]  # fmt: skip
    return [chunk, *entities]


def _relations() -> list[Relation]:
    return [
        Relation(label="WORKS_AT", source_id="Alice", target_id="Acme", properties={"since": 2020}),
        Relation(label="KNOWS", source_id="Alice", target_id="Bob"),
    ]


def _node(node: Any) -> dict[str, Any]:
    if isinstance(node, ChunkNode):
        return {"chunk": node.id, "text": node.text, "properties": node.properties}
    return {"name": node.name, "label": node.label, "properties": node.properties}


def _triplets(triplets: list[Any]) -> list[list[Any]]:
    return sorted(
        [source.name, source.label, rel.label, rel.properties, target.name, target.label]
        for source, rel, target in triplets
    )


def _vector(store: Neo4jPropertyGraphStore) -> list[list[Any]]:
    found, scores = store.vector_query(
        VectorStoreQuery(query_embedding=embed(QUERY), similarity_top_k=2)
    )
    return [[node.name, node.label, score] for node, score in zip(found, scores, strict=True)]


def paths(report: Report, config: dict[str, str]) -> None:
    r = report.results
    store = report.step("Neo4jPropertyGraphStore", lambda: Neo4jPropertyGraphStore(
        username="kgmem", password=config["key"], url=config["uri"],
        database=config["database"]))  # fmt: skip
    r["supports_vector_index"] = store._supports_vector_index
    report.step("upsert_nodes", lambda: store.upsert_nodes(_nodes()))
    report.step("upsert_relations", lambda: store.upsert_relations(_relations()))
    r["get_ids"] = report.step("get_ids", lambda: sorted(
        (_node(n) for n in store.get(ids=["Alice", "Bob", "chunk-1"])),
        key=lambda n: n.get("name") or n["chunk"]))  # fmt: skip
    r["get_properties"] = report.step("get_properties", lambda: [
        _node(n) for n in store.get(properties={"age": 30})])  # fmt: skip
    r["get_triplets"] = report.step("get_triplets", lambda: _triplets(
        store.get_triplets(entity_names=["Alice"])))  # fmt: skip
    r["get_triplets_relation"] = report.step("get_triplets_relation", lambda: _triplets(
        store.get_triplets(entity_names=["Acme"], relation_names=["WORKS_AT"])))  # fmt: skip
    alice = EntityNode(name="Alice", label="PERSON")
    r["get_rel_map"] = report.step("get_rel_map", lambda: _triplets(
        store.get_rel_map([alice], depth=2, limit=30)))  # fmt: skip
    r["vector_query"] = report.step("vector_query", lambda: _vector(store))
    r["structured_query"] = report.step("structured_query", lambda: store.structured_query(
        "MATCH (p:PERSON)-[r:WORKS_AT]->(c:COMPANY) RETURN p.name AS person, r.since AS since, "
        "c.name AS company"))  # fmt: skip
    r["mentions"] = report.step(
        "mentions",
        lambda: store.structured_query(
            "MATCH (c:Chunk {id: 'chunk-1'})-[:MENTIONS]->(e) RETURN e.name AS name ORDER BY name"
        ),
    )
    report.step("delete_entity", lambda: store.delete(entity_names=["Bob"]))
    report.step("delete_relation", lambda: store.delete(relation_names=["WORKS_AT"]))
    r["after_delete"] = report.step("get_triplets_after_delete", lambda: _triplets(
        store.get_triplets(entity_names=["Alice"])))  # fmt: skip
    report.step("delete_ids", lambda: store.delete(ids=["chunk-1"]))
    r["left"] = report.step("left", lambda: store.structured_query(
        "MATCH (n:__Node__) RETURN n.id AS id ORDER BY id"))  # fmt: skip
    store.close()


if __name__ == "__main__":
    main({"paths": paths})
