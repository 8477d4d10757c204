"""shortestPath() and allShortestPaths() in MATCH: the rewrite as text, answers compared
with Neo4j's on small graphs, the bounds (length, nodes reached, paths found), Bolt's
path structures, and Hypothesis: the length found equals a Python breadth-first search
on random small graphs."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import deque
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import asyncpg
import httpx
import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory, Settings
from kgmem.cypher import plan
from kgmem.errors import CypherSemanticError, LimitExceeded
from kgmem.storage.engine.driver_errors import past_a_limit
from tests.fixtures.bolt import Bolt

T = TypeVar("T")

# a -> b -> c -> d, a -> x -> d (two shortest paths a..d), a -[:L]-> d, e alone
GRAPH = (
    "CREATE (a:P {n: 'a'}), (b:P {n: 'b'}), (c:P {n: 'c'}), (d:P {n: 'd'}), "
    "(x:Q {n: 'x'}), (e:P {n: 'e'}), "
    "(a)-[:K {w: 1}]->(b), (b)-[:K {w: 1}]->(c), (c)-[:K {w: 1}]->(d), "
    "(a)-[:K {w: 5}]->(x), (x)-[:M {w: 1}]->(d), (a)-[:L {w: 9}]->(d)"
)


async def _graph(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, GRAPH, mode="write")


def test_the_rewrite_matches_the_end_nodes_and_unwinds_the_search() -> None:
    planned = plan("MATCH p = shortestPath((a:P {n: 'a'})-[:K|M*..5]->(b)) RETURN p")
    assert planned.text == (
        "MATCH (a:P ), (b) WHERE a.n = 'a' UNWIND kgmem_cypher.shortest_paths($__kgmem_graph, "
        "a, b, ['K', 'M'], 'out', 1, 5, false, 100000) AS p RETURN p"
    )
    assert planned.graph_parameter and planned.parameters == frozenset()
    assert "shortest_paths" in planned.rewrites


def test_a_where_on_the_path_filters_after_the_search_and_others_before() -> None:
    on_path = plan("MATCH p = shortestPath((a)-[r*]-(b)) WHERE p IS NOT NULL RETURN b")
    assert on_path.text == (
        "MATCH (a), (b) UNWIND kgmem_cypher.shortest_paths($__kgmem_graph, a, b, null, "
        "'both', 1, 100, false, 100000) AS p UNWIND [relationships(p)] AS r WITH * "
        "WHERE p IS NOT NULL RETURN b"
    )
    on_nodes = plan("MATCH p = allShortestPaths((a)<-[*0..3]-(b)) WHERE a.n IS NULL RETURN b")
    assert on_nodes.text.startswith("MATCH (a), (b) WHERE a.n IS NULL UNWIND")
    assert "'in', 0, 3, true" in on_nodes.text


@pytest.mark.parametrize(
    ("query", "error", "words"),
    [
        ("MATCH p = shortestPath((a)-[*2..3]->(b)) RETURN p", CypherSemanticError, "0 or 1"),
        ("MATCH (a), (b) RETURN shortestPath((a)-[*]->(b))", CypherSemanticError, "MATCH p ="),
        ("MATCH p = shortestPath((a)-[*..101]->(b)) RETURN p", LimitExceeded, "limit of 100"),
        ("MATCH p = shortestPath((a)-[*]->(b)-->(c)) RETURN p", CypherSemanticError, "one rel"),
        ("MATCH p = shortestPath((a)-[*{w: 1}]->(b)) RETURN p", CypherSemanticError, "WHERE"),
        (
            "OPTIONAL MATCH p = shortestPath((a)-->(b)) WHERE length(p) > 1 RETURN p",
            CypherSemanticError,
            "optional",
        ),
    ],
)
def test_shapes_neo4j_refuses_or_kgmem_bounds_are_refused_by_name(
    query: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        plan(query)


async def test_shortest_path_answers_as_neo4j(memory: Memory, namespace: str) -> None:
    await _graph(memory, namespace)
    found = await memory.cypher(
        namespace,
        "MATCH p = shortestPath((a:P {n: 'a'})-[:K*]->(d:P {n: 'd'})) "
        "RETURN length(p), [n IN nodes(p) | n.n], [r IN relationships(p) | type(r)]",
    )
    # only K: a-x-d needs M, so the shortest K path is a-b-c-d
    assert found.rows == [[3, ["a", "b", "c", "d"], ["K", "K", "K"]]]
    any_type = await memory.cypher(
        namespace, "MATCH p = shortestPath((a:P {n: 'a'})-[*]->(d:P {n: 'd'})) RETURN p"
    )
    (path,) = any_type.rows[0]
    assert path["kind"] == "path" and [r["label"] for r in path["relationships"]] == ["L"]


async def test_type_alternation_direction_and_bounds(memory: Memory, namespace: str) -> None:
    await _graph(memory, namespace)

    async def length(pattern: str) -> list[list[Any]]:
        query = f"MATCH p = shortestPath({pattern}) RETURN length(p)"
        return (await memory.cypher(namespace, query)).rows

    assert await length("(a:P {n: 'a'})-[:K|M*..5]->(d:P {n: 'd'})") == [[2]]
    assert await length("(a:P {n: 'a'})-[:K|:M*..5]->(d:P {n: 'd'})") == [[2]]
    assert await length("(a:P {n: 'a'})-[:K*..2]->(d:P {n: 'd'})") == []  # 3 hops needed
    assert await length("(d:P {n: 'd'})<-[:K*]-(a:P {n: 'a'})") == [[3]]
    assert await length("(d:P {n: 'd'})-[:K*]->(a:P {n: 'a'})") == []
    assert await length("(d:P {n: 'd'})-[:K|M*]-(a:P {n: 'a'})") == [[2]]
    assert await length("(a:P {n: 'a'})-[:NOPE*]->(d:P {n: 'd'})") == []
    assert await length("(a:P {n: 'a'})-->(b:P {n: 'b'})") == [[1]]
    assert await length("(a:P {n: 'a'})-[*0..]->(b:P {n: 'a'})") == [[0]]


async def test_all_shortest_paths_gives_every_path_of_the_least_length(
    memory: Memory, namespace: str
) -> None:
    await _graph(memory, namespace)
    found = await memory.cypher(
        namespace,
        "MATCH p = allShortestPaths((a:P {n: 'a'})-[:K|M*]->(d:P {n: 'd'})) "
        "RETURN [n IN nodes(p) | n.n] AS names ORDER BY names",
    )
    assert found.rows == [[["a", "x", "d"]]]
    await memory.cypher(
        namespace,
        "MATCH (b:P {n: 'b'}), (d:P {n: 'd'}) CREATE (b)-[:K {w: 2}]->(d)",
        mode="write",
    )
    both = await memory.cypher(
        namespace,
        "MATCH p = allShortestPaths((a:P {n: 'a'})-[:K|M*]->(d:P {n: 'd'})) "
        "RETURN [n IN nodes(p) | n.n] AS names ORDER BY names",
    )
    assert both.rows == [[["a", "b", "d"]], [["a", "x", "d"]]]


async def test_unbound_end_nodes_pair_up_and_a_where_reads_the_path(
    memory: Memory, namespace: str
) -> None:
    await _graph(memory, namespace)
    pairs = await memory.cypher(
        namespace,
        "MATCH (a:P {n: 'a'}), (t) WHERE t <> a "
        "MATCH p = shortestPath((a)-[rels:K*]->(t)) "
        "RETURN t.n AS t, length(p) AS hops, size(rels) AS r ORDER BY t",
    )
    assert pairs.rows == [["b", 1, 1], ["c", 2, 2], ["d", 3, 3], ["x", 1, 1]]
    long_only = await memory.cypher(
        namespace,
        "MATCH p = shortestPath((a:P {n: 'a'})-[:K*]->(t)) WHERE length(p) >= 2 "
        "AND t <> a RETURN t.n ORDER BY t.n",
    )
    assert long_only.rows == [["c"], ["d"]]


async def test_an_optional_shortest_path_is_null_when_there_is_none(
    memory: Memory, namespace: str
) -> None:
    await _graph(memory, namespace)
    found = await memory.cypher(
        namespace,
        "MATCH (a:P {n: 'a'}), (t:P) WHERE t.n IN ['d', 'e'] "
        "OPTIONAL MATCH p = shortestPath((a)-[rs:K*]->(t)) "
        "RETURN t.n, length(p), rs ORDER BY t.n",
    )
    assert found.rows == [["d", 3, found.rows[0][2]], ["e", None, None]]
    assert [r["label"] for r in found.rows[0][2]] == ["K", "K", "K"]


async def test_the_same_start_and_end_node_is_neo4js_error(memory: Memory, namespace: str) -> None:
    await _graph(memory, namespace)
    with pytest.raises(CypherSemanticError, match="start and end nodes are the same"):
        await memory.cypher(
            namespace, "MATCH p = shortestPath((a:P {n: 'a'})-[*]->(b:P {n: 'a'})) RETURN p"
        )


async def test_the_search_stops_past_the_nodes_it_may_reach(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _graph(memory, namespace)
    sql = (
        f"SELECT * FROM cypher('{namespace}', $$ MATCH (a:P {{n: 'a'}}), (e:P {{n: 'e'}}) "
        f"RETURN kgmem_cypher.shortest_paths('{namespace}', a, e, null, 'both', 1, 10, "
        "false, 3) $$) AS (p agtype)"
    )
    with pytest.raises(asyncpg.PostgresError) as stopped:
        await raw_conn.fetch(sql)
    refused = past_a_limit(stopped.value)
    assert isinstance(refused, LimitExceeded) and "more than 3 nodes" in refused.detail


async def test_a_path_arrives_over_bolt_as_a_path(bolt: Bolt) -> None:
    async with bolt.driver() as driver:
        await driver.execute_query(GRAPH, database_="alpha")
        records, _, _ = await driver.execute_query(
            "MATCH p = shortestPath((a:P {n: 'a'})-[:K*..4]->(d:P {n: 'd'})) RETURN p",
            database_="alpha",
            routing_=neo4j.RoutingControl.READ,
        )
    path = records[0]["p"]
    assert isinstance(path, neo4j.graph.Path)
    assert [n["n"] for n in path.nodes] == ["a", "b", "c", "d"]
    assert [r.type for r in path.relationships] == ["K", "K", "K"]
    assert path.start_node["n"] == "a" and path.end_node["n"] == "d"


# -- Hypothesis: the lengths kgmem finds are a breadth-first search's ------------------


class Runner:
    """An event loop on its own thread, so that hypothesis (which calls the test
    synchronously) can drive the asynchronous store."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=300)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[tuple[Runner, Memory, str]]:
    runner = Runner()
    memory = runner.run(Memory.open(settings))
    runner.run(memory.create_namespace("shortest_random", "hypothesis"))
    try:
        yield runner, memory, "shortest_random"
    finally:
        runner.run(memory.delete_namespace("shortest_random"))
        runner.run(memory.close())
        runner.stop()


def _bfs(size: int, edges: list[tuple[int, int]], source: int, directed: bool) -> dict[int, int]:
    """The least number of hops from ``source`` to each node it reaches (itself excluded)."""
    neighbours: dict[int, list[int]] = {i: [] for i in range(size)}
    for a, b in edges:
        neighbours[a].append(b)
        if not directed:
            neighbours[b].append(a)
    hops, queue = {source: 0}, deque([source])
    while queue:
        at = queue.popleft()
        for nxt in neighbours[at]:
            if nxt not in hops:
                hops[nxt] = hops[at] + 1
                queue.append(nxt)
    return {k: v for k, v in hops.items() if k != source}


def _count(size: int, edges: list[tuple[int, int]], source: int, target: int, hops: int) -> int:
    """How many paths of ``hops`` directed relationships lead from source to target."""
    ways = {source: 1}
    for _ in range(hops):
        after: dict[int, int] = {}
        for a, b in edges:
            if a in ways:
                after[b] = after.get(b, 0) + ways[a]
        ways = after
    return ways.get(target, 0)


graphs = st.integers(min_value=2, max_value=7).flatmap(
    lambda size: st.tuples(
        st.just(size),
        st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=3 * size),
    )
)
_examples = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(graph=graphs)
def test_shortest_lengths_equal_a_breadth_first_search(
    store: tuple[Runner, Memory, str], graph: tuple[int, list[tuple[int, int]]]
) -> None:
    runner, memory, namespace = store
    size, edges = graph
    tag = next(_examples)
    made = {"size": size, "g": tag, "edges": [list(e) for e in edges]}
    for query in (
        "UNWIND range(0, $size - 1) AS i CREATE (:H {g: $g, i: i})",
        "UNWIND $edges AS e MATCH (a:H {g: $g, i: e[0]}), (b:H {g: $g, i: e[1]}) "
        "CREATE (a)-[:E]->(b)",
    ):
        runner.run(memory.cypher(namespace, query, made, mode="write"))
    for arrow, directed in (("->", True), ("-", False)):
        found = runner.run(
            memory.cypher(
                namespace,
                "MATCH (a:H {g: $g}), (b:H {g: $g}) WHERE a <> b "
                f"MATCH p = shortestPath((a)-[:E*]{arrow}(b)) RETURN a.i, b.i, length(p)",
                {"g": tag},
            )
        )
        got = {(a, b): hops for a, b, hops in found.rows}
        want = {
            (a, b): hops for a in range(size) for b, hops in _bfs(size, edges, a, directed).items()
        }
        assert got == want, (arrow, edges)
    every = runner.run(
        memory.cypher(
            namespace,
            "MATCH (a:H {g: $g}), (b:H {g: $g}) WHERE a <> b "
            "MATCH p = allShortestPaths((a)-[:E*]->(b)) RETURN a.i, b.i, count(p)",
            {"g": tag},
        )
    )
    for a, b, paths in every.rows:
        hops = _bfs(size, edges, a, True)[b]
        assert paths == _count(size, edges, a, b, hops), (a, b, edges)


# -- costly shapes: a bounded answer or limit_exceeded, never a hang ---------------------


async def _layers(memory: Memory, namespace: str, width: int, depth: int) -> None:
    """A source, ``depth`` layers of ``width`` nodes each joined to every node of the
    next, and a sink: ``width ** depth`` shortest paths from source to sink."""
    await memory.cypher(
        namespace,
        "CREATE (:S {n: 'source'}), (:S {n: 'sink'}) WITH 1 AS one "
        "UNWIND range(1, $depth) AS layer UNWIND range(1, $width) AS i "
        "CREATE (:D {layer: layer, i: i})",
        {"width": width, "depth": depth},
        mode="write",
    )
    for query in (
        "MATCH (a:D), (b:D) WHERE b.layer = a.layer + 1 CREATE (a)-[:R]->(b)",
        "MATCH (s:S {n: 'source'}), (a:D {layer: 1}) CREATE (s)-[:R]->(a)",
        "MATCH (t:S {n: 'sink'}), (a:D {layer: $depth}) CREATE (a)-[:R]->(t)",
    ):
        await memory.cypher(namespace, query, {"depth": depth}, mode="write")


async def test_a_dense_graph_gives_one_shortest_path_and_refuses_a_million(
    memory: Memory, namespace: str
) -> None:
    await _layers(memory, namespace, width=10, depth=6)
    one = await memory.cypher(
        namespace,
        "MATCH p = shortestPath((s:S {n: 'source'})-[*]-(t:S {n: 'sink'})) RETURN length(p)",
    )
    assert one.rows == [[7]]
    with pytest.raises(LimitExceeded, match="found 1000000 shortest paths, more than 100000"):
        await memory.cypher(
            namespace,
            "MATCH p = allShortestPaths((s:S {n: 'source'})-[*]->(t:S {n: 'sink'})) "
            "RETURN count(p)",
        )
    few = await memory.cypher(
        namespace,
        "MATCH (s:S {n: 'source'}), (a:D {layer: 3}) "
        "MATCH p = allShortestPaths((s)-[*]->(a)) RETURN count(p)",
    )
    assert few.rows == [[10 * 10 * 10]]  # 100 paths to each of the 10 nodes of layer 3


async def test_gql_path_selectors_answer_as_the_functions(memory: Memory, namespace: str) -> None:
    await _graph(memory, namespace)
    one = await memory.cypher(
        namespace,
        "MATCH p = SHORTEST 1 (a:P {n: 'a'})-[:K]->+(d:P {n: 'd'}) RETURN length(p)",
    )
    assert one.rows == [[3]]
    every = await memory.cypher(
        namespace,
        "MATCH p = ALL SHORTEST PATHS (a:P {n: 'a'})-[:K|M]->{1,4}(d:P {n: 'd'}) "
        "RETURN [n IN nodes(p) | n.n]",
    )
    assert every.rows == [[["a", "x", "d"]]]
    anyone = await memory.cypher(
        namespace, "MATCH ANY SHORTEST (a:P {n: 'd'})<-[r]-*(b:P {n: 'a'}) RETURN size(r)"
    )
    assert anyone.rows == [[1]]
    with pytest.raises(CypherSemanticError, match="not SHORTEST k"):
        plan("MATCH p = SHORTEST 2 (a)-[:K]->+(b) RETURN p")


async def test_rest_answers_the_path_and_names_the_length_bound(
    client: httpx.AsyncClient, namespace: str
) -> None:
    url = f"/v1/namespaces/{namespace}/cypher"
    made = await client.post(url, json={"query": GRAPH, "mode": "write"})
    assert made.status_code == 200, made.text
    found = await client.post(
        url,
        json={"query": "MATCH p = shortestPath((a:P {n: 'a'})-[:K*]->(d:P {n: 'd'})) RETURN p"},
    )
    assert found.status_code == 200, found.text
    (path,) = found.json()["rows"][0]
    assert path["kind"] == "path" and [n["properties"]["n"] for n in path["nodes"]] == [
        "a",
        "b",
        "c",
        "d",
    ]
    refused = await client.post(
        url, json={"query": "MATCH p = shortestPath((a)-[*..500]-(b)) RETURN p"}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "limit_exceeded"
