from kgmem import EntityWrite, FactWrite, Memory
from kgmem.model import SearchQuery

VEC = [0.25] * 384

async def test_smoke(memory: Memory, namespace: str) -> None:
    await memory.upsert_entity(namespace, EntityWrite("alice", "Person", {"name": "Alice", "summary": "CTO of Acme rockets"}, embedding=VEC))
    await memory.upsert_entity(namespace, EntityWrite("acme", "Organization", {"name": "Acme"}, embedding=[0.1]*383+[0.9]))
    await memory.add_fact(namespace, FactWrite("alice", "WORKS_AT", "acme", text="Alice works at Acme"))
    r = await memory.search(namespace, SearchQuery(text="acme rockets", explain=True))
    for h in r.hits:
        print(h.kind, h.uid, h.score, h.scores, h.reasons)
    print(r.plan, r.timings_ms)
    assert r.hits
