"""neo4j-viz (pinned in requirements/viz.txt) on kgmem: a query's result rendered."""

import pytest

from tests.fixtures.libraries import RunLibrary

pytestmark = pytest.mark.slow


async def test_from_neo4j_renders_the_nodes_and_relationships_of_a_result(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("viz", "viz_render.py", "render")
    assert outcome.failure is None, outcome.explain()
    assert outcome.results["nodes"] == ["Ada", "Charles"]
    assert outcome.results["relationships"] == [1843]
    assert outcome.results["linked"] == [True]
