"""KGMEM_DATABASE_SHARED_BUFFERS: the embedded server's shared_buffers, set at creation
and changed (with a restart) when the owner starts it with another value."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kgmem.settings.database_settings import DatabaseSettings
from kgmem.storage.engine import embedded
from kgmem.storage.engine.embedded import start_embedded


def shared_buffers(server: embedded.EmbeddedPostgres) -> str:
    from pgserver.postgres_server import get_server

    out = get_server(server.pgdata, cleanup_mode=None).psql("SHOW shared_buffers;\n")
    return out.split("\n")[2].strip()


def test_the_owner_sets_shared_buffers_and_restarts_only_on_a_change(home_dir: Path) -> None:
    server = start_embedded(home_dir, owner=True, shared_buffers="160MB")
    try:
        assert shared_buffers(server) == "160MB"
        pid = (server.pgdata / "postmaster.pid").read_text().split()[0]
        again = start_embedded(home_dir, owner=True, shared_buffers="160MB")
        assert (again.pgdata / "postmaster.pid").read_text().split()[0] == pid  # no restart
        changed = start_embedded(home_dir, owner=True, shared_buffers="192MB")
        assert shared_buffers(changed) == "192MB"
        # A process that does not own the home never restarts the server.
        guest = start_embedded(home_dir, owner=False, shared_buffers="224MB")
        assert shared_buffers(guest) == "192MB"
    finally:
        server.stop()  # by data directory: whichever start left it running


def test_the_default_is_half_of_memory_within_bounds() -> None:
    mb = int(embedded._shared_buffers().removesuffix("MB"))
    assert 256 <= mb <= 16384


@pytest.mark.parametrize("bad", ["8", "8 GB", "-1GB", "0MB", "lots"])
def test_a_malformed_size_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        DatabaseSettings(shared_buffers=bad)
