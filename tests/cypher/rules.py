"""What the tests of each Cypher rewrite rule share: the plan of a query the named rule
rewrote, and whether a rule left a query alone."""

from collections.abc import Mapping
from typing import Any

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
