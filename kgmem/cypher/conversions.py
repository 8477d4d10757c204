"""``toString``, ``toInteger`` and ``toBoolean`` as openCypher and Neo4j define them.

AGE 1.7's ``toString(1.0)`` is ``'1'`` (openCypher: ``'1.0'``: a float keeps its
fraction), its ``toInteger('')`` is ``0`` and ``toInteger(' 42 ')`` 42 (Neo4j: null),
and its ``toBoolean(' true ')`` null (Neo4j trims the string: true). kgmem calls its
own ``kgmem_cypher.to_string``, ``to_integer`` and ``to_boolean`` (migrations 0025,
0044 and 0047) instead, which answer those as Neo4j does and everything else as AGE's
functions::

    RETURN toString(n.ratio) AS r
    RETURN kgmem_cypher.to_string(n.ratio) AS r
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.functions import called
from kgmem.cypher.lexer import Token
from kgmem.cypher.temporal_sql import SCHEMA

_OURS = {"tostring": "to_string", "tointeger": "to_integer", "toboolean": "to_boolean"}


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits naming kgmem's function in each such call."""
    lowered = text.lower()
    if not any(name in lowered for name in _OURS):
        return []
    edits = []
    for index, token in enumerate(code):
        ours = _OURS.get((called(code, index) or "").lower())
        if ours is not None:
            edits.append((token.start, token.end, f"{SCHEMA}.{ours}"))
    return edits
