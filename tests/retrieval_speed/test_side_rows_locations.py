"""The side rows of candidates with their facts' endpoint locations in one statement
(``side_rows_and_locations``) give what ``side_rows`` and then ``geo.locations`` gave;
facts by graph id with their properties in one statement give what the per-fact read
gives."""

from __future__ import annotations

import itertools

from bench.roundtrips import RoundTrips
from kgmem import BatchWrite, FactWrite, Memory
from kgmem.storage.graph import fact_reads, namespaces
from kgmem.storage.indexes import candidates as cand
from kgmem.storage.indexes import geo
from tests.retrieval.graphs import add_cities, add_people
from tests.retrieval.test_causal import build as build_causal


async def test_side_rows_and_locations_match_two_reads(memory: Memory, namespace: str) -> None:
    await add_people(memory, namespace)
    await add_cities(memory, namespace)
    # Facts between located cities, and from unlocated people to cities.
    await memory.write_batch(
        namespace,
        BatchWrite(
            facts=[
                FactWrite("london", "RELATED_TO", "paris", uid="l-p"),
                FactWrite("suva", "RELATED_TO", "apia", uid="s-a"),
                FactWrite("alice", "RELATED_TO", "berlin", uid="a-b"),
                FactWrite("bob", "RELATED_TO", "acme", uid="b-a"),
            ]
        ),
    )
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        vertex_ids = [r["id"] for r in await conn.fetch(f'SELECT id FROM "{namespace}"._kg_vertex')]
        fact_ids = [r["id"] for r in await conn.fetch(f'SELECT id FROM "{namespace}"._kg_fact')]
        assert len(vertex_ids) >= 10 and len(fact_ids) >= 4
        cases = [
            (vertex_ids, fact_ids),
            (vertex_ids[:3], fact_ids[:2]),
            ([], fact_ids),
            (vertex_ids, []),
            ([], []),
            ([10**12], [10**12]),  # ids that are not there
        ]
        # ``more``: endpoints of facts read before, located in the same statement.
        for (vs, fs), more in itertools.product(cases, [[], vertex_ids[:4], [10**12]]):
            vertices, facts, located = await cand.side_rows_and_locations(conn, ns, vs, fs, more)
            old_v, old_f = await cand.side_rows(conn, ns, vs, fs)
            assert (vertices, facts) == (old_v, old_f)
            ends = sorted(
                {e for f in old_f.values() for e in (f.subject_id, f.object_id)} | set(more)
            )
            found = await geo.locations(conn, ns, ends) if ends else {}
            assert located == {e: found.get(e) for e in ends}
        # The full case has located and unlocated endpoints both.
        _, _, located = await cand.side_rows_and_locations(conn, ns, vertex_ids, fact_ids)
        assert None in located.values() and any(v is not None for v in located.values())


async def test_facts_by_ids_in_one_statement_match_facts_read_one_by_one(
    memory: Memory, namespace: str
) -> None:
    await build_causal(memory, namespace)
    await add_people(memory, namespace)
    async with memory.database.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        rows = await conn.fetch(f'SELECT id, uid FROM "{namespace}"._kg_fact ORDER BY id')
        with RoundTrips(conn) as trips:
            found = await fact_reads.by_ids(conn, ns, [r["id"] for r in rows] + [10**12])
        assert trips.total == 1
        expected = {r["id"]: await fact_reads.get(conn, ns, r["uid"]) for r in rows}
        assert found == expected
        # Properties are really read (the causal edges carry strength and lag).
        assert found[next(r["id"] for r in rows if r["uid"] == "a-b")].properties == {
            "strength": 0.8,
            "lag": "P1D",
        }
