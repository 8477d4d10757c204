"""API keys are stored hashed, verified in constant time and revocable."""

from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from kgmem import Memory
from kgmem.errors import ApiKeyNotFound, InvalidInput, InvalidNamespaceName
from kgmem.storage import keys
from tests.fixtures.database import store_settings


@pytest.fixture
async def keyed(fresh_database: Callable[[], Awaitable[str]], tmp_path: Path):
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, tmp_path))
    yield memory, url
    await memory.close()


async def test_secret_is_never_stored(keyed) -> None:
    memory, url = keyed
    issued = await memory.create_key("ci", ["read"])
    conn = await asyncpg.connect(url)
    try:
        stored = await conn.fetchrow("SELECT * FROM kgmem.api_key")
    finally:
        await conn.close()
    secret = issued.secret.split("_", 2)[2]
    assert secret.encode() not in bytes(stored["secret_hash"])
    assert issued.secret not in str(dict(stored))


async def test_authenticate_accepts_the_key_and_nothing_else(keyed) -> None:
    memory, _ = keyed
    issued = await memory.create_key("ci", ["write"], ["alpha"])
    key = await memory.authenticate(issued.secret)
    assert key is not None and key.scopes == ("write",) and key.namespaces == ("alpha",)
    tampered = issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")
    assert await memory.authenticate(tampered) is None
    assert await memory.authenticate("kgm_nothex_x") is None
    assert await memory.authenticate("") is None


async def test_revoked_key_stops_working(keyed) -> None:
    memory, _ = keyed
    issued = await memory.create_key("ci", ["read"])
    assert await memory.active_key_count() == 1
    await memory.revoke_key(issued.key.id)
    assert await memory.authenticate(issued.secret) is None
    assert await memory.active_key_count() == 0
    listed = await memory.list_keys()
    assert listed[0].revoked_at is not None
    with pytest.raises(ApiKeyNotFound):
        await memory.revoke_key("000000000000")


@pytest.mark.parametrize(
    ("name", "scopes", "namespaces", "error"),
    [
        ("", ["read"], None, InvalidInput),
        ("x", [], None, InvalidInput),
        ("x", ["root"], None, InvalidInput),
        ("x", ["read"], ["Bad-Name"], InvalidNamespaceName),
    ],
)
async def test_bad_key_requests_are_refused(keyed, name, scopes, namespaces, error) -> None:
    memory, _ = keyed
    with pytest.raises(error):
        await memory.create_key(name, scopes, namespaces)
    assert await memory.list_keys() == []


def test_key_format_parses() -> None:
    good = "kgm_0123456789ab_" + "A" * 43
    assert keys.parse(good) == ("0123456789ab", "A" * 43)
    assert keys.parse(good + "x") is None
    assert keys.parse("Bearer " + good) is None
