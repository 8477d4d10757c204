"""kgmem on a host list: a closed port, a streaming standby and the primary named in one
URL (both libpq forms). Serving, migrations, the CLI and backups all find the primary;
backups read from the standby when asked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import neo4j
import pytest

from kgmem import EntityWrite, Memory
from kgmem.bolt import BoltServer
from kgmem.server.app import create_app
from kgmem.settings.config import BoltSettings
from kgmem.settings.replica_settings import ReplicaSettings
from kgmem.storage.backups import backup
from kgmem.storage.engine import conninfo, migrate
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.app import client_for, metric_sample
from tests.fixtures.database import store_settings
from tests.fixtures.streaming import Pair, streaming_pair

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pair(server_homes: Path) -> Iterator[Pair]:
    yield from streaming_pair(server_homes)


async def _server_port(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT inet_server_port()"))
    finally:
        await conn.close()


async def test_both_host_list_forms_find_the_primary_past_a_closed_port_and_a_standby(
    pair: Pair, home_dir: Path
) -> None:
    for url in (pair.netloc_url, pair.query_url):
        assert await _server_port(conninfo.normalise(url)) == pair.primary.port
    # The first open on the host list migrates the new store through SQLAlchemy too.
    memory = await Memory.open(store_settings(pair.netloc_url, home_dir))
    try:
        await memory.create_namespace("hosts")
        await memory.upsert_entity(
            "hosts", EntityWrite(uid="ada", label="Person", properties={"name": "Ada"})
        )
        assert (await memory.get_entity("hosts", "ada")).entity.properties["name"] == "Ada"
    finally:
        await memory.close()
    assert migrate.current_revision(pair.query_url) == migrate.head_revision()
    assert migrate.status(pair.netloc_url).pending == ()


def test_cli_and_backups_work_on_a_host_list(pair: Pair, home_dir: Path, tmp_path: Path) -> None:
    env = env_for(home_dir, KGMEM_DATABASE_URL=pair.netloc_url)
    migrated = kgmem("migrate", env=env)  # nothing to do after the first test: it migrated
    assert migrated.returncode == 0, migrated.stderr
    status = kgmem("migrate", "--status", env=env)
    assert status.returncode == 0, status.stderr
    assert "up to date" in status.stdout
    done = kgmem("backup", str(tmp_path / "store.kgb"), env=env)
    assert done.returncode == 0, done.stderr
    manifest = backup.read_manifest(tmp_path / "store.kgb")
    assert manifest.revision == migrate.head_revision()


async def test_backup_reads_from_the_standby_when_asked(
    pair: Pair, home_dir: Path, tmp_path: Path
) -> None:
    memory = await Memory.open(store_settings(pair.query_url, home_dir))
    try:
        await memory.create_namespace("from_standby")
        position = await memory.ctx.db.pool.fetchval("SELECT pg_current_wal_flush_lsn()::text")
    finally:
        await memory.close()
    standby = await asyncpg.connect(pair.standby.url)
    try:  # the standby has replayed the namespace before the backup starts
        for _ in range(100):
            if await standby.fetchval(
                "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", position
            ):
                break
            await asyncio.sleep(0.1)
        await standby.execute("SELECT pg_wal_replay_pause()")  # the primary moves on alone
    finally:
        await standby.close()
    try:
        memory = await Memory.open(store_settings(pair.query_url, home_dir))
        try:
            await memory.create_namespace("after_pause")
        finally:
            await memory.close()
        env = env_for(home_dir, KGMEM_DATABASE_URL=pair.netloc_url)
        done = kgmem("backup", "--standby", str(tmp_path / "standby.kgb"), env=env)
        assert done.returncode == 0, done.stderr
        names = backup.read_manifest(tmp_path / "standby.kgb").namespaces
        assert "from_standby" in names and "after_pause" not in names
    finally:
        standby = await asyncpg.connect(pair.standby.url)
        try:
            await standby.execute("SELECT pg_wal_replay_resume()")
        finally:
            await standby.close()


async def _read_only(url: str, on: bool) -> None:
    """Make the server at ``url`` refuse writes, as a primary demoted to a standby does
    (SQLSTATE 25006), or take them again."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            f"ALTER SYSTEM SET default_transaction_read_only = {'on' if on else 'off'}"
        )
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()
    await asyncio.sleep(0.3)  # every backend reads the configuration again


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert "released back to the pool" not in record.getMessage()
        assert "another operation is in progress" not in record.getMessage()


async def _put(client: httpx.AsyncClient, uid: str) -> httpx.Response:
    return await client.put(
        f"/v1/namespaces/read_only/entities/{uid}",
        json={"label": "Person", "properties": {"n": uid}},
    )


async def test_a_read_only_primary_answers_503_with_retry_after_and_the_pool_recovers(
    pair: Pair, home_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    memory = await Memory.open(store_settings(pair.netloc_url, home_dir))
    try:
        await memory.create_namespace("read_only")
        async with client_for(create_app(memory=memory)) as client:
            assert (await _put(client, "before")).status_code == 201
            await _read_only(pair.primary.url, True)
            try:
                refused = await _put(client, "during")
                again = await _put(client, "during")  # the pool looked again: no primary
            finally:
                await _read_only(pair.primary.url, False)
            after = await _put(client, "after")
            health = (await client.get("/health")).json()["database"]["cluster"]
            metrics = (await client.get("/metrics")).text
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "2"
        assert refused.json()["code"] == "primary_unavailable"
        assert again.status_code == 503 and again.headers["retry-after"] == "2"
        assert after.status_code == 201, after.text
        assert {e.uid for e in (await memory.list_entities("read_only")).items} == {
            "before",
            "after",
        }
    finally:
        await memory.close()
    assert health["primary"] == f"127.0.0.1:{pair.primary.port}"
    assert health["hosts"][0] == f"127.0.0.1:{pair.closed}"
    assert health["refused"] >= 2 and health["failovers"] == 0
    assert [r["lag_bytes"] is not None for r in health["replicas"]] == [True]
    assert (
        metric_sample(metrics, "kgmem_database_refused_requests_total", code="primary_unavailable")
        >= 1
    )
    server = f"127.0.0.1:{pair.primary.port}"
    assert metric_sample(metrics, "kgmem_database_primary", server=server) == 1
    _no_tracebacks(caplog)


async def test_bolt_managed_transactions_retry_while_the_primary_is_read_only(
    pair: Pair, home_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    memory = await Memory.open(store_settings(pair.query_url, home_dir))
    await memory.create_namespace("bolt_ro")
    server = BoltServer(memory, BoltSettings(port=0))
    await server.start()
    tries = 0

    async def create(tx: neo4j.AsyncManagedTransaction) -> None:
        nonlocal tries
        tries += 1
        await tx.run("CREATE (:Person {name: 'kept'})")

    try:
        uri = f"bolt://127.0.0.1:{server.port}"
        async with neo4j.AsyncGraphDatabase.driver(uri, auth=None) as driver:
            await _read_only(pair.primary.url, True)
            try:
                lifted = asyncio.create_task(_lift_after(pair.primary.url, 1.5))
                async with driver.session(database="bolt_ro") as session:
                    await session.execute_write(create)
                await lifted
            finally:
                await _read_only(pair.primary.url, False)
        found = await memory.cypher("bolt_ro", "MATCH (p:Person) RETURN p.name")
    finally:
        await server.stop()
        await memory.close()
    assert tries > 1  # refused as transient, retried by the driver, then stored once
    assert found.rows == [["kept"]]
    _no_tracebacks(caplog)


async def _lift_after(url: str, delay_s: float) -> None:
    await asyncio.sleep(delay_s)
    await _read_only(url, False)


async def test_a_replica_pool_over_the_host_list_reaches_the_standby(
    pair: Pair, home_dir: Path
) -> None:
    settings = store_settings(pair.netloc_url, home_dir).model_copy(
        update={"replica": ReplicaSettings(urls=[pair.netloc_url])}
    )
    memory = await Memory.open(settings)
    try:
        (replica,) = memory.reads.replicas.members
        async with replica.db.acquire() as conn:
            assert await conn.fetchval("SELECT inet_server_port()") == pair.standby.port
        async with memory.ctx.db.acquire() as conn:
            assert await conn.fetchval("SELECT inet_server_port()") == pair.primary.port
    finally:
        await memory.close()
