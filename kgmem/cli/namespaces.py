"""``kgmem namespaces list|create|delete|stats``."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from kgmem.cli.open_store import run_with_memory

if TYPE_CHECKING:
    from kgmem.memory import Memory

app = typer.Typer(
    help="Manage namespaces (one AGE graph each).", no_args_is_help=True, rich_markup_mode=None
)
console = Console()


@app.command("list")
def list_namespaces() -> None:
    """List namespaces."""

    async def work(memory: Memory) -> None:
        table = Table("name", "created", "description")
        for ns in await memory.list_namespaces():
            table.add_row(ns.name, f"{ns.created_at:%Y-%m-%d %H:%M}", ns.description)
        console.print(table)

    run_with_memory(work)


@app.command()
def create(
    name: str,
    description: Annotated[str, typer.Option(help="What it holds.")] = "",
    text_config: Annotated[
        str, typer.Option(help="Text search configuration of its keyword index.")
    ] = "english",
    exist_ok: Annotated[
        bool, typer.Option("--exist-ok", help="Succeed if it exists with this text config.")
    ] = False,
) -> None:
    """Create a namespace."""

    async def work(memory: Memory) -> None:
        ns = await memory.create_namespace(
            name, description, text_config=text_config, exist_ok=exist_ok
        )
        console.print(f"namespace {ns.name} ready" if exist_ok else f"created namespace {ns.name}")

    run_with_memory(work)


@app.command()
def stats(name: str) -> None:
    """Print a namespace's counts and size as JSON."""

    async def work(memory: Memory) -> None:
        print(json.dumps(asdict(await memory.namespace_stats(name)), indent=2, default=str))

    run_with_memory(work)


@app.command()
def check(name: str) -> None:
    """Count orphaned rows (exit status 1 if there are any)."""

    async def work(memory: Memory) -> None:
        found = await memory.check_namespace(name)
        for kind, count in found.items():
            console.print(f"{kind:<40} {count}")
        if any(found.values()):
            raise typer.Exit(1)

    run_with_memory(work)


@app.command()
def delete(
    name: str, yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False
) -> None:
    """Delete a namespace and everything in it."""
    if not yes:
        typer.confirm(f"Delete namespace {name} and all its data?", abort=True)

    async def work(memory: Memory) -> None:
        await memory.delete_namespace(name)
        console.print(f"deleted namespace {name}")

    run_with_memory(work)


@app.command("keyword-index")
def keyword_index(
    names: Annotated[
        list[str] | None, typer.Argument(help="Namespaces (default: every one).")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option(help="Write the statistics again from the rows where they differ.")
    ] = False,
) -> None:
    """Compare each namespace's keyword index with its rows: one JSON line per kind
    (vertices, facts) with its rows, documents, the documents and tokens its statistics
    count, mismatched lexemes and whether it was rebuilt. Exit status 1 when a
    difference is left."""

    async def work(memory: Memory) -> None:
        chosen = names or [ns.name for ns in await memory.list_namespaces()]
        left = False
        for name in chosen:
            for check, rebuilt in await memory.check_keyword_index(name, repair=rebuild):
                line = asdict(check) | {"ok": check.ok, "rebuilt": rebuilt}
                print(json.dumps(line))
                left = left or (not check.ok and not rebuilt)
        if left:
            raise typer.Exit(1)

    run_with_memory(work)
