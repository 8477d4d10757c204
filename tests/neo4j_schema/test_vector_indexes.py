"""Neo4j's vector indexes on kgmem: CREATE / DROP VECTOR INDEX, db.index.vector.query*,
vectors written by SET and by db.create.set*VectorProperty, scores as Neo4j computes
them, checked against numpy."""

from __future__ import annotations

from typing import Any

import asyncpg
import numpy as np
import pytest

from kgmem import Memory
from kgmem.errors import CypherError, CypherPermissionDenied, KgmemError, ProcedureFailed

Vectors = list[list[float]]
OURS = "schemaname = $1 AND indexname LIKE 'kgd_%' AND indexdef LIKE '%hnsw%'"


def create_index(name: str, label: str, key: str, dims: int | None, similarity: str) -> str:
    config = [f"`vector.similarity_function`: '{similarity}'"]
    if dims is not None:
        config.insert(0, f"`vector.dimensions`: {dims}")
    return (
        f"CREATE VECTOR INDEX {name} IF NOT EXISTS FOR (n:{label}) ON n.{key} "
        f"OPTIONS {{indexConfig: {{{', '.join(config)}}}}}"
    )


def clustered(count: int, dims: int, seed: int = 7) -> np.ndarray:
    """Embeddings-like vectors: a few cluster centres plus noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(8, dims))
    picks = rng.integers(0, 8, size=count)
    return centres[picks] + 0.3 * rng.normal(size=(count, dims))


def cosine_scores(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    cos = matrix @ query / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(query))
    return (1 + cos) / 2


def euclidean_scores(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    return 1 / (1 + ((matrix - query) ** 2).sum(axis=1))


async def load(memory: Memory, ns: str, label: str, matrix: np.ndarray) -> None:
    rows = [{"i": i, "v": [float(x) for x in row]} for i, row in enumerate(matrix)]
    for start in range(0, len(rows), 200):
        await memory.cypher(
            ns,
            f"UNWIND $rows AS r CREATE (:{label} {{i: r.i, embedding: r.v}})",
            {"rows": rows[start : start + 200]},
            mode="write",
        )


async def nearest(memory: Memory, ns: str, index: str, k: int, query: Any) -> list[list[Any]]:
    result = await memory.cypher(
        ns,
        "CALL db.index.vector.queryNodes($index, $k, $q) YIELD node, score "
        "RETURN node.i AS i, score",
        {"index": index, "k": k, "q": query},
    )
    return result.rows


SMALL = np.array([[1.0, 4.0, 2.0], [3.0, -2.0, 1.0], [2.0, 8.0, 3.0], [-1.0, 0.5, 0.0]])


@pytest.mark.parametrize(
    ("similarity", "scores"), [("cosine", cosine_scores), ("euclidean", euclidean_scores)]
)
async def test_scores_and_order_are_neo4js(
    memory: Memory, namespace: str, similarity: str, scores: Any
) -> None:
    await memory.cypher(
        namespace, create_index("v", "Doc", "embedding", 3, similarity), mode="write"
    )
    await load(memory, namespace, "Doc", SMALL)
    query = np.array([4.0, 5.0, 6.0])
    rows = await nearest(memory, namespace, "v", 3, query.tolist())
    expected = scores(SMALL, query)
    order = list(np.argsort(-expected)[:3])
    assert [r[0] for r in rows] == order
    assert [r[1] for r in rows] == pytest.approx([expected[i] for i in order], rel=1e-6)


@pytest.mark.parametrize(("dims", "kind"), [(384, "vector"), (1536, "vector"), (3072, "halfvec")])
async def test_library_dimensions_are_indexed_and_found(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, dims: int, kind: str
) -> None:
    await memory.cypher(
        namespace, create_index("emb", "Chunk", "embedding", dims, "cosine"), mode="write"
    )
    matrix = clustered(120, dims)
    await load(memory, namespace, "Chunk", matrix)
    definition = await raw_conn.fetchval(
        f"SELECT indexdef FROM pg_indexes WHERE {OURS}",
        namespace,
    )
    assert f"::{kind}({dims})) {kind}_cosine_ops" in definition
    query = matrix[5] + 0.05
    rows = await nearest(memory, namespace, "emb", 10, query.tolist())
    expected = cosine_scores(matrix, query)
    exact = set(np.argsort(-expected)[:10].tolist())
    assert len({r[0] for r in rows} & exact) >= 9
    assert rows[0][0] == 5
    for i, score in rows:
        assert score == pytest.approx(expected[i], abs=1e-5)
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)


async def test_k_bounds_the_rows(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, create_index("v", "Doc", "embedding", 3, "cosine"), mode="write")
    await load(memory, namespace, "Doc", SMALL)
    assert len(await nearest(memory, namespace, "v", 2, [1, 1, 1])) == 2
    assert len(await nearest(memory, namespace, "v", 100, [1, 1, 1])) == 4


async def test_a_yielded_node_is_matched_further(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, create_index("v", "Doc", "embedding", 3, "cosine"), mode="write")
    await memory.cypher(
        namespace,
        "CREATE (:Doc {t: 'a', embedding: [1, 0, 0]})-[:ABOUT]->(:Topic {name: 'x'}), "
        "(:Doc {t: 'b', embedding: [0, 1, 0]})-[:ABOUT]->(:Topic {name: 'y'})",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "CALL db.index.vector.queryNodes('v', 5, [0.9, 0.1, 0]) YIELD node, score "
        "WITH node, score MATCH (node)-[:ABOUT]->(t:Topic) RETURN node.t, t.name, score",
    )
    assert [row[:2] for row in result.rows] == [["a", "x"], ["b", "y"]]


async def test_composite_label_nodes_are_found(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace, "CREATE (:Doc:Old {t: 'before', embedding: [1, 0, 0]})", mode="write"
    )
    await memory.cypher(namespace, create_index("v", "Doc", "embedding", 3, "cosine"), mode="write")
    await memory.cypher(
        namespace, "CREATE (:Doc:New {t: 'after', embedding: [0.9, 0.1, 0]})", mode="write"
    )
    await memory.cypher(namespace, "CREATE (:Doc {t: 'plain', embedding: [0, 0, 1]})", mode="write")
    result = await memory.cypher(
        namespace,
        "CALL db.index.vector.queryNodes('v', 3, [1, 0, 0]) YIELD node RETURN node.t, labels(node)",
    )
    assert [row[0] for row in result.rows] == ["before", "after", "plain"]
    assert sorted(result.rows[0][1]) == ["Doc", "Old"]


async def test_vectors_set_by_procedure_with_literal_and_parameter_keys(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace, create_index("v", "Doc", "embedding", 3, "euclidean"), mode="write"
    )
    await memory.cypher(namespace, "CREATE (:Doc {id: 1}), (:Doc {id: 2})", mode="write")
    await memory.cypher(
        namespace,
        "MATCH (d:Doc {id: 1}) CALL db.create.setNodeVectorProperty(d, 'embedding', [1, 2, 3])",
        mode="write",
    )
    await memory.cypher(
        namespace,
        "UNWIND $rows AS row MATCH (n:Doc) WHERE n.id = row.id "
        "WITH n, row CALL db.create.setNodeVectorProperty(n, $prop, row.embedding) RETURN n.id",
        {"rows": [{"id": 2, "embedding": [3.0, 2.0, 1.0]}], "prop": "embedding"},
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "CALL db.index.vector.queryNodes('v', 2, [3, 2, 1]) YIELD node, score "
        "RETURN node.id, node.embedding, score",
    )
    assert result.rows == [[2, [3.0, 2.0, 1.0], 1.0], [1, [1, 2, 3], pytest.approx(1 / 9)]]


async def test_wrong_vectors_are_clear_errors(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, create_index("v", "Doc", "embedding", 3, "cosine"), mode="write")
    await memory.cypher(namespace, "CREATE (:Doc {id: 1, embedding: [1, 2, 3]})", mode="write")
    set_ = "MATCH (d:Doc) CALL db.create.setNodeVectorProperty(d, 'embedding', $v)"
    with pytest.raises(CypherError, match="has 2 dimensions, but the vector index on this"):
        await memory.cypher(namespace, set_, {"v": [1, 2]}, mode="write")
    with pytest.raises(CypherError, match="list of finite numbers"):
        await memory.cypher(namespace, set_, {"v": [1, "x", 3]}, mode="write")
    with pytest.raises(ProcedureFailed, match="Index query vector has 2 dimensions, but indexed"):
        await nearest(memory, namespace, "v", 1, [1, 2])
    with pytest.raises(ProcedureFailed, match="finite numbers"):
        await nearest(memory, namespace, "v", 1, ["a", "b", "c"])
    with pytest.raises(ProcedureFailed, match="no such vector schema index: nope"):
        await nearest(memory, namespace, "nope", 1, [1, 2, 3])
    with pytest.raises(ProcedureFailed, match="must be positive"):
        await nearest(memory, namespace, "v", 0, [1, 2, 3])
    found = await memory.cypher(namespace, "MATCH (d:Doc) RETURN d.embedding")
    assert found.rows == [[[1, 2, 3]]]


async def test_plain_set_of_an_invalid_vector_is_stored_but_not_indexed(
    memory: Memory, namespace: str
) -> None:
    """As in Neo4j: only vectors valid to the index are indexed."""
    await memory.cypher(namespace, create_index("v", "Doc", "embedding", 3, "cosine"), mode="write")
    await memory.cypher(
        namespace,
        "CREATE (:Doc {id: 1, embedding: [1, 2]}), (:Doc {id: 2, embedding: 'text'}), "
        "(:Doc {id: 3, embedding: [0, 0, 0]}), (:Doc {id: 4, embedding: [1, 1, 1]}), "
        "(:Doc {id: 5})",
        mode="write",
    )
    rows = await memory.cypher(
        namespace, "CALL db.index.vector.queryNodes('v', 10, [1, 2, 3]) YIELD node RETURN node.id"
    )
    assert rows.rows == [[4]]
    stored = await memory.cypher(namespace, "MATCH (d:Doc {id: 1}) RETURN d.embedding")
    assert stored.rows == [[[1, 2]]]


async def test_an_index_without_dimensions_compares_vectors_of_the_querys_size(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(
        namespace, create_index("v", "Doc", "embedding", None, "euclidean"), mode="write"
    )
    await memory.cypher(
        namespace,
        "CREATE (:Doc {i: 1, embedding: [1, 2]}), (:Doc {i: 2, embedding: [1, 2, 3]}), "
        "(:Doc {i: 3, embedding: [0, 2]})",
        mode="write",
    )
    assert await nearest(memory, namespace, "v", 5, [1, 2]) == [[1, 1.0], [3, 0.5]]


async def test_bad_options_are_refused(memory: Memory, namespace: str) -> None:
    for options in (
        "{indexConfig: {`vector.dimensions`: 0}}",
        "{indexConfig: {`vector.dimensions`: 5000}}",
        "{indexConfig: {`vector.similarity_function`: 'dot'}}",
        "{indexConfig: {`vector.colour`: 'red'}}",
    ):
        with pytest.raises(KgmemError):
            await memory.cypher(
                namespace,
                f"CREATE VECTOR INDEX bad FOR (n:Doc) ON n.embedding OPTIONS {options}",
                mode="write",
            )


async def test_drop_removes_the_hnsw_indexes(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.cypher(namespace, "CREATE (:Doc:Extra {embedding: [1, 2, 3]})", mode="write")
    await memory.cypher(namespace, create_index("v", "Doc", "embedding", 3, "cosine"), mode="write")
    await memory.cypher(namespace, create_index("v", "Doc", "embedding", 3, "cosine"), mode="write")
    count = f"SELECT count(*) FROM pg_indexes WHERE {OURS}"
    assert await raw_conn.fetchval(count, namespace) == 2  # Doc and Doc:Extra
    await memory.cypher(namespace, "DROP INDEX v", mode="write")
    assert await raw_conn.fetchval(count, namespace) == 0
    with pytest.raises(ProcedureFailed):
        await nearest(memory, namespace, "v", 1, [1, 2, 3])


async def test_a_read_key_queries_but_cannot_create(memory: Memory, namespace: str) -> None:
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(namespace, create_index("v", "Doc", "embedding", 3, "cosine"))
    await memory.cypher(namespace, create_index("v", "Doc", "embedding", 3, "cosine"), mode="write")
    await memory.cypher(namespace, "CREATE (:Doc {i: 1, embedding: [1, 2, 3]})", mode="write")
    assert await nearest(memory, namespace, "v", 1, [1, 2, 3]) == [[1, 1.0]]
    with pytest.raises(CypherPermissionDenied):
        await memory.cypher(
            namespace,
            "MATCH (d:Doc) CALL db.create.setNodeVectorProperty(d, 'embedding', [1, 1, 1])",
        )


async def test_relationship_vector_indexes(memory: Memory, namespace: str) -> None:
    await memory.cypher(
        namespace,
        "CREATE VECTOR INDEX r FOR ()-[e:SAYS]-() ON e.embedding "
        "OPTIONS {indexConfig: {`vector.dimensions`: 2, `vector.similarity_function`: 'cosine'}}",
        mode="write",
    )
    await memory.cypher(
        namespace,
        "CREATE (:P {n: 'a'})-[:SAYS {w: 1}]->(:P {n: 'b'}), "
        "(:P {n: 'c'})-[:SAYS {w: 2}]->(:P {n: 'd'})",
        mode="write",
    )
    await memory.cypher(
        namespace,
        "MATCH ()-[e:SAYS]->() CALL db.create.setRelationshipVectorProperty(e, 'embedding', "
        "[toFloat(e.w), 1.0])",
        mode="write",
    )
    result = await memory.cypher(
        namespace,
        "CALL db.index.vector.queryRelationships('r', 2, [2, 1]) YIELD relationship, score "
        "MATCH (a)-[relationship]->(b) RETURN a.n, b.n, relationship.w, score",
    )
    assert [row[:3] for row in result.rows] == [["c", "d", 2], ["a", "b", 1]]
    assert result.rows[0][3] == pytest.approx(1.0)
    with pytest.raises(ProcedureFailed, match="not a node index"):
        await nearest(memory, namespace, "r", 1, [1, 1])


async def test_similarity_functions_in_any_expression(memory: Memory, namespace: str) -> None:
    a, b = [1.0, 4.0, 2.0], [4.0, 5.0, 6.0]
    result = await memory.cypher(
        namespace,
        "WITH $a AS a, $b AS b RETURN vector.similarity.cosine(a, b) AS c, "
        "vector.similarity.euclidean(a, b) AS e, vector.similarity.cosine(null, b) AS n, "
        "Vector.Similarity.Cosine(a, a) > 0.99 AS same",
        {"a": a, "b": b},
    )
    x, y = np.array(a), np.array(b)
    cos = x @ y / (np.linalg.norm(x) * np.linalg.norm(y))
    assert result.rows[0][0] == pytest.approx((1 + cos) / 2, rel=1e-6)
    assert result.rows[0][1] == pytest.approx(1 / (1 + ((x - y) ** 2).sum()), rel=1e-6)
    assert result.rows[0][2:] == [None, True]
    with pytest.raises(CypherError, match="different dimensions"):
        await memory.cypher(namespace, "RETURN vector.similarity.cosine([1, 2], [1, 2, 3])")


async def test_exhaustive_search_with_the_functions(memory: Memory, namespace: str) -> None:
    await load(memory, namespace, "Node", SMALL)
    result = await memory.cypher(
        namespace,
        "MATCH (node:Node) WITH node, vector.similarity.euclidean($q, node.embedding) AS score "
        "RETURN node.i, score ORDER BY score DESC LIMIT 2",
        {"q": [4.0, 5.0, 6.0]},
    )
    expected = euclidean_scores(SMALL, np.array([4.0, 5.0, 6.0]))
    assert [row[0] for row in result.rows] == list(np.argsort(-expected)[:2])


async def test_other_schema_qualified_calls_stay_refused(memory: Memory, namespace: str) -> None:
    with pytest.raises(CypherError, match="schema-qualified"):
        await memory.cypher(namespace, "RETURN vector.similarity.manhattan([1], [2])")
    with pytest.raises(CypherError, match="schema-qualified"):
        await memory.cypher(namespace, "RETURN kgmem_neo4j.similarity_cosine([1], [2])")
