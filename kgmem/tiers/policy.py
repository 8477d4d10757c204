"""Checking a memory-tier policy before it is stored (``kgmem.model.tier_model.TierPolicy``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from kgmem.errors import InvalidInput
from kgmem.model.tier_model import TierPolicy, policy_data, policy_of

TIERS = ("working", "episodic", "semantic")
_COUNTS = ("promote_min_facts", "promote_min_recalls")
_DURATIONS = (
    "working_hours",
    "decay_half_life_days",
    "recall_half_life_days",
    "archive_after_days",
    "archive_idle_days",
)
_FLAGS = ("promote_verified_only", "track_recalls")


def checked(data: Mapping[str, Any]) -> TierPolicy:
    """The policy ``data`` describes (missing keys take the defaults), or
    ``InvalidInput`` naming the first bad field."""
    unknown = sorted(set(data) - set(TierPolicy.__dataclass_fields__))
    if unknown:
        raise InvalidInput(f"unknown policy field {unknown[0]!r}", field=unknown[0])
    for name in _COUNTS:
        _count(data.get(name), name)
    for name in _DURATIONS:
        _duration(data.get(name), name, required=name == "working_hours" and name in data)
    for name in _FLAGS:
        if name in data and not isinstance(data[name], bool):
            raise InvalidInput(f"{name} must be true or false", field=name)
    floor = data.get("decay_floor", 0.05)
    if not _number(floor) or not 0 <= floor <= 1:
        raise InvalidInput("decay_floor must be a number in [0, 1]", field="decay_floor")
    tiers = data.get("archive_tiers", ["episodic"])
    if not isinstance(tiers, list | tuple) or any(t not in TIERS for t in tiers):
        raise InvalidInput(
            f"archive_tiers must list tiers among {', '.join(TIERS)}", field="archive_tiers"
        )
    return policy_of(policy_data(policy_of(data)))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _count(value: Any, name: str) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 1_000_000:
        raise InvalidInput(f"{name} must be a positive whole number or null", field=name)


def _duration(value: Any, name: str, *, required: bool) -> None:
    if value is None and not required:
        return
    if not _number(value) or not 0 < value <= 365_000:
        raise InvalidInput(f"{name} must be a positive number or null", field=name)
