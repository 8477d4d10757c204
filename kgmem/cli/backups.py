"""``kgmem backup``, ``kgmem restore`` and ``kgmem checksum``: keeping a store safe."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kgmem.cli.open_store import StoreServer, fail, run_on_server

if TYPE_CHECKING:  # the store's modules load inside the commands: `kgmem --help` stays quick
    from kgmem.storage.backups import backup as backups

console = Console(stderr=True)

_PITR_ONLY_EMBEDDED = (
    "point-in-time recovery here is for the embedded server; on your own PostgreSQL "
    "use its continuous archiving (archive_command, pg_basebackup)"
)


def backup(
    path: Annotated[
        Path, typer.Argument(help="Backup file to write (with --continuous: a directory).")
    ],
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="Back up only this namespace.")
    ] = None,
    continuous: Annotated[
        bool,
        typer.Option(
            help="Embedded server: archive its WAL into PATH from now on (restarting it the "
            "first time) and take a base backup there, for restore --to-time."
        ),
    ] = False,
    standby: Annotated[
        bool,
        typer.Option(
            help="Read from a streaming replica instead of the primary: the first of "
            "KGMEM_REPLICA_URLS, else a standby among the hosts of KGMEM_DATABASE_URL "
            "(target_session_attrs=standby)."
        ),
    ] = False,
) -> None:
    """Back up the whole store or one namespace to a file, with its checksum."""
    if continuous:
        if namespace is not None or standby:
            fail("--continuous backs up the whole embedded server; no --namespace or --standby")
        run_on_server(lambda server: _continuous(server, path), own=False)
        return

    def work(server: StoreServer) -> None:
        from kgmem.storage.backups import backup as backups

        source = _standby_url(server) if standby else server.url
        manifest = backups.backup(source, path, namespace=namespace)
        what = f"namespace {namespace}" if namespace else f"{len(manifest.namespaces)} namespace(s)"
        console.print(
            f"backed up {what}: {manifest.vertices} vertices, {manifest.edges} edges "
            f"to {path} (checksum {manifest.digest[:16]})"
        )

    run_on_server(work)


def _standby_url(server: StoreServer) -> str:
    """Where ``backup --standby`` reads: the first replica URL, else the database URL
    asking for a standby."""
    from kgmem.settings.config import Settings
    from kgmem.storage.engine import conninfo

    replicas = Settings().replica.urls
    if replicas:
        return conninfo.normalise(replicas[0].get_secret_value(), wanted="standby")
    if server.embedded is not None:
        fail("--standby needs KGMEM_REPLICA_URLS or a KGMEM_DATABASE_URL listing a standby")
    return conninfo.with_options(server.url, target_session_attrs="standby")


def _continuous(server: StoreServer, archive: Path) -> None:
    from kgmem.storage.backups import pitr

    if server.embedded is None:
        fail(_PITR_ONLY_EMBEDDED)
    server.embedded = pitr.enable_archiving(server.home, server.embedded, archive)
    base = pitr.base_backup(server.embedded, archive)
    console.print(
        f"WAL archiving into {archive / 'wal'}; base backup {base.path.name} finished at "
        f"{base.finished_at.isoformat()}"
    )


def restore(
    path: Annotated[
        Path, typer.Argument(help="Backup file (with --to-time: the archive directory).")
    ],
    into: Annotated[
        str | None,
        typer.Option("--as", help="Restore a namespace backup under this name."),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(help="Drop what is in the way (the store's namespaces, or the namespace)."),
    ] = False,
    to_time: Annotated[
        str | None,
        typer.Option(
            help="Embedded server: bring the store back to this ISO 8601 time (UTC unless "
            "it has an offset) from the archive made by backup --continuous."
        ),
    ] = None,
) -> None:
    """Restore a backup (refused into a non-empty store or a taken namespace unless
    --replace), then check that the restored data has the backup's checksum."""
    if to_time is not None:
        when = _instant(to_time)
        _to_time(path, when)
        return
    manifest = _manifest(path)
    own = manifest.kind == "store"  # the running server's caches would be stale

    def work(server: StoreServer) -> None:
        from kgmem.storage.backups import backup as backups

        backups.restore(server.url, path, into=into, replace=replace)
        what = (
            f"namespace {into or manifest.namespace}"
            if manifest.kind == "namespace"
            else f"{len(manifest.namespaces)} namespace(s)"
        )
        console.print(
            f"restored {what}: {manifest.vertices} vertices, {manifest.edges} edges; "
            f"checksum {manifest.digest[:16]} verified"
        )

    run_on_server(work, own=own)


def _manifest(path: Path) -> backups.Manifest:
    from kgmem.errors import KgmemError
    from kgmem.storage.backups import backup as backups

    try:
        return backups.read_manifest(path)
    except KgmemError as exc:
        fail(exc.detail)


def _instant(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--to-time {text!r} is not an ISO 8601 time (like 2026-05-01T09:30:00Z)")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _to_time(archive: Path, when: datetime) -> None:
    """Restore the embedded store to ``when``; the old data directory need not start."""
    from kgmem.errors import KgmemError
    from kgmem.settings.config import Settings
    from kgmem.storage import HomeLock
    from kgmem.storage.backups import pitr

    settings = Settings()
    if settings.database.url is not None:
        fail(_PITR_ONLY_EMBEDDED)
    lock = HomeLock(settings.home)
    try:
        lock.acquire()
        try:
            server, kept = pitr.restore_to_time(settings.home, archive, when)
            server.stop()
        finally:
            lock.release()
    except KgmemError as exc:
        fail(exc.detail)
    console.print(f"restored the store to {when.isoformat()}")
    if kept is not None:
        console.print(f"the data directory it replaced is kept at {kept}; delete it when satisfied")


def checksum(
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="Only this namespace.")
    ] = None,
) -> None:
    """Print the store's (or a namespace's) checksum as JSON: a digest over every row
    of its graph and side tables, with vertex, edge and row counts."""

    def work(server: StoreServer) -> None:
        from kgmem.storage.backups import checksum as checksums

        print(json.dumps(checksums.summary(server.url, namespace), indent=2))

    run_on_server(work)
