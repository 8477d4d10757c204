"""Causal axis: forward and backward traces, path strength as a product, pruning,
depth, cycles, a cause that starts after its effect, and bad parameters."""

import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.errors import EntityNotFound, InvalidInput
from kgmem.model import CausalQuery, SearchQuery
from tests.retrieval.graphs import at, uids

EDGES = [
    ("a", "b", 0.8, "P1D"),
    ("b", "c", 0.5, None),
    ("a", "d", 0.3, None),
    ("c", "e", 0.9, None),
    ("e", "a", 0.5, None),  # a cycle back to the anchor
    ("x", "y", 0.7, None),  # x starts after y: flagged
]


async def build(memory: Memory, namespace: str) -> None:
    starts = {"a": 1, "b": 2, "c": 3, "d": 2, "e": 4, "x": 9, "y": 5, "z": 1}
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite(
                    n, "Event", {"name": f"event {n}", "starts_at": at(2020, m).isoformat()}
                )
                for n, m in starts.items()
            ],
            facts=[
                FactWrite(
                    s,
                    "CAUSES",
                    o,
                    uid=f"{s}-{o}",
                    properties={"strength": w, **({"lag": lag} if lag else {})},
                )
                for s, o, w, lag in EDGES
            ]
            + [FactWrite("a", "RELATED_TO", "z", uid="a-z")],
        ),
    )


def summary(paths: list) -> list[tuple[str, float]]:
    return [(p.end, round(p.strength, 6)) for p in paths]


async def test_forward_paths_ranked_by_product_of_strengths(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    paths = await memory.causal_trace(namespace, CausalQuery("a", "forward", depth=3))
    assert summary(paths) == [("b", 0.8), ("c", 0.4), ("e", 0.36), ("d", 0.3)]
    longest = paths[2]
    assert [s.fact for s in longest.steps] == ["a-b", "b-c", "c-e"]
    assert longest.steps[0].lag == "P1D" and longest.steps[1].lag is None
    assert not any(p.flagged for p in paths)


async def test_backward_paths_find_causes(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    paths = await memory.causal_trace(namespace, CausalQuery("e", "backward", depth=3))
    assert summary(paths) == [("c", 0.9), ("b", 0.45), ("a", 0.36)]
    assert paths[-1].steps[-1].cause == "a" and paths[-1].steps[0].effect == "e"


async def test_min_strength_prunes_and_depth_limits(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    pruned = await memory.causal_trace(namespace, CausalQuery("a", min_strength=0.35))
    assert summary(pruned) == [("b", 0.8), ("c", 0.4), ("e", 0.36)]
    shallow = await memory.causal_trace(namespace, CausalQuery("a", depth=1))
    assert summary(shallow) == [("b", 0.8), ("d", 0.3)]


async def test_paths_never_revisit_a_vertex(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    paths = await memory.causal_trace(namespace, CausalQuery("a", depth=6))
    assert all(p.end != "a" for p in paths)
    assert "z" not in {p.end for p in paths}  # RELATED_TO is not causal


async def test_cause_after_effect_is_flagged(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    paths = await memory.causal_trace(namespace, CausalQuery("x"))
    assert summary(paths) == [("y", 0.7)]
    assert paths[0].flagged and paths[0].steps[0].cause_after_effect


async def test_no_effects_is_an_empty_trace(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    assert await memory.causal_trace(namespace, CausalQuery("y")) == []


async def test_causal_axis_in_search(memory: Memory, namespace: str) -> None:
    await build(memory, namespace)
    result = await memory.search(
        namespace, SearchQuery(causal=CausalQuery("a"), types=("entities",))
    )
    assert uids(result.hits) == ["b", "c", "e", "d"]
    assert "a -> b -> c" in result.hits[1].reasons["causal"]
    facts = await memory.search(namespace, SearchQuery(causal=CausalQuery("a"), types=("facts",)))
    assert set(uids(facts.hits)) == {"a-b", "b-c", "c-e", "a-d"}


async def test_unknown_anchor_is_not_found(memory: Memory, namespace: str) -> None:
    with pytest.raises(EntityNotFound):
        await memory.causal_trace(namespace, CausalQuery("ghost"))


@pytest.mark.parametrize(
    "query",
    [CausalQuery("a", depth=0), CausalQuery("a", depth=7), CausalQuery("a", min_strength=1.5)],
)
async def test_bad_trace_parameters(memory: Memory, namespace: str, query: CausalQuery) -> None:
    with pytest.raises(InvalidInput):
        await memory.causal_trace(namespace, query)


@pytest.mark.parametrize("props", [{"strength": 1.5}, {"strength": "high"}, {"lag": "3 days"}])
async def test_causal_edge_properties_are_checked_on_write(
    memory: Memory, namespace: str, props: dict
) -> None:
    await build(memory, namespace)
    with pytest.raises(InvalidInput):
        await memory.add_fact(namespace, FactWrite("a", "CAUSES", "y", properties=props))
    # the same properties are free-form on a predicate that is not causal
    if "lag" in props:
        await memory.add_fact(namespace, FactWrite("a", "RELATED_TO", "y", properties=props))
