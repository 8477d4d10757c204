"""The PostgreSQL names of what a declared index or constraint builds."""

from __future__ import annotations

import hashlib


def pg_name(obj_name: str, table: str, suffix: str) -> str:
    """``kgd_<20 hex of sha1>_<suffix>``: deterministic from the declared object's name
    and a table (empty for a name shared by every table), so ``drop`` finds what
    ``create`` made; within PostgreSQL's 63 bytes for a short suffix."""
    digest = hashlib.sha1(f"{obj_name}\x00{table}".encode(), usedforsecurity=False).hexdigest()
    return f"kgd_{digest[:20]}_{suffix}"
