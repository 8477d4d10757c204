"""The declared graph model and what the migrations build agree, and applying the model
to an existing namespace is idempotent and picks up new declarations."""

from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import CypherSemanticError
from kgmem.graph.cypher import CypherRequest
from kgmem.process.resources import resource_dir
from kgmem.schema import load_schema, schema_files
from kgmem.storage.graph import namespaces as ns_store
from kgmem.storage.sql import index_name

SIDE_COLUMNS = {
    "_kg_vertex": {
        "id",
        "uid",
        "label",
        "name",
        "text",
        "lat",
        "lon",
        "created_at",
        "updated_at",
        "occurred_at",  # migration 0400_issue4_retrieval
        "tsv",  # migration 0018_keyword_index
    },
    "_kg_fact": {
        "id",
        "uid",
        "predicate",
        "subject_id",
        "object_id",
        "valid_from",
        "valid_to",
        "recorded_at",
        "expired_at",
        "revised_at",
        "closed_by",  # migration 0020_forget_undoes
        "confidence",
        "text",
        "tsv",
    },
    "_kg_fact_revision": {
        "fact_id",
        "valid_from",
        "valid_to",
        "expired_at",
        "known_from",
        "known_to",
    },
    "_kg_text_stats": {"kind", "lexeme", "docs", "tokens"},
    "_kg_vertex_vector": {"id", "embedding"},
    "_kg_fact_vector": {"id", "embedding"},
    "_kg_claim": {
        "fact_id",
        "source_id",
        "episode_id",
        "confidence",
        "observed_at",
        "stated_from",
        "stated_to",
        "stated",
    },
    "_kg_claim_history": {
        "fact_id",
        "source_id",
        "episode_id",
        "confidence",
        "observed_at",
        "withdrawn_at",
    },
}


async def labels_of(conn: asyncpg.Connection, ns: str) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT l.name::text AS n, l.kind::text AS k FROM ag_catalog.ag_label l "
        "JOIN ag_catalog.ag_graph g ON g.graphid = l.graph WHERE g.name = $1",
        ns,
    )
    return {r["n"]: r["k"] for r in rows}


async def indexes_of(conn: asyncpg.Connection, ns: str) -> set[str]:
    rows = await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = $1", ns)
    return {r["indexname"] for r in rows}


async def test_a_new_namespace_has_the_standing_labels_only(
    namespace: str, raw_conn: asyncpg.Connection
) -> None:
    labels = await labels_of(raw_conn, namespace)
    standing = {name: "v" for name in ns_store.STANDING_VERTICES}
    standing |= {name: "e" for name in ns_store.STANDING_EDGES}
    assert {k: v for k, v in labels.items() if not k.startswith("_ag_")} == standing


async def test_every_declared_label_once_written_has_its_kind_and_indexes(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    """Every declared label, first written by a Cypher CREATE (which AGE would otherwise
    make bare), exists with the declared indexes."""
    for label in memory.schema.vertices:
        await memory.cypher(namespace, f"CREATE (:{label} {{name: 'one'}})", mode="write")
    for label in memory.schema.edges:
        await memory.cypher(
            namespace, f"CREATE (:Entity {{name: 'a'}})-[:{label}]->(:Entity)", mode="write"
        )
    labels = await labels_of(raw_conn, namespace)
    indexes = await indexes_of(raw_conn, namespace)
    for kind, declared in (("v", memory.schema.vertices), ("e", memory.schema.edges)):
        for name in declared:
            assert labels.get(name) == kind, name
            assert index_name(name, "uid") in indexes, name
            if kind == "e":
                assert index_name(name, "id") in indexes, name
            for prop in memory.schema.indexed_properties(name, "vertex" if kind == "v" else "edge"):
                assert index_name(name, prop) in indexes, (name, prop)


async def test_a_declared_label_first_written_in_a_transaction_has_its_indexes(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    create = "CREATE (:Place {name: 'Ulm'})-[:LOCATED_IN]->(:Place {name: 'Germany'})"
    async with memory.cypher_transaction(namespace, "write") as run:
        await run(CypherRequest(create, {}, mode="write"))
    indexes = await indexes_of(raw_conn, namespace)
    assert {index_name("Place", "uid"), index_name("Place", "name")} <= indexes
    assert {index_name("LOCATED_IN", "uid"), index_name("LOCATED_IN", "id")} <= indexes
    found = await memory.cypher(namespace, "MATCH (:Place)-[r:LOCATED_IN]->(p) RETURN p.name")
    assert found.rows == [["Germany"]]


async def test_a_declared_label_written_as_the_other_kind_is_refused_and_stores_nothing(
    memory: Memory, namespace: str
) -> None:
    with pytest.raises(CypherSemanticError, match="Person"):
        await memory.cypher(namespace, "CREATE (:Entity)-[:Person]->(:Entity)", mode="write")
    found = await memory.cypher(namespace, "MATCH (n) RETURN count(n)")
    assert found.rows == [[0]]


async def test_side_tables_have_the_columns_storage_uses(
    namespace: str, raw_conn: asyncpg.Connection
) -> None:
    for table, expected in SIDE_COLUMNS.items():
        rows = await raw_conn.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = $1 AND table_name = $2",
            namespace,
            table,
        )
        assert {r["column_name"] for r in rows} == expected, table
    indexes = await indexes_of(raw_conn, namespace)
    assert {
        "_kg_vertex_embedding",
        "_kg_vertex_text",
        "_kg_vertex_point",
        "_kg_fact_valid_from",
        "_kg_fact_valid_to",
        "_kg_fact_recorded",
        "_kg_fact_embedding",
        "_kg_fact_text",
        "_kg_vertex_occurred",
    } <= indexes


async def test_applying_a_grown_schema_to_an_existing_namespace(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, tmp_path: Path
) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(
        '[vertex.Drug]\nproperties = { code = { type = "string", indexed = true } }'
        "\n[edge.TREATS]\ncausal = true\n"
    )
    grown = load_schema(schema_files(resource_dir("graph_schema"), [extra]))
    db = memory.database
    for _ in range(2):  # the second application must change nothing
        async with db.transaction() as conn:
            ref = await ns_store.resolve(conn, namespace)
            await ns_store.apply_schema(conn, ref, grown, db.labels)
    labels = await labels_of(raw_conn, namespace)
    assert "Drug" not in labels and "TREATS" not in labels  # made on their first use
    async with db.transaction() as conn:
        ref = await ns_store.resolve(conn, namespace)
        made = await db.labels.ensure(conn, ref, ["Drug"], "vertex", grown)
        await db.labels.ensure(conn, ref, ["TREATS"], "edge", grown)
    assert made["Drug"].kind == "vertex"
    labels = await labels_of(raw_conn, namespace)
    assert labels["Drug"] == "v" and labels["TREATS"] == "e"
    assert index_name("Drug", "code") in await indexes_of(raw_conn, namespace)
