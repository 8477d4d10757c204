"""``kgmem import --from bolt://...``: dump a Bolt server's graph to JSON Lines in
resumable pages (``kgmem.io.bolt_source``), then import that file like any other."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from kgmem.io.bolt_source import BoltSource, DumpState, dump

if TYPE_CHECKING:
    from kgmem.memory import Memory

SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def check_choice(files: list[Path] | None, from_uri: str | None) -> None:
    """Files or a Bolt URI, exactly one of them."""
    if (from_uri is None) == (not files):
        raise typer.BadParameter("give files to load, or --from bolt://... (not both)")
    if from_uri is not None and not from_uri.startswith(SCHEMES):
        raise typer.BadParameter("--from takes a bolt:// or neo4j:// URI")


def dump_path(memory: Memory, source: BoltSource, namespace: str) -> Path:
    """Where the dump of ``source`` for ``namespace`` lives (the same file on a rerun, so
    an interrupted dump resumes)."""
    key = f"{source.uri}\n{source.database}\n{namespace}".encode()
    folder = memory.settings.home / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"bolt-{hashlib.sha256(key).hexdigest()[:16]}.jsonl"


async def dump_source(
    memory: Memory, source: BoltSource, namespace: str, batch_size: int, console: Console
) -> Path:
    """Dump ``source`` (resuming an earlier dump) and return the JSON Lines file."""
    path = dump_path(memory, source, namespace)

    def show(state: DumpState) -> None:
        console.print(
            f"read {state.nodes:,} nodes, {state.relationships:,} relationships", end="\r"
        )

    state = await dump(source, path, batch_size=batch_size, on_page=show)
    console.print(
        f"read {state.nodes:,} nodes and {state.relationships:,} relationships from {source.uri}"
    )
    return path
