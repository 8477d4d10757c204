"""Generated fact uids sort in the order they were made, so the facts of one write are
stored in the order they were stated, and ties between them break the same way."""

import threading

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.graph import uids


def test_generated_uids_are_unique_increasing_and_uuid_sized() -> None:
    made = [uids.generated() for _ in range(5000)]
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(len(u) == 32 and int(u, 16) >= 0 for u in made)


def test_generated_uids_stay_unique_across_threads() -> None:
    made: list[list[str]] = [[] for _ in range(4)]

    def work(k: int) -> None:
        made[k].extend(uids.generated() for _ in range(2000))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    everything = [u for part in made for u in part]
    assert len(set(everything)) == 8000
    assert all(part == sorted(part) for part in made)


async def test_of_two_values_stated_in_one_write_from_one_start_the_later_wins(
    memory: Memory, namespace: str
) -> None:
    known = [EntityWrite("dana", "Person"), EntityWrite("berlin", "Place")]
    known.append(EntityWrite("rome", "Place"))
    await memory.write_batch(namespace, BatchWrite(entities=known))
    for first, second in [("berlin", "rome"), ("rome", "berlin")] * 3:
        facts = [FactWrite("dana", "LIVES_IN", first), FactWrite("dana", "LIVES_IN", second)]
        await memory.write_batch(namespace, BatchWrite(facts=facts))
        detail = await memory.get_entity(namespace, "dana")
        assert [f.object for f in detail.outgoing if f.predicate == "LIVES_IN"] == [second]
