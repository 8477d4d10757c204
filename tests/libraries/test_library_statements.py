"""Each schema statement the libraries send (tests/libraries/clients/probe_statements.py,
in the shapes they send them: names as parameters, OPTIONS as expressions, trailing
semicolons, Python's ``False``) is answered as Neo4j 5 answers it. The issue-53 shapes
are probed too and shown when this fails, but asserted by their own tests."""

from typing import Any

import pytest

from tests.fixtures.libraries import RunLibrary

pytestmark = pytest.mark.slow


def _summary(results: dict[str, Any]) -> str:
    return "\n".join(
        f"  [{r['issue']}] {title}: " + ("ok" if r["ok"] else f"{r['code']}: {r['message']}")
        for title, r in results.items()
    )


def _wrong(answer: dict[str, Any]) -> bool:
    """An answer other than success, or than the error expected with its code."""
    if "expected_code" in answer:
        return bool(answer["ok"]) or answer["code"] != answer["expected_code"]
    return not answer["ok"]


async def test_every_schema_statement_of_the_libraries_is_answered(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphrag", "probe_statements.py", "statements")
    assert outcome.failure is None, outcome.explain()
    results = outcome.results
    failed = [title for title, r in results.items() if r["issue"] == 52 and _wrong(r)]
    assert not failed, f"{failed} answered wrongly; every answer:\n{_summary(results)}"
    assert results["vector.similarity.cosine"]["rows"] == [{"s": pytest.approx(1.0)}]
    assert results["vector queryNodes"]["rows"] == [
        {"text": "apple pie", "score": pytest.approx(1.0)}
    ]
    assert [row["text"] for row in results["fulltext queryNodes"]["rows"]] == ["apple pie"]
    (shown,) = results["show vector indexes"]["rows"]
    assert shown == {"labels": ["Probe"], "properties": ["embedding"], "dimensions": 2,
                     "filterable_properties": None}  # fmt: skip
    unique = results["duplicate under a unique constraint"]["message"]
    assert "already exists with label `Probe` and property `u` = 1" in unique
