"""Edits of query text: spans of it replaced, in the offsets of the text they edit.

A rewrite collects ``(start, end, replacement)`` edits against one text and splices
them in at once, so no edit shifts the offsets another one was computed with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

Edit = tuple[int, int, str]
T = TypeVar("T")


def splice(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with each edit's span replaced, in order of position; of two edits that
    overlap, the first wins (insertions at the same offset all apply)."""
    out, at = [], 0
    for start, end, new in sorted(edits):
        if start < at:
            continue
        out.append(text[at:start])
        out.append(new)
        at = end
    out.append(text[at:])
    return "".join(out)


def scan(length: int, at: Callable[[int], tuple[T, int] | None]) -> list[T]:
    """What ``at`` finds at the token indexes below ``length``, left to right: ``at(i)``
    answers None, or what starts at ``i`` with the index to go on from (past it)."""
    found: list[T] = []
    index = 0
    while index < length:
        hit = at(index)
        if hit is None:
            index += 1
            continue
        item, index = hit
        found.append(item)
    return found
