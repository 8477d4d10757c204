"""The causal walk in one statement per hop (the first also finds the anchor, each reads
the side rows of the vertices it reaches) gives the paths of the walk it replaced: the
anchor resolved by uid, ``causal_step`` per hop, then the side rows of every vertex on
the paths and the graph ids of the ends and last facts looked up by uid."""

from __future__ import annotations

from typing import Any

import pytest

from bench.roundtrips import RoundTrips
from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import EntityNotFound
from kgmem.model import CausalQuery
from kgmem.retrieval import causal
from kgmem.storage.graph import namespaces, traversal
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.indexes import candidates as cand
from tests.retrieval.graphs import at
from tests.retrieval.test_causal import build

QUERIES = [
    CausalQuery(anchor, direction, depth=depth, min_strength=floor)
    for anchor in ("a", "b", "c", "e", "x", "y", "z")
    for direction in ("forward", "backward")
    for depth in (1, 2, 3, 6)
    for floor in (0.0, 0.35)
]


async def reference(conn: Any, ns: Any, predicates: list[str], q: CausalQuery) -> list[Any]:
    """The old walk, statement by statement: (end, strength, steps, end id, last fact id)."""
    anchor = (await vertex_store.resolve(conn, ns, [q.anchor]))[q.anchor].id
    forward = q.direction == "forward"
    frontier: list[tuple[tuple[int, ...], float, tuple[traversal.CausalEdge, ...]]] = [
        ((anchor,), 1.0, ())
    ]
    done = []
    for _ in range(q.depth):
        ends = sorted({nodes[-1] for nodes, _, _ in frontier})
        edges = await traversal.causal_step(
            conn, ns, ends, predicates=predicates, direction="out" if forward else "in"
        )
        nxt = []
        for nodes, strength, path in frontier:
            for e in edges:
                if (e.start if forward else e.end) != nodes[-1]:
                    continue
                other = e.end if forward else e.start
                s = strength * causal.strength_of(e)
                if other not in nodes and s >= q.min_strength:
                    nxt.append(((*nodes, other), s, (*path, e)))
        frontier = nxt[: causal.MAX_PATHS]
        done.extend(frontier)
        if not frontier:
            break
    rows = await cand.vertex_rows(conn, ns, sorted({n for nodes, _, _ in done for n in nodes}))
    fact_ids = await cand.fact_uids(conn, ns, sorted({e.uid for _, _, p in done for e in p}))
    ends = await vertex_store.resolve(conn, ns, {rows[nodes[-1]].uid for nodes, _, _ in done})
    out = [
        (
            rows[nodes[-1]].uid,
            s,
            tuple((e.uid, rows[e.start].uid, rows[e.end].uid, causal.strength_of(e)) for e in p),
            ends[rows[nodes[-1]].uid].id,
            fact_ids[p[-1].uid],
        )
        for nodes, s, p in done
    ]
    out.sort(key=lambda t: (-t[1], len(t[2]), t[0]))
    return out


async def test_one_statement_per_hop_matches_the_old_walk(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    # A fan-out and a diamond, so hops have several frontier vertices and paths meet.
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite(
                    n, "Event", {"name": f"event {n}", "starts_at": at(2021, 1).isoformat()}
                )
                for n in ("f", "g", "h")
            ],
            facts=[
                FactWrite(s, "CAUSES", o, uid=f"{s}-{o}", properties={"strength": w})
                for s, o, w in [("b", "f", 0.9), ("b", "g", 0.6), ("f", "h", 1.0), ("g", "h", 0.7)]
            ],
        ),
    )
    ctx = memory.ctx
    predicates = sorted(n for n, spec in ctx.schema.edges.items() if spec.causal)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        nonempty = 0
        for q in QUERIES:
            expected = await reference(conn, ns, predicates, q)
            with RoundTrips(conn) as trips:
                found, rows = await causal.traced(ctx, conn, ns, q)
            got = [
                (
                    t.path.end,
                    t.path.strength,
                    tuple((s.fact, s.cause, s.effect, s.strength) for s in t.path.steps),
                    t.end,
                    t.last_fact,
                )
                for t in found
            ]
            assert got == expected, q
            # One statement per hop taken, never more than the depth.
            hops = max((len(t.path.steps) for t in found), default=0)
            assert trips.total <= q.depth and trips.total in (hops, hops + 1), q
            # The side rows returned are those the filter stage would read.
            assert rows == await cand.vertex_rows(conn, ns, sorted(rows))
            assert {t.end for t in found} <= rows.keys()
            nonempty += bool(found)
        assert nonempty > 20  # the queries exercise real walks, not only empty ones


async def test_unknown_anchor_found_in_the_first_hop(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        with pytest.raises(EntityNotFound):
            await causal.traced(memory.ctx, conn, ns, CausalQuery("nobody"))
        # A known anchor without causal edges: no paths, one statement.
        with RoundTrips(conn) as trips:
            found, rows = await causal.traced(memory.ctx, conn, ns, CausalQuery("z"))
        assert found == [] and trips.total == 1
        assert [r.uid for r in rows.values()] == ["z"]
