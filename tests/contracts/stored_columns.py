"""The columns PostgreSQL has for a side table, for the tests that hold them against a
declaration (``kgmem.declarations``)."""

from __future__ import annotations

from typing import NamedTuple

import asyncpg


class Column(NamedTuple):
    """A stored column: its type as ``information_schema`` names it (a type of an
    extension by its own name: ``graphid``) and whether it takes nulls."""

    kind: str
    nullable: bool


async def stored_columns(conn: asyncpg.Connection, schema: str, table: str) -> dict[str, Column]:
    """The columns of ``schema.table`` by name."""
    rows = await conn.fetch(
        "SELECT column_name, data_type, udt_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = $1 AND table_name = $2",
        schema,
        table,
    )
    return {
        r["column_name"]: Column(
            r["udt_name"] if r["data_type"] == "USER-DEFINED" else r["data_type"],
            r["is_nullable"] == "YES",
        )
        for r in rows
    }
