"""Every row a MATCH finds reaches the DELETE after it (``kgmem.cypher.delete_barriers``),
as Neo4j's Eager makes it; first as text, then run against AGE."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from tests.cypher.rules import left_alone, written

BARRIER = "WITH collect([0, a, b]) AS __kgmem_rows UNWIND __kgmem_rows AS __kgmem_row "


def test_rows_are_collected_before_a_delete_that_may_take_later_matches() -> None:
    planned = plan("MATCH (a)-[*]-(b) DETACH DELETE a, b RETURN count(*) AS c", mode="write")
    assert planned.text == (
        "MATCH (a)-[*]-(b) " + BARRIER + "WITH __kgmem_row[1] AS a, __kgmem_row[2] AS b "
        "DETACH DELETE a, b RETURN count(*) AS c"
    )


def test_only_what_the_delete_and_later_clauses_read_is_carried() -> None:
    planned = plan("MATCH (a)-[r]-(b) DETACH DELETE a RETURN count(*) AS c", mode="write")
    assert "WITH collect([0, a]) AS __kgmem_rows" in planned.text


def test_deletes_no_row_can_disturb_are_left_alone() -> None:
    for query in (
        "MATCH (n) DETACH DELETE n",
        "MATCH (n:L {id: $id}) DETACH DELETE n",
        "MATCH (a)-[r:R]->(b) DELETE r",
        "MATCH (a) WHERE id(a) = $a MATCH (a)-[r:R]->(b) WHERE id(b) = $b DELETE r",
        "UNWIND [1] AS x CREATE (n) DELETE n",
    ):
        assert left_alone("delete_barriers", query, {"id": 1, "a": 1, "b": 2}, mode="write")


async def _chain(memory: Memory, namespace: str, label: str) -> None:
    await written(
        memory,
        namespace,
        f"CREATE (a:{label}), (b:{label}), (c:{label}) CREATE (a)-[:R]->(b)-[:R]->(c)",
    )


async def test_counts_are_neo4js_and_everything_is_deleted(memory: Memory, namespace: str) -> None:
    cases = {
        "MATCH (a:A1)-[*]-(b:A1) DETACH DELETE a, b RETURN count(*)": ("A1", 6),
        "MATCH (a:A2)-[r]-(b:A2) DETACH DELETE a, b RETURN count(*)": ("A2", 4),
        "MATCH (a:A3)-[r]-(b:A3) DELETE r RETURN count(*)": ("A3", 4),
    }
    for query, (label, rows) in cases.items():
        await _chain(memory, namespace, label)
        assert await written(memory, namespace, query) == [[rows]], query
    assert await written(memory, namespace, "MATCH (n:A1|A2) RETURN count(n)") == [[0]]
    assert await written(memory, namespace, "MATCH (:A3)-[r]->() RETURN count(r)") == [[0]]


async def test_a_node_and_its_relationships_found_beside_it(memory: Memory, namespace: str) -> None:
    await written(memory, namespace, "CREATE (n:Ep {u: 1})-[:R]->(:Ent), (n)-[:R]->(:Ent)")
    rows = await written(
        memory,
        namespace,
        "MATCH (n:Ep {u: 1}) OPTIONAL MATCH (n)-[r]-() DELETE r, n RETURN count(*)",
    )
    assert rows == [[2]]
    assert await written(memory, namespace, "MATCH (n) RETURN count(n)") == [[2]]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edges=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 4)).filter(lambda e: e[0] != e[1]),
        min_size=1,
        max_size=6,
        unique=True,
    )
)
async def test_an_undirected_match_deletes_after_every_row(
    memory: Memory, namespace: str, edges: list[tuple[int, int]]
) -> None:
    await written(memory, namespace, "MATCH (n:G) DETACH DELETE n")
    await written(memory, namespace, "UNWIND range(0, 4) AS i CREATE (:G {i: i})")
    await written(
        memory,
        namespace,
        "UNWIND $edges AS e MATCH (a:G {i: e[0]}), (b:G {i: e[1]}) CREATE (a)-[:L]->(b)",
        edges=[list(e) for e in edges],
    )
    rows = await written(
        memory, namespace, "MATCH (a:G)-[r:L]-(b:G) DETACH DELETE a, b RETURN count(*)"
    )
    assert rows == [[2 * len(edges)]]
    ends = {i for e in edges for i in e}
    left = await written(memory, namespace, "MATCH (n:G) RETURN count(n)")
    assert left == [[5 - len(ends)]]
