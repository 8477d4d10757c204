"""What makes a JSON-like value (dicts, lists, str, numbers) impossible to store as
given: text UTF-8 cannot encode, integers past 64 bits, floats JSON cannot write, and
nesting deeper than encoders go.

The walks are iterative, so a value of any depth is inspected without recursion.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def leaves(value: Any) -> Iterator[Any]:
    """Every scalar in ``value``, map keys included."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
        else:
            yield item


def unencodable(value: Any) -> str | None:
    """The text around a lone surrogate in any string or map key of ``value``, escaped
    (``x\\ud800y``), or None when UTF-8 can encode all of it."""
    for item in leaves(value):
        if isinstance(item, str) and not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                around = item[max(exc.start - 20, 0) : exc.end + 20]
                return around.encode("ascii", "backslashreplace").decode()
    return None


def oversized_int(value: Any) -> int | None:
    """An integer in ``value`` outside the signed 64-bit range, or None."""
    for item in leaves(value):
        if isinstance(item, bool) or not isinstance(item, int):
            continue
        if not INT64_MIN <= item <= INT64_MAX:
            return item
    return None


def non_finite(value: Any) -> float | None:
    """A NaN or infinite float in ``value`` (JSON has none), or None."""
    for item in leaves(value):
        if isinstance(item, float) and not math.isfinite(item):
            return item
    return None


def depth(value: Any) -> int:
    """How many lists and maps deep ``value`` nests (0 for a scalar)."""
    deepest = 0
    pending = [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list | tuple):
            deepest = max(deepest, level + 1)
            pending.extend((v, level + 1) for v in item)
    return deepest
