"""``tail(list)`` as openCypher defines it.

AGE 1.7's ``tail`` answers null for a list of one element or none, where openCypher
answers the empty list (``tail([1])`` is ``[]``); ``tail(nodes(p))`` of a path of
length 0 is then null, and every list predicate over it null too. kgmem writes
``tail(x)`` as the slice ``(x)[1..]``, which is ``[]`` for those lists, the rest of
any longer one, and null for null.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.functions import called
from kgmem.cypher.lexer import Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import closing


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each ``tail(x)`` written ``(x)[1..]``."""
    if "tail" not in text.lower():
        return text
    pairs = closing(code)
    edits: list[Edit] = []
    for index, token in enumerate(code):
        if (called(code, index) or "").lower() != "tail" or index + 1 not in pairs:
            continue
        close = code[pairs[index + 1]]
        edits.append((token.start, code[index + 1].end, "("))
        edits.append((close.start, close.end, ")[1..]"))
    return splice(text, edits)
