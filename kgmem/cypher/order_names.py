"""``ORDER BY`` after a DISTINCT or aggregating projection, read by the projected names.

``RETURN me.age AS age, count(you.age) AS cnt ORDER BY age + count(you.age)`` sorts by
the projected values; AGE looks for ``count(you.age)`` before the aggregation and, with
``age`` inside an expression, does not find the alias ("could not find rte"). kgmem
writes each expression the projection made as its name (``kgmem.cypher.projected_names``):
``ORDER BY age + cnt``, which ``kgmem.cypher.projected_order`` then sorts after the
projection. A projection that neither aggregates nor is DISTINCT keeps its sort keys as
written: AGE resolves them against the rows before it, as openCypher allows.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import projected_names
from kgmem.cypher.columns import sorted_projections
from kgmem.cypher.functions import aggregates
from kgmem.cypher.lexer import Token
from kgmem.cypher.spans import Edit, splice


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with the ORDER BY of each DISTINCT or
    aggregating projection reading what it projected by name."""
    if "order" not in text.lower():
        return text
    edits: list[Edit] = []
    for placed, order, projection in sorted_projections(text, code):
        body = placed.clause.body
        if projection.star is None and (projection.distinct or aggregates(body)):
            edits.extend(projected_names.edits(projection, list(order.body)))
    return splice(text, edits)
