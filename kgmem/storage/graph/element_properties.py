"""Replacing the property maps of stored graph elements, many at once."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import label_table


async def replace_all(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    label: str,
    ids: Sequence[int],
    properties: Sequence[str],
) -> None:
    """Give each element ``ids[k]`` of label ``label`` (as written) the map
    ``properties[k]`` (agtype text), in one statement."""
    await conn.execute(
        f"UPDATE {label_table(ns.name, label)} AS t SET properties = x.p::agtype "
        "FROM unnest($1::graphid[], $2::text[]) AS x(i, p) WHERE t.id = x.i",
        ids,
        properties,
    )
