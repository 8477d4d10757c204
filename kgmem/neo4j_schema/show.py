"""``SHOW INDEXES`` and ``SHOW CONSTRAINTS``: rewritten into calls of the procedures
``kgmem.schema.showIndexes(filter)`` / ``kgmem.schema.showConstraints(filter)``, so
``YIELD``, ``WHERE`` and ``RETURN`` run on the ordinary ``CALL`` machinery; and
``db.awaitIndexes`` / ``db.awaitIndex`` (which wait for indexes populating in the
background, ``kgmem.neo4j_schema.population``).

The rows have every column of Neo4j 5; without ``YIELD`` a statement answers the
columns Neo4j 5 shows by default. Besides the declared objects (``_kg_declared``, read
as the namespace's reader), ``SHOW INDEXES`` lists the two LOOKUP indexes (each label
is a table of its own), named as Neo4j names its defaults. The unique ``uid`` index
kgmem keeps on each label it creates is not listed: no one declared it, it cannot be
dropped, and a client that drops every index ``SHOW INDEXES`` names would stop at it.
A uniqueness or key constraint owns a RANGE index of its own name, as in Neo4j.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from kgmem.errors import CypherSyntaxError, ProcedureFailed
from kgmem.neo4j_schema import population
from kgmem.neo4j_schema.dispatch import LOOKUP_NAMES
from kgmem.neo4j_schema.model import Constraint, Index, Show
from kgmem.storage.neo4j_schema.catalog import EXISTS_SQL, SELECT_SQL, from_row


class Reader(Protocol):
    """What the bodies read (``kgmem.procedures.Reader`` has it)."""

    @property
    def namespace(self) -> str: ...

    async def sql(self, query: str, *args: Any) -> Sequence[Sequence[Any]]: ...


INDEX_COLUMNS = (
    "id", "name", "state", "populationPercent", "type", "entityType", "labelsOrTypes",
    "properties", "indexProvider", "owningConstraint", "lastRead", "readCount",
    "trackedSince", "options", "failureMessage", "createStatement",
)  # fmt: skip
INDEX_DEFAULT = INDEX_COLUMNS[:12]
CONSTRAINT_COLUMNS = (
    "id", "name", "type", "entityType", "labelsOrTypes", "properties", "ownedIndex",
    "propertyType", "options", "createStatement",
)  # fmt: skip
CONSTRAINT_DEFAULT = CONSTRAINT_COLUMNS[:8]

PROVIDERS = {
    "RANGE": "range-1.0", "TEXT": "text-2.0", "POINT": "point-1.0", "VECTOR": "vector-2.0",
    "FULLTEXT": "fulltext-1.0", "LOOKUP": "token-lookup-1.0",
}  # fmt: skip
_BUILTIN_ID = 1_000_000  # kgmem's own indexes are numbered past any declared one


def as_call(show: Show) -> str:
    """``show`` as the Cypher call of its procedure, with the rest of the statement."""
    procedure = "showIndexes" if show.kind == "INDEXES" else "showConstraints"
    every = INDEX_COLUMNS if show.kind == "INDEXES" else CONSTRAINT_COLUMNS
    default = INDEX_DEFAULT if show.kind == "INDEXES" else CONSTRAINT_DEFAULT
    head = f"CALL kgmem.schema.{procedure}('{show.filter}')"
    rest = show.rest
    words = rest.split(None, 2)
    if not rest:
        return f"{head} YIELD {', '.join(default)}"
    if words[0].upper() == "WHERE":
        return f"{head} YIELD {', '.join(default)} {rest}"
    if words[0].upper() != "YIELD":
        raise CypherSyntaxError(f"expected YIELD, WHERE or the end after SHOW {show.kind}")
    if len(words) > 1 and words[1] == "*":
        return f"{head} YIELD {', '.join(every)} {words[2] if len(words) > 2 else ''}".rstrip()
    if len(words) > 1 and words[1].startswith("*"):
        return f"{head} YIELD {', '.join(every)} {rest.split('*', 1)[1]}".rstrip()
    return f"{head} {rest}"


async def index_rows(reader: Reader, args: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of ``showIndexes``: declared, owned by constraints, kgmem's own."""
    declared = await _declared(reader)
    rows = [
        _index_row(ident, obj, None, failure, share)
        for ident, obj, failure, share in declared
        if isinstance(obj, Index)
    ]
    rows += [
        _index_row(ident, _owned(obj), obj.name)
        for ident, obj, _, _ in declared
        if isinstance(obj, Constraint) and obj.owns_index
    ]
    rows += _builtin_rows()
    wanted = args["filter"]
    return sorted(
        (r for r in rows if wanted == "ALL" or r["type"] == wanted), key=lambda r: r["name"]
    )


async def constraint_rows(reader: Reader, args: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of ``showConstraints`` that ``filter`` selects."""
    wanted = str(args["filter"])
    rows = [
        _constraint_row(ident, obj)
        for ident, obj, _, _ in await _declared(reader)
        if isinstance(obj, Constraint) and _selected(obj, wanted)
    ]
    return sorted(rows, key=lambda r: r["name"])


async def await_indexes(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    """Wait for every index populating in the background (``timeOutSeconds``, within
    the statement's own deadline)."""
    await population.wait_online(reader, None, float(args["timeOutSeconds"]))
    return []


async def await_index(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    """Wait for the index ``indexName``; fails for a name no index has."""
    name = args["indexName"]
    names = {row["name"] for row in await index_rows(reader, {"filter": "ALL"})}
    if name not in names:
        raise ProcedureFailed(f"No such index '{name}'")
    await population.wait_online(reader, [name], float(args["timeOutSeconds"]))
    return []


async def _declared(reader: Reader) -> list[tuple[int, Index | Constraint, str | None, float]]:
    """Each declaration with its id, failure message and share populated."""
    exists = await reader.sql(EXISTS_SQL)
    if not exists or not exists[0][0]:
        return []
    return [
        (int(row[11]), from_row(row), row[12], float(row[13]))
        for row in await reader.sql(SELECT_SQL)
    ]


def _owned(constraint: Constraint) -> Index:
    return Index(
        constraint.name, "RANGE", constraint.entity, (constraint.label,), constraint.properties
    )


def _index_row(
    ident: int, index: Index, owner: str | None, failure: str | None = None, share: float = 100.0
) -> dict[str, Any]:
    lookup = index.type == "LOOKUP"
    config = dict(index.options.get("indexConfig") or {})
    return {
        "id": ident, "name": index.name, "state": index.state,
        "populationPercent": 100.0 if index.state == "ONLINE" else share,
        "type": index.type, "entityType": index.entity,
        "labelsOrTypes": None if lookup else list(index.labels),
        "properties": None if lookup else list(index.properties),
        "indexProvider": PROVIDERS[index.type], "owningConstraint": owner,
        "lastRead": None, "readCount": None if lookup else 0, "trackedSince": None,
        "options": {"indexProvider": PROVIDERS[index.type], "indexConfig": config},
        "failureMessage": failure or "", "createStatement": create_statement(index),
    }  # fmt: skip


def _constraint_row(ident: int, constraint: Constraint) -> dict[str, Any]:
    owns = constraint.owns_index
    return {
        "id": ident, "name": constraint.name, "type": constraint.shown_type,
        "entityType": constraint.entity, "labelsOrTypes": [constraint.label],
        "properties": list(constraint.properties),
        "ownedIndex": constraint.name if owns else None,
        "propertyType": constraint.property_type,
        "options": {"indexProvider": "range-1.0", "indexConfig": {}} if owns else None,
        "createStatement": create_statement(constraint),
    }  # fmt: skip


def _builtin_rows() -> list[dict[str, Any]]:
    return [
        _index_row(_BUILTIN_ID + n, Index(name, "LOOKUP", entity, (), ()), None)
        for n, (entity, name) in enumerate(LOOKUP_NAMES.items())
    ]


def _selected(constraint: Constraint, wanted: str) -> bool:
    """Whether SHOW's filter (``NODE KEY``, ``UNIQUE``, ``REL EXIST`` ...) takes it."""
    if wanted == "ALL":
        return True
    words = wanted.split()
    if words[0] in ("NODE", "RELATIONSHIP", "REL"):
        if (words[0] == "NODE") != (constraint.entity == "NODE"):
            return False
        words = words[1:]
    kinds = {"UNIQUE": "UNIQUENESS", "UNIQUENESS": "UNIQUENESS", "KEY": "KEY",
             "EXIST": "PROPERTY_EXISTENCE", "EXISTENCE": "PROPERTY_EXISTENCE",
             "PROPERTY": "PROPERTY_TYPE"}  # fmt: skip
    return kinds.get(words[0]) == constraint.type


def create_statement(obj: Index | Constraint) -> str:
    """The statement that declares ``obj``, as ``SHOW ... YIELD createStatement`` gives
    (every name back-quoted, as Neo4j writes it)."""
    q = _backquoted
    labels = "|".join(
        q(label) for label in (obj.labels if isinstance(obj, Index) else (obj.label,))
    )
    var = "n" if obj.entity == "NODE" else "r"
    pattern = f"(n:{labels})" if obj.entity == "NODE" else f"()-[r:{labels}]-()"
    props = ", ".join(f"{var}.{q(p)}" for p in obj.properties)
    if isinstance(obj, Index):
        on = _index_on(obj, props, var)
        tail = f" OPTIONS {_options(obj)}" if obj.options else ""
        return f"CREATE {obj.type} INDEX {q(obj.name)} FOR {pattern} ON {on}{tail}"
    require = {
        "UNIQUENESS": f"IS {obj.entity} UNIQUE" if obj.entity == "RELATIONSHIP" else "IS UNIQUE",
        "KEY": f"IS {obj.entity} KEY",
        "PROPERTY_EXISTENCE": "IS NOT NULL",
        "PROPERTY_TYPE": f"IS :: {obj.property_type}",
    }[obj.type]
    return f"CREATE CONSTRAINT {q(obj.name)} FOR {pattern} REQUIRE ({props}) {require}"


def _backquoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _index_on(index: Index, props: str, var: str) -> str:
    if index.type == "LOOKUP":
        return f"EACH {'labels' if index.entity == 'NODE' else 'type'}({var})"
    if index.type == "FULLTEXT":
        return f"EACH [{props}]"
    return f"({props})"


def _options(index: Index) -> str:
    """The options map as Cypher text (JSON keys back-quoted)."""

    def text(value: Any) -> str:
        if isinstance(value, Mapping):
            return "{" + ", ".join(f"`{k}`: {text(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(text(v) for v in value) + "]"
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return json.dumps(value)

    return text(index.options)
