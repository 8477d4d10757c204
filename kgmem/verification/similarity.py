"""How much one claimed value supports another value of the same data item.

Values arrive as text. Two numbers support each other by how close they are
(relative and absolute tolerance); two strings by a character similarity; a string
that contains another as whole words *implies* it ("Paris, France" implies "Paris"),
so support flows from the more specific value to the less specific one only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np
import numpy.typing as npt

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Numbers within ``max(abs_tol, rel_tol * |larger|)`` of each other are similar;
    string similarity below ``min_string`` counts as none."""

    rel_tol: float = 0.01
    abs_tol: float = 1.0
    min_string: float = 0.5


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


def numeric(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], tol: Tolerance
) -> npt.NDArray[np.float64]:
    """Support in [0, 1] between number pairs: 1 when equal, falling linearly to 0 at
    the tolerance."""
    scale = np.maximum(tol.abs_tol, tol.rel_tol * np.maximum(np.abs(a), np.abs(b)))
    out: npt.NDArray[np.float64] = np.clip(1.0 - np.abs(a - b) / scale, 0.0, 1.0)
    return out


def implication(source: str, target: str, tol: Tolerance) -> float:
    """How far claiming ``source`` supports ``target`` (both normalised text), in [0, 1]."""
    if source == target:
        return 1.0
    if f" {target} " in f" {source} ".replace(",", " "):
        return 1.0
    if f" {source} " in f" {target} ".replace(",", " "):
        return 0.0
    ratio = SequenceMatcher(None, source, target, autojunk=False).ratio()
    return 0.0 if ratio < tol.min_string else (ratio - tol.min_string) / (1.0 - tol.min_string)
