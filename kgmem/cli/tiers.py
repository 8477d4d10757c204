"""``kgmem tiers apply|policy``: memory-tier upkeep from the command line (for cron)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer

from kgmem.cli.open_store import fail, run_with_memory

if TYPE_CHECKING:
    from kgmem.memory import Memory

app = typer.Typer(
    help="Memory tiers: promotion, decay and archiving.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command()
def apply(
    namespaces: Annotated[
        list[str] | None, typer.Argument(help="Namespaces (default: every one).")
    ] = None,
) -> None:
    """Apply each namespace's tier policy (idempotent; safe beside a running server)
    and print what changed as JSON lines."""

    async def work(memory: Memory) -> None:
        names = namespaces or [ns.name for ns in await memory.list_namespaces()]
        for name in names:
            report = await memory.tiers.apply(name)
            print(json.dumps({"namespace": name, **asdict(report)}, default=str))

    run_with_memory(work)


@app.command()
def policy(
    namespace: str,
    set_: Annotated[
        str | None, typer.Option("--set", help="A JSON object of policy fields to store.")
    ] = None,
) -> None:
    """Print a namespace's tier policy as JSON, after storing ``--set`` if given."""

    async def work(memory: Memory) -> None:
        if set_ is not None:
            try:
                given = json.loads(set_)
            except ValueError:
                fail("--set: not JSON")
            if not isinstance(given, dict):
                fail("--set: a JSON object of policy fields")
            stored = await memory.tiers.set_policy(namespace, given)
        else:
            stored = await memory.tiers.policy(namespace)
        print(json.dumps(asdict(stored)))

    run_with_memory(work)
