"""A fact's declared data fields (``kgmem.declarations.fact.DATA_FIELDS``) in SQL:
their ``_kg_fact`` columns, added where missing, written from one JSON object per fact
and read back as one.

Writes send the values as JSON; ``json_populate_record`` casts each to its column's own
type, so no statement restates a field's SQL type. With no data field declared every
fragment is empty and the statements are those of the coded fields alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
import orjson

from kgmem.declarations.fact import DATA_FIELDS
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import ident, literal, table

NAMES = tuple(f.name for f in DATA_FIELDS)


async def ensure_columns(conn: asyncpg.Connection, ns: NamespaceRef) -> None:
    """Add each data field's column to ``ns``'s side table where it is missing."""
    if not DATA_FIELDS:
        return
    added = ", ".join(f"ADD COLUMN IF NOT EXISTS {ident(f.name)} {f.sql}" for f in DATA_FIELDS)
    await conn.execute(f"ALTER TABLE {table(ns.name, '_kg_fact')} {added}")


def columns() -> str:
    """SQL: ``, a, b`` (the data columns, to follow an insert's column list)."""
    return "".join(f", {ident(name)}" for name in NAMES)


def values(side: str, given: str) -> str:
    """SQL: ``, v_a, v_b``: the values of the data columns in JSON object ``given`` (an
    expression), cast to the columns of ``side`` (the side table)."""
    return "".join(f", (json_populate_record(NULL::{side}, {given})).{ident(n)}" for n in NAMES)


def assignments(side: str, given: str) -> str:
    """SQL: ``, a = v_a, ...`` (an update's data columns from JSON object ``given``)."""
    return "".join(
        f", {ident(n)} = (json_populate_record(NULL::{side}, {given})).{ident(n)}" for n in NAMES
    )


def read(alias: str) -> str:
    """SQL: the data fields of the side row ``alias`` as one JSON object's text (null
    when none is declared)."""
    if not NAMES:
        return "NULL::text"
    pairs = ", ".join(f"{literal(n)}, {alias}.{ident(n)}" for n in NAMES)
    return f"json_build_object({pairs})::text"


def decode(text: str | None) -> dict[str, Any]:
    """The data fields ``read`` gave, by name."""
    return orjson.loads(text) if text else {}


def encode(declared: Mapping[str, Any]) -> str:
    """The JSON text of a fact's data field values, for ``values`` or ``assignments``."""
    return orjson.dumps({n: declared.get(n) for n in NAMES}).decode()
