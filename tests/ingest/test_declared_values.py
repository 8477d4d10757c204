"""The Python API checks a record's declared data fields as the doors' requests do: a
name the declaration does not have is refused, and nothing is stored."""

from __future__ import annotations

import pytest

from kgmem import Memory
from kgmem.errors import EntityNotFound, FactNotFound, InvalidRequest
from kgmem.model import EntityWrite, EpisodeWrite, FactWrite


async def test_an_episode_with_an_undeclared_field_is_refused(
    memory: Memory, namespace: str
) -> None:
    episode = EpisodeWrite("Ann met Bo.", uid="ep-x", declared={"mood": "calm"})
    with pytest.raises(InvalidRequest, match="not an episode field: mood"):
        await memory.add_episodes(namespace, [episode])
    with pytest.raises(EntityNotFound):
        await memory.get_entity(namespace, "ep-x")


async def test_a_fact_with_an_undeclared_field_is_refused(memory: Memory, namespace: str) -> None:
    for uid in ("ann", "bo"):
        await memory.upsert_entity(namespace, EntityWrite(uid, "Person", {"name": uid}))
    fact = FactWrite("ann", "KNOWS", "bo", uid="f-x", declared={"mood": "calm"})
    with pytest.raises(InvalidRequest, match="not a fact field: mood"):
        await memory.add_fact(namespace, fact)
    with pytest.raises(FactNotFound):
        await memory.get_fact(namespace, "f-x")
