"""One-shot commands start without the heavy stacks: ``-X importtime`` lists every
module a command imported, and none of the store, server, model or ML stacks may be
among them (how long start-up takes is measured by ``python -m bench startup``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "torch",
    "transformers",
    "sentence_transformers",
    "onnxruntime",
    "asyncpg",
    "psycopg",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "uvicorn",
    "networkx",
    "rdflib",
    "pyoxigraph",
    "numpy",
    "mcp",
    "redis",
    "kgmem.memory",
    "kgmem.storage",
)


def imported(*args: str) -> set[str]:
    """Top-level names of the modules ``python -X importtime -m kgmem *args`` imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kgmem", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            module = line.rsplit("|", 1)[1].strip()
            names.add(module)
    return names


@pytest.mark.parametrize("args", [("--help",), ("keys", "--help"), ("settings",)])
def test_one_shot_commands_do_not_import_heavy_modules(args: tuple[str, ...]) -> None:
    modules = imported(*args)
    assert "kgmem.cli.main" in modules  # the listing is real
    heavy = {m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)}
    assert not heavy, sorted(heavy)
