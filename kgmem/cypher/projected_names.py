"""Expressions a projection made, read back by the names it gave them.

After ``RETURN a.x AS x, count(b) AS n`` (or a WITH), openCypher's ``ORDER BY a.x + n``
and, after a DISTINCT or aggregating WITH, its ``WHERE a.x > 1`` read the projected
values: ``a.x`` is the item ``x``, ``count(b)`` the item ``n``. AGE resolves such an
expression against the rows before the projection, where an aggregate or a DISTINCT
has already gone ("could not find rte"). kgmem writes each expression the projection
made under an alias, where it stands whole, as that alias::

    RETURN me.age AS age, count(you.age) AS cnt ORDER BY age + count(you.age)
    RETURN me.age AS age, count(you.age) AS cnt ORDER BY age + cnt

``kgmem.cypher.with_where`` (a WITH's WHERE) and ``kgmem.cypher.order_names`` (ORDER BY)
use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.columns import Projection
from kgmem.cypher.lexer import Token, quoted_name
from kgmem.cypher.spans import Edit


def edits(projection: Projection, tokens: Sequence[Token]) -> list[Edit]:
    """Edits writing, in ``tokens``, each whole expression of more than one token that
    ``projection`` made under a name as that name (the longest first)."""
    written = {
        tuple(t.text for t in item.expression): item.name
        for item in projection.items
        if len(item.expression) > 1 and item.aliased
    }
    longest = sorted(written, key=len, reverse=True)
    out: list[Edit] = []
    at = 0
    while at < len(tokens):
        found = next((w for w in longest if _matches(tokens, at, w)), None)
        if found is None:
            at += 1
            continue
        out.append((tokens[at].start, tokens[at + len(found) - 1].end, quoted_name(written[found])))
        at += len(found)
    return out


def _matches(tokens: Sequence[Token], at: int, written: tuple[str, ...]) -> bool:
    """Do ``tokens`` from ``at`` spell ``written`` as a whole operand?"""
    end = at + len(written)
    if end > len(tokens) or tuple(t.text for t in tokens[at:end]) != written:
        return False
    before = tokens[at - 1].text if at > 0 else ""
    after = tokens[end].text if end < len(tokens) else ""
    return before not in (".", ":", "$") and after not in (".", "(", "[")
