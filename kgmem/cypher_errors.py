"""Cypher errors beyond the core ones of ``kgmem.errors``, in kgmem's one tree
(``kgmem.errors`` imports this module so that every class is part of it)::

    CypherRejected            cypher_rejected          a query refused as unsafe
    └── CypherUnsupported     cypher_unsupported       a feature kgmem does not answer
    CypherError
    └── CypherArithmeticError cypher_arithmetic_error  an integer divided by zero or overflowing
    CypherPermissionDenied
    └── CypherAccessMode      cypher_access_mode       a write sent in read mode

All but the last are 422 over REST and MCP. Over Bolt an unsupported feature is Neo4j's
``Neo.ClientError.Statement.SyntaxError``, as Neo4j 5 answers a function or clause it
does not know; the detail names what to use instead where kgmem has an alternative.
"""

from __future__ import annotations

from typing import Any

from kgmem.errors import CypherError, CypherPermissionDenied, CypherRejected

SHORTEST_PATH_INSTEAD = (
    "MATCH p = shortestPath((a)-[*..5]-(b)) (or allShortestPaths, ANY SHORTEST, "
    "ALL SHORTEST) and use p"
)
"""What kgmem answers for a shortest path: a bounded search in a MATCH pattern."""


class CypherUnsupported(CypherRejected):
    """A Cypher feature kgmem does not support (a function, procedure library or clause
    form it does not answer): nothing unsafe, only not available here."""

    code = "cypher_unsupported"
    title = "Cypher feature not supported by kgmem"
    error_class = "syntax"


class CypherArithmeticError(CypherError):
    """An integer divided by the integer zero, or taken modulo zero (``RETURN 1 / 0``,
    ``RETURN 1 % 0``), or an integer result past 64 bits (``RETURN
    9223372036854775807 + 1``): Neo4j's ``Neo.ClientError.Statement.ArithmeticError``
    with Java's words, ``/ by zero`` or ``long overflow``. A float divided by zero is no
    error: Infinity, -Infinity or NaN, as in Neo4j."""

    code = "cypher_arithmetic_error"
    title = "Cypher arithmetic error"
    error_class = "arithmetic"


ACCESS_MODE = "Writing in read access mode not allowed"
"""How Neo4j's refusal of a write in a read transaction begins."""


class CypherAccessMode(CypherPermissionDenied):
    """A statement that writes, sent in read mode (REST's default ``"mode": "read"``, a
    Bolt session or transaction opened for reading, MCP's ``cypher_read``): Neo4j's
    ``Neo.ClientError.Statement.AccessMode``. ``what`` says what writes. A door whose
    caller may not write at all answers plain ``CypherPermissionDenied`` instead
    (``kgmem.access.as_seen_by``): sending it in write mode would not help."""

    code = "cypher_access_mode"
    title = "A write sent in read access mode"

    def __init__(self, what: str, *, position: int | None = None) -> None:
        super().__init__(f"{ACCESS_MODE}: {what}; send it in write mode", position=position)
        self.what = what

    def __reduce__(self) -> tuple[Any, ...]:
        """Rebuilt from ``what`` (a plan refused in the planning process comes back
        pickled), so the message is said once."""
        return (type(self), (self.what,), self.__dict__)


NEO4J_LIBRARIES = frozenset({"apoc", "gds", "db", "dbms", "genai", "graph", "algo"})
"""First names of Neo4j's function libraries: a call of one kgmem does not answer is
unsupported, not unsafe (any other schema-qualified call would run SQL)."""


def library_function(dotted: str, *, position: int) -> CypherUnsupported | None:
    """The refusal of a Neo4j library function kgmem does not answer (``gds.alpha.x``),
    or None when ``dotted`` is not in a Neo4j library; ``position`` where it starts."""
    if dotted.split(".", 1)[0].lower() not in NEO4J_LIBRARIES:
        return None
    detail = f"function {dotted}() is not one kgmem answers (docs/cypher.md lists those it does)"
    if "path" in dotted.lower() or "dijkstra" in dotted.lower():
        detail += f"; for a shortest path use {SHORTEST_PATH_INSTEAD}"
    return CypherUnsupported(detail, position=position, function=dotted)
