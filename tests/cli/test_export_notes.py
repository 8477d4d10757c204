"""``kgmem export`` says what the file does not carry only when the namespace has it:
no note about revisions for a namespace whose facts were never revised, the note once
one was; REST's ``Kgmem-Dropped`` header says the same."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.server.app import create_app
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.app import client_for
from tests.fixtures.database import store_settings

NOTE = "does not carry"


def note(stderr: str) -> str:
    """The export's line saying what it does not carry."""
    found = [line for line in stderr.splitlines() if NOTE in line]
    assert len(found) == 1, stderr
    return found[0]


async def _dropped(memory: Memory, fmt: str) -> str:
    async with client_for(create_app(memory=memory)) as client:
        response = await client.get("/v1/namespaces/notes/export", params={"format": fmt})
        assert isinstance(response, httpx.Response) and response.status_code == 200
        return response.headers["kgmem-dropped"]


async def test_the_revisions_note_appears_only_once_a_fact_was_revised(
    home_dir: Path, fresh_database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, home_dir))
    env = env_for(
        home_dir,
        KGMEM_DATABASE_URL=url,
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )

    def export(fmt: str) -> str:
        out = tmp_path / f"notes.{fmt}"
        done = kgmem("export", "-n", "notes", "--format", fmt, "-o", str(out), env=env)
        assert done.returncode == 0, done.stderr
        return done.stderr

    try:
        await memory.create_namespace("notes")
        await memory.write_batch(
            "notes",
            BatchWrite(
                entities=[EntityWrite(uid=u, label="Thing", properties={"name": u}) for u in "ab"],
                facts=[FactWrite("a", "NEAR", "b", uid="near")],
            ),
        )
        for fmt in ("graphml", "turtle"):
            assert NOTE not in export(fmt)
        said = note(export("gexf"))  # kgmem cannot read GEXF back: still said
        assert "import" in said and "revisions" not in said
        assert await _dropped(memory, "graphml") == "none"
        await memory.close_fact("notes", "near", valid_to=datetime(2024, 1, 1, tzinfo=UTC))
        for fmt in ("graphml", "turtle"):
            assert "revisions" in note(export(fmt))
        assert await _dropped(memory, "graphml") == "revisions"
        assert NOTE not in export("jsonl")
    finally:
        await memory.close()
