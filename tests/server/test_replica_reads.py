"""Searches and Cypher reads on a real streaming replica: an embedded primary, a replica
made from it with pg_basebackup -R and started on a loopback port, and the REST app
over a store that knows both. Read-your-writes by LSN, a paused replica (lag), and a
replica that is down."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from kgmem import Memory
from kgmem.errors import DatabaseUnavailable
from kgmem.server.app import create_app
from kgmem.storage.engine.embedded import start_embedded
from kgmem.storage.pool.replicas import caught_up
from tests.fixtures.app import client_for, free_port, metric_sample
from tests.fixtures.database import SMALL_BUFFERS
from tests.fixtures.streaming import BIN, OS_USER, replica_store

pytestmark = pytest.mark.slow


@dataclass
class Cluster:
    primary_url: str
    replica_url: str
    replica: subprocess.Popen[bytes]


def _as_server_user(path: Path) -> None:
    if OS_USER is not None:
        shutil.chown(path, OS_USER, OS_USER)
    path.chmod(0o700)


def _wait_ready(url: str, timeout_s: float = 60) -> None:
    async def probe() -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                conn = await asyncpg.connect(url, timeout=2)
                try:
                    assert await conn.fetchval("SELECT pg_is_in_recovery()")
                finally:
                    await conn.close()
                return
            except (OSError, asyncpg.PostgresError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)

    asyncio.run(probe())


@pytest.fixture(scope="module")
def cluster(server_homes: Path) -> Iterator[Cluster]:
    home = Path(tempfile.mkdtemp(dir=server_homes))
    home.chmod(0o755)
    primary = start_embedded(home / "primary", owner=True, shared_buffers=SMALL_BUFFERS)
    copy = home / "replica"
    copy.mkdir()
    _as_server_user(copy)
    subprocess.run(  # a base backup that writes the standby settings (-R), checkpoint now
        [
            BIN / "pg_basebackup",
            "-D",
            copy,
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "-d",
            primary.url,
        ],
        user=OS_USER,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    replica = subprocess.Popen(
        [BIN / "postgres", "-D", copy, "-p", str(port), "-k", copy,
         "-c", "listen_addresses=127.0.0.1", "-c", "shared_buffers=128MB"],
        user=OS_USER,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    replica_url = f"postgresql://postgres@127.0.0.1:{port}/kgmem"
    try:
        _wait_ready(replica_url)
        yield Cluster(primary.url, replica_url, replica)
    finally:
        if replica.poll() is None:
            replica.send_signal(signal.SIGINT)  # fast shutdown
            replica.wait(timeout=60)
        primary.stop()


@pytest.fixture(scope="module")
async def store(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Memory]:
    home = tmp_path_factory.mktemp("replica-home")
    async with replica_store(
        home, cluster.primary_url, [cluster.replica_url], wait_ms=300, retry_s=30
    ) as memory:
        yield memory


@pytest.fixture
async def client(store: Memory) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(create_app(memory=store)) as c:
        yield c


async def _write(client: httpx.AsyncClient, ns: str, uid: str, name: str) -> str:
    r = await client.put(
        f"/v1/namespaces/{ns}/entities/{uid}",
        json={"label": "Person", "properties": {"name": name}, "embedding": [1.0, 0.0, 0.0]},
    )
    assert r.status_code in (200, 201), r.text
    return r.headers["x-kgmem-lsn"]


async def _search(client: httpx.AsyncClient, ns: str, lsn: str) -> httpx.Response:
    return await client.post(
        f"/v1/namespaces/{ns}/search",
        json={"embedding": [1.0, 0.0, 0.0], "k": 5},
        headers={"X-Kgmem-Min-Lsn": lsn, "Cache-Control": "no-cache"},
    )


async def _replica_sql(cluster: Cluster, sql: str) -> None:
    conn = await asyncpg.connect(cluster.replica_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def test_a_read_after_a_write_runs_on_the_replica_and_sees_it(
    cluster: Cluster, client: httpx.AsyncClient
) -> None:
    assert (await client.post("/v1/namespaces", json={"name": "rrw"})).status_code == 201
    lsn = await _write(client, "rrw", "ada", "Ada Lovelace")
    found = await _search(client, "rrw", lsn)
    assert found.status_code == 200, found.text
    assert found.headers["x-kgmem-read-from"] == "replica"
    assert "x-kgmem-lsn" not in found.headers  # a read has no write position
    assert [h["entity"]["uid"] for h in found.json()["hits"]] == ["ada"]
    cypher = await client.post(
        "/v1/namespaces/rrw/cypher",
        json={"query": "MATCH (p:Person) RETURN p.uid AS uid"},
        headers={"X-Kgmem-Min-Lsn": lsn},
    )
    assert cypher.status_code == 200, cypher.text
    assert cypher.headers["x-kgmem-read-from"] in ("replica", "primary")
    assert ["ada"] in cypher.json()["rows"]
    # The keyword index is WAL-logged like the rows: keyword searches run there too.
    worded = await client.post(
        "/v1/namespaces/rrw/search", json={"text": "lovelace"}, headers={"X-Kgmem-Min-Lsn": lsn}
    )
    assert worded.status_code == 200, worded.text
    assert worded.headers["x-kgmem-read-from"] == "replica"
    assert [h["entity"]["uid"] for h in worded.json()["hits"]] == ["ada"]
    # The replica is really a standby: it refuses a write the primary took.
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await _replica_sql(cluster, "CREATE TABLE nope (x int)")


async def _cypher(
    client: httpx.AsyncClient, ns: str, query: str, lsn: str | None = None, **params: object
) -> httpx.Response:
    body = {"query": query, "params": params, "mode": "read" if lsn else "write"}
    headers = {"X-Kgmem-Min-Lsn": lsn} if lsn else {}
    return await client.post(f"/v1/namespaces/{ns}/cypher", json=body, headers=headers)


async def test_declared_indexes_and_constraints_answer_on_the_replica(
    client: httpx.AsyncClient, store: Memory
) -> None:
    assert (await client.post("/v1/namespaces", json={"name": "rdecl"})).status_code == 201
    for statement in (
        "CREATE VECTOR INDEX vec FOR (d:Doc) ON d.v OPTIONS {indexConfig: "
        "{`vector.dimensions`: 3, `vector.similarity_function`: 'cosine'}}",
        "CREATE FULLTEXT INDEX words FOR (d:Doc) ON EACH [d.text]",
        "CREATE CONSTRAINT one_key FOR (d:Doc) REQUIRE d.k IS UNIQUE",
    ):
        made = await _cypher(client, "rdecl", statement)
        assert made.status_code == 200, made.text
    written = await _cypher(
        client,
        "rdecl",
        "UNWIND $rows AS row CREATE (:Doc {k: row.k, v: row.v, text: row.text})",
        rows=[
            {"k": 1, "v": [1.0, 0.0, 0.0], "text": "replicated lighthouse"},
            {"k": 2, "v": [0.0, 1.0, 0.0], "text": "harbour"},
        ],
    )
    assert written.status_code == 200, written.text
    lsn = written.headers["x-kgmem-lsn"]
    # A loaded machine may replay later than the read's wait: wait here instead.
    assert await caught_up(store.reads.replicas.members[0].db, lsn, 30.0)
    shown = await _cypher(client, "rdecl", "SHOW INDEXES YIELD name RETURN name ORDER BY name", lsn)
    assert shown.status_code == 200, shown.text
    assert shown.headers["x-kgmem-read-from"] == "replica"
    assert {"vec", "words", "one_key"} <= {row[0] for row in shown.json()["rows"]}
    near = await _cypher(
        client,
        "rdecl",
        "CALL db.index.vector.queryNodes('vec', 1, [0.9, 0.1, 0.0]) YIELD node RETURN node.k",
        lsn,
    )
    assert (near.headers["x-kgmem-read-from"], near.json()["rows"]) == ("replica", [[1]])
    found = await _cypher(
        client,
        "rdecl",
        "CALL db.index.fulltext.queryNodes('words', 'lighthouse') YIELD node RETURN node.k",
        lsn,
    )
    assert (found.headers["x-kgmem-read-from"], found.json()["rows"]) == ("replica", [[1]])
    again = await _cypher(client, "rdecl", "CREATE (:Doc {k: 1})")
    assert (again.status_code, again.json()["code"]) == (409, "constraint_validation_failed")


KEYWORD_ONLY = {"keyword": 1, "vector": 0, "temporal": 0, "spatial": 0, "causal": 0, "graph": 0}


async def test_every_acknowledged_word_is_found_by_keyword_search_on_the_replica(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/v1/namespaces", json={"name": "rkw"})).status_code == 201
    tokens = [f"zq{chr(97 + i // 26)}{chr(97 + i % 26)}x" for i in range(100)]
    batch = {
        "entities": [
            {"uid": f"t{i}", "label": "Note", "properties": {"name": f"note {token}"}}
            for i, token in enumerate(tokens)
        ]
    }
    written = await client.post("/v1/namespaces/rkw/batch", json=batch)
    assert written.status_code in (200, 201), written.text
    lsn = written.headers["x-kgmem-lsn"]
    found = 0
    for i, token in enumerate(tokens):
        for weights in (KEYWORD_ONLY, None):
            body: dict[str, object] = {"text": token, "k": 3}
            if weights is not None:
                body["weights"] = weights
            r = await client.post(
                "/v1/namespaces/rkw/search",
                json=body,
                headers={"X-Kgmem-Min-Lsn": lsn, "Cache-Control": "no-cache"},
            )
            assert r.status_code == 200, r.text
            assert r.headers["x-kgmem-read-from"] == "replica"
            found += [h["entity"]["uid"] for h in r.json()["hits"]][:1] == [f"t{i}"]
    assert found == 2 * len(tokens)


async def test_a_lagging_replica_sends_the_read_to_the_primary_or_answers_503(
    cluster: Cluster, store: Memory, client: httpx.AsyncClient
) -> None:
    await client.post("/v1/namespaces", json={"name": "lag"})
    await _replica_sql(cluster, "SELECT pg_wal_replay_pause()")
    try:
        lsn = await _write(client, "lag", "ada", "Ada Lovelace")
        started = time.monotonic()
        found = await _search(client, "lag", lsn)
        assert time.monotonic() - started >= 0.3  # waited KGMEM_REPLICA_WAIT_MS
        assert found.status_code == 200, found.text
        assert found.headers["x-kgmem-read-from"] == "primary"
        assert [h["entity"]["uid"] for h in found.json()["hits"]] == ["ada"]
        patient = store.reads.settings
        store.reads.settings = patient.model_copy(update={"on_lag": "unavailable"})
        try:
            refused = await _search(client, "lag", lsn)
        finally:
            store.reads.settings = patient
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "replica_behind"
    finally:
        await _replica_sql(cluster, "SELECT pg_wal_replay_resume()")
    after = await _search(client, "lag", lsn)
    assert after.headers["x-kgmem-read-from"] == "replica"


async def test_a_server_not_in_recovery_has_every_write_at_once(store: Memory) -> None:
    """The primary's own URL among the replicas (to spread reads over it too) never
    makes a read that asks for a write wait."""
    far_ahead = "FFFF/0"
    started = time.monotonic()
    assert await caught_up(store.database, far_ahead, 5.0)
    assert time.monotonic() - started < 2.0
    standby = store.reads.replicas.members[0].db
    assert not await caught_up(standby, far_ahead, 0.1)


async def test_a_malformed_position_is_a_422(client: httpx.AsyncClient) -> None:
    r = await _search(client, "rrw", "not-an-lsn")
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_request"


async def test_a_replica_that_is_down_does_not_take_reads_down(
    cluster: Cluster, client: httpx.AsyncClient
) -> None:
    """Last in the module: it stops the replica."""
    await client.post("/v1/namespaces", json={"name": "down"})
    lsn = await _write(client, "down", "ada", "Ada Lovelace")
    cluster.replica.send_signal(signal.SIGINT)
    cluster.replica.wait(timeout=60)
    before = metric_sample(
        (await client.get("/metrics")).text, "kgmem_replica_reads_total", served_by="down"
    )
    async with asyncio.timeout(20):
        for _ in range(5):
            found = await _search(client, "down", lsn)
            assert found.status_code == 200, found.text
            assert found.headers["x-kgmem-read-from"] == "primary"
            assert [h["entity"]["uid"] for h in found.json()["hits"]] == ["ada"]
            plain = await client.post(
                "/v1/namespaces/down/search",
                json={"embedding": [1.0, 0.0, 0.0]},
                headers={"Cache-Control": "no-cache"},
            )
            assert plain.status_code == 200 and plain.headers["x-kgmem-read-from"] == "primary"
    text = (await client.get("/metrics")).text
    assert metric_sample(text, "kgmem_replica_reads_total", served_by="down") >= before + 10


async def test_a_write_whose_position_cannot_be_read_still_answers(
    client: httpx.AsyncClient, store: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The primary gone right after a commit (a failover): the write's answer stands,
    without ``X-Kgmem-Lsn``, never a 500."""
    assert (await client.post("/v1/namespaces", json={"name": "rgone"})).status_code == 201

    async def gone() -> str:
        raise DatabaseUnavailable("the database is unavailable; try again shortly")

    monkeypatch.setattr(store, "write_position", gone)
    r = await client.put(
        "/v1/namespaces/rgone/entities/ada",
        json={"label": "Person", "properties": {"name": "Ada"}, "embedding": [1.0, 0.0, 0.0]},
    )
    assert r.status_code in (200, 201), r.text
    assert "x-kgmem-lsn" not in r.headers
    monkeypatch.undo()
    assert (await client.get("/v1/namespaces/rgone/entities/ada")).status_code == 200
