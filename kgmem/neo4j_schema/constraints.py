"""Neo4j 5's constraints on kgmem: what each kind means and how it is built.

- ``UNIQUENESS`` (``REQUIRE n.p IS UNIQUE``, ``REQUIRE (n.p, n.q) IS UNIQUE``): no two
  nodes of the label (relationships of the type) hold the same values of the
  properties; one missing any of them is not concerned.
- ``KEY`` (``IS NODE KEY`` / ``IS RELATIONSHIP KEY``): uniqueness, and every property
  present.
- ``PROPERTY_EXISTENCE`` (``IS NOT NULL``): the property present.
- ``PROPERTY_TYPE`` (``IS :: STRING``, ``IS :: INTEGER | FLOAT``,
  ``IS :: LIST<STRING NOT NULL>``): the property, when present, of one of the types.
  kgmem stores temporal values as their ISO 8601 text and has no points, so the types
  PostgreSQL can tell apart are BOOLEAN, STRING, INTEGER, FLOAT and lists of them;
  ``allowed_types`` refuses the others (DATE, DURATION, POINT, ...) at creation.

Each is a CHECK on the label's table calling a function of ``kgmem_neo4j``, with an
index for the first two (``kgmem.storage.neo4j_schema.constraint_sql``); the handler
``ConstraintHandler`` builds, extends and drops them as ``kgmem.neo4j_schema.handlers``
asks. A write that breaks one fails with ``ConstraintViolation`` (Bolt:
``Neo.ClientError.Schema.ConstraintValidationFailed``, REST: 409).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kgmem.errors import CypherSemanticError
from kgmem.neo4j_schema import handlers
from kgmem.neo4j_schema.model import Constraint, SchemaObject
from kgmem.storage import Connection
from kgmem.storage.neo4j_schema import constraint_sql
from kgmem.storage.neo4j_schema.population_sql import IndexBuild
from kgmem.storage.refs import NamespaceRef

# Neo4j's order of the types, in which a union is shown (``SHOW CONSTRAINTS``).
_ORDER = (
    "BOOLEAN", "STRING", "INTEGER", "FLOAT", "DATE", "LOCAL TIME", "ZONED TIME",
    "LOCAL DATETIME", "ZONED DATETIME", "DURATION", "POINT",
)  # fmt: skip
ENFORCEABLE = frozenset({"BOOLEAN", "STRING", "INTEGER", "FLOAT"})

_SYNONYMS = {
    "BOOL": "BOOLEAN",
    "VARCHAR": "STRING",
    "INT": "INTEGER",
    "SIGNED INTEGER": "INTEGER",
    "INT64": "INTEGER",
    "INTEGER64": "INTEGER",
    "FLOAT64": "FLOAT",
    "TIME WITHOUT TIME ZONE": "LOCAL TIME",
    "TIME WITH TIME ZONE": "ZONED TIME",
    "TIMESTAMP WITHOUT TIME ZONE": "LOCAL DATETIME",
    "TIMESTAMP WITH TIME ZONE": "ZONED DATETIME",
    "TIME WITHOUT TIMEZONE": "LOCAL TIME",
    "TIME WITH TIMEZONE": "ZONED TIME",
    "TIMESTAMP WITHOUT TIMEZONE": "LOCAL DATETIME",
    "TIMESTAMP WITH TIMEZONE": "ZONED DATETIME",
}
_LIST = re.compile(r"^(?:LIST|ARRAY)\s*<(.*)>$", re.S)
_POSTFIX_LIST = re.compile(r"^(.*\S)\s+(?:LIST|ARRAY)$", re.S)
_NOT_NULL = re.compile(r"\s+NOT\s+NULL$")


def _split_union(text: str) -> list[str]:
    """``A | B | LIST<C | D>`` split at its top-level bars."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"<": 1, ">": -1}.get(ch, 0)
        if ch == "|" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _unwrap(text: str) -> str:
    """The union inside ``ANY<...>`` (or ``ANY VALUE<...>``), else ``text``."""
    found = re.match(r"^ANY(?:\s+VALUE)?\s*<(.*)>$", text, re.S)
    return found.group(1).strip() if found else text


def _scalar(text: str) -> str:
    name = " ".join(text.split())
    name = _SYNONYMS.get(name, name)
    if name not in _ORDER:
        raise CypherSemanticError(f"`{text}` is not a property type Neo4j constraints take")
    return name


def _one(text: str) -> list[str]:
    """The canonical names of one member of a union (a list's inner union makes
    several lists)."""
    listed = _LIST.match(text) or _POSTFIX_LIST.match(text)
    if listed is None:
        if _NOT_NULL.search(text):
            raise CypherSemanticError(
                f"`{text}`: a property type constraint cannot say NOT NULL; "
                "add an existence constraint (IS NOT NULL)"
            )
        return [_scalar(text)]
    inner = listed.group(1).strip()
    if not _NOT_NULL.search(inner):
        raise CypherSemanticError(
            f"`{text}`: the elements of a list property type must be NOT NULL "
            "(LIST<STRING NOT NULL>)"
        )
    members = _split_union(_unwrap(_NOT_NULL.sub("", inner).strip()))
    return [f"LIST<{_scalar(m)} NOT NULL>" for m in members]


def _rank(name: str) -> tuple[int, int]:
    inner = name.removeprefix("LIST<").removesuffix(" NOT NULL>")
    return (name.startswith("LIST<"), _ORDER.index(inner))


def property_types(text: str) -> tuple[str, ...]:
    """The canonical Neo4j types of ``text`` (``IS :: <text>``), deduplicated in
    Neo4j's order: ``INT | STRING`` gives (``STRING``, ``INTEGER``). Raises
    ``CypherSemanticError`` for a text that is no property type."""
    upper = " ".join(text.upper().split())
    names = {n for member in _split_union(_unwrap(upper)) for n in _one(member)}
    return tuple(sorted(names, key=_rank))


def shown_type(text: str) -> str:
    """``text`` as ``SHOW CONSTRAINTS`` gives it (``STRING | INTEGER``)."""
    return " | ".join(property_types(text))


def allowed_types(text: str) -> tuple[str, ...]:
    """The types of ``text`` when PostgreSQL can enforce each of them; else
    ``CypherSemanticError`` naming those it cannot."""
    types = property_types(text)
    refused = [
        t for t in types if t.removeprefix("LIST<").removesuffix(" NOT NULL>") not in ENFORCEABLE
    ]
    if refused:
        raise CypherSemanticError(
            f"kgmem cannot enforce the property type(s) {', '.join(refused)}: it stores "
            "temporal values as their ISO 8601 text (they would pass as STRING) and has no "
            "point values; BOOLEAN, STRING, INTEGER, FLOAT and lists of them can be enforced"
        )
    return types


def validate(c: Constraint) -> None:
    """Refuse a constraint kgmem cannot build (before anything is written)."""
    if not c.properties:
        raise CypherSemanticError(f"constraint `{c.name}` names no property")
    if c.type == "PROPERTY_TYPE":
        if len(c.properties) != 1 or c.property_type is None:
            raise CypherSemanticError(
                f"a property type constraint takes one property and a type (`{c.name}`)"
            )
        allowed_types(c.property_type)
    elif c.type == "PROPERTY_EXISTENCE" and len(c.properties) != 1:
        raise CypherSemanticError(f"an existence constraint takes one property (`{c.name}`)")


class ConstraintHandler:
    """Builds a constraint's CHECK and index on a label's tables (the handler
    interface of ``kgmem.neo4j_schema.handlers``)."""

    async def create(
        self, conn: Connection, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None:
        """Build ``obj``'s CHECK on the label's own table among ``tables`` (it reaches
        the others by inheritance) and its index on each of them. ``ConstraintViolation``
        when existing rows break it; nothing is left behind then."""
        assert isinstance(obj, Constraint)
        validate(obj)
        ordered = _own_first(obj, tables)
        async with conn.transaction():
            if obj.type in constraint_sql.INDEXED:
                for name in ordered:  # first: they serve the validation's lookups
                    await constraint_sql.build_index(conn, ns, name, obj)
            expr = await _expression(conn, ns, obj)
            await constraint_sql.add_check(conn, ns, ordered[0], expr, obj)

    async def extend(
        self, conn: Connection, ns: NamespaceRef, obj: SchemaObject, table: str
    ) -> None:
        """Give a new composite table ``obj``'s CHECK (under the same name, before it
        inherits from the label's table) and index."""
        assert isinstance(obj, Constraint)
        if obj.type in constraint_sql.INDEXED:
            await constraint_sql.build_index(conn, ns, table, obj)
        expr = await _expression(conn, ns, obj)
        await constraint_sql.add_check(conn, ns, table, expr, obj)

    async def drop(
        self, conn: Connection, ns: NamespaceRef, obj: SchemaObject, tables: Sequence[str]
    ) -> None:
        """Remove ``obj``'s CHECK and indexes from ``tables``: the label's own table
        first, whose CHECK the others inherit (an inherited CHECK cannot be dropped)."""
        assert isinstance(obj, Constraint)
        for name in _own_first(obj, tables):
            await constraint_sql.drop_check(conn, ns, name, obj)
            await constraint_sql.drop_index(conn, ns, name, obj)

    def builds(self, ns: NamespaceRef, obj: SchemaObject, table: str) -> list[IndexBuild] | None:
        """None: a constraint checks the existing data in its statement, as Neo4j's does."""
        return None


def _own_first(obj: Constraint, tables: Sequence[str]) -> list[str]:
    """``tables`` with the label's own table first."""
    own = handlers.tables_named(obj)[0]
    return sorted(tables, key=lambda name: name != own)


async def _expression(conn: Connection, ns: NamespaceRef, obj: Constraint) -> str:
    sequence = await constraint_sql.label_sequence(conn, ns, handlers.tables_named(obj)[0])
    allowed = allowed_types(obj.property_type) if obj.property_type else ()
    return constraint_sql.check_sql(ns, obj, sequence, allowed)


HANDLER = ConstraintHandler()
"""The one handler of every constraint type."""
