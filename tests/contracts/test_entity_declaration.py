"""The entity's declaration (``kgmem.declarations.entity``) says what is stored: the side
table ``_kg_vertex`` has exactly the declared columns, with the declared types and
nullability, and every writer (a write, a patch, an import) sets the columns a write
sets (``REWRITTEN``) alike from the same vertex."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncpg

from kgmem import Memory
from kgmem.declarations.entity import REWRITTEN, SIDE_COLUMNS
from kgmem.model import EntityPatch, EntityWrite, GeoPoint
from tests.contracts.stored_columns import stored_columns

_TYPES = {"ag_catalog.graphid": "graphid", "timestamptz": "timestamp with time zone"}


async def test_the_side_table_has_exactly_the_declared_columns(
    namespace: str, raw_conn: asyncpg.Connection
) -> None:
    stored = await stored_columns(raw_conn, namespace, "_kg_vertex")
    assert set(stored) == {c.name for c in SIDE_COLUMNS}
    for column in SIDE_COLUMNS:
        found = stored[column.name]
        assert found.kind == _TYPES.get(column.type, column.type), column.name
        required = "NOT NULL" in column.constraint or "PRIMARY KEY" in column.constraint
        assert found.nullable != required, column.name


PROPERTIES = {"name": "Launch", "summary": "The rocket left", "occurred_at": "2026-03-01T10:00:00Z"}


async def _side_row(conn: asyncpg.Connection, namespace: str, uid: str) -> dict[str, Any]:
    row = await conn.fetchrow(
        f'SELECT {", ".join(REWRITTEN)} FROM "{namespace}"._kg_vertex WHERE uid = $1', uid
    )
    assert row is not None
    return dict(row)


async def test_a_write_a_patch_and_an_import_set_the_side_columns_alike(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, tmp_path: Path
) -> None:
    point = GeoPoint(lat=28.5, lon=-80.6)
    await memory.upsert_entity(
        namespace, EntityWrite("written", "Event", PROPERTIES, location=point)
    )
    await memory.upsert_entity(namespace, EntityWrite("patched", "Event", {"name": "Draft"}))
    await memory.patch_entity(
        namespace, "patched", EntityPatch(properties=PROPERTIES, location=point)
    )
    line = {"kind": "vertex", "uid": "imported", "label": "Event", "properties": PROPERTIES}
    path = tmp_path / "vertex.jsonl"
    path.write_text(json.dumps({**line, "location": {"lat": 28.5, "lon": -80.6}}) + "\n")
    await memory.import_file(namespace, path)
    side = await _side_row(raw_conn, namespace, "written")
    assert all(side[c] is not None for c in REWRITTEN), side
    assert side["name"] == "Launch" and "rocket" in side["text"]
    assert await _side_row(raw_conn, namespace, "patched") == side
    assert await _side_row(raw_conn, namespace, "imported") == side
    await memory.upsert_entity(namespace, EntityWrite("written", "Event", {}))
    assert set((await _side_row(raw_conn, namespace, "written")).values()) == {None}
