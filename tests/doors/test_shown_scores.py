"""Scores and trust are shown without float noise on every door (``kgmem.model.shown``):
any value serialises with at most six decimals and within half a millionth of itself,
while the record in Python keeps the full value for computing."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.mcp import results
from kgmem.model import Fact, SearchHit, wire
from kgmem.model.shown import DIGITS
from tests.doors.doors import opened

FACT = Fact(
    uid="f", id=1, subject="pixel", predicate="LIKES", object="tuna", properties={},
    valid_from=None, valid_to=None, recorded_at=datetime(2024, 1, 1, tzinfo=UTC),
    expired_at=None, confidence=None, text="Pixel likes tuna",
)  # fmt: skip

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
# Sums of short decimals: where 0.1 + 0.7 = 0.7999999999999999 comes from.
decimal_sums = st.lists(st.integers(0, 100), min_size=1, max_size=5).map(
    lambda parts: sum(p / 100 for p in parts) / len(parts)
)


def numbers(text: str) -> list[str]:
    """Every number written in a JSON text, as written."""
    return re.findall(r"(?<![\w.])-?\d+\.\d+(?:[eE][-+]?\d+)?", text)


def short(written: str) -> bool:
    """Whether a number as written has at most ``DIGITS`` decimals (JSON writes a small
    one such as 0.000061 as 6.1e-05)."""
    return float(written) == round(float(written), DIGITS)


def _hit(value: float) -> SearchHit:
    fact = replace(FACT, trust=value)
    return SearchHit(
        kind="fact", uid="f", score=value, rank=1, scores={"keyword": value}, reasons={},
        fact=fact, trust=value, relevance=value,
    )  # fmt: skip


@given(st.one_of(unit, decimal_sums))
@example(6.103515625e-05)  # shown as 6.1e-05: six decimals, in exponent form
def test_no_door_shows_float_noise(value: float) -> None:
    hit = _hit(value)
    rest = json.dumps(wire.jsonable(hit))
    mcp = json.dumps(results.hit(hit))
    for text in (rest, mcp):
        assert all(short(n) for n in numbers(text)), (value, text)
    shown = wire.jsonable(hit)
    for got in (shown["trust"], shown["score"], shown["fact"]["trust"], results.hit(hit)["trust"]):
        assert abs(got - value) <= 0.5 * 10**-DIGITS
    assert results.hit(hit)["score"] == shown["score"]  # one rounding, every door
    assert hit.trust == value  # Python keeps the full value


def test_the_noise_users_saw_is_gone() -> None:
    noisy = 0.8000000000000002
    assert wire.jsonable(_hit(noisy))["trust"] == 0.8
    assert '"trust": 0.8,' in json.dumps(wire.jsonable(replace(FACT, trust=noisy)))


def _floats(value: Any) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


async def test_a_search_over_rest_mcp_and_the_client_shows_short_scores(
    live_url: str, memory: Memory, namespace: str
) -> None:
    for i in range(6):
        await memory.upsert_entity(
            namespace, EntityWrite(f"cat{i}", "Animal", {"name": f"Cat {i}"})
        )
    for i in range(5):
        await memory.add_fact(
            namespace, FactWrite(f"cat{i}", "LIKES", f"cat{i + 1}", text=f"Cat {i} likes cat")
        )
    query = {"text": "cat likes", "k": 10}
    async with opened(live_url) as doors:
        rest = await doors.http.post(f"/v1/namespaces/{namespace}/search", json=query)
        mcp = await doors.tool("search", {"namespace": namespace, **query})
    assert rest.status_code == 200 and len(rest.json()["hits"]) >= 5
    for text in (rest.text, json.dumps(mcp.answer)):
        assert all(short(n) for n in numbers(text)), text
    assert len(_floats(rest.json())) > 10
