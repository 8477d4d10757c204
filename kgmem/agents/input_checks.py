"""Checks on what callers hand the agent stores: names, JSON documents, amounts."""

from __future__ import annotations

import math
from typing import Any

from kgmem.errors import InvalidInput, InvalidNumber, InvalidText
from kgmem.schema import validate_uid
from kgmem.text import jsontext

NAME_LENGTH = 200
MAX_AMOUNT = 1e15
MAX_DEPTH = 64


def name(value: str, what: str) -> str:
    """``value`` if it is a usable agent, key or budget name (like a uid, at most
    ``NAME_LENGTH`` characters)."""
    try:
        return validate_uid(value, NAME_LENGTH)
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc.detail.removeprefix('uid ')}") from exc


def document(value: Any, what: str) -> Any:
    """``value`` if PostgreSQL's jsonb can store it exactly as given."""
    bad = jsontext.unencodable(value)
    if bad is not None:
        raise InvalidText(f"{what} holds {bad}, which is not valid Unicode")
    if any(isinstance(v, str) and "\x00" in v for v in jsontext.leaves(value)):
        raise InvalidText(f"{what} holds a NUL character, which the store cannot keep")
    if jsontext.non_finite(value) is not None:
        raise InvalidNumber(f"{what} holds a number JSON cannot write (NaN or infinity)")
    if jsontext.depth(value) > MAX_DEPTH:
        raise InvalidInput(f"{what} nests deeper than {MAX_DEPTH} levels")
    return value


def amount(value: float) -> float:
    """``value`` if it is a positive finite amount of at most ``MAX_AMOUNT``."""
    if isinstance(value, bool) or not math.isfinite(value):
        raise InvalidNumber("amount must be a finite number")
    if not 1e-6 <= value <= MAX_AMOUNT:
        raise InvalidInput(f"amount must be between 0.000001 and {MAX_AMOUNT:g}")
    return value
