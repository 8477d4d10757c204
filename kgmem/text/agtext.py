"""Lexical pieces of AGE's agtype text form shared by the storage codec and the Cypher
result decoder (each builds its own values on top)."""

from __future__ import annotations

import math


def skip_string(text: str, i: int) -> int:
    """Index just past the JSON string literal that opens at ``text[i]``."""
    i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        else:
            i += 1
    return i


def constant(name: str) -> float:
    """The float of a bare agtype constant: ``NaN``, ``Infinity`` or ``-Infinity``."""
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]
