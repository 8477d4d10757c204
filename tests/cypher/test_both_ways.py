"""Relationships with both arrowheads (``<-->``, ``<-[r]->``) match either direction,
as openCypher reads them (``kgmem.cypher.both_ways``)."""

import pytest

from kgmem import Memory
from kgmem.cypher import plan


def test_both_arrowheads_are_written_without_any() -> None:
    assert "<-" not in plan("MATCH (a)<-->(b) RETURN a").text
    text = plan("MATCH (a)<-[r:KNOWS*1..2]->(b) RETURN r").text
    assert "-[r:KNOWS*1..2]-" in text
    assert "<-" not in text
    assert plan("RETURN 2 <- 1 AS y").text == "RETURN 2 <- 1 AS y"  # less than minus one


_BOTH_WAYS = [
    "MATCH (a {n: 'A'})-->(x)<-->(b {n: 'B'}) RETURN x.n",
    "MATCH (x)<-[r:K]->(y) RETURN x.n, y.n",
    "MATCH (a {n: 'A'}) RETURN size([(a)<-[:K]->(y) | y]) AS s",
    "MATCH (a) WHERE (a)<-->({n: 'x1'}) RETURN a.n",
]


@pytest.mark.parametrize("both", _BOTH_WAYS)
async def test_both_ways_match_what_no_arrowhead_matches(
    memory: Memory, namespace: str, both: str
) -> None:
    undirected = both.replace("<-->", "--").replace("<-[", "-[").replace("]->", "]-")
    await memory.cypher(
        namespace,
        "CREATE (a {n: 'A'}), (b {n: 'B'}), (x1 {n: 'x1'}), (x2 {n: 'x2'}) "
        "CREATE (a)-[:K]->(x1), (a)-[:K]->(x2), (x1)-[:K]->(b), (b)-[:K]->(x2)",
        mode="write",
    )
    got = (await memory.cypher(namespace, both)).rows
    assert got
    assert sorted(got, key=repr) == sorted(
        (await memory.cypher(namespace, undirected)).rows, key=repr
    )
