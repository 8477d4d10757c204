"""Graph expansion: k-hop neighbourhoods with per-hop limits, personalised PageRank seeded
by named or mentioned entities, provenance edges not followed; and the SQL traversal
giving the same answers as Cypher."""

import random

import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import InvalidInput
from kgmem.model import ExpansionQuery, SearchQuery
from kgmem.retrieval import expansion
from kgmem.storage.graph import namespaces, traversal
from kgmem.storage.graph import vertices as vertex_store
from tests.retrieval.graphs import uids


async def build(memory: Memory, namespace: str) -> None:
    names = {
        "paris": ("Place", "Paris"),
        "eiffel": ("Concept", "Eiffel Tower"),
        "louvre": ("Concept", "Louvre"),
        "alice": ("Person", "Alice"),
        "bob": ("Person", "Bob"),
        "carol": ("Person", "Carol"),
    }
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite(u, lab, {"name": n}) for u, (lab, n) in names.items()]
            + [EntityWrite(f"ep{i}", "Episode", {"text": f"turn {i}"}) for i in range(4)],
            facts=[
                FactWrite("eiffel", "LOCATED_IN", "paris", uid="f1"),
                FactWrite("louvre", "LOCATED_IN", "paris", uid="f2"),
                FactWrite("alice", "LIVES_IN", "paris", uid="f3"),
                FactWrite("bob", "KNOWS", "alice", uid="f4"),
                FactWrite("carol", "KNOWS", "bob", uid="f5"),
            ],
        ),
    )
    await memory.upsert_entity(namespace, EntityWrite("speaker", "Source", {"name": "Speaker"}))
    await memory.write_batch(
        namespace,
        BatchWrite(
            facts=[FactWrite("speaker", "ASSERTS", f"ep{i}", uid=f"a{i}") for i in range(4)]
        ),
    )


async def hood(
    memory: Memory, namespace: str, seeds: list[str], q: ExpansionQuery
) -> dict[str, int]:
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        refs = await vertex_store.resolve(conn, ns, seeds)
        sub = await expansion.neighbourhood(conn, ns, [r.id for r in refs.values()], q)
        rows = await vertex_store.by_ids(conn, ns, list(sub.hops))
    return {rows[i].uid: hop for i, hop in sub.hops.items()}


async def test_k_hop_neighbourhood(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    one = await hood(memory, namespace, ["paris"], ExpansionQuery(hops=1))
    assert one == {"paris": 0, "eiffel": 1, "louvre": 1, "alice": 1}
    three = await hood(memory, namespace, ["paris"], ExpansionQuery(hops=3))
    assert three["bob"] == 2 and three["carol"] == 3


async def test_per_hop_limit_keeps_the_lowest_edges(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    q = ExpansionQuery(hops=1, per_hop=2)
    got = await hood(memory, namespace, ["paris"], q)
    assert len(got) == 3 and got["paris"] == 0
    assert set(got) - {"paris"} < {"eiffel", "louvre", "alice"}
    assert await hood(memory, namespace, ["paris"], q) == got  # deterministic


async def test_provenance_edges_are_not_followed(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    assert await hood(memory, namespace, ["speaker"], ExpansionQuery(hops=2)) == {"speaker": 0}


async def test_pagerank_seeded_by_a_mentioned_name(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    result = await memory.search(
        namespace,
        SearchQuery(
            text="what is next to the eiffel tower",
            expansion=ExpansionQuery(hops=2),
            types=("entities",),
        ),
    )
    assert uids(result.hits)[:2] == ["eiffel", "paris"]
    assert "query mentions 'Eiffel Tower'" in result.hits[0].reasons["graph"]
    graph = {h.uid: h.scores["graph"] for h in result.hits}
    assert graph["eiffel"] == 1.0 and graph["paris"] > graph.get("alice", 0.0)


async def test_explicit_seeds_without_text(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    result = await memory.search(
        namespace,
        SearchQuery(expansion=ExpansionQuery(seeds=("carol",), hops=2), types=("entities",)),
    )
    assert uids(result.hits) == ["carol", "bob", "alice"]


def test_pagerank_on_a_path_decreases_with_distance() -> None:
    edges = [traversal.Edge(10 + i, i, i + 1, "KNOWS") for i in range(4)]
    sub = expansion.Subgraph({i: i for i in range(5)}, edges)
    ranks = expansion.pagerank(sub, {0: 1.0}, damping=0.5)
    assert ranks[0] == 1.0
    assert ranks[0] > ranks[1] > ranks[2] > ranks[3] > ranks[4] > 0
    assert expansion.pagerank(sub, {}, damping=0.5) == {}


@pytest.mark.parametrize(
    "q",
    [
        ExpansionQuery(seeds=("a",), hops=0),
        ExpansionQuery(seeds=("a",), per_hop=0),
        ExpansionQuery(seeds=("a",), damping=1.0),
    ],
)
async def test_bad_expansion_parameters(memory: Memory, namespace: str, q: ExpansionQuery) -> None:
    with pytest.raises(InvalidInput):
        await memory.search(namespace, SearchQuery(expansion=q))


async def test_sql_traversal_equals_cypher(memory: Memory, namespace: str) -> None:
    rng = random.Random(4)
    n = 40
    predicates = ("KNOWS", "RELATED_TO", "PART_OF", "ASSERTS")
    facts = [
        FactWrite(
            f"v{rng.randrange(n)}", rng.choice(predicates), f"v{rng.randrange(n)}", uid=f"f{i}"
        )
        for i in range(120)
    ]
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite(f"v{i}", "Entity", {"name": f"v{i}"}) for i in range(n)],
            facts=facts,
        ),
    )
    for i in range(0, 120, 7):
        await memory.close_fact(namespace, f"f{i}")
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        refs = await vertex_store.resolve(conn, ns, [f"v{i}" for i in range(n)])
        ids = sorted(r.id for r in refs.values())
        for size in (1, 3, 10, n):
            frontier = rng.sample(ids, size)
            for exclude in ((), ("ASSERTS",)):
                sql = await traversal.step(conn, ns, frontier, exclude=exclude)
                cypher = await traversal.step_cypher(conn, ns, frontier, exclude=exclude)
                assert sql == cypher
                assert sql  # non-trivial
