"""The fact's declaration (``kgmem.declarations.fact``) says what is stored: each
declared column exists in ``_kg_fact`` with the declared type, and an edge's map holds
the caller's properties and the mirrored fields its writer has: all of them (null when
unset) for a fact write, the uid, text and recording time for a bulk import, which reads
back alike."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.declarations.fact import FACT_FIELDS, MIRRORED_KEYS
from kgmem.storage.graph.fact_map import edge_map
from tests.contracts.stored_columns import stored_columns

_TYPES = {
    "text": "text",
    "timestamptz": "timestamp with time zone",
    "double precision": "double precision",
    "ag_catalog.graphid": "graphid",
}


def _declared_type(sql: str) -> str:
    return next(v for k, v in _TYPES.items() if sql.startswith(k))


async def test_every_declared_column_is_stored_with_its_type(
    namespace: str, raw_conn: asyncpg.Connection
) -> None:
    stored = await stored_columns(raw_conn, namespace, "_kg_fact")
    for field in FACT_FIELDS:
        if field.sql is None:
            assert field.name not in stored, field.name
            continue
        column = stored[field.name]
        assert column.kind == _declared_type(field.sql), field.name
        assert column.nullable == field.optional, field.name


def test_the_edge_map_holds_the_fields_its_writer_has() -> None:
    built = edge_map({"role": "cto"}, uid="f1", valid_from=None, text="Ada leads")
    assert built == {"role": "cto", "uid": "f1", "valid_from": None, "text": "Ada leads"}


async def test_a_written_fact_stores_every_mirrored_field_an_imported_one_those_it_has(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection, tmp_path: Path
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("ada", "Person", {"name": "Ada"}))
    await memory.upsert_entity(namespace, EntityWrite("acme", "Org", {"name": "Acme"}))
    await memory.add_fact(
        namespace, FactWrite("ada", "WORKS_AT", "acme", {"role": "cto"}, uid="written")
    )
    edge = {"kind": "edge", "uid": "imported", "label": "WORKS_AT", "start": "acme"}
    path = tmp_path / "edge.jsonl"
    path.write_text(json.dumps({**edge, "end": "ada", "properties": {"role": "cto"}}) + "\n")
    await memory.import_file(namespace, path)
    rows = await raw_conn.fetch(f'SELECT properties::text AS p FROM "{namespace}"."WORKS_AT"')
    maps = {m["uid"]: m for m in (json.loads(r["p"]) for r in rows)}
    assert set(maps["written"]) == {"role", *MIRRORED_KEYS}
    assert set(maps["imported"]) == {"role", "uid", "recorded_at", "text"}
    for uid in maps:
        fact = await memory.get_fact(namespace, uid)
        assert (fact.valid_from, fact.valid_to, fact.confidence) == (None, None, None)
        assert fact.properties == {"role": "cto"}
