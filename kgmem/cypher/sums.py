"""``sum`` of no values as openCypher defines it.

AGE 1.7's ``sum`` of no rows, or of nulls only, is null, where openCypher answers 0
(``MATCH (n:Missing) RETURN sum(n.x)`` is ``0``). kgmem writes each ``sum(x)`` as
``coalesce(sum(x), 0)``, which is the same sum whenever there is one::

    MATCH (o:Order) RETURN o.customer AS c, sum(o.total) AS spent
    MATCH (o:Order) RETURN o.customer AS c, coalesce(sum(o.total), 0) AS spent
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.functions import called
from kgmem.cypher.lexer import Token
from kgmem.cypher.structure import closing


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits wrapping each ``sum(...)`` call."""
    if "sum" not in text.lower():
        return []
    pairs = closing(code)
    edits = []
    for index, token in enumerate(code):
        if (called(code, index) or "").lower() != "sum" or index + 1 not in pairs:
            continue
        close = code[pairs[index + 1]]
        edits.append((token.start, token.start, "coalesce("))
        edits.append((close.end, close.end, ", 0)"))
    return edits
