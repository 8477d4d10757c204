"""Where kgmem's declarative files are: the repository root in a checkout, or inside
the package (``kgmem/_resources``) when installed from a wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    """The directory ``name`` (``graph_schema``, ``migrations`` or ``cypher``)."""
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kgmem resource directory {name!r} not found next to {_PACKAGE}")
