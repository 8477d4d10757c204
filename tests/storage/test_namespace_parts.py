"""The registry of what a namespace owns is complete, read against the catalogue of a
store migrated to head: a table or column added by a migration that holds a
namespace's data and is not registered fails here, before a backup misses it."""

from __future__ import annotations

import asyncio
import json
import tarfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from kgmem import Memory
from kgmem.storage.backups import backup, checksum
from kgmem.storage.graph import namespace_parts
from kgmem.storage.graph.namespace_parts import PARTS, STORE_WIDE

REGISTERED = {p.table for p in PARTS}


def _kgmem_tables(conn: psycopg.Connection[object]) -> set[str]:
    return set(checksum.tables(conn, "kgmem"))


def _foreign_keys(conn: psycopg.Connection[object]) -> list[tuple[str, str]]:
    """(child, parent) table pairs of the foreign keys within schema kgmem."""
    rows = conn.execute(
        "SELECT c.relname::text, p.relname::text FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid "
        "WHERE k.contype = 'f' AND c.relnamespace = 'kgmem'::regnamespace "
        "AND p.relnamespace = 'kgmem'::regnamespace"
    )
    return [(child, parent) for child, parent in rows]


@pytest.fixture
def catalogue(memory: Memory, pg_url: str) -> psycopg.Connection[object]:
    """A connection to the session's store, which ``memory`` migrated to head."""
    with psycopg.connect(pg_url) as conn:
        yield conn  # type: ignore[misc]


def test_every_kgmem_table_is_a_part_or_declared_store_wide(
    catalogue: psycopg.Connection[object],
) -> None:
    tables = _kgmem_tables(catalogue)
    assert tables - REGISTERED - set(STORE_WIDE) == set(), "register these in namespace_parts"
    assert REGISTERED & set(STORE_WIDE) == set()
    assert (REGISTERED | set(STORE_WIDE)) - tables == set(), "the registry names lost tables"
    assert all(STORE_WIDE.values()) and all(p.reason for p in PARTS if not p.copied)
    assert all(p.reason for p in PARTS if p.kept_on_delete)


def test_a_table_keyed_to_a_part_is_a_part_listed_after_its_parent(
    catalogue: psycopg.Connection[object],
) -> None:
    order = [p.table for p in PARTS]
    for child, parent in _foreign_keys(catalogue):
        if parent in REGISTERED:
            assert child in REGISTERED, f"{child} hangs off {parent}: register it"
            assert order.index(parent) < order.index(child), f"{parent} must precede {child}"


def test_a_cascaded_part_goes_with_its_parent(catalogue: psycopg.Connection[object]) -> None:
    cascades = catalogue.execute(
        "SELECT c.relname::text FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
        "WHERE k.contype = 'f' AND k.confdeltype = 'c' "
        "AND c.relnamespace = 'kgmem'::regnamespace"
    ).fetchall()
    assert {p.table for p in PARTS if p.cascaded} <= {t for (t,) in cascades}


def test_every_column_naming_a_namespace_is_declared(
    catalogue: psycopg.Connection[object],
) -> None:
    rows = catalogue.execute(
        "SELECT c.relname::text, a.attname::text FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'kgmem'::regnamespace "
        "AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
        "AND a.attname::text LIKE '%namespace%'"
    ).fetchall()
    for table, column in rows:
        if table in STORE_WIDE:  # a store-wide table names namespaces only for a reason
            assert column in STORE_WIDE[table], f"say why kgmem.{table}.{column} is not copied"
        else:
            declared = {n.column for n in namespace_parts.part(table).names}
            assert column in declared, f"kgmem.{table}.{column} holds the namespace's name"


def test_every_sequence_filled_column_of_a_part_is_reset_after_restore(
    catalogue: psycopg.Connection[object],
) -> None:
    rows = catalogue.execute(
        "SELECT c.relname::text, a.attname::text FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'kgmem'::regnamespace "
        "AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_get_serial_sequence(format('kgmem.%I', c.relname), a.attname) IS NOT NULL"
    ).fetchall()
    filled = {(t, c) for t, c in rows if t in REGISTERED}
    assert filled == {(p.table, p.identity) for p in PARTS if p.identity is not None}
    assert filled >= {("ledger_transaction", "id"), ("decision", "id")}


def test_every_part_selects_its_rows_and_resets_its_identity(
    catalogue: psycopg.Connection[object],
) -> None:
    with catalogue.transaction(force_rollback=True):
        for p in PARTS:  # the SQL of each is valid (a typo in a condition fails here)
            query = sql.SQL("SELECT count(*) FROM kgmem.{} WHERE {}").format(
                sql.Identifier(p.table), namespace_parts.condition(p, sql.Literal("no_such"))
            )
            assert catalogue.execute(query).fetchone() == (0,)
            if p.identity is not None:
                catalogue.execute(namespace_parts.identity_reset(p))


async def test_checksum_and_dump_cover_every_part_and_graph_table(
    namespace: str, pg_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "ns.kgb"
    await asyncio.to_thread(backup.backup, pg_url, path, namespace=namespace)
    with tarfile.open(path) as tar:
        tar.extract("data.dump", tmp_path, filter="data")
    listing = backup.run_tool([backup.pg_tool("pg_restore"), "-l", str(tmp_path / "data.dump")])
    with psycopg.connect(pg_url) as conn:
        parts = checksum.namespace_checksum(conn, namespace).parts
        graph_tables = checksum.tables(conn, namespace)
    assert {f"kgmem.{p.table}" for p in namespace_parts.copied()} <= set(parts)
    assert len(graph_tables) > 10
    for table in graph_tables:
        assert f"graph.{table}" in parts
        assert f"TABLE DATA {namespace} {table} " in listing, f"{table} is not dumped"


def _renamed(conn: psycopg.Connection[object], table: str, row: dict[str, object]) -> object:
    p = namespace_parts.part(table)
    text = sql.SQL("{}::jsonb").format(sql.Literal(json.dumps(row)))
    found = conn.execute(
        sql.SQL("SELECT {}").format(namespace_parts.renamed(p, text, "old", "user"))
    ).fetchone()
    assert found is not None
    return found[0]


def test_a_rename_rewrites_every_column_holding_the_name(
    catalogue: psycopg.Connection[object],
) -> None:
    definition = "CREATE INDEX i ON old._kg_vertex USING btree (uid)"
    index = {"namespace": "old", "name": "i", "definition": definition}
    assert _renamed(catalogue, "deferred_index", index) == {
        "namespace": "user",
        "name": "i",
        "definition": 'CREATE INDEX i ON "user"._kg_vertex USING btree (uid)',
    }
    event = {"namespace": "old", "seq": 1, "type": "t", "body": {"namespace": "old", "ids": []}}
    assert _renamed(catalogue, "event", event) == {
        **event,
        "namespace": "user",
        "body": {"namespace": "user", "ids": []},
    }


def test_the_operations_doc_names_every_table_a_backup_copies_or_leaves() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    for table in REGISTERED | set(STORE_WIDE):
        assert f"`{table}`" in doc, f"docs/operations.md does not say what happens to {table}"
