"""Octal integer literals, which openCypher has and AGE 1.7 does not.

``0o17`` (or ``0O17``) is written as the decimal it stands for, ``15``; a sign before it
stays where it is, so ``-0o1000000000000000000000`` is AGE's smallest integer. One
beyond the 64-bit range is a syntax error (``IntegerOverflow``), as openCypher says.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.static_checks import check_integer


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits writing each octal literal in decimal."""
    edits = []
    for index, token in enumerate(code):
        if token.kind is not Kind.NUMBER or token.text[:2] not in ("0o", "0O"):
            continue
        value = int(token.text[2:], 8)
        check_integer(code, index, value)
        edits.append((token.start, token.end, str(value)))
    return edits
