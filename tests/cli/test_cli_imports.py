"""``kgmem --help`` and the other commands that touch neither the model nor the
database import none of the heavy stacks: the import graph is asserted (what
``python -X importtime`` lists), not a time; ``python -m bench startup`` measures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "torch", "transformers", "sentence_transformers", "onnxruntime", "numpy", "fastapi",
    "starlette", "uvicorn", "sqlalchemy", "alembic", "redis",
    "psycopg", "psycopg_pool", "asyncpg", "pgserver", "rdflib", "pyoxigraph", "networkx",
    "neo4j", "mcp", "httpx", "pydantic_settings", "asyncio", "rich.progress", "rich.markdown",
    "typer.rich_utils",
    "kgmem.settings.config", "kgmem.model", "kgmem.memory", "kgmem.cypher", "kgmem.server",
    "kgmem.storage",
)  # fmt: skip
"""Packages a command that needs neither the store nor a model must not import
(pydantic itself is typer's: its sub-command help imports it). asyncio and rich's
progress bars are lighter than these but still measurable: only the
commands that run on the store or draw a bar import them. Help is plain text: typer's
boxed help would import rich's Markdown and traceback renderers."""


def imported(*args: str) -> set[str]:
    """The modules ``python -X importtime -m kgmem *args`` imports."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kgmem", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [x for x in done.stderr.splitlines() if x.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("keys", "--help"),
        ("namespaces", "--help"),
        ("cypher", "--help"),
        ("export", "--help"),
        ("import", "--help"),
        ("serve", "--help"),
    ],
)
def test_help_imports_no_heavy_module(args: tuple[str, ...]) -> None:
    found = imported(*args)
    assert "kgmem.cli.main" in found and "typer" in found  # the listing is read right
    heavy = sorted(m for m in found if m.split(".")[0] in HEAVY or m in HEAVY)
    heavy += sorted(m for m in found for h in HEAVY if "." in h and m.startswith(h + "."))
    assert not heavy, heavy


@pytest.mark.parametrize("args", [("settings",), ("settings", "--markdown")])
def test_settings_reads_the_settings_but_not_the_store_or_a_model(args: tuple[str, ...]) -> None:
    found = imported(*args)
    assert "kgmem.settings.config" in found
    needed = ("kgmem.settings.config", "pydantic_settings", "asyncio")  # reading them
    heavy = {h for h in HEAVY if h not in needed for m in found if m == h or m.startswith(h + ".")}
    assert not heavy, sorted(heavy)


def test_a_server_process_imports_no_migration_or_clustering_stack() -> None:
    """Every server process (each worker too) imports the app; only the process that
    migrates needs Alembic and SQLAlchemy, only the clustering child networkx, only a
    server with Redis configured the Redis client, only one that asks a model the HTTP
    client."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import kgmem.server.app"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()[1:] if "|" in line}
    assert "kgmem.server.app" in found and "fastapi" in found
    unused = ("alembic", "sqlalchemy", "networkx", "redis", "httpx")
    assert not sorted(m for m in found if m.split(".")[0] in unused)
