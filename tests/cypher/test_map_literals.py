"""A map literal that a RETURN or WITH makes keeps its null entries, as Neo4j's does
(AGE alone drops them, so ``row["m"]["b"]`` was a KeyError in a client):
``kgmem.cypher.map_projections``."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory
from kgmem.cypher import plan


def test_only_the_maps_a_projection_makes_are_rewritten() -> None:
    text = plan(
        "MATCH (n {a: 1}) WITH n, collect({p: n.p}) AS c "
        "RETURN {m: c, d: date({year: 2020})} AS o, point({x: 1, y: 2}) AS q"
    ).text
    assert "MATCH (n ) WHERE n.a = 1" in text
    assert "collect(kgmem_cypher.project({}, false, ['p'], [n.p]))" in text
    assert "kgmem_cypher.project({}, false, ['m', 'd'], [c, '2020-01-01'])" in text
    assert "kgmem_cypher.point({x: 1, y: 2})" in text


async def test_null_entries_stay_in_items_lists_nested_maps_and_collections(
    memory: Memory, namespace: str
) -> None:
    await memory.cypher(namespace, "CREATE (:N {a: 1}), (:N {a: 2, b: 'x'})", mode="write")
    result = await memory.cypher(
        namespace,
        "MATCH (n:N) WITH n ORDER BY n.a "
        "WITH collect({a: n.a, b: n.b}) AS rows, {none: null} AS e "
        "RETURN rows, [e, {inner: {x: null}}] AS l, CASE WHEN true THEN {k: null} END AS c",
    )
    assert result.rows == [
        [
            [{"a": 1, "b": None}, {"a": 2, "b": "x"}],
            [{"none": None}, {"inner": {"x": None}}],
            {"k": None},
        ]
    ]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from("abcd"), st.one_of(st.none(), st.integers(0, 9))))
async def test_a_literal_map_reads_back_as_written(
    memory: Memory, namespace: str, entries: dict[str, int | None]
) -> None:
    written = ", ".join(f"{k}: {'null' if v is None else v}" for k, v in entries.items())
    result = await memory.cypher(namespace, f"RETURN {{{written}}} AS m")
    assert result.rows == [[entries]]


async def test_keys_and_properties_of_a_literal_map_keep_its_null_entries(
    memory: Memory, namespace: str
) -> None:
    result = await memory.cypher(
        namespace,
        "RETURN keys({a: 1, b: null}) AS k, properties({a: 1, b: null}) AS p, "
        "size(keys({x: null})) AS s",
    )
    assert result.rows == [[["a", "b"], {"a": 1, "b": None}, 1]]
