"""Edits of query text: spans of it replaced, in the offsets of the text they edit.

A rewrite collects ``(start, end, replacement)`` edits against one text and splices
them in at once, so no edit shifts the offsets another one was computed with.
"""

from __future__ import annotations

from collections.abc import Iterable

Edit = tuple[int, int, str]


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
