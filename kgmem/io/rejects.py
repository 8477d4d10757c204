"""A record an import refuses, and the values no record may hold.

A reject names where the record is, in the terms of its format: the line (and
column, when known) of a line-based file or of a syntax error, or, for a statement of
Turtle, TriG, RDF/XML or JSON-LD, which the parser gives without a position, its
ordinal number in the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Reject:
    """A record that cannot be loaded: where (line 0: no line), why, its raw text, the
    column (1-based; 0: not known), and whether the reader stops at it (a syntax error
    of a format that cannot be read past one, or bytes that are not UTF-8)."""

    line: int
    reason: str
    raw: str
    column: int = 0
    ends_reading: bool = False


def bad_code_point(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None: PostgreSQL text holds neither U+0000 nor
    a lone surrogate (U+D800 to U+DFFF, which is not a Unicode scalar value, so no
    UTF-8 encodes it)."""
    if "\x00" in text:
        return "a value holds U+0000, which PostgreSQL text cannot store"
    found = _SURROGATE.search(text)
    if found:
        return (
            f"a value holds the lone surrogate U+{ord(found.group()):04X}, "
            "which is not a Unicode character"
        )
    return None
