"""A merge applies the supersession rule to the kept entity, and an unmerge undoes the
closes it made (``kgmem.ingest.merges``)."""

from datetime import UTC, datetime

from kgmem import BatchWrite, EntityWrite, FactQuery, FactWrite, Memory
from kgmem.model import SearchQuery, TimeQuery

Y2020 = datetime(2020, 1, 1, tzinfo=UTC)
Y2024 = datetime(2024, 1, 1, tzinfo=UTC)
Y2025 = datetime(2025, 6, 1, tzinfo=UTC)


async def _lives_in(memory: Memory, namespace: str) -> dict[str, tuple]:
    query = FactQuery(predicate="LIVES_IN", include_closed=True)
    return {
        f.object: (f.subject, f.valid_to, f.is_closed)
        for f in (await memory.list_facts(namespace, query)).items
    }


async def test_merge_closes_the_older_value_and_unmerge_reopens_it(
    memory: Memory, namespace: str
) -> None:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite("dana", "Person", {"name": "Dana"}),
                EntityWrite("dana2", "Person", {"name": "Dana K."}),
                EntityWrite("berlin", "Place", {"name": "Berlin"}),
                EntityWrite("lisbon", "Place", {"name": "Lisbon"}),
            ],
            facts=[
                FactWrite("dana", "LIVES_IN", "berlin", valid_from=Y2020),
                FactWrite("dana2", "LIVES_IN", "lisbon", valid_from=Y2024),
            ],
        ),
    )
    before = datetime.now(UTC)
    merge = await memory.merge_entities(namespace, "dana", "dana2")
    assert await _lives_in(memory, namespace) == {
        "berlin": ("dana", Y2024, True),
        "lisbon": ("dana", None, False),
    }
    # As believed before the merge: Berlin still open.
    found = await memory.search(
        namespace,
        SearchQuery(time=TimeQuery(valid_at=Y2025, known_at=before), types=("facts",), k=10),
    )
    assert {h.fact.object for h in found.hits if h.fact} == {"berlin", "lisbon"}
    await memory.unmerge(namespace, merge.id)
    assert await _lives_in(memory, namespace) == {
        "berlin": ("dana", None, False),
        "lisbon": ("dana2", None, False),
    }
    assert set((await memory.check_namespace(namespace)).values()) == {0}
