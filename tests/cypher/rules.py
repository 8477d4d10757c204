"""What the tests of each Cypher rewrite rule share: the plan of a query the named rule
rewrote, whether a rule left a query alone, and the rows of a write."""

from collections.abc import Mapping
from typing import Any

from kgmem import Memory
from kgmem.cypher import CypherPlan, Mode, plan


def applied(
    rule: str, query: str, params: Mapping[str, Any] | None = None, *, mode: Mode = "read"
) -> CypherPlan:
    """``query``'s plan, which ``rule`` must have rewritten."""
    planned = plan(query, params, mode=mode)
    assert rule in planned.rewrites, (rule, planned.rewrites)
    return planned


def left_alone(
    rule: str, query: str, params: Mapping[str, Any] | None = None, *, mode: Mode = "read"
) -> bool:
    """Whether ``rule`` left ``query`` as it was."""
    return rule not in plan(query, params, mode=mode).rewrites


async def written(memory: Memory, namespace: str, query: str, **params: Any) -> list[list[Any]]:
    """The rows of ``query`` run in write mode."""
    return (await memory.cypher(namespace, query, params, mode="write")).rows
