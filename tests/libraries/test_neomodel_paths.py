"""neomodel (pinned in requirements/neomodel.txt) on kgmem: its first-use paths, each
answer compared with what the same calls give on Neo4j."""

import pytest

from tests.fixtures.libraries import RunLibrary

pytestmark = pytest.mark.slow


async def test_models_save_query_relate_update_delete_and_roll_back(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("neomodel", "neomodel_paths.py", "models")
    assert outcome.failure is None, outcome.explain()
    r = outcome.results
    assert len(set(r["uids"])) == 3
    assert (r["get"]["name"], r["get"]["age"]) == ("Grace", 85)
    assert isinstance(r["get"]["element_id"], str)
    assert r["get_by_uid"] == "Ada"
    assert sorted(r["filter"]) == ["Alan", "Grace"]
    assert r["string_filters"] == {
        "iexact": [],
        "istartswith": ["Ada", "Alan"],
        "icontains": ["Grace"],
        "regex": ["Ada"],
    }
    assert r["order_by"] == ["Grace", "Alan", "Ada"]
    assert r["get_or_none"] is None
    assert r["update_refresh"] == {"before_refresh": 37, "after_refresh": 38}
    rel = r["relationships"]
    assert rel["ada_wrote"] == ["Notes"]
    assert rel["alan_wrote"] == ["Computable Numbers", "Notes"]
    assert rel["is_connected"] is True
    assert rel["alan_after_disconnect"] == ["Computable Numbers"]
    assert rel["wrote_rows"] == [["Ada", "Notes"], ["Alan", "Computable Numbers"]]
    assert r["delete"] is True
    assert r["authors"] == [["Ada"], ["Alan"]]
    assert r["transaction"] == {"ghost": False, "committed": True}


async def test_get_or_create_and_create_or_update_merge_on_the_unique_property(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("neomodel", "neomodel_paths.py", "merges")
    assert outcome.failure is None, outcome.explain()
    r = outcome.results
    assert r["get_or_create"] == [["Notes", 1843], ["Sketch", 1950]]
    assert r["create_or_update"] == [["Sketch", 1951], ["Draft", 1960]]
    assert r["books"] == [["Draft", 1960], ["Notes", 1843], ["Sketch", 1951]]
