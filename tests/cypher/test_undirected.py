"""Undirected relationships in MATCH: the conditions kgmem adds from the anchor end, the
same rows as the pattern alone on any graph, and a plan that starts from the anchor."""

from __future__ import annotations

import itertools

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan

IMPLIED = (
    "(start_id({r}) = id({a}) OR end_id({r}) = id({a})) AND "
    "id({b}) = CASE WHEN start_id({r}) = id({a}) THEN end_id({r}) ELSE start_id({r}) END"
)


def implied(a: str, r: str, b: str) -> str:
    return IMPLIED.format(a=a, r=r, b=b)


# -- the text sent to AGE -----------------------------------------------------------------


def test_the_conditions_come_from_the_end_with_a_property_map() -> None:
    planned = plan("MATCH (m)-[r:KNOWS]-(n:Person {uid: $u}) RETURN m", {"u": "x"})
    assert planned.text == (
        f"MATCH (m)-[r:KNOWS]-(n:Person ) WHERE n.uid = $u AND {implied('n', 'r', 'm')} RETURN m"
    )
    assert "undirected" in planned.rewrites


def test_a_node_bound_by_an_earlier_clause_is_the_anchor() -> None:
    planned = plan("MATCH (a:X {k: 1}) MATCH (b:Y {k: 2})-[r]-(a) RETURN b")
    assert planned.text.endswith(
        f"MATCH (b:Y )-[r]-(a) WHERE b.k = 2 AND {implied('a', 'r', 'b')} RETURN b"
    )


def test_the_node_the_where_names_beats_a_bare_one_and_the_analysts_where_is_kept() -> None:
    planned = plan("MATCH (a)-[r]-(b) WHERE b.name = 'x' OR b.name = 'y' RETURN a")
    assert planned.text == (
        f"MATCH (a)-[r]-(b) WHERE {implied('b', 'r', 'a')} AND ( b.name = 'x' OR b.name = 'y') "
        "RETURN a"
    )


def test_anonymous_elements_get_names_no_part_of_the_query_uses() -> None:
    planned = plan("MATCH (kgmem_ud0 {k: 1})--() RETURN kgmem_ud0")
    assert planned.text == (
        "MATCH (kgmem_ud0 )-[kgmem_ud1]-(kgmem_ud2) WHERE kgmem_ud0.k = 1 AND "
        f"{implied('kgmem_ud0', 'kgmem_ud1', 'kgmem_ud2')} RETURN kgmem_ud0"
    )
    assert planned.columns == ["kgmem_ud0"]
    star = plan("MATCH (n {k: 1})-[:R]-() RETURN *")
    assert star.columns == ["n"]


def test_along_a_chain_each_relationship_is_anchored_on_the_side_of_the_anchor() -> None:
    planned = plan("MATCH p = (x)-[s]-(n {k: 1})-[t]->(y)-[u]-(z) RETURN p")
    assert planned.text == (
        "MATCH p = (x)-[s]-(n )-[t]->(y)-[u]-(z) "
        f"WHERE n.k = 1 AND {implied('n', 's', 'x')} AND {implied('y', 'u', 'z')} RETURN p"
    )


def test_directed_variable_length_and_written_patterns_are_left_alone() -> None:
    for query in (
        "MATCH (a {k: 1})-[r]->(b)<-[s]-(c) RETURN c",
        "MATCH (a {k: 1})-[r*1..2]-(b) RETURN b",
        "MERGE (a:X {k: 1})-[:R]-(b:Y) RETURN a",
        "CREATE (a:X)-[:R]->(b:Y) RETURN a",
        "MATCH (a:X) WHERE (a)--() RETURN a",
    ):
        assert "undirected" not in plan(query, mode="write").rewrites, query


def test_an_optional_match_gets_the_conditions_in_its_own_where() -> None:
    planned = plan("MATCH (a:X {k: 1}) OPTIONAL MATCH (a)-[r]-(b) RETURN a, b")
    assert planned.text == (
        f"MATCH (a:X ) WHERE a.k = 1 OPTIONAL MATCH (a)-[r]-(b) WHERE {implied('a', 'r', 'b')} "
        "RETURN a, b"
    )


# -- the rows --------------------------------------------------------------------------

EDGES = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 4), st.sampled_from(["R", "S"])),
    max_size=10,
)


def _expected_one_hop(edges: list[tuple[int, int, str]], start: int) -> list[tuple[int, str, int]]:
    """(start, type, far end) of each relationship touching ``start``, a self-loop once."""
    found = []
    for a, b, kind in edges:
        if a == start:
            found.append((start, kind, b))
        elif b == start:
            found.append((start, kind, a))
    return sorted(found)


def _expected_two_hops(edges: list[tuple[int, int, str]], start: int) -> list[tuple[int, int]]:
    """(middle, far) of each path start-r-middle-s-far with r and s different."""
    found = []
    for (i, e), (j, f) in itertools.product(enumerate(edges), repeat=2):
        if i == j:
            continue
        for middle in _other_ends(e, start):
            for far in _other_ends(f, middle):
                found.append((middle, far))
    return sorted(found)


def _other_ends(edge: tuple[int, int, str], node: int) -> list[int]:
    a, b, _ = edge
    if a == node:
        return [b]
    return [a] if b == node else []


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edges=EDGES, start=st.integers(0, 4))
async def test_undirected_patterns_answer_the_rows_the_pattern_means(
    memory: Memory, namespace: str, edges: list[tuple[int, int, str]], start: int
) -> None:
    await memory.cypher(namespace, "MATCH (n) DETACH DELETE n", mode="write")
    await memory.cypher(namespace, "UNWIND range(0, 4) AS k CREATE (:N {k: k})", mode="write")
    for kind in ("R", "S"):
        await memory.cypher(
            namespace,
            "UNWIND $edges AS e MATCH (a:N {k: e[0]}), (b:N {k: e[1]}) "
            f"CREATE (a)-[:{kind}]->(b)",
            {"edges": [[a, b] for a, b, t in edges if t == kind]},
            mode="write",
        )
    one = await memory.cypher(
        namespace,
        "MATCH (a:N {k: $k})-[r]-(b) RETURN a.k, type(r), b.k",
        {"k": start},
    )
    assert sorted(map(tuple, one.rows)) == _expected_one_hop(edges, start)
    mirrored = await memory.cypher(
        namespace, "MATCH (b)-[r]-(a:N {k: $k}) RETURN a.k, type(r), b.k", {"k": start}
    )
    assert sorted(map(tuple, mirrored.rows)) == _expected_one_hop(edges, start)
    two = await memory.cypher(
        namespace, "MATCH (a:N {k: $k})-[r]-(m)-[s]-(f) RETURN m.k, f.k", {"k": start}
    )
    assert sorted(map(tuple, two.rows)) == _expected_two_hops(edges, start)
    everything = await memory.cypher(namespace, "MATCH (a)-[r]-(b) RETURN count(*)")
    loops = sum(1 for a, b, _ in edges if a == b)
    assert everything.rows == [[2 * len(edges) - loops]]
    optional = await memory.cypher(
        namespace,
        "MATCH (a:N {k: $k}) OPTIONAL MATCH (a)-[r:S]-(b) RETURN b.k",
        {"k": start},
    )
    far = sorted(b for _, kind, b in _expected_one_hop(edges, start) if kind == "S")
    assert sorted(r[0] for r in optional.rows if r[0] is not None) == far
    assert len(optional.rows) == max(len(far), 1)


# -- the plan ------------------------------------------------------------------------------


async def test_the_edge_tables_can_be_reached_from_the_anchor_by_index(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.cypher(
        namespace,
        "UNWIND range(1, 50) AS i CREATE (a:P {k: i})-[:R]->(b:Q {k: i})<-[:S]-(c:P {k: -i})",
        mode="write",
    )
    # labels AGE made by itself get their indexes from the index-population service
    # (tests/neo4j_schema/test_population.py); built here at once
    await raw_conn.execute("SELECT kgmem_neo4j.build_id_indexes($1)", namespace)
    indexes = await raw_conn.fetch(
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = $1 "
        "AND indexname LIKE 'kgmem_id_%' AND tablename IN ('R', 'S')",
        namespace,
    )
    for table in ("R", "S"):  # id(r), start_id(r) and end_id(r)
        defs = [row["indexdef"] for row in indexes if row["tablename"] == table]
        assert len(defs) == 3 and any("age_start_id" in d for d in defs), defs
    # The planner may read small tables whole; with that off it must find an index
    # whose expression is exactly what AGE compiled the conditions to.
    text = plan("MATCH (n:P {k: 7})-[r]-(m) RETURN type(r), m.k").text
    async with raw_conn.transaction():
        await raw_conn.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off")
        lines = await raw_conn.fetch(
            f"EXPLAIN SELECT * FROM cypher('{namespace}', $q${text}$q$) AS (t agtype, k agtype)"
        )
    shown = "\n".join(row[0] for row in lines)
    for table in ("R", "S"):
        assert f'Bitmap Heap Scan on "{table}"' in shown, shown
    assert shown.count("Bitmap Index Scan on kgmem_id_") >= 4, shown
    found = await memory.cypher(namespace, "MATCH (n:P {k: 7})-[r]-(m) RETURN type(r), m.k")
    assert found.rows == [["R", 7]]
