"""A benchmark's scratch space: a temporary home and the database to measure, either the
one a ``--database-url`` names or a fresh embedded server started in that home and
stopped at the end."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Report
from kgmem import Memory, Settings
from kgmem.storage.engine.embedded import start_embedded


def parser(name: str) -> argparse.ArgumentParser:
    """The command line of ``python -m bench <name>`` with its ``--database-url``."""
    p = argparse.ArgumentParser(prog=f"python -m bench {name}")
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p


def at_least(least: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``least``."""

    def read(text: str) -> int:
        value = int(text)
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}")
        return value

    return read


@dataclass(frozen=True)
class Scratch:
    home: Path
    url: str
    # The embedded server's data directory, None when measuring a server given by URL.
    pgdata: Path | None

    def server_pid(self) -> int | None:
        """The embedded server's postmaster process id."""
        if self.pgdata is None:
            return None
        return int((self.pgdata / "postmaster.pid").read_text().split()[0])


@contextmanager
def scratch(url: str | None, prefix: str, *, pgdata: str | None = None) -> Iterator[Scratch]:
    """A temporary home, and ``url`` or a fresh embedded server whose data directory is the
    home itself or its subdirectory ``pgdata``."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        home = Path(tmp)
        os.chmod(home, 0o755)  # the embedded server's own user must reach a data subdirectory
        if url is not None:
            yield Scratch(home, url, None)
            return
        server = start_embedded(home / pgdata if pgdata else home, owner=True)
        try:
            yield Scratch(home, server.url, server.pgdata)
        finally:
            server.stop()


async def measured(
    args: Any,
    prefix: str,
    run: Callable[[Any, Scratch], Awaitable[Report]],
    *,
    pgdata: str | None = None,
) -> int:
    """A benchmark's ``main``: ``run(args, place)`` in a scratch place (the server of
    ``args.database_url``, or a fresh embedded one), then its table printed and saved."""
    with scratch(args.database_url, prefix, pgdata=pgdata) as place:
        report = await run(args, place)
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


async def open_memory(place: Scratch) -> Memory:
    """kgmem on ``place``'s database, with no embedding model (callers supply vectors of
    384 dimensions, if any)."""
    settings = Settings(
        home=place.home,
        database={"url": place.url},
        embedding={"provider": "none", "dimension": 384},
    )
    return await Memory.open(settings)
