"""The type-free comparison form of a claimed value (numbers canonical, text folded).

Consensus scoring compares values by their predicate's value type
(``kgmem.verification.canonical``); this form is for places that know no type.
"""

from __future__ import annotations

import math
import re

_SPACE = re.compile(r"\s+")


def normalise(value: str) -> str:
    """The comparison form of a value: numbers canonical, text lower-cased and trimmed."""
    number = as_number(value)
    if number is not None:
        return repr(number)
    return _SPACE.sub(" ", value.strip().lower())


def as_number(value: str) -> float | None:
    """``value`` as a finite float, or None when it is not a plain number."""
    text = value.strip().replace(",", "")
    if not text or text[0] not in "+-.0123456789":
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
