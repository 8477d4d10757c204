"""``kgmem keys create|list|revoke``."""

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
    from kgmem.model import Scope

app = typer.Typer(
    help="Manage API keys (stored hashed; a secret is shown once).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
console = Console()


@app.command()
def create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    scope: Annotated[list[str], typer.Option(help="read, write or admin (repeatable).")],
    namespace: Annotated[
        list[str] | None, typer.Option(help="Restrict to this namespace (repeatable).")
    ] = None,
) -> None:
    """Create a key and print its secret (the only time it is shown)."""

    async def work(memory: Memory) -> None:
        scopes: list[Scope] = [s for s in scope]  # type: ignore[misc]
        issued = await memory.create_key(name, scopes, namespace or None)
        console.print(f"id:     {issued.key.id}")
        console.print(f"scopes: {', '.join(issued.key.scopes)}")
        where = ", ".join(issued.key.namespaces) if issued.key.namespaces else "all namespaces"
        console.print(f"access: {where}")
        console.print("secret (shown once; store it now):")
        print(issued.secret)

    run_with_memory(work)


@app.command("list")
def list_keys(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List keys (ids, scopes, namespaces, last use; never secrets)."""

    async def work(memory: Memory) -> None:
        found = await memory.list_keys()
        if as_json:
            print(json.dumps([asdict(k) for k in found], default=str, indent=2))
            return
        table = Table("id", "name", "scopes", "namespaces", "created", "last used", "revoked")
        table.columns[0].no_wrap = True
        for key in found:
            table.add_row(
                key.id,
                key.name,
                ",".join(key.scopes),
                ",".join(key.namespaces) if key.namespaces else "*",
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "-",
                f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "-",
            )
        console.print(table)

    run_with_memory(work)


@app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (see `keys list`).")]) -> None:
    """Revoke a key; requests presenting it are refused from now on."""

    async def work(memory: Memory) -> None:
        key = await memory.revoke_key(key_id)
        console.print(f"revoked {key.id} ({key.name})")

    run_with_memory(work)
