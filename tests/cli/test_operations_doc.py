"""Every command of docs/operations.md runs, in the page's order, on an embedded store
(and, for the server-URL examples, on a database of the session's server), and does
what the page says: restored copies have the original's checksum, a restore to a time
keeps the writes before it only, and the migration status is up to date."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kgmem import EntityWrite, Memory, Settings
from kgmem.errors import EntityNotFound
from tests.cli.test_serve import env_for
from tests.retrieval.graphs import add_people

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXAMPLE_URL = "postgresql://kgmem@db.example:5432/kgmem"
EXAMPLE_TIME = "2026-11-24T09:30:00Z"
EMBEDDING = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": "384"}


def doc_commands() -> list[str]:
    return [
        line
        for block in _BLOCK.findall(DOC.read_text())
        for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def run(command: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one shell line of the page: leading VAR=value words set the environment."""
    args = shlex.split(command, comments=True)
    extra = {}
    while "=" in args[0]:
        key, value = args.pop(0).split("=", 1)
        extra[key] = value
    assert args[0] == "kgmem"
    done = subprocess.run(
        [sys.executable, "-m", "kgmem", *args[1:]],
        env={**env, **extra},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def settings(home: Path) -> Settings:
    return Settings(home=home, embedding={"provider": "none", "dimension": 384})


async def write(home: Path, uid: str) -> None:
    memory = await Memory.open(settings(home))
    try:
        await memory.upsert_entity("people", EntityWrite(uid, "Person", {"name": uid}))
    finally:
        await memory.close()


async def test_every_command_of_the_operations_page(
    home_dir: Path,
    server_homes: Path,
    fresh_database: Callable[[], Awaitable[str]],
    tmp_path: Path,
) -> None:
    memory = await Memory.open(settings(home_dir))
    try:
        await memory.create_namespace("people")
        await add_people(memory, "people")
    finally:
        await memory.close()
    new_home = server_homes / f"{home_dir.name}-new"
    archive = home_dir / "archive"
    url = await fresh_database()
    env = env_for(home_dir, **EMBEDDING)
    digests: dict[str, str] = {}
    between = ""
    ran = []
    for command in doc_commands():
        line = (
            command.replace("/srv/kgmem-new", str(new_home))
            .replace("/srv/kgmem-archive", str(archive))
            .replace(EXAMPLE_URL, url)
            .replace(EXAMPLE_TIME, between)
        )
        done = run(line, cwd=tmp_path, env=env)
        ran.append(command)
        if "checksum" in command:
            digests[command] = json.loads(done.stdout)["digest"]
        if "--as people_copy" in command:
            copy = run("kgmem checksum --namespace people_copy", cwd=tmp_path, env=env)
            digests["copy"] = json.loads(copy.stdout)["digest"]
        if "restore memory.kgb" in command and "KGMEM_HOME" in command:
            moved = run(f"KGMEM_HOME={new_home} kgmem checksum", cwd=tmp_path, env=env)
            digests["moved"] = json.loads(moved.stdout)["digest"]
        if "--continuous" in command:
            await write(home_dir, "first")
            await asyncio.sleep(1.0)
            between = datetime.now(UTC).isoformat()
            await asyncio.sleep(1.0)
            await write(home_dir, "second")
        if command == "kgmem migrate --status":
            assert "up to date" in done.stdout

    assert ran == doc_commands() and len(ran) >= 12
    assert digests["copy"] == digests["kgmem checksum --namespace people"]
    assert digests["moved"] == digests[f"KGMEM_DATABASE_URL={EXAMPLE_URL} kgmem checksum"]
    memory = await Memory.open(settings(home_dir))
    try:
        assert (await memory.get_entity("people", "first")).entity.uid == "first"
        with pytest.raises(EntityNotFound):
            await memory.get_entity("people", "second")
    finally:
        await memory.close()
