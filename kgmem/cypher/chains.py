"""The chain of a variable (or parameter) and its keys beside an operator: ``n.a.b``.

Rules that rewrite an operator whose operands are values read from the graph
(``kgmem.cypher.stored_arithmetic``, ``kgmem.cypher.temporal_order``) find each operand
here; each then asks, by its operator's precedence, whether the chain stands alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kgmem.cypher.lexer import Token

Link = Callable[[Token], bool]
"""Whether a token may be a link of the chain (its head or a key)."""


def start_before(code: Sequence[Token], operator: int, link: Link) -> int | None:
    """The index of the first token of the chain that ends just before ``operator``."""
    at = operator - 1
    if at < 0 or not link(code[at]):
        return None
    while at >= 2 and code[at - 1].text == "." and link(code[at - 2]):
        at -= 2
    return at


def end_after(code: Sequence[Token], operator: int, link: Link) -> int | None:
    """The index of the last token of the chain that starts just after ``operator``."""
    at = operator + 1
    if at >= len(code) or not link(code[at]):
        return None
    while at + 2 < len(code) and code[at + 1].text == "." and link(code[at + 2]):
        at += 2
    return at
