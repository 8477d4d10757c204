"""Result summaries with Neo4j's counters and query types, through the real driver."""

from typing import Any

import neo4j
import pytest

from tests.fixtures.bolt import Bolt

COUNTERS = (
    "nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
    "properties_set", "labels_added", "labels_removed", "indexes_added", "indexes_removed",
    "constraints_added", "constraints_removed",
)  # fmt: skip

# Each statement runs after the ones before it on an empty database; the counters are
# what Neo4j 5 reports for it (zero where not named).
SCRIPT: list[tuple[str, dict[str, Any], str, dict[str, int]]] = [
    ("CREATE (:A {x: 1, y: 2})", {}, "w",
     {"nodes_created": 1, "labels_added": 1, "properties_set": 2}),
    ("CREATE (a:A {x: 2})-[:R {k: 1}]->(:B:C) RETURN a", {}, "rw",
     {"nodes_created": 2, "relationships_created": 1, "labels_added": 3, "properties_set": 2}),
    ("CREATE ()", {}, "w", {"nodes_created": 1}),
    ("MATCH (a:A) SET a.z = 3, a.w = 4", {}, "w", {"properties_set": 4}),
    ("MATCH (a:A) SET a += $m", {"m": {"p": 1, "q": 2, "r": 3}}, "w", {"properties_set": 6}),
    ("MATCH (a:A) SET a:L", {}, "w", {"labels_added": 2}),
    ("MATCH (a:A) REMOVE a:L", {}, "w", {"labels_removed": 2}),
    ("MATCH (a:A {x: 1}) REMOVE a.z", {}, "w", {"properties_set": 1}),
    ("MATCH (a:A) RETURN a.x AS x", {}, "r", {}),
    ("MATCH ()-[r:R]->() DELETE r", {}, "w", {"relationships_deleted": 1}),
    ("MATCH (n) DETACH DELETE n", {}, "w", {"nodes_deleted": 4}),
    ("UNWIND range(1, 5) AS i CREATE (:N {i: i})-[:T]->(:M)", {}, "w",
     {"nodes_created": 10, "relationships_created": 5, "labels_added": 10, "properties_set": 5}),
    ("MATCH (n:N)-[t:T]->(m:M) WHERE n.i > 3 DETACH DELETE n, m", {}, "w",
     {"nodes_deleted": 4, "relationships_deleted": 2}),
    ("MERGE (x:X {k: 1})", {}, "w", {"nodes_created": 1, "labels_added": 1, "properties_set": 1}),
    ("MERGE (x:X {k: 1}) ON MATCH SET x.seen = true RETURN x.k AS k", {}, "rw",
     {"properties_set": 1}),
    ("MATCH (x:X) CALL db.create.setNodeVectorProperty(x, 'emb', $v)", {"v": [0.5, 1.5]}, "w",
     {"properties_set": 1}),
    # neo4j-graphrag's writer: created, set and relabelled by one statement
    ("UNWIND range(1, 2) AS i CREATE (n:K {i: i}) SET n += {p: 1} SET n:Q", {}, "w",
     {"nodes_created": 2, "labels_added": 4, "properties_set": 4}),
    ("CREATE INDEX idx_x FOR (n:X) ON (n.k)", {}, "s", {"indexes_added": 1}),
    ("CREATE INDEX idx_x IF NOT EXISTS FOR (n:X) ON (n.k)", {}, "s", {}),
    ("DROP INDEX idx_x", {}, "s", {"indexes_removed": 1}),
    ("CREATE CONSTRAINT c_x FOR (n:X) REQUIRE n.u IS UNIQUE", {}, "s", {"constraints_added": 1}),
    ("DROP CONSTRAINT c_x", {}, "s", {"constraints_removed": 1}),
]  # fmt: skip


def observed(summary: neo4j.ResultSummary) -> dict[str, int]:
    """The counters above zero."""
    counted = {name: getattr(summary.counters, name) for name in COUNTERS}
    return {name: n for name, n in counted.items() if n}


async def run_in(
    session: neo4j.AsyncSession, mode: str, query: str, params: dict[str, Any]
) -> neo4j.ResultSummary:
    """The summary of ``query`` run in transaction ``mode`` (auto, managed, explicit)."""

    async def work(tx: neo4j.AsyncManagedTransaction) -> neo4j.ResultSummary:
        return await (await tx.run(query, params)).consume()

    if mode == "auto":
        return await (await session.run(query, params)).consume()
    if mode == "managed":
        return await session.execute_write(work)
    async with await session.begin_transaction() as tx:
        summary = await (await tx.run(query, params)).consume()
        await tx.commit()
        return summary


@pytest.mark.parametrize("mode", ["auto", "managed", "explicit"])
async def test_counters_and_query_types_are_neo4js(bolt: Bolt, mode: str) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        for query, params, kind, expected in SCRIPT:
            summary = await run_in(session, mode, query, params)
            assert (query, summary.query_type, observed(summary)) == (query, kind, expected)
            assert summary.counters.contains_updates == bool(expected)


async def test_explain_through_execute_query_types_the_query_as_text2cypher_reads_it(
    bolt: Bolt,
) -> None:
    """neo4j-graphrag's Text2CypherRetriever sends ``EXPLAIN <query>`` through
    ``execute_query`` (a managed read) and refuses anything but ``r``."""
    kinds = {
        "MATCH (n:L) RETURN n.k AS k": "r",
        "MATCH (n:L) SET n.k = 1": "w",
        "CREATE (n:L) RETURN n": "rw",
        "CREATE INDEX i_l FOR (n:L) ON (n.k)": "s",
    }
    async with bolt.driver() as driver:
        for query, kind in kinds.items():
            _, summary, _ = await driver.execute_query(
                "EXPLAIN " + query, database_="alpha", routing_=neo4j.RoutingControl.READ
            )
            assert (query, summary.query_type, summary.counters.contains_updates) == (
                query,
                kind,
                False,
            )
