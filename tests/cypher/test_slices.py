"""List slices as openCypher answers them: a null bound makes the slice null, given as
a literal, a variable or a parameter (``kgmem.cypher.slices``); integer bounds slice as
Python's ``l[a:b]`` does."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan

_OMITTED = object()
_BOUNDS = st.one_of(st.none(), st.integers(-7, 7), st.just(_OMITTED))


def sliced(items: list[int], lower: Any, upper: Any) -> list[int] | None:
    if lower is None or upper is None:
        return None
    return items[None if lower is _OMITTED else lower : None if upper is _OMITTED else upper]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=st.lists(st.integers(0, 9), max_size=6),
    lower=_BOUNDS,
    upper=_BOUNDS,
)
async def test_a_slice_by_parameters_variables_or_literals_answers_as_opencypher(
    memory: Memory, namespace: str, items: list[int], lower: Any, upper: Any
) -> None:
    if lower is _OMITTED and upper is _OMITTED:
        return  # list[..] is not Cypher
    given_ = {k: v for k, v in (("a", lower), ("b", upper)) if v is not _OMITTED}

    def written(name: str, value: Any, literal: bool) -> str:
        if value is _OMITTED:
            return ""
        if literal:
            return "null" if value is None else str(value)
        return f"${name}"

    for literal in (False, True):
        query = (
            f"WITH $items AS l RETURN l[{written('a', lower, literal)}.."
            f"{written('b', upper, literal)}] AS s"
        )
        params = {"items": items, **({} if literal else given_)}
        result = await memory.cypher(namespace, query, params)
        assert result.rows == [[sliced(items, lower, upper)]], query
    unwound = await memory.cypher(
        namespace,
        "WITH $items AS l UNWIND [$b] AS u RETURN l[1..u] AS s",
        {"items": items, "b": None if upper is _OMITTED else upper},
    )
    assert unwound.rows == [[sliced(items, 1, None if upper is _OMITTED else upper)]]


def test_a_pattern_range_and_integer_slices_are_left_alone() -> None:
    for query in (
        "MATCH (a)-[*1..$m]->(b) RETURN a",
        "MATCH (a)-[r:T*2..]->(b) RETURN a",
        "WITH [1, 2, 3] AS l RETURN l[1..-1] AS s, l[..2] AS t",
    ):
        assert "isnull" not in plan(query, {"m": 2}).text
