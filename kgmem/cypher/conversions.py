"""``toString`` and ``toInteger`` as openCypher defines them.

AGE 1.7's ``toString(1.0)`` is ``'1'`` (openCypher: ``'1.0'``: a float keeps its
fraction) and its ``toInteger('')`` is ``0`` (openCypher: null). kgmem calls its own
``kgmem_cypher.to_string`` and ``kgmem_cypher.to_integer`` (migration 0025) instead,
which answer those as openCypher does and everything else as AGE's functions::

    RETURN toString(n.ratio) AS r
    RETURN kgmem_cypher.to_string(n.ratio) AS r
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.functions import called
from kgmem.cypher.lexer import Token
from kgmem.cypher.temporal_sql import SCHEMA

_OURS = {"tostring": "to_string", "tointeger": "to_integer"}


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits naming kgmem's function in each such call."""
    lowered = text.lower()
    if "tostring" not in lowered and "tointeger" not in lowered:
        return []
    edits = []
    for index, token in enumerate(code):
        ours = _OURS.get((called(code, index) or "").lower())
        if ours is not None:
            edits.append((token.start, token.end, f"{SCHEMA}.{ours}"))
    return edits
