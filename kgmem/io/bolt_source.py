"""Read a Neo4j database (or any Bolt server) into a JSON Lines file that kgmem imports.

``dump()`` pages through the nodes, then the relationships, ordered by id, through the
official neo4j driver (the optional ``neo4j`` extra), and appends each page to the file
as kgmem JSON Lines records. After each page a state file beside it records the last id
read, so an interrupted dump continues where it stopped; the file import that follows
is resumable by itself.

Mapping: a node's uid is its ``uid`` property when that is a string, else
``neo4j-<id>`` (a ``uid`` of another type is kept as ``neo4j_uid``). AGE stores one
label per vertex: a node gets its first label (in the order the server lists them), and
a node with several keeps all of them in a ``labels`` property. Relationship
properties, types and directions are kept; a relationship's uid is ``neo4j-r<id>``.
Temporal and spatial property values arrive as ISO 8601 strings and ``{srid, x, y[, z]}``
maps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from kgmem.errors import ConfigurationError, InvalidInput

NODES = (
    "MATCH (n) WHERE id(n) > $after RETURN id(n) AS id, labels(n) AS labels, "
    "properties(n) AS props ORDER BY id(n) LIMIT $size"
)
RELATIONSHIPS = (
    "MATCH (a)-[r]->(b) WHERE id(r) > $after RETURN id(r) AS id, type(r) AS type, "
    "id(a) AS a, a.uid AS a_uid, id(b) AS b, b.uid AS b_uid, properties(r) AS props "
    "ORDER BY id(r) LIMIT $size"
)


class _Node(NamedTuple):
    """A row of ``NODES``."""

    id: int
    labels: list[str]
    props: dict[str, Any]


class _Relationship(NamedTuple):
    """A row of ``RELATIONSHIPS``."""

    id: int
    type: str
    a: int
    a_uid: Any
    b: int
    b_uid: Any
    props: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BoltSource:
    """Where to read: a ``bolt://`` or ``neo4j://`` URI (``+s`` for TLS), the database and
    the credentials."""

    uri: str
    database: str | None
    user: str
    password: str


@dataclass(slots=True)
class DumpState:
    """How far a dump got: the phase (``nodes``, ``relationships``, ``done``), the last id
    written in that phase, and the counts written so far."""

    phase: str = "nodes"
    after: int = -1
    nodes: int = 0
    relationships: int = 0

    @property
    def done(self) -> bool:
        """True once every relationship is written."""
        return self.phase == "done"


async def dump(
    source: BoltSource,
    path: Path,
    *,
    batch_size: int = 10_000,
    on_page: Callable[[DumpState], None] | None = None,
) -> DumpState:
    """Append every node and relationship of ``source`` not yet in ``path`` to it; return
    the final state. Raises ``InvalidInput`` when the server refuses the credentials or
    the queries, ``ConfigurationError`` without the neo4j driver."""
    neo4j = _driver_module()
    state = _load_state(path)
    auth = (source.user, source.password)
    try:
        async with neo4j.AsyncGraphDatabase.driver(source.uri, auth=auth) as driver:
            while not state.done:
                await _page(driver, source.database, path, state, batch_size)
                if on_page is not None:
                    on_page(state)
    except neo4j.exceptions.Neo4jError as exc:
        raise InvalidInput(f"the Bolt server refused the dump: {exc.message}") from exc
    except neo4j.exceptions.DriverError as exc:
        raise InvalidInput(f"cannot read from {source.uri}: {exc}") from exc
    return state


def _driver_module() -> Any:
    try:
        import neo4j
    except ImportError as exc:  # an optional extra
        raise ConfigurationError(
            "importing from Bolt needs the neo4j driver: pip install 'kgmem[neo4j]'"
        ) from exc
    return neo4j


async def _page(driver: Any, database: str | None, path: Path, state: DumpState, size: int) -> None:
    """Read and append one page of the current phase, then move the state on."""
    # Here, not at the top: the storage package is heavy, and `kgmem --help` imports this
    # module through the CLI (tests/cli/test_cli_imports.py).
    from kgmem.storage import rows

    if state.phase == "nodes":
        nodes = rows.typed(_Node, await _fetch(driver, database, NODES, state.after, size))
        lines, ids = [_node_line(r) for r in nodes], [r.id for r in nodes]
        state.nodes += len(lines)
    else:
        found = await _fetch(driver, database, RELATIONSHIPS, state.after, size)
        relationships = rows.typed(_Relationship, found)
        lines, ids = [_relationship_line(r) for r in relationships], [r.id for r in relationships]
        state.relationships += len(lines)
    state.after = ids[-1] if ids else state.after
    if len(lines) < size:
        state.phase, state.after = ("relationships" if state.phase == "nodes" else "done"), -1
    _append(path, lines, state)


async def _fetch(driver: Any, database: str | None, query: str, after: int, size: int) -> list[Any]:
    records, _, _ = await driver.execute_query(
        query, {"after": after, "size": size}, database_=database, routing_="r"
    )
    return list(records)


def _uid(node_id: int, uid: Any) -> str:
    return uid if isinstance(uid, str) and uid else f"neo4j-{node_id}"


def _node_line(record: _Node) -> dict[str, Any]:
    props = _plain(dict(record.props))
    labels = list(record.labels)
    if len(labels) > 1:
        props["labels"] = labels
    label = labels[0] if labels else "Node"
    uid = props.pop("uid", None)
    if uid is not None and not isinstance(uid, str):
        props["neo4j_uid"] = uid  # kgmem's uid is a string key, not a property
    return {"kind": "vertex", "uid": _uid(record.id, uid), "label": label,
            "properties": props}  # fmt: skip


def _relationship_line(record: _Relationship) -> dict[str, Any]:
    return {
        "kind": "edge",
        "uid": f"neo4j-r{record.id}",
        "label": record.type,
        "start": _uid(record.a, record.a_uid),
        "end": _uid(record.b, record.b_uid),
        "properties": _plain(dict(record.props)),
    }


def _plain(value: Any) -> Any:
    """Driver values as JSON: temporal values as ISO 8601, points as maps."""
    if hasattr(value, "srid"):  # a point (a tuple of coordinates)
        return dict(zip(("srid", "x", "y", "z"), (value.srid, *value), strict=False))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    return value


def _state_path(path: Path) -> Path:
    return path.with_name(path.name + ".state.json")


def _load_state(path: Path) -> DumpState:
    saved = _state_path(path)
    if not saved.exists() or not path.exists():
        path.write_bytes(b"")
        return DumpState()
    return DumpState(**json.loads(saved.read_text()))


def _append(path: Path, lines: list[dict[str, Any]], state: DumpState) -> None:
    """Append ``lines`` durably, then record ``state`` (a crash between the two repeats
    one page, which the import's upserts absorb)."""
    with path.open("a", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
    fields = {"phase": state.phase, "after": state.after, "nodes": state.nodes,
              "relationships": state.relationships}  # fmt: skip
    temporary = _state_path(path).with_suffix(".tmp")
    temporary.write_text(json.dumps(fields))
    temporary.replace(_state_path(path))
