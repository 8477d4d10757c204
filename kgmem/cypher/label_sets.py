"""The AGE label that holds the nodes carrying several labels, or a name AGE cannot hold.

AGE 1.7 stores a vertex in exactly one label table. A node with the labels {A, B}
lives in a *composite* label whose table inherits from both A's and B's tables
(PostgreSQL table inheritance, which AGE's own labels already use), so ``MATCH
(n:A)`` and ``MATCH (n:B)`` both find it. A composite's name says its labels, so
reading them back needs no catalog: ``{Person, Employee}`` is
``__kgmem_L_Employee_sPerson``. The ``__kgmem_`` prefix is reserved (the guard refuses
it in analyst text), so no label an analyst writes can pass for a composite.

Neo4j takes any label or relationship type (``Works at``, ``Big Co``); AGE holds only
identifiers of at most 63 bytes. A name AGE cannot hold is stored as the one-part
composite of it (``stored``): ``Works at`` is ``__kgmem_L_Works_u0020at``, which
``split`` reads back as ``['Works at']``. A name AGE holds keeps its own name, so no
stored label changes.

The spelling is ``kgmem.schema.label_names``'s, which every door shares (REST, MCP,
imports); this module gives it the Cypher door's errors (``CypherSemanticError``).
"""

from __future__ import annotations

from collections.abc import Iterable

from kgmem.errors import CypherSemanticError, InvalidIdentifier
from kgmem.schema import label_names
from kgmem.schema.label_names import MAX_NAME, PREFIX, holds, split

__all__ = ["MAX_NAME", "PREFIX", "composite", "holds", "split", "stored"]


def composite(labels: Iterable[str]) -> str:
    """The composite label name of ``labels`` (two or more distinct labels).

    Raises ``CypherSemanticError`` when the name would pass PostgreSQL's identifier
    length (long labels, or many of them, on one node)."""
    unique = sorted(set(labels))
    name = label_names.spelling(unique)
    if name is None:
        raise CypherSemanticError(
            f"the labels {', '.join(unique)} are too long to be carried together: "
            f"kgmem stores them as one AGE label of at most {MAX_NAME} bytes"
        )
    return name


def stored(name: str) -> str:
    """The AGE label of the label or relationship type ``name`` alone: ``name`` when AGE
    can hold it (``holds``), else its one-part composite (``Works at`` is
    ``__kgmem_L_Works_u0020at``).

    Raises ``CypherSemanticError`` for an empty name, one with control characters and
    one whose spelling passes 63 bytes."""
    if label_names.CONTROL.search(name):
        raise CypherSemanticError(f"the label or relationship type {name!r} has control characters")
    try:
        return label_names.stored(name)
    except InvalidIdentifier as exc:
        raise CypherSemanticError(exc.detail) from None
