"""A MATCH after a write never stops the write (``kgmem.cypher.written_matches``), and
the labels a write makes or reads after it exist before the statement runs
(``kgmem.cypher.made_labels``); first as text, then run against AGE."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.cypher.lexer import tokenize
from kgmem.cypher.made_labels import Made, made
from tests.cypher.rules import left_alone, written


def test_a_match_after_a_write_is_optional_and_drops_its_misses() -> None:
    planned = plan("CREATE (a:P) WITH a MATCH (a)-[:T]->(b) WHERE b.x = 1 RETURN b", mode="write")
    assert planned.text.endswith(
        "WITH a OPTIONAL MATCH (a)-[:T]->(b) WHERE b.x = 1 "
        "WITH * WHERE kgmem_cypher.found(b) RETURN b"
    )


def test_a_pattern_binding_nothing_new_gets_a_variable_of_kgmems() -> None:
    planned = plan("CREATE (a:P) WITH a MATCH (a)-[:T]->() RETURN a", mode="write")
    assert "OPTIONAL MATCH (a)-[__kgmem_o1:T]->() WITH * WHERE kgmem_cypher.found(__kgmem_o1)" in (
        planned.text
    )


def test_reads_and_matches_before_a_write_are_left_alone() -> None:
    for query in (
        "MATCH (a:P) MATCH (b:Q) RETURN a, b",
        "MATCH (a:P) MATCH (b:Q) CREATE (a)-[:T]->(b)",
        "CREATE (a:P) WITH a MATCH (a) RETURN a",  # nothing new to test
    ):
        assert left_alone("written_matches", query, mode="write"), query


def test_made_lists_what_writes_name_and_what_a_match_after_them_reads() -> None:
    query = (
        "MATCH (o:Old) MERGE (o)-[:T {w: 1}]->(b:`New one`:X {k: [1]}) ON CREATE SET b:Fresh "
        "WITH b MATCH (b)-[:Seen]->(c:Later {m: {k: 1}}) SET c.v = {a: 1} "
        "FOREACH (x IN [1] | CREATE (:F))"
    )
    assert made(tokenize(query)) == Made(
        vertices=("New one", "X", "Fresh", "F"),
        edges=("T",),
        read_vertices=("Later",),
        read_edges=("Seen",),
    )


async def test_a_label_new_to_the_graph_is_found_after_its_create(
    memory: Memory, namespace: str
) -> None:
    rows = await written(
        memory, namespace, "CREATE (n:Fresh {k: 1}) WITH n MATCH (m:Fresh) RETURN m.k"
    )
    assert rows == [[1]]
    rows = await written(
        memory, namespace, "CREATE (n:Tried {k: 1}) WITH n OPTIONAL MATCH (m:Tried) RETURN m.k"
    )
    assert rows == [[1]]
    assert await written(memory, namespace, "MATCH (n) RETURN count(n)") == [[2]]


async def test_a_match_that_finds_nothing_keeps_the_write(memory: Memory, namespace: str) -> None:
    for query in (
        "CREATE (a:Kept)-[:LINK]->(:Kept) WITH a MATCH ()-[r:LINK]->() RETURN count(r)",
        "CREATE (a:Kept) WITH a MATCH (m:NeverSeen) RETURN m",
        "CREATE (a:Kept) WITH a MATCH (a)-[:LINK]->() RETURN a",
        "MERGE (a:Kept {k: 9}) WITH a MATCH (m:LINK) RETURN m",  # a type read as a label
    ):
        await written(memory, namespace, query)
    assert await written(memory, namespace, "MATCH (n:Kept) RETURN count(n)") == [[5]]
    labels = await written(memory, namespace, "CALL db.labels() YIELD label RETURN label")
    assert ["NeverSeen"] not in labels  # made empty, as Neo4j lists only labels in use


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    patterns=st.lists(
        st.sampled_from(
            [
                "(m:Target)",
                "(m:Nowhere)",
                "(a)-[:R]->(m)",
                "()-[m:R]->()",
                "(m:Target {k: a.k})",
                "(a)<-[:R]-()",
            ]
        ),
        min_size=1,
        max_size=4,
    )
)
async def test_every_create_before_a_match_is_kept(
    memory: Memory, namespace: str, patterns: list[str]
) -> None:
    before = (await written(memory, namespace, "MATCH (n:Made) RETURN count(n)"))[0][0]
    for k, pattern in enumerate(patterns):
        query = f"CREATE (a:Made {{k: {k}}}) WITH a MATCH {pattern} RETURN count(*)"
        await written(memory, namespace, query)
    after = (await written(memory, namespace, "MATCH (n:Made) RETURN count(n)"))[0][0]
    assert after == before + len(patterns)
