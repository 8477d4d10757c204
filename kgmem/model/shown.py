"""Scores and trust as every door shows them: rounded to ``DIGITS`` decimal places when
a record is serialised (REST, MCP, the client, the CLI's JSON), so sums of floats do not
show their noise (``0.8000000000000002`` is shown ``0.8``). A record in Python keeps the
full value: ranking, thresholds and calibration compute with it."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import PlainSerializer

DIGITS = 6
"""Decimal places a shown score keeps: finer than any ranking or trust a reader compares."""


def shown(value: float) -> float:
    """``value`` rounded for display (a non-finite value as it is)."""
    return round(value, DIGITS) + 0.0 if math.isfinite(value) else value


Shown = Annotated[float, PlainSerializer(shown, return_type=float, when_used="json")]
"""A float field serialised as ``shown`` (JSON only: Python keeps the full value)."""
