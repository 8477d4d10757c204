"""Agents' state through the Python API: versions, optimistic concurrency (a stale
write changes nothing), history, resets, scratch keys that expire."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.errors import (
    AgentStateNotFound,
    InvalidInput,
    NamespaceNotFound,
    ScratchKeyNotFound,
    StaleVersion,
)

# What jsonb keeps exactly: no lone surrogates and no NUL, in values or in map keys
# (both are refused with a clear error, tested above).
STORABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(alphabet=STORABLE),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet=STORABLE, max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


async def test_versions_count_up_and_each_stays_readable(memory: Memory, namespace: str) -> None:
    states = memory.agent_states
    first = await states.put(namespace, "planner", {"step": 1})
    second = await states.put(namespace, "planner", {"step": 2}, expected_version=1)
    assert (first.version, second.version) == (1, 2)
    assert (await states.get(namespace, "planner")).state == {"step": 2}
    assert (await states.get(namespace, "planner", version=1)).state == {"step": 1}
    history = await states.history(namespace, "planner")
    assert [(h.version, h.state) for h in history] == [(2, {"step": 2}), (1, {"step": 1})]
    assert [h.version for h in await states.history(namespace, "planner", before=2)] == [1]


async def test_stale_write_is_refused_and_changes_nothing(memory: Memory, namespace: str) -> None:
    states = memory.agent_states
    await states.put(namespace, "a", {"n": 1}, expected_version=0)
    await states.put(namespace, "a", {"n": 2}, expected_version=1)
    with pytest.raises(StaleVersion) as refused:
        await states.put(namespace, "a", {"n": 99}, expected_version=1)
    assert refused.value.extra["current_version"] == 2
    with pytest.raises(StaleVersion):
        await states.put(namespace, "a", {"n": 99}, expected_version=0)
    assert (await states.get(namespace, "a")).state == {"n": 2}
    assert len(await states.history(namespace, "a")) == 2


async def test_concurrent_conditional_writers_one_wins_per_version(
    memory: Memory, namespace: str
) -> None:
    states = memory.agent_states
    await states.put(namespace, "racer", {"by": None})

    async def write(i: int) -> bool:
        try:
            await states.put(namespace, "racer", {"by": i}, expected_version=1)
        except StaleVersion:
            return False
        return True

    async with asyncio.timeout(30):
        won = await asyncio.gather(*(write(i) for i in range(8)))
    assert sum(won) == 1
    current = await states.get(namespace, "racer")
    assert current.version == 2 and current.state == {"by": won.index(True)}


async def test_first_writes_race_with_version_zero(memory: Memory, namespace: str) -> None:
    async def create(i: int) -> bool:
        try:
            await memory.agent_states.put(namespace, "fresh", i, expected_version=0)
        except StaleVersion:
            return False
        return True

    async with asyncio.timeout(30):
        won = await asyncio.gather(*(create(i) for i in range(6)))
    assert sum(won) == 1


async def test_reset_keeps_history_and_versions_never_repeat(
    memory: Memory, namespace: str
) -> None:
    states = memory.agent_states
    await states.put(namespace, "a", [1])
    reset = await states.reset(namespace, "a", expected_version=1)
    assert reset.version == 2 and reset.state is None
    with pytest.raises(AgentStateNotFound):
        await states.get(namespace, "a")
    assert (await states.put(namespace, "a", [2], expected_version=2)).version == 3
    assert [h.state for h in await states.history(namespace, "a")] == [[2], None, [1]]
    assert [a.agent for a in await states.agents(namespace)] == ["a"]


async def test_bad_input_and_unknown_things_are_clear_errors(
    memory: Memory, namespace: str
) -> None:
    states = memory.agent_states
    with pytest.raises(AgentStateNotFound):
        await states.get(namespace, "nobody")
    with pytest.raises(NamespaceNotFound):
        await states.put("no_such_ns", "a", {})
    with pytest.raises(InvalidInput):
        await states.put(namespace, " padded", {})
    with pytest.raises(InvalidInput):
        await states.put(namespace, "a", {"t": "nul\x00"})
    with pytest.raises(InvalidInput):
        await states.put(namespace, "a", {"nul\x00": 1})
    with pytest.raises(InvalidInput):
        await states.put(namespace, "a", {"\ud800": 1})
    with pytest.raises(InvalidInput):
        await states.put(namespace, "a", {"x": float("nan")})
    with pytest.raises(InvalidInput):
        await states.put(namespace, "a", {}, expected_version=-1)
    assert await states.agents(namespace) == []


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=JSON)
async def test_any_json_document_comes_back_equal(
    memory: Memory, namespace: str, document: object
) -> None:
    stored = await memory.agent_states.put(namespace, "prop", document)
    assert (await memory.agent_states.get(namespace, "prop")).state == document
    assert (await memory.agent_states.get(namespace, "prop", version=stored.version)).state == (
        document
    )


async def test_scratch_keys_expire_and_can_be_deleted(memory: Memory, namespace: str) -> None:
    states = memory.agent_states
    await states.set_scratch(namespace, "a", "short", {"v": 1}, ttl_s=0.3)
    await states.set_scratch(namespace, "a", "long", "kept")
    assert (await states.scratch(namespace, "a", "short")).value == {"v": 1}
    await asyncio.sleep(0.5)
    with pytest.raises(ScratchKeyNotFound):
        await states.scratch(namespace, "a", "short")
    assert [e.key for e in await states.scratch_keys(namespace, "a")] == ["long"]
    assert await states.delete_scratch(namespace, "a", "short") is False
    assert await states.delete_scratch(namespace, "a", "long") is True
    assert await states.scratch_keys(namespace, "a") == []
    with pytest.raises(InvalidInput):
        await states.set_scratch(namespace, "a", "k", 1, ttl_s=0)


async def test_scratch_key_set_again_gets_the_new_value_and_expiry(
    memory: Memory, namespace: str
) -> None:
    states = memory.agent_states
    await states.set_scratch(namespace, "a", "k", 1, ttl_s=0.2)
    renewed = await states.set_scratch(namespace, "a", "k", 2)
    assert renewed.expires_at is None
    await asyncio.sleep(0.3)
    assert (await states.scratch(namespace, "a", "k")).value == 2
