"""The named-query catalogue, loaded once from ``cypher/``."""

from __future__ import annotations

import functools

from kgmem.cypher.named import NamedQuery, find, load_directory
from kgmem.process.resources import resource_dir

__all__ = ["catalogue", "find"]


@functools.cache
def catalogue() -> dict[str, NamedQuery]:
    """Every named query by name (read and checked on first use)."""
    return load_directory(resource_dir("cypher"))
