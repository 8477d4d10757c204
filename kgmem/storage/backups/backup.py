"""Logical backups of a whole store or one namespace, and restoring them safely.

A backup is a tar file holding ``manifest.json`` (what it holds, the migration it was
taken at, its checksum: ``kgmem.storage.backups.checksum``) and ``data.dump``, a pg_dump
archive (custom format) taken in the same snapshot the checksum was computed in. A
namespace backup also holds ``rows.json``: its AGE labels and its rows in the
store-wide tables of schema ``kgmem`` (``kgmem.storage.graph.namespace_parts``: its record,
budgets and ledger, agent state, decisions, tiers, events...), which a dump of the
graph schema alone would leave out. Rows are kept as PostgreSQL's own JSON text, so
numbers, times and documents come back exactly; after a restore, the sequences that
fill their ids are moved past them.

AGE refers to a graph by the oid of its schema (``ag_graph.graphid``, ``ag_label.graph``);
a restored schema gets a new oid, so a plain pg_restore leaves Cypher answering "graph
with oid N does not exist". The restore makes every graph's oid that
of its schema again, in the same transaction. The restored data is then checksummed against the
manifest; a mismatch fails the restore.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory, TemporaryFile
from typing import Any

import psycopg
from psycopg import sql

from kgmem.errors import InvalidBackup, NamespaceExists, StorageError, StoreNotEmpty
from kgmem.storage.backups import checksum, scratch
from kgmem.storage.engine import conninfo, migrate
from kgmem.storage.graph import namespace_parts

_log = logging.getLogger("kgmem.backup")

FORMAT = 2
"""Format 1 (earlier kgmem) left out the rows of tables reached through a parent
(ledger entries, decision bases) and checksummed a namespace differently."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a backup file holds."""

    format: int
    kind: str  # "store" or "namespace"
    namespace: str | None
    revision: str | None
    created_at: str
    digest: str
    vertices: int
    edges: int
    namespaces: list[str]


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program shipped with the embedded server."""
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / name)


def run_tool(args: list[str]) -> str:
    """Run a PostgreSQL program; its stderr becomes the message of a ``StorageError``."""
    done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603 (PostgreSQL's own tools)
    if done.returncode != 0:
        raise StorageError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def backup(url: str, path: Path, *, namespace: str | None = None) -> Manifest:
    """Write a backup of the store at ``url`` (or of one ``namespace``) to ``path``."""
    with psycopg.connect(url) as conn, TemporaryDirectory() as tmp:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot is not None
        manifest, rows = _describe(conn, namespace)
        dump = Path(tmp) / "data.dump"
        args = [pg_tool("pg_dump"), "-Fc", f"--snapshot={snapshot[0]}", "-f", str(dump)]
        if namespace is not None:
            args += ["-n", namespace]
        run_tool([*args, "-d", same_server(url, conn)])
        conn.rollback()
        _write(path, manifest, dump, rows)
    return manifest


def same_server(url: str, conn: psycopg.Connection[Any]) -> str:
    """``url`` naming only the server ``conn`` reached, when it names several: a second
    connection (pg_dump importing the snapshot) must reach the same one."""
    if not conninfo.several_hosts(url):
        return url
    return conninfo.pinned(url, conn.info.host, conn.info.port)


def _describe(
    conn: psycopg.Connection[Any], namespace: str | None
) -> tuple[Manifest, dict[str, Any] | None]:
    revision = conn.execute("SELECT version_num FROM kgmem_alembic_version").fetchone()
    stamp = dict(
        format=FORMAT,
        revision=revision[0] if revision else None,
        created_at=datetime.now(UTC).isoformat(),
    )
    if namespace is None:
        store = checksum.store_checksum(conn)
        return Manifest(
            kind="store",
            namespace=None,
            digest=store.digest(),
            vertices=sum(n.vertices for n in store.namespaces.values()),
            edges=sum(n.edges for n in store.namespaces.values()),
            namespaces=sorted(store.namespaces),
            **stamp,  # type: ignore[arg-type]
        ), None
    ns = checksum.namespace_checksum(conn, namespace)
    manifest = Manifest(
        kind="namespace",
        namespace=namespace,
        digest=ns.digest(),
        vertices=ns.vertices,
        edges=ns.edges,
        namespaces=[namespace],
        **stamp,  # type: ignore[arg-type]
    )
    return manifest, _namespace_rows(conn, namespace)


def _namespace_rows(conn: psycopg.Connection[Any], namespace: str) -> dict[str, Any]:
    """The namespace's AGE labels and, per part, its rows as ``to_jsonb`` text."""
    labels = conn.execute(
        "SELECT l.name::text, l.id, l.kind::text, c.relname::text, l.seq_name::text "
        "FROM ag_catalog.ag_label l JOIN ag_catalog.ag_graph g ON g.graphid = l.graph "
        "JOIN pg_class c ON c.oid = l.relation "
        "WHERE g.name = %s ORDER BY l.id",
        (namespace,),
    ).fetchall()
    parts: dict[str, list[str]] = {}
    for p in checksum.present_parts(conn):
        query = sql.SQL("SELECT to_jsonb(t)::text FROM kgmem.{} t WHERE {}").format(
            sql.Identifier(p.table), namespace_parts.condition(p, sql.Literal(namespace))
        )
        parts[p.table] = [r[0] for r in conn.execute(query)]
    return {
        "labels": [
            {"name": n, "id": i, "kind": k, "table": t, "seq_name": s} for n, i, k, t, s in labels
        ],
        "parts": parts,
    }


def _write(path: Path, manifest: Manifest, dump: Path, rows: dict[str, Any] | None) -> None:
    partial = path.with_name(path.name + ".partial")
    with tarfile.open(partial, "w") as tar:
        _add_json(tar, "manifest.json", asdict(manifest))
        if rows is not None:
            _add_json(tar, "rows.json", rows)
        tar.add(dump, arcname="data.dump")
    partial.replace(path)


def _add_json(tar: tarfile.TarFile, name: str, value: object) -> None:
    data = json.dumps(value, indent=1, default=str).encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup at ``path``; ``InvalidBackup`` if it is not one."""
    with _opened(path) as tar:
        return _manifest(tar)


@contextmanager
def _opened(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(path, "r") as tar:
            yield tar
    except OSError as exc:
        raise InvalidBackup(f"cannot read {path}: {exc.strerror or exc}") from exc
    except tarfile.TarError as exc:
        raise InvalidBackup(f"{path} is not a kgmem backup (not a tar archive)") from exc


def _manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.extractfile("manifest.json")
        assert member is not None
        value = json.loads(member.read())
        manifest = Manifest(**value)
    except (KeyError, AssertionError, ValueError, TypeError) as exc:
        raise InvalidBackup(f"the backup has no readable manifest: {exc}") from exc
    if manifest.format == 1 and manifest.kind == "namespace":
        raise InvalidBackup(
            "a namespace backup of format 1 (an earlier kgmem) misses ledger entries and "
            "decision bases: restore it with the kgmem that made it and back the namespace "
            "up again with this one (a whole-store backup of format 1 is restored)"
        )
    if manifest.format not in (1, FORMAT):
        raise InvalidBackup(f"backup format {manifest.format} is not {FORMAT}")
    known = [r.id for r in migrate.revisions()]
    if manifest.revision is not None and manifest.revision not in known:
        raise InvalidBackup(
            f"the backup was taken at migration {manifest.revision}, which this kgmem does "
            "not know (made by a newer kgmem?)"
        )
    return manifest


def _extract(tar: tarfile.TarFile, name: str, into: Path) -> Path:
    try:
        tar.extract(name, into, filter="data")
    except KeyError as exc:
        raise InvalidBackup(f"the backup has no {name}") from exc
    return into / name


def restore(url: str, path: Path, *, into: str | None = None, replace: bool = False) -> Manifest:
    """Restore the backup at ``path`` into the store at ``url`` and check its checksum.

    A store backup needs a store without namespaces (``StoreNotEmpty``), a namespace
    backup a free name (``NamespaceExists``), unless ``replace``: then what is there is
    dropped first. ``into`` restores a namespace backup under another name. A store
    restored from an older kgmem is migrated to this one's head afterwards.
    """
    with _opened(path) as tar, TemporaryDirectory() as tmp:
        manifest = _manifest(tar)
        dump = _extract(tar, "data.dump", Path(tmp))
        run_tool([pg_tool("pg_restore"), "-l", str(dump)])  # a readable archive, or fail now
        if manifest.kind == "store":
            if into is not None:
                raise InvalidBackup("this is a backup of a whole store; it has no namespace")
            _restore_store(url, dump, manifest, replace=replace)
        else:
            rows = json.loads(Path(_extract(tar, "rows.json", Path(tmp))).read_text())
            _restore_namespace(url, dump, manifest, rows, into=into, replace=replace)
    return manifest


def _restore_store(url: str, dump: Path, manifest: Manifest, *, replace: bool) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        graphs = _graphs(conn)
        if graphs and not replace:
            raise StoreNotEmpty(
                f"the store holds {len(graphs)} namespace(s) ({', '.join(graphs[:5])}); "
                "restore into an empty store, or pass --replace to drop them first"
            )
        before = _script(conn, _wipe_store(conn, graphs))
    _apply(url, dump, before=before, after=_REPOINT + ";\n" + _READER_GRANTS + _ID_INDEXES)
    with psycopg.connect(url) as conn:
        store = checksum.store_checksum(conn)
    if manifest.format == 1:
        _check_counts(store, manifest)
    else:
        _check(store.digest(), manifest)
    migrate.upgrade(url)


def _check_counts(store: checksum.StoreChecksum, manifest: Manifest) -> None:
    """A whole-store backup of format 1 was checksummed by an earlier rule: what can be
    compared is what it counted, its namespaces, vertices and edges."""
    got = (
        sorted(store.namespaces),
        sum(n.vertices for n in store.namespaces.values()),
        sum(n.edges for n in store.namespaces.values()),
    )
    if got != (sorted(manifest.namespaces), manifest.vertices, manifest.edges):
        raise InvalidBackup(
            f"the restored store holds namespaces {got[0]}, {got[1]} vertices and {got[2]} "
            f"edges; the backup counted {sorted(manifest.namespaces)}, {manifest.vertices} "
            f"and {manifest.edges}: do not use this store"
        )
    _log.warning(
        "restored a backup of format 1: its namespaces, vertices and edges were checked, "
        "not its checksum (an earlier rule); back the store up again to have one"
    )


def _graphs(conn: psycopg.Connection[Any]) -> list[str]:
    """The AGE graphs of the database (none where AGE is not installed)."""
    found = conn.execute("SELECT to_regclass('ag_catalog.ag_graph') IS NOT NULL").fetchone()
    if not (found and found[0]):
        return []
    return [r[0] for r in conn.execute("SELECT name::text FROM ag_catalog.ag_graph ORDER BY name")]


def _wipe_store(conn: psycopg.Connection[Any], graphs: list[str]) -> list[sql.Composable]:
    """Statements dropping every graph and everything kgmem created, leaving a database
    to restore into (the archive creates the extensions again, with their catalogs)."""
    wipe: list[sql.Composable] = [
        sql.SQL("SELECT ag_catalog.drop_graph({}, true)").format(sql.Literal(g)) for g in graphs
    ]
    wipe += [
        sql.SQL("DROP SCHEMA IF EXISTS kgmem CASCADE"),
        sql.SQL("DROP SCHEMA IF EXISTS kgmem_cypher CASCADE"),
        sql.SQL("DROP SCHEMA IF EXISTS kgmem_neo4j CASCADE"),
        sql.SQL("DROP TABLE IF EXISTS public.kgmem_alembic_version"),
    ]
    installed = conn.execute(
        "SELECT extname FROM pg_extension WHERE extname IN ('age', 'vector', 'pg_textsearch')"
    ).fetchall()
    for (ext,) in installed:
        wipe.append(sql.SQL("DROP EXTENSION {} CASCADE").format(sql.Identifier(ext)))
    wipe.append(sql.SQL("DROP SCHEMA IF EXISTS ag_catalog CASCADE"))
    return wipe


def _script(conn: psycopg.Connection[Any], statements: list[sql.Composable]) -> str:
    return "".join(s.as_string(conn) + ";\n" for s in statements)


def _apply(url: str, dump: Path, *, before: str, after: str) -> None:
    """Run ``before``, the archive's SQL and ``after`` through psql in one transaction:
    a failure anywhere leaves the database as it was. Owners and grants in the archive
    are the source server's and are skipped; kgmem grants its reader roles again when
    Cypher first needs them."""
    # Rows of a dump met the Neo4j constraints when dumped: their uniqueness lookups
    # (migration 0028) are skipped while COPY runs before the indexes that serve them.
    options = "-c client_min_messages=warning -c kgmem_neo4j.restoring=on"
    env = {**os.environ, "PGOPTIONS": options}
    listed = dump.with_name(dump.name + ".list")
    listed.write_text(without_id_indexes(dump))
    psql_args = [pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
    with TemporaryFile() as errors:
        psql = subprocess.Popen(  # noqa: S603 (PostgreSQL's own psql)
            [*psql_args, "-d", url, "-f", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
        )
        assert psql.stdin is not None
        try:
            psql.stdin.write(before.encode())
            psql.stdin.flush()
            subprocess.run(  # noqa: S603 (PostgreSQL's own pg_restore)
                [
                    pg_tool("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "-L",
                    str(listed),
                    "-f",
                    "-",
                    str(dump),
                ],
                stdout=psql.stdin,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            psql.stdin.write(after.encode())
        except BrokenPipeError:
            pass  # psql stopped at an error: its message says which
        finally:
            with suppress(BrokenPipeError):  # flushing to a psql that stopped
                psql.stdin.close()
        if psql.wait() != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()[-2000:]
            raise StorageError(f"restore failed, nothing was changed: {message}")


# The id(n) indexes name their graph's oid (migration 0027_neo4j_schema), which a
# restored graph does not keep: they are left out of the archive's entries and built
# again for the restored graphs (when the store is at a migration that has them).
_ID_INDEX = re.compile(r" INDEX \S+ kgmem_id_[0-9a-f]{20} ")
_ID_INDEXES = """
DO $ids$
BEGIN
  IF to_regprocedure('kgmem_neo4j.build_id_indexes(name)') IS NOT NULL THEN
    PERFORM kgmem_neo4j.build_id_indexes(name) FROM ag_catalog.ag_graph;
  END IF;
END
$ids$;
"""


def without_id_indexes(dump: Path) -> str:
    """The archive's table of contents without its id(n) indexes (``pg_restore -L``)."""
    listing = run_tool([pg_tool("pg_restore"), "-l", str(dump)])
    return "".join(line + "\n" for line in listing.splitlines() if not _ID_INDEX.search(line))


# Each AGE graph's oid made that of its schema again, after a restore gave the schemas
# new oids. ``ag_label`` rows move in the same statement: their key to ``ag_graph`` is
# checked at once.
_REPOINT = """
WITH stale AS (
  SELECT graphid, namespace::oid AS fresh FROM ag_catalog.ag_graph
  WHERE graphid <> namespace::oid
), labels AS (
  DELETE FROM ag_catalog.ag_label l USING stale s WHERE l.graph = s.graphid
  RETURNING l.name, s.fresh, l.id, l.kind, l.relation, l.seq_name
), graphs AS (
  UPDATE ag_catalog.ag_graph g SET graphid = s.fresh FROM stale s
  WHERE g.graphid = s.graphid RETURNING 1
), relabelled AS (
  INSERT INTO ag_catalog.ag_label (name, graph, id, kind, relation, seq_name)
  SELECT * FROM labels RETURNING 1
)
SELECT (SELECT count(*) FROM graphs), (SELECT count(*) FROM relabelled)
"""


# The archive's grants are skipped (they name the source server's roles); these are the
# ones migration 0005_cypher_reader gave the base role of the Cypher readers on AGE's
# catalog, which a restore recreates. Per-namespace reader roles are granted again
# when Cypher first needs them (kgmem.storage.graph.cypher.ensure_reader).
_READER_GRANTS = """
DO $role$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kgmem_cypher_reader') THEN
    CREATE ROLE kgmem_cypher_reader NOLOGIN;
  END IF;
END
$role$;
GRANT USAGE ON SCHEMA ag_catalog TO kgmem_cypher_reader;
GRANT SELECT ON ag_catalog.ag_graph, ag_catalog.ag_label TO kgmem_cypher_reader;
GRANT USAGE ON SCHEMA kgmem_cypher TO kgmem_cypher_reader;
"""


def _check(got: str, manifest: Manifest) -> None:
    if got != manifest.digest:
        raise InvalidBackup(
            f"the restored data's checksum {got[:16]} differs from the backup's "
            f"{manifest.digest[:16]}; do not use this store"
        )


def _restore_namespace(
    url: str,
    dump: Path,
    manifest: Manifest,
    rows: dict[str, Any],
    *,
    into: str | None,
    replace: bool,
) -> None:
    source = manifest.namespace
    assert source is not None
    target = into or source
    _at_revision(url, manifest.revision)
    with psycopg.connect(url, autocommit=True) as conn:
        taken = _exists(conn, target)
        if taken and not replace:
            raise NamespaceExists(
                f"namespace {target!r} already exists; pass --replace to drop it first, "
                "or restore under another name",
                namespace=target,
            )
        detour = target != source and _exists(conn, source)
    if detour:
        # The archive creates schema ``source``, which is taken here: rename it in a
        # scratch database and bring that copy over instead.
        dump, rows = _renamed_copy(url, dump, manifest, rows, target)
        source = target
    with psycopg.connect(url) as conn:
        before = _script(conn, _drop_namespace(conn, target))
        after = _script(conn, _register(source, target, rows)) + _ID_INDEXES
    _apply(url, dump, before=before, after=after)
    with psycopg.connect(url) as conn:
        got = checksum.namespace_checksum(conn, target).digest()
    _check(got, manifest)


def _renamed_copy(
    url: str, dump: Path, manifest: Manifest, rows: dict[str, Any], target: str
) -> tuple[Path, dict[str, Any]]:
    """The archive and rows of the namespace restored as ``target`` in a scratch
    database of the same server (``scratch.scratch_database``: dropped however this
    ends; needs CREATEDB)."""
    with scratch.scratch_database(url) as name:
        scratch_url = conninfo.with_options(url, dbname=name)
        _restore_namespace(scratch_url, dump, manifest, rows, into=target, replace=False)
        renamed = dump.with_name(f"{target}.dump")
        run_tool([pg_tool("pg_dump"), "-Fc", "-n", target, "-f", str(renamed), "-d", scratch_url])
        with psycopg.connect(scratch_url) as conn:
            return renamed, _namespace_rows(conn, target)


def _exists(conn: psycopg.Connection[Any], name: str) -> bool:
    found = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM kgmem.namespace WHERE name = %s) "
        "OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)",
        (name, name),
    ).fetchone()
    return bool(found and found[0])


def _drop_namespace(conn: psycopg.Connection[Any], name: str) -> list[sql.Composable]:
    """Statements dropping namespace ``name``, if there is one: its graph and its rows
    in every part, children first; also the rows a deleted namespace of that name
    left (its events), which the restored ones replace."""
    drop: list[sql.Composable] = []
    if conn.execute("SELECT 1 FROM ag_catalog.ag_graph WHERE name = %s", (name,)).fetchone():
        drop.append(sql.SQL("SELECT ag_catalog.drop_graph({}, true)").format(sql.Literal(name)))
    present = set(checksum.tables(conn, "kgmem"))
    for p in reversed(namespace_parts.PARTS):
        if p.table in present and not p.cascaded:
            drop.append(
                sql.SQL("DELETE FROM kgmem.{} WHERE {}").format(
                    sql.Identifier(p.table), namespace_parts.condition(p, sql.Literal(name))
                )
            )
    return drop


def _at_revision(url: str, revision: str | None) -> None:
    """Bring the target store to the backup's migration: a namespace's tables have the
    shape of the migration they were made at, and a later migration's changes to them
    run only over the namespaces there are when it runs."""
    current = migrate.status(url)
    ids = [r.id for r in migrate.revisions()]
    if revision is None:
        raise InvalidBackup("the backup records no migration")
    if current.current is not None and ids.index(current.current) > ids.index(revision):
        raise InvalidBackup(
            f"the backup was taken at migration {revision} and this store is at "
            f"{current.current}: restore it into an empty store (same kgmem), which "
            "brings it to this kgmem's migration, then back it up again from there"
        )
    migrate.upgrade(url, revision)


def _register(source: str, target: str, rows: dict[str, Any]) -> list[sql.Composable]:
    """Statements entering a restored graph schema in AGE's catalog and kgmem's tables,
    renaming it to ``target``."""
    schema = sql.Literal(source)
    done: list[sql.Composable] = [
        sql.SQL(
            "INSERT INTO ag_catalog.ag_graph (graphid, name, namespace) "
            "VALUES ({s}::regnamespace::oid, {s}, {s}::regnamespace)"
        ).format(s=schema)
    ]
    for label in rows["labels"]:
        relation = sql.Identifier(source, label["table"])
        done.append(
            sql.SQL(
                "INSERT INTO ag_catalog.ag_label (name, graph, id, kind, relation, seq_name) "
                "VALUES ({}, {}::regnamespace::oid, {}, {}, {}::regclass, {})"
            ).format(
                sql.Literal(label["name"]),
                schema,
                sql.Literal(label["id"]),
                sql.Literal(label["kind"]),
                sql.Literal(relation.as_string(None)),
                sql.Literal(label["seq_name"]),
            )
        )
    if target != source:
        done.append(
            sql.SQL("SELECT ag_catalog.alter_graph({}, 'RENAME', {})").format(
                schema, sql.Literal(target)
            )
        )
    for p in namespace_parts.PARTS:  # parents first
        texts = rows["parts"].get(p.table)
        if not texts:
            continue
        if p.identity is not None:
            own = [json.loads(t)[p.identity] for t in texts]
            done += namespace_parts.shift(p, min(own), max(own))
        done.append(_insert_rows(p, texts, source, target))
        if p.identity is not None:
            done.append(namespace_parts.identity_reset(p))
    return done


def _insert_rows(
    p: namespace_parts.Part, texts: list[str], source: str, target: str
) -> sql.Composable:
    """One statement inserting a part's rows (``to_jsonb`` texts), every name of
    ``source`` in them made ``target`` and their ids shifted (``namespace_parts.shift``)."""
    return sql.SQL(
        "INSERT INTO kgmem.{t} OVERRIDING SYSTEM VALUE SELECT r.* "
        "FROM jsonb_array_elements({rows}::jsonb) AS e(row), "
        "jsonb_populate_record(NULL::kgmem.{t}, {renamed}) AS r"
    ).format(
        t=sql.Identifier(p.table),
        rows=sql.Literal("[" + ",".join(texts) + "]"),
        renamed=namespace_parts.restored(p, sql.SQL("e.row"), source, target),
    )
