"""Procedures ``CALL`` can name: the registry, signatures and types, the built-ins.

A package adds its own by declaring, in its ``pyproject.toml``::

    [project.entry-points."kgmem.procedures"]
    mine = "my_package.procedures:PROCEDURES"

(see docs/cypher.md, "Procedures").
"""

from kgmem.procedures.registry import (
    GROUP,
    Body,
    Procedure,
    Reader,
    Registry,
    procedure,
    table,
)
from kgmem.procedures.signature import Field, field

__all__ = ["GROUP", "Body", "Field", "Procedure", "Reader", "Registry", "field", "procedure",
           "table"]  # fmt: skip
