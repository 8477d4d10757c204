"""Error positions count in the query as written, whatever the rewrites inserted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher.positions import in_written
from kgmem.errors import CypherError

_TEXT = st.text(alphabet="abcdefgh ()[]=<>.,'", min_size=1, max_size=60)
# What a rewrite inserts shares no run with the query around it here: where it does
# (kgmem_cypher.unnull beside a name with the same letters), the alignment may place a
# position inside the insertion one run off, never outside the rewritten clause.
_INSERTED = st.text(alphabet="KGMEM_CYPHR", min_size=0, max_size=30)


@given(_TEXT, _INSERTED, st.data())
def test_a_position_outside_an_insertion_maps_back_exactly(
    written: str, inserted: str, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(written)))
    rewritten = written[:at] + inserted + written[at:]
    before = data.draw(st.integers(0, at))
    assert in_written(written, rewritten, before) <= at
    if at < len(written):
        after = data.draw(st.integers(at, len(written) - 1))
        shift = len(inserted)
        assert in_written(written, rewritten, after + shift) == after


def test_the_same_text_keeps_every_position() -> None:
    assert [in_written("RETURN 1", "RETURN 1", p) for p in range(8)] == list(range(8))


async def test_an_error_after_a_rewritten_unwind_points_into_the_written_query(
    memory: Memory, namespace: str
) -> None:
    query = "UNWIND [1, null] AS x RETURN x AS all"
    with pytest.raises(CypherError) as refused:
        await memory.cypher(namespace, query)
    assert refused.value.position == query.index("all"), refused.value.detail


def test_a_long_difference_maps_to_where_it_starts_without_aligning() -> None:
    written = "RETURN " + " AND ".join(["coalesce(x, true)"] * 2000) + " AS x"
    rewritten = "RETURN " + " AND ".join(["[coalesce(x, true)][0]"] * 2000) + " AS x"
    head = len("RETURN ")
    assert in_written(written, rewritten, head + 1000) == head
    assert in_written(written, rewritten, len(rewritten) - 2) == len(written) - 2
    assert in_written(written, rewritten, 3) == 3
