"""The libraries' writes that need CALL subqueries, IN TRANSACTIONS, dynamic labels and
FOREACH (tests/libraries/clients/library_writes.py), answered as Neo4j 5 answers them."""

import pytest

from tests.fixtures.libraries import RunLibrary

pytestmark = pytest.mark.slow


async def test_the_statements_of_langchain_and_neomodel(run_library: RunLibrary) -> None:
    outcome = await run_library("graphrag", "library_writes.py", "statements")
    assert outcome.failure is None, outcome.explain()
    results = outcome.results
    # refused in the managed transaction with the code LangChain knows, then auto-commit
    assert results["import"] == "auto-commit"
    assert results["chunks"] == [{"n": 5, "total": 10}]
    assert results["entities"] == [
        {"id": "acme", "labels": ["Company", "__Entity__"]},
        {"id": "alice", "labels": ["Person", "__Entity__"]},
    ]
    assert results["tags"] == [{"name": "a"}, {"name": "b"}]
    assert results["pre_delete"] == "auto-commit"
    assert results["after_pre_delete"] == [{"n": 0}]
    assert results["after_clear"] == [{"n": 0}]


async def test_graphrag_neo4j_writer(run_library: RunLibrary) -> None:
    outcome = await run_library("graphrag", "library_writes.py", "graphrag_writer")
    assert outcome.failure is None, outcome.explain()
    assert outcome.results["writer"]["status"] == "SUCCESS", outcome.results["writer"]
    assert outcome.results["tmp"] == [{"tmp": "1"}, {"tmp": "2"}, {"tmp": "3"}]
    # labels set per row, both vectors of the first chunk set under their own keys, and
    # the temporary ids removed by the IN TRANSACTIONS cleaning
    assert outcome.results["nodes"] == [
        {"text": "alpha", "labels": ["Chunk", "__KGBuilder__"], "vec": [1.0, 0.0],
         "other": [0.5, 0.5], "tmp": None},
        {"text": "beta", "labels": ["Chunk", "__KGBuilder__"], "vec": None, "other": None,
         "tmp": None},
        {"text": "doc", "labels": ["Document", "__KGBuilder__"], "vec": None, "other": None,
         "tmp": None},
    ]  # fmt: skip
