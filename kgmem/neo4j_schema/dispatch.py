"""``CREATE`` and ``DROP`` of indexes and constraints, in the caller's write
transaction: the checks Neo4j 5 makes (names unique across indexes and constraints,
one object per definition, ``IF [NOT] EXISTS``), the label tables made if missing, the
handler's PostgreSQL objects built on each table of the label, the catalogue row.

The namespace's schema lock (``catalog.lock``) serialises schema changes of one
namespace; the caller answers the statement with an empty result. An index over more
elements than the caller's ``background_rows`` is only declared here, ``POPULATING``,
for ``kgmem.neo4j_schema.population`` to build after the transaction commits.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kgmem.errors import CypherSemanticError
from kgmem.neo4j_schema import handlers
from kgmem.neo4j_schema.errors import (
    ConstraintNameTaken,
    ConstraintNotFound,
    IndexNameTaken,
    IndexNotFound,
    IndexOwnedByConstraint,
    SchemaRuleExists,
)
from kgmem.neo4j_schema.model import Constraint, Create, Drop, Entity, Index, SchemaObject
from kgmem.schema import GraphSchema
from kgmem.storage.graph import label_tables
from kgmem.storage.neo4j_schema import catalog, expression_indexes, population_sql
from kgmem.storage.refs import NamespaceRef

LOOKUP_NAMES: dict[Entity, str] = {"NODE": "index_343aff4e", "RELATIONSHIP": "index_f7700477"}
"""kgmem's built-in LOOKUP indexes (a table per label already is one), named as Neo4j
names its two default ones."""


async def execute(
    conn: Any,
    ns: NamespaceRef,
    statement: Create | Drop,
    schema: GraphSchema,
    *,
    background_rows: int | None = None,
) -> SchemaObject | None:
    """Apply ``statement`` to ``ns`` on ``conn`` (inside a write transaction); the
    object created or dropped, None when ``IF [NOT] EXISTS`` left nothing to do. An
    index declared to populate in the background (only when ``background_rows`` is
    given and it covers more elements than that) comes back ``POPULATING``.

    Raises ``SchemaRuleExists`` (or its name-taken subclasses), ``IndexOwnedByConstraint``
    (DROP INDEX of a constraint's index) and ``IndexNotFound`` /
    ``ConstraintNotFound`` as Neo4j would, ``LabelKindConflict`` for a label used as a
    relationship type, and the handler's errors (bad options, violating data)."""
    await catalog.ensure(conn, ns)
    if isinstance(statement, Create):
        return await _create(conn, ns, statement, schema, background_rows)
    return await _drop(conn, ns, statement)


async def _create(
    conn: Any,
    ns: NamespaceRef,
    statement: Create,
    schema: GraphSchema,
    background_rows: int | None,
) -> SchemaObject | None:
    target = statement.target
    existing = await catalog.declared(conn, ns)
    clash = _clash(target, existing)
    if clash is not None:
        if statement.if_not_exists:
            return None
        raise clash
    handler = handlers.handler(target)
    if handler is None:
        what = f"{target.type.lower()} {'index' if isinstance(target, Index) else 'constraint'}"
        raise CypherSemanticError(f"kgmem cannot build a {what} yet")
    for label in handlers.tables_named(target):
        await label_tables.ensure(conn, ns, label, target.entity, schema)
    tables = await tables_of(conn, ns, target)
    # the steps checked now (options), even when they run later
    steps = [handler.builds(ns, target, t) for t in tables]
    later = (
        background_rows is not None
        and isinstance(target, Index)
        and None not in steps
        and await population_sql.elements_over(conn, ns, tables, background_rows)
    )
    if later:
        assert isinstance(target, Index)
        declared = replace(target, state="POPULATING")
        await catalog.insert(conn, ns, declared)
        await catalog.set_state(conn, ns, target.name, "POPULATING", progress=0.0)
        return declared
    await handler.create(conn, ns, target, tables)
    await catalog.insert(conn, ns, target)
    return target


def _clash(target: SchemaObject, existing: list[SchemaObject]) -> SchemaRuleExists | None:
    """The error creating ``target`` meets among ``existing`` objects, or None: the same
    definition under any name is an equivalent rule (Neo4j's
    EquivalentSchemaRuleAlreadyExists, which neomodel expects when it declares its
    schema again), another definition under the same name a name taken."""
    for obj in existing:
        if obj.name == target.name and not equivalent(obj, target):
            if isinstance(obj, Index):
                return IndexNameTaken(f"There already exists an index called '{obj.name}'.")
            return ConstraintNameTaken(f"There already exists a constraint called '{obj.name}'.")
    for obj in existing:
        if equivalent(obj, target):
            kind = "index" if isinstance(obj, Index) else "constraint"
            return SchemaRuleExists(f"An equivalent {kind} already exists, '{describe(obj)}'.")
    if isinstance(target, Index) and target.type == "LOOKUP":
        name = LOOKUP_NAMES[target.entity]
        return SchemaRuleExists(f"An equivalent index already exists, '{name}' (kgmem's own).")
    return None


def equivalent(a: SchemaObject, b: SchemaObject) -> bool:
    """Whether ``a`` and ``b`` declare the same thing (names and options aside)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, Index) and isinstance(b, Index):
        return (a.type, a.entity, a.labels, a.properties) == (
            b.type,
            b.entity,
            b.labels,
            b.properties,
        )
    assert isinstance(a, Constraint)
    assert isinstance(b, Constraint)
    return (a.type, a.entity, a.label, a.properties, a.property_type) == (
        b.type,
        b.entity,
        b.label,
        b.properties,
        b.property_type,
    )


def describe(obj: SchemaObject) -> str:
    """``obj`` as Neo4j's messages show a schema rule."""
    labels = "|".join(handlers.labels_of(obj))
    shape = f"(:{labels} {{{', '.join(obj.properties)}}})"
    if obj.entity == "RELATIONSHIP":
        shape = f"()-[:{labels} {{{', '.join(obj.properties)}}}]-()"
    if isinstance(obj, Index):
        return f"Index( name='{obj.name}', type='{obj.type}', schema={shape} )"
    return f"Constraint( name='{obj.name}', type='{obj.shown_type}', schema={shape} )"


async def _drop(conn: Any, ns: NamespaceRef, statement: Drop) -> SchemaObject | None:
    found = await catalog.get(conn, ns, statement.name)
    wanted = Index if statement.kind == "INDEX" else Constraint
    if statement.kind == "INDEX" and isinstance(found, Constraint) and found.owns_index:
        # Neo4j refuses it even with IF EXISTS: the index exists, it is not the caller's
        raise IndexOwnedByConstraint(
            f"Unable to drop index: Index belongs to constraint: `{statement.name}`",
            constraint=statement.name,
        )
    if not isinstance(found, wanted):
        if statement.if_exists:
            return None
        if statement.kind == "INDEX":
            raise IndexNotFound(
                f"Unable to drop index called `{statement.name}`. There is no such index."
            )
        raise ConstraintNotFound(
            f"Unable to drop constraint `{statement.name}`: No such constraint {statement.name}."
        )
    if isinstance(found, Index) and found.state == "POPULATING":
        await _cancel_build(conn, ns, found.name)
    handler = handlers.handler(found)
    if handler is not None:
        await handler.drop(conn, ns, found, await tables_of(conn, ns, found))
    await catalog.delete(conn, ns, found.name)
    return found


async def _cancel_build(conn: Any, ns: NamespaceRef, name: str) -> None:
    """Cancel a background build of ``name`` under way (it would hold the tables
    against the drop; the builder then finds the declaration gone)."""
    from kgmem.neo4j_schema import population  # it imports this module

    await population.cancel(conn, ns, name)


async def tables_of(conn: Any, ns: NamespaceRef, obj: SchemaObject) -> list[str]:
    """The tables holding the elements ``obj`` covers: each label's table and every
    table inheriting from it (once each)."""
    found: dict[str, None] = {}
    for label in handlers.tables_named(obj):
        for table in await expression_indexes.tables(conn, ns, label):
            found[table] = None
    return list(found)


async def extend_to(conn: Any, ns: NamespaceRef, table: str, parents: list[str]) -> None:
    """Build every declared object of the labels ``parents`` (their AGE names) on
    ``table`` too (a new composite label table, before it inherits from theirs)."""
    for obj in await catalog.declared(conn, ns):
        if obj.entity != "NODE" or not set(handlers.tables_named(obj)) & set(parents):
            continue
        handler = handlers.handler(obj)
        if handler is not None:
            await handler.extend(conn, ns, obj, table)
