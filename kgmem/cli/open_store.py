"""Opening the store for one CLI command, and failing cleanly."""

from __future__ import annotations

import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from kgmem.errors import KgmemError

if TYPE_CHECKING:
    from kgmem.memory import Memory
    from kgmem.settings.config import Settings
    from kgmem.storage import EmbeddedPostgres

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
        from kgmem.settings.config import Settings

        memory = await Memory.open(Settings())
        try:
            await action(memory)
        finally:
            await memory.close()

    import asyncio  # here, not at import: commands that only print start faster

    try:
        asyncio.run(go())
    except KgmemError as exc:
        fail(exc.detail)


@dataclass
class StoreServer:
    """The PostgreSQL a one-shot command works on: the configured URL, or the embedded
    server (``embedded``, started or attached to)."""

    url: str
    home: Path
    embedded: EmbeddedPostgres | None = None


@contextmanager
def store_server(settings: Settings, *, own: bool = False) -> Iterator[StoreServer]:
    """The store's server without opening the store (no migrations run). ``own``: this
    command must be the only user of the embedded server (``HomeLocked`` while a kgmem
    server runs on ``KGMEM_HOME``); it is stopped again afterwards."""
    from kgmem.memory.startup import database_url
    from kgmem.storage import HomeLock, start_embedded

    if settings.database.url is not None:
        yield StoreServer(url=database_url(settings), home=settings.home)
        return
    lock = HomeLock(settings.home)
    owner = lock.try_acquire()
    if own and not owner:
        lock.acquire()  # raises HomeLocked, naming the holder
    try:
        embedded = start_embedded(
            settings.home, owner=owner, shared_buffers=settings.database.shared_buffers
        )
        server = StoreServer(url=embedded.url, home=settings.home, embedded=embedded)
        try:
            yield server
        finally:
            if server.embedded is not None:
                server.embedded.stop()
    finally:
        if owner:
            lock.release()


def run_on_server(action: Callable[[StoreServer], None], *, own: bool = False) -> None:
    """Run ``action`` on the store's server; a kgmem error becomes a message and exit 1.
    A SIGTERM interrupts it as Ctrl-C does, so that what it made to work in (a restore's
    scratch database, an embedded server it started) is cleaned up before it exits."""
    try:
        from kgmem.settings.config import Settings

        with terminated_as_interrupt(), store_server(Settings(), own=own) as server:
            action(server)
    except KgmemError as exc:
        fail(exc.detail)


@contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM raises ``KeyboardInterrupt`` in the block (main thread only: elsewhere
    signals cannot be handled), so that its ``finally`` clauses run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
