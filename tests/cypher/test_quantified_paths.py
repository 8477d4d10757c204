"""Quantified path patterns that mean a variable length (``-[:R]->{1,3}``,
``((a)-[:R]->(b)){1,3}``, ``+``, ``*``) and type alternation with a variable length
(``[:A|B*1..2]``), answered as Neo4j 5 answers them."""

from __future__ import annotations

import pytest

from kgmem import Memory
from kgmem.cypher import plan
from kgmem.errors import CypherSemanticError

# a -R-> b -R-> c -S-> d -R-> e
CHAIN = (
    "CREATE (a:N {n: 'a'})-[:R]->(b:N {n: 'b'})-[:R]->(c:N {n: 'c'})-[:S]->(d:N {n: 'd'})"
    "-[:R]->(e:N {n: 'e'})"
)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("MATCH (a)-[:R]->{1,3}(b) RETURN b", "MATCH (a)-[:R*1..3]->(b) RETURN b"),
        ("MATCH (a)-->+(b) RETURN b", "MATCH (a)-[*1..]->(b) RETURN b"),
        ("MATCH (a)<-[r]-*(b) RETURN b", "MATCH (a)<-[r*0..]-(b) RETURN b"),
        ("MATCH (a)-[:R]-{2}(b) RETURN b", "MATCH (a)-[:R*2..2]-(b) RETURN b"),
        ("MATCH (a) ((x)-[r:R]->(y)){1,3} (b) RETURN b", "MATCH (a) -[r:R*1..3]-> (b) RETURN b"),
        ("MATCH (a)(()-->()){,2}(b) RETURN b", "MATCH (a)-[*0..2]->(b) RETURN b"),
    ],
)
def test_a_quantifier_becomes_a_variable_length(query: str, text: str) -> None:
    assert plan(query).text == text


def test_a_group_kgmem_cannot_write_as_a_length_is_refused_by_name() -> None:
    for query in (
        "MATCH (a)((x:N)-[:R]->(y)){1,3}(b) RETURN b",
        "MATCH (a)((x)-[:R]->(y)){1,3}(b) RETURN x",
        "MATCH (a)((x)-[:R]->(y)-[:R]->(z)){1,3}(b) RETURN b",
    ):
        with pytest.raises(CypherSemanticError, match="quantified path pattern"):
            plan(query)


async def _names(memory: Memory, namespace: str, query: str) -> list[str]:
    return [r[0] for r in (await memory.cypher(namespace, query)).rows]


async def test_quantified_paths_answer_as_in_neo4j(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, CHAIN, mode="write")
    start = "MATCH (a:N {n: 'a'})"
    assert await _names(memory, namespace, f"{start}-[:R]->{{1,3}}(b) RETURN b.n ORDER BY b.n") == [
        "b",
        "c",
    ]
    assert await _names(memory, namespace, f"{start}-->+(b) RETURN b.n ORDER BY b.n") == [
        "b",
        "c",
        "d",
        "e",
    ]
    assert await _names(memory, namespace, f"{start} ((x)-[r]->(y)){{2}} (b) RETURN b.n") == ["c"]
    assert await _names(
        memory, namespace, f"{start}-[:R|S]->{{1,4}}(b) RETURN b.n ORDER BY b.n"
    ) == ["b", "c", "d", "e"]
    zero = await memory.cypher(namespace, "MATCH (a:N {n: 'a'})-[:R]->*(b) RETURN b.n ORDER BY b.n")
    assert [r[0] for r in zero.rows] == ["a", "b", "c"]


async def test_type_alternation_with_a_variable_length(memory: Memory, namespace: str) -> None:
    await memory.cypher(namespace, CHAIN, mode="write")
    found = await memory.cypher(
        namespace,
        "MATCH p = (a:N {n: 'b'})-[rs:R|S*1..2]->(b) "
        "RETURN b.n, size(rs), [r IN relationships(p) | type(r)] ORDER BY b.n",
    )
    assert found.rows == [["c", 1, ["R"]], ["d", 2, ["R", "S"]]]
    legacy = await memory.cypher(namespace, "MATCH (a:N {n: 'c'})-[:S|:R*2]->(b) RETURN b.n")
    assert legacy.rows == [["e"]]
    only_r = await memory.cypher(
        namespace, "MATCH (a:N {n: 'a'})-[:R|T*1..5]->(b) RETURN b.n ORDER BY b.n"
    )
    assert only_r.rows == [["b"], ["c"]]
