"""The procedures graph tools call on connect, answered by kgmem on every Cypher door:
``db.labels()``, ``db.relationshipTypes()``, ``db.propertyKeys()``,
``db.schema.visualization()``, ``dbms.components()``, ``db.info()``, ``db.ping()``,
``dbms.showCurrentUser()``, with Neo4j's columns; and those of Neo4j's schema language
(``kgmem.procedures.neo4j_schema``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgmem.neo4j_schema import vector_procedures
from kgmem.procedures import (
    apoc_graph,
    apoc_meta,
    apoc_schema,
    apoc_writes,
    neo4j_schema,
    schema_types,
    system,
)
from kgmem.procedures.registry import Body, Procedure, Reader, Registry, procedure

KERNEL_VERSION = "5.26.0"

Rows = list[list[Any]]


async def _labels(reader: Reader, args: Mapping[str, Any]) -> Rows:
    stats = await reader.stats()
    return [[label] for label in _in_use(stats.vertices)]


async def _types(reader: Reader, args: Mapping[str, Any]) -> Rows:
    stats = await reader.stats()
    return [[kind] for kind in _in_use(stats.edges)]


def _in_use(counts: Mapping[str, int]) -> list[str]:
    """Labels with at least one element, sorted (the schema declares more)."""
    return sorted(label for label, n in counts.items() if n > 0)


async def _keys(reader: Reader, args: Mapping[str, Any]) -> Rows:
    result = await reader.cypher(
        "MATCH (n) UNWIND keys(n) AS k RETURN DISTINCT k "
        "UNION MATCH ()-[r]->() UNWIND keys(r) AS k RETURN DISTINCT k",
    )
    return sorted([row[0]] for row in result.rows)


async def _schema(reader: Reader, args: Mapping[str, Any]) -> Rows:
    """One virtual node per label, one virtual relationship per (label, type, label)."""
    stats = await reader.stats()
    ids = {label: -(i + 1) for i, label in enumerate(_in_use(stats.vertices))}
    nodes = [_virtual_node(i, label) for label, i in ids.items()]
    result = await reader.cypher("MATCH (a)-[r]->(b) RETURN DISTINCT labels(a), type(r), labels(b)")
    triples = {
        (a, kind, b)
        for starts, kind, ends in result.rows
        for a in starts
        for b in ends
        if a in ids and b in ids
    }
    rels = [
        {"kind": "relationship", "id": -(n + 1), "label": kind, "start": ids[a], "end": ids[b],
         "properties": {"name": kind}}
        for n, (a, kind, b) in enumerate(sorted(triples))
    ]  # fmt: skip
    return [[nodes, rels]]


def _virtual_node(node_id: int, label: str) -> dict[str, Any]:
    properties = {"name": label, "indexes": [], "constraints": []}
    return {"kind": "node", "id": node_id, "label": label, "properties": properties}


def _components(version: str) -> Body:
    async def components(reader: Reader, args: Mapping[str, Any]) -> Rows:
        return [["Neo4j Kernel", [KERNEL_VERSION], "community"], ["kgmem", [version], "kgmem"]]

    return components


async def _info(reader: Reader, args: Mapping[str, Any]) -> Rows:
    return [[reader.namespace, reader.namespace, None]]


async def _ping(reader: Reader, args: Mapping[str, Any]) -> Rows:
    return [[True]]


async def _user(reader: Reader, args: Mapping[str, Any]) -> Rows:
    return [["kgmem", [], []]]


def builtins(version: str) -> tuple[Procedure, ...]:
    """The built-in procedures; ``dbms.components()`` names kgmem's ``version``."""
    return (
        procedure("db.labels() :: (label :: STRING)", _labels,
                  description="List all labels in use in the database."),
        procedure("db.relationshipTypes() :: (relationshipType :: STRING)", _types,
                  description="List all relationship types in use in the database."),
        procedure("db.propertyKeys() :: (propertyKey :: STRING)", _keys,
                  description="List all property keys in the database."),
        procedure("db.schema.visualization() :: (nodes :: LIST OF NODE, "
                  "relationships :: LIST OF RELATIONSHIP)", _schema,
                  description="Visualize the schema of the data."),
        procedure("dbms.components() :: (name :: STRING, versions :: LIST OF STRING, "
                  "edition :: STRING)", _components(version),
                  description="List DBMS components and their versions."),
        procedure("db.info() :: (id :: STRING, name :: STRING, creationDate :: STRING?)", _info,
                  description="Provides information regarding the database."),
        procedure("db.ping() :: (success :: BOOLEAN)", _ping,
                  description="Checks that the database is available."),
        procedure("dbms.showCurrentUser() :: (username :: STRING, roles :: LIST OF STRING, "
                  "flags :: LIST OF STRING)", _user,
                  description="Show the current user."),
        *neo4j_schema.procedures(),
        *vector_procedures.PROCEDURES,
        *apoc_meta.PROCEDURES,
        *apoc_graph.PROCEDURES,
        *apoc_schema.PROCEDURES,
        *schema_types.PROCEDURES,
        *apoc_writes.PROCEDURES,
        *system.PROCEDURES,
    )  # fmt: skip


def registry(version: str) -> Registry:
    """A registry of the built-in procedures (each store gets its own), with the two
    that list it and the functions (``SHOW PROCEDURES`` / ``SHOW FUNCTIONS``)."""
    made = Registry(builtins(version))
    for item in system.listing(made):
        made.register(item)
    return made


NAMES = tuple(p.name for p in registry(""))
"""The built-in procedures, as Neo4j spells them."""
