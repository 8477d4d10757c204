"""A fault of kgmem's own while planning (an exception no rewrite expected) is said as
such, a 422 that names it, and the planning process lives on; a planning process that
ends is not reported as slow (``kgmem.cypher.planner``)."""

import pytest

from kgmem.cypher import planner
from kgmem.errors import CypherSemanticError, KgmemError


def test_an_unexpected_exception_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise TypeError("tuple expected at most 1 argument, got 3")

    monkeypatch.setattr(planner, "prepare", broken)
    kind, value = planner._answer("RETURN 1 AS a", "read", ())
    assert kind == "error"
    assert isinstance(value, CypherSemanticError)
    assert "could not plan" in str(value)
    assert "TypeError" in str(value)


async def test_the_planning_processes_answer_after_an_error() -> None:
    planning = planner.Planner()
    try:
        with pytest.raises(KgmemError):
            await planning.prepare(
                "RETURN 1 AS a UNION ALL RETURN 2 AS a UNION RETURN 3 AS a", "read", 5.0
            )
        prepared, _ = await planning.prepare("RETURN 1 AS a", "read", 5.0)
        assert prepared.columns == ["a"]
    finally:
        planning.close()
