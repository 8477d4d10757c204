"""Opening the store for one CLI command, and failing cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from kgmem.config import Settings
from kgmem.errors import KgmemError

if TYPE_CHECKING:
    from kgmem.memory import Memory

err_console = Console(stderr=True)


def fail(message: str) -> NoReturn:
    """Print ``message`` as an error and exit with status 1."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)


def run_with_memory(action: Callable[[Memory], Awaitable[None]]) -> None:
    """Open the store (attaching to a running embedded server if there is one), run
    ``action``, close; a kgmem error becomes a message and exit status 1."""

    async def go() -> None:
        from kgmem.memory import Memory

        memory = await Memory.open(Settings())
        try:
            await action(memory)
        finally:
            await memory.close()

    try:
        asyncio.run(go())
    except KgmemError as exc:
        fail(exc.detail)
