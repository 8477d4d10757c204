"""The bounds of the steps that run subqueries, FOREACH and dynamic labels: nesting,
per-row runs, batches, label values, one deadline for the whole request."""

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from kgmem import Memory
from kgmem.errors import CypherTimeout, LimitExceeded
from kgmem.settings.config import CypherSettings
from tests.cypher.hostile import LEAKS, RUN_AS_STEPS, corpus
from tests.fixtures.database import store_settings


@pytest.mark.parametrize("name", sorted(RUN_AS_STEPS))
async def test_hostile_shapes_are_refused_as_limits(
    memory: Memory, namespace: str, name: str
) -> None:
    (query,) = [q for n, q, _ in corpus() if n == name]
    with pytest.raises(LimitExceeded) as refused:
        await memory.cypher(namespace, query)
    assert "limit" in refused.value.detail
    assert not [w for w in LEAKS if w in refused.value.detail]


async def test_nesting_within_the_bound_is_answered(memory: Memory, namespace: str) -> None:
    query = "CALL () { CALL () { CALL () { RETURN 1 AS x } RETURN x } RETURN x } RETURN x"
    assert (await memory.cypher(namespace, query)).rows == [[1]]


@pytest.fixture
async def tight(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> AsyncIterator[Memory]:
    settings = store_settings(await fresh_database(), tmp_path)
    limits = CypherSettings(statement_timeout_ms=1500, max_rows=50)
    opened = await Memory.open(settings.model_copy(update={"cypher": limits}))
    await opened.create_namespace("alpha")
    yield opened
    await opened.close()


async def test_batches_share_the_request_deadline_and_row_cap(tight: Memory) -> None:
    query = (
        "UNWIND range(1, 40) AS i CALL (i) { UNWIND range(1, 300000) AS k "
        "WITH k WHERE k % 7 = 0 RETURN count(k) AS c } IN TRANSACTIONS OF 1 ROW RETURN sum(c)"
    )
    started = time.monotonic()
    with pytest.raises(CypherTimeout):
        await tight.cypher("alpha", query)
    assert time.monotonic() - started < 1.5 + 3
    # the rows given to the batches are within the row cap, never silently cut
    many = "UNWIND range(1, 60) AS i CALL (i) { CREATE (:Z) } IN TRANSACTIONS OF 10 ROWS"
    with pytest.raises(LimitExceeded, match="KGMEM_CYPHER_MAX_ROWS"):
        await tight.cypher("alpha", many, mode="write")
    assert (await tight.cypher("alpha", "MATCH (z:Z) RETURN count(z)")).rows == [[0]]


async def test_kgmem_names_are_not_parameters(memory: Memory, namespace: str) -> None:
    with pytest.raises(Exception, match="kgmem's own"):
        await memory.cypher(
            namespace, "UNWIND [1] AS i CALL (i) { RETURN i AS j } RETURN j", {"kgsq1_rows": []}
        )
