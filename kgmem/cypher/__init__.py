"""The analyst's Cypher path: parse, check and rewrite queries; typed results.

Nothing in this package touches the database: ``plan()`` turns text and parameters
into a ``CypherPlan`` that ``kgmem.storage.graph.cypher`` runs inside ``cypher()``.
"""

from kgmem.cypher.plan import CypherPlan, Mode, explained, plan

__all__ = ["CypherPlan", "Mode", "explained", "plan"]
