"""neomodel (pinned in requirements/neomodel.txt) on kgmem: install_all_labels and the
uniqueness its unique_index declares."""

import pytest

from tests.fixtures.libraries import RunLibrary
from tests.libraries.ranking import listed

pytestmark = pytest.mark.slow


async def test_install_all_labels_declares_and_a_duplicate_save_raises_unique_property(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("neomodel", "neomodel_unique.py", "unique")
    assert outcome.failure is None, outcome.explain()
    schema = outcome.results["schema"]
    unique = listed(schema["constraints"], "constraint_unique_Customer_email")
    assert (unique["type"], unique["labelsOrTypes"], unique["properties"]) == (
        "UNIQUENESS", ["Customer"], ["email"])  # fmt: skip
    index = listed(schema["indexes"], "index_Customer_name")
    assert (index["type"], index["labelsOrTypes"], index["properties"]) == (
        "RANGE", ["Customer"], ["name"])  # fmt: skip
    assert outcome.results["second_save"].startswith("UniqueProperty"), outcome.results
    assert outcome.results["count"] == 1
