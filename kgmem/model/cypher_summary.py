"""What a Cypher statement changed, counted as Neo4j's result summary counts it.

``CypherCounters`` rides on every ``CypherResult`` (REST and MCP answer it as
``counters``, Bolt as the ``stats`` map of the last SUCCESS), with the statement's
``QueryType``: ``r`` reads only, ``w`` writes and returns no columns, ``rw`` writes and
returns columns, ``s`` changes the schema (an index or a constraint).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Literal

from pydantic import computed_field

QueryType = Literal["r", "w", "rw", "s"]


@dataclass(frozen=True, slots=True)
class CypherCounters:
    """The changes of one statement, as Neo4j's ``SummaryCounters`` names them."""

    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    labels_added: int = 0
    labels_removed: int = 0
    indexes_added: int = 0
    indexes_removed: int = 0
    constraints_added: int = 0
    constraints_removed: int = 0

    def _contains_updates(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    contains_updates = computed_field(description="whether any counter is above zero")(
        property(_contains_updates)
    )


NO_CHANGES = CypherCounters()


def total(parts: Iterable[CypherCounters]) -> CypherCounters:
    """The counters of several statements run as one (a batched query's parts)."""
    sums = [0] * len(fields(CypherCounters))
    for part in parts:
        for i, f in enumerate(fields(part)):
            sums[i] += getattr(part, f.name)
    return CypherCounters(*sums)
