"""Vectors as query parameters: pgvector values that asyncpg can put in a ``vector[]``.

A bare list or NumPy row inside a list would be read by asyncpg as a nested array, so
each vector is wrapped in pgvector's ``Vector``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pgvector import Vector


def vector_array(values: Iterable[Sequence[float] | None]) -> list[Vector | None]:
    """One ``Vector`` (or None) per value, for a ``$n::vector[]`` parameter."""
    return [None if v is None else Vector(list(v)) for v in values]
