"""The ``kgmem`` command: serve, migrate, keys, namespaces, tiers, settings, openapi,
backups."""

from __future__ import annotations

import json
import sys
import textwrap
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kgmem.cli import backups as operations
from kgmem.cli import cypher as cypher_cli
from kgmem.cli import keys as keys_cli
from kgmem.cli import namespaces as namespaces_cli
from kgmem.cli import tiers as tiers_cli
from kgmem.cli import transfer
from kgmem.cli.open_store import StoreServer, fail, run_on_server, run_with_memory
from kgmem.cli.verify import verify as verify_command
from kgmem.errors import KgmemError
from kgmem.process import logs

if TYPE_CHECKING:
    from kgmem.memory import Memory

app = typer.Typer(
    help="kgmem: graph-centric knowledge memory on PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
    # Help as plain text (click's layout): typer's boxed help imports rich's Markdown and
    # traceback renderers on every --help (docs/performance.md, command start-up).
    rich_markup_mode=None,
)
app.add_typer(keys_cli.app, name="keys")
app.add_typer(namespaces_cli.app, name="namespaces")
app.add_typer(tiers_cli.app, name="tiers")
app.command("verify")(verify_command)
app.command("cypher")(cypher_cli.command)
app.command("import")(transfer.import_command)
app.command("export")(transfer.export_command)
app.command("embed")(transfer.embed_command)
app.command("backup")(operations.backup)
app.command("restore")(operations.restore)
app.command("checksum")(operations.checksum)
console = Console()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (KGMEM_SERVER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (KGMEM_SERVER_PORT).")] = None,
    bolt_port: Annotated[
        int | None,
        typer.Option(help="Port of the Neo4j Bolt door (KGMEM_BOLT_PORT, default 7687; 0: off)."),
    ] = None,
) -> None:
    """Serve the REST API, MCP at /mcp, the explorer at /ui and the Neo4j Bolt door;
    with no KGMEM_DATABASE_URL, on an embedded PostgreSQL."""
    from kgmem.server.run import run
    from kgmem.server.run import serve as run_server
    from kgmem.settings.config import Settings

    settings = Settings()
    if bolt_port is not None:
        bolt = settings.bolt.model_copy(update={"port": bolt_port})
        settings = settings.model_copy(update={"bolt": bolt})
    server = settings.server.model_copy(
        update={k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    )
    logs.configure(settings.log_level, settings.log_format)
    try:
        run(run_server(settings, server))
    except KgmemError as exc:
        fail(exc.detail)
    except KeyboardInterrupt:
        pass  # Ctrl-C: the server already shut down cleanly


@app.command("mcp")
def mcp_stdio(
    api_key: Annotated[
        str | None,
        typer.Option(envvar="KGMEM_API_KEY", help="API key to act as (needed once keys exist)."),
    ] = None,
) -> None:
    """Serve MCP over stdin/stdout for a desktop agent (Claude Desktop, Cursor, ...)."""
    import anyio

    from kgmem.mcp.stdio import serve_stdio
    from kgmem.settings.config import Settings

    settings = Settings()
    # stdout carries the protocol: logs go to stderr.
    logs.configure(settings.log_level, settings.log_format, stream=sys.stderr)
    try:
        anyio.run(serve_stdio, settings, api_key)
    except KgmemError as exc:
        fail(exc.detail)
    except KeyboardInterrupt:
        pass


@app.command()
def migrate(
    status: Annotated[
        bool,
        typer.Option("--status", help="Only show the store's migration and those still to run."),
    ] = False,
) -> None:
    """Run database migrations (also done by every start) and print the revision."""
    if status:
        run_on_server(_print_migration_status)
        return

    async def work(memory: Memory) -> None:
        from kgmem.storage.engine.migrate import head_revision

        console.print(f"database at migration {head_revision()}")

    run_with_memory(work)


def _print_migration_status(server: StoreServer) -> None:
    from kgmem.storage.engine.migrate import status

    found = status(server.url)
    print(f"database at migration {found.current or '(none: an empty database)'}")
    print(f"this kgmem's newest migration: {found.head}")
    if not found.pending:
        print("up to date")
        return
    print(f"{len(found.pending)} to run, in this order (next start or `kgmem migrate`):")
    for rev in found.pending:
        print(f"  {rev.id} ({rev.file}): {rev.summary}")


@app.command("settings")
def show_settings(
    markdown: Annotated[bool, typer.Option(help="Print a Markdown table.")] = False,
) -> None:
    """List every KGMEM_* environment variable with the value in effect (from the
    environment, else the default; secrets masked), its default and meaning.
    ``--markdown`` prints the documentation table (defaults only)."""
    from pydantic import ValidationError

    from kgmem.settings.config import Settings, documented_settings, effective_settings

    if markdown:
        print("| variable | default | meaning |\n|---|---|---|")
        for name, default, text in documented_settings():
            print(f"| `{name}` | `{default}` | {text} |")
        return
    try:
        settings = Settings()
    except ValidationError as exc:
        fail(f"invalid settings: {exc}")
    for name, value, default, text in effective_settings(settings):
        print(setting_lines(name, value, default, text))


def setting_lines(name: str, value: str, default: str, text: str) -> str:
    """One setting as ``NAME=value`` (with its default when the value differs), its
    meaning wrapped and indented below: a plain listing prints fast and reads in any
    terminal width, where a table of long meanings wraps into hundreds of lines."""
    changed = value != default.strip("'")
    head = f"{name}={value}" + (f"  (default {default})" if changed else "")
    meaning = textwrap.wrap(text, 84, initial_indent="    ", subsequent_indent="    ")
    return "\n".join([head, *meaning])


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option("-o", help="Write to this file.")] = None,
) -> None:
    """Print the OpenAPI document of the REST API (the snapshot in api/openapi.json)."""
    from kgmem.server.openapi import document

    text = json.dumps(document(), indent=2, sort_keys=True) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def errors() -> None:
    """Print the table of error codes and HTTP statuses (api/errors.md)."""
    from kgmem.server.problems import error_markdown

    sys.stdout.write(error_markdown())


def main() -> None:
    """Entry point of the ``kgmem`` script."""
    # pgserver asks platformdirs for a runtime folder when imported, which warns where
    # XDG_RUNTIME_DIR is unset (cron, containers, su) and falls back to /tmp: harmless.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    app()
