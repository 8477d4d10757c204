"""Text UTF-8 cannot encode (a lone surrogate) is refused at the storage boundary as
``InvalidText`` on every path of the Python API, whatever the HTTP edge checked."""

from __future__ import annotations

import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.errors import InvalidNumber, InvalidText, LimitExceeded
from kgmem.storage import agtype

LONE = "x\ud800y"


async def test_entity_properties_with_a_lone_surrogate_are_refused(
    memory: Memory, namespace: str
) -> None:
    for properties in ({"name": LONE}, {"tags": ["ok", {"deep": LONE}]}):
        with pytest.raises(InvalidText, match=r"\\ud800"):
            await memory.upsert_entity(namespace, EntityWrite("a", "Person", properties))
    assert sum((await memory.namespace_stats(namespace)).vertices.values()) == 0


async def test_a_fact_with_a_lone_surrogate_is_refused(memory: Memory, namespace: str) -> None:
    await memory.upsert_entity(namespace, EntityWrite("a", "Person"))
    await memory.upsert_entity(namespace, EntityWrite("b", "Person"))
    with pytest.raises(InvalidText):
        await memory.add_fact(namespace, FactWrite("a", "KNOWS", "b", properties={"t": LONE}))


async def test_cypher_text_and_parameters_with_a_lone_surrogate_are_refused(
    memory: Memory, namespace: str
) -> None:
    with pytest.raises(InvalidText):
        await memory.cypher(namespace, f"RETURN '{LONE}' AS s", {})
    with pytest.raises(InvalidText):
        await memory.cypher(namespace, "RETURN $p AS s", {"p": [LONE]})
    assert (await memory.cypher(namespace, "RETURN 'ok' AS s", {})).rows == [["ok"]]


def test_encode_refuses_nesting_past_its_limit() -> None:
    deep: object = "leaf"
    for _ in range(agtype.MAX_ENCODED_DEPTH):
        deep = {"k": deep}
    assert agtype.encode(deep).count("{") == agtype.MAX_ENCODED_DEPTH
    with pytest.raises(LimitExceeded):
        agtype.encode([deep])


def test_encode_refuses_integers_past_64_bits() -> None:
    assert agtype.encode([2**63 - 1, -(2**63)]) == f"[{2**63 - 1},{-(2**63)}]"
    with pytest.raises(InvalidNumber, match=str(2**64)):
        agtype.encode({"n": [True, 2**64]})


def test_encode_keeps_other_failures_as_they_are() -> None:
    assert agtype.encode({"smile": "\U0001f600"}) == '{"smile":"\U0001f600"}'
    with pytest.raises(TypeError):
        agtype.encode({"x": object()})
