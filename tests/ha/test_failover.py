"""kgmem on a Patroni cluster loses no acknowledged write when a node fails.

etcd and three Patroni nodes run on loopback ports (``tests.ha.cluster``); two
``kgmem serve`` processes reach the primary through one multi-host URL, and the
replicas, for searches, through the same host list asking for a standby. Writers and
searchers run (``tests.ha.workload``) while each scenario breaks something: (a) kill -9
of the primary's postmaster, (b) a clean switchover, (c) the primary's machine cut off,
(d) a replica's machine cut off, then a rolling restart of every PostgreSQL node and of
both kgmem servers. After each, every acknowledged write is found exactly once by id,
by keyword, by vector and by Cypher, every acknowledged episode was built once,
``kgmem checksum`` counts what the writers' logs count, and (a replica being up in
every scenario) no search failed, except in the rolling restart, which stops the kgmem
servers themselves. The figures are printed (run with ``-s``; docs/performance.md has
them).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.cli.test_serve import Server, env_for, free_port
from tests.ha.cluster import TTL_S, Cluster, wait_for
from tests.ha.workload import DIMENSION, NAMESPACE, Load, Tally, keyword, logged, vector

pytestmark = [pytest.mark.slow, pytest.mark.failover]

URL_FORM = "hosts"
"""The multi-host URL form the servers get: ``params`` (``?host=h1,h2&port=p1,p2``) or
``hosts`` (``h1:p1,h2:p2``)."""

RETRY_AFTER = True
"""Whether every refusal must carry ``Retry-After``."""

CRASH_RESUME_S = 10.0
MACHINE_LOSS_RESUME_S = TTL_S + 5.0
STEADY = 20
"""Writes acknowledged before a fault, and again after it, in each scenario."""

ENV = {"KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": str(DIMENSION)}


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="kgmem-ha-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(root: Path) -> Iterator[Cluster]:
    cluster = Cluster(root)
    try:
        cluster.start()
        yield cluster
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.close()


class Servers:
    """Two ``kgmem serve`` processes on the cluster, each with its own home."""

    def __init__(self, root: Path, url: str, replicas: str) -> None:
        self.root, self.url, self.replicas = root, url, replicas
        self.ports = [free_port(), free_port()]
        self.procs: list[Server | None] = [None, None]

    def start(self, *which: int) -> None:
        """Start the servers ``which`` together (each migrates the store at start, so
        they take turns on it) and wait until each answers."""
        env = {**ENV, "KGMEM_DATABASE_URL": self.url, "KGMEM_REPLICA_URLS": self.replicas}
        for i in which:
            self.procs[i] = Server(self.root / f"kgmem{i}", self.ports[i], **env)
        for i in which:
            self.procs[i].wait_healthy(timeout=180)  # type: ignore[union-attr]

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def stop(self, *which: int) -> None:
        """Stop the servers ``which`` together (each finishes what it is doing)."""
        running = [s for i, s in enumerate(self.procs) if i in which and s is not None]
        for server in running:
            if server.proc.poll() is None:
                server.proc.terminate()
        for server in running:
            server.stop()

    def output(self) -> str:
        return "\n".join(s.output[-4000:] for s in self.procs if s is not None)


@pytest.fixture(scope="module")
def servers(cluster: Cluster, root: Path) -> Iterator[Servers]:
    replicas = cluster.url(URL_FORM).replace("read-write", "prefer-standby")
    servers = Servers(root, cluster.url(URL_FORM), replicas)
    try:
        servers.start(0, 1)  # both on a new store at once: the migrations take turns
        answer = httpx.post(f"{servers.urls[0]}/v1/namespaces", json={"name": NAMESPACE})
        assert answer.status_code == 201, answer.text
        # Point-in-time recovery starts from a base backup: one from a replica, before
        # the failovers, so that a restore replays the WAL of every timeline after it.
        cluster.base_backup(cluster.replicas()[0])
        yield servers
    finally:
        servers.stop(0, 1)
        keep = os.environ.get("KGMEM_HA_KEEP_LOGS")  # a directory for the servers' logs
        if keep:
            for log in [*root.glob("serve-*.log"), *root.glob("node*/patroni.log")]:
                shutil.copy(log, Path(keep) / f"{log.parent.name}-{log.name}")


class Record:
    """Every write acknowledged so far, and the figures of each scenario."""

    def __init__(self) -> None:
        self.acked: list[str] = []
        self.episodes: list[str] = []
        self.figures: list[tuple[str, Tally]] = []
        self.lost: dict[str, tuple[int, int]] = {}
        """Per scenario: acknowledged writes missing, and duplicates (by Cypher)."""
        self.promoted_s = -1.0
        """Seconds from the primary's machine cut off to a new primary running."""


@pytest.fixture(scope="module")
def record() -> Iterator[Record]:
    record = Record()
    yield record
    print(
        "\nscenario | writes acked | refused (503) | unanswered | longest write wait (s) | "
        "searches failed / run | missing | duplicates"
    )
    for name, tally in record.figures:
        missing, duplicates = record.lost.get(name, (-1, -1))  # -1: not checked
        print(f"{name} | {len(tally.acked)} | {tally.refused} | {tally.unanswered} | "
              f"{tally.longest_wait_s:.1f} | {tally.searches_failed} / {tally.searches} | "
              f"{missing} | {duplicates}")  # fmt: skip
    print(f"machine loss: new primary after {record.promoted_s:.1f} s (ttl {TTL_S} s)")


@pytest.fixture
async def load(servers: Servers, root: Path) -> AsyncIterator[Load]:
    logs = root / "writer-logs"
    logs.mkdir(exist_ok=True)
    load = Load(servers.urls, logs)
    yield load
    await load.stop()


async def scenario(
    name: str, load: Load, record: Record, cluster: Cluster, fault: object, resume_s: float
) -> Tally:
    """Run the load, break something with ``fault()`` once writes flow, wait until they
    flow again and the cluster is whole, then check every acknowledged write."""
    load.start(name)
    await load.acknowledged(STEADY)
    await asyncio.to_thread(fault)  # type: ignore[arg-type]
    await load.acknowledged(STEADY, timeout_s=resume_s + 60)
    tally = await load.stop()
    record.acked += tally.acked
    record.episodes += tally.episodes
    record.figures.append((name, tally))
    print(f"\n{name}: {tally}")
    assert tally.errors == Counter(), f"answers other than 2xx and 503: {tally.errors}"
    assert tally.longest_wait_s <= resume_s, f"writes waited {tally.longest_wait_s:.1f} s"
    return tally


def searches_kept_answering(tally: Tally) -> None:
    """The servers have replicas (the same host list, ``prefer-standby``): with one of
    them up, no search waits for the primary, so none failed."""
    assert tally.searches > 0
    assert tally.searches_failed == 0, (
        f"{tally.searches_failed} of {tally.searches} searches failed: {tally.search_refusals}"
    )


def refusals_say_when_to_retry(tally: Tally) -> None:
    """Every 503 carried ``Retry-After`` (checked last: the writes are checked first)."""
    if RETRY_AFTER:
        assert tally.without_retry_after == 0, f"{tally.without_retry_after} 503s, no Retry-After"


async def verify(base: str, record: Record, fresh: list[str], root: Path, url: str) -> None:
    """Every acknowledged write exactly once on every read path: all of them listed and
    by Cypher, ``fresh`` ones also by id, keyword and vector; episodes built once;
    ``kgmem checksum`` counting what the writers logged."""
    async with httpx.AsyncClient(base_url=f"{base}/v1/namespaces/{NAMESPACE}", timeout=60) as c:
        rows = await cypher(c, "MATCH (n:Thing) RETURN n.uid AS uid")
        things = Counter(row[0] for row in rows)
        missing = set(record.acked) - set(things)
        duplicates = [u for u, n in things.items() if n > 1]
        record.lost[record.figures[-1][0]] = (len(missing), len(duplicates))
        assert missing == set(), "acknowledged writes missing (Cypher)"
        assert duplicates == [], "duplicates (Cypher)"
        topics = Counter(row[0] for row in await cypher(c, "MATCH (t:Topic) RETURN t.name"))
        assert [t for t, n in topics.items() if n > 1] == [], "an episode was built twice"
        gate = asyncio.Semaphore(16)

        async def found(uid: str) -> None:
            async with gate:
                by_id = await c.get(f"/entities/{uid}")
                assert by_id.status_code == 200, by_id.text
                for body in ({"text": keyword(uid)}, {"embedding": vector(uid), "k": 5}):
                    hits = (await c.post("/search", json=body)).json()["hits"]
                    assert uid in [h["entity"]["uid"] for h in hits], (uid, body, hits)

        async def built(uid: str) -> None:
            async with gate:
                episode = await c.get(f"/episodes/{uid}")
                assert episode.status_code == 200, episode.text
                assert episode.json()["properties"]["extraction"] == "done", episode.text

        await asyncio.gather(*map(found, fresh), *map(built, record.episodes))
    seen = logged(root / "writer-logs")
    rows_of = await asyncio.to_thread(checksum_rows, root / "checksum-home", url)
    assert (seen["entity"], seen["episode"]) == (len(record.acked), len(record.episodes))
    assert rows_of.get("graph.Thing") == seen["entity"], rows_of
    assert rows_of.get("graph.Episode") == seen["episode"], rows_of


async def cypher(client: httpx.AsyncClient, query: str) -> list[list[object]]:
    answer = await client.post("/cypher", json={"query": query, "mode": "read"})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["rows"])


def checksum_rows(home: Path, url: str | None) -> dict[str, int]:
    """Rows per table of the namespace, from ``kgmem checksum`` on ``url`` (None: the
    embedded store under ``home``)."""
    database = {"KGMEM_DATABASE_URL": url} if url else {}
    done = subprocess.run(
        [sys.executable, "-m", "kgmem", "checksum", "--namespace", NAMESPACE],
        env=env_for(home, **database, **ENV),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout)["rows"])


async def test_a_crash_of_the_primary_loses_nothing(
    cluster: Cluster, servers: Servers, load: Load, record: Record, root: Path
) -> None:
    leader = cluster.wait_healthy(3)
    tally = await scenario("a-crash", load, record, cluster, leader.kill_postmaster, CRASH_RESUME_S)
    await asyncio.to_thread(cluster.wait_healthy, 3)
    await verify(servers.urls[0], record, tally.acked, root, servers.url)
    searches_kept_answering(tally)
    refusals_say_when_to_retry(tally)


async def test_a_switchover_loses_nothing(
    cluster: Cluster, servers: Servers, load: Load, record: Record, root: Path
) -> None:
    cluster.wait_healthy(3)
    target = cluster.sync_standby()
    tally = await scenario(
        "b-switchover", load, record, cluster, lambda: cluster.switchover(target), CRASH_RESUME_S
    )
    await asyncio.to_thread(cluster.wait_healthy, 3)
    assert cluster.leader() == target
    await verify(servers.urls[1], record, tally.acked, root, servers.url)
    searches_kept_answering(tally)
    refusals_say_when_to_retry(tally)


async def test_the_loss_of_the_primarys_machine_loses_nothing(
    cluster: Cluster, servers: Servers, load: Load, record: Record, root: Path
) -> None:
    leader = cluster.wait_healthy(3)
    cut_at: list[float] = []

    def cut_off() -> None:
        """The machine lost; returns once Patroni runs a new primary (its share of the
        writes' wait: the leader key's ttl, then the promotion)."""
        cut_at.append(time.monotonic())  # the kill is at once; reaping takes longer
        leader.cut_off()
        wait_for(lambda: cluster.leader() not in (None, leader), MACHINE_LOSS_RESUME_S + 30)
        record.promoted_s = time.monotonic() - cut_at[0]
        print(f"\nc-machine-loss: a new primary runs {record.promoted_s:.1f} s after the cut")

    try:
        tally = await scenario(
            "c-machine-loss", load, record, cluster, cut_off, MACHINE_LOSS_RESUME_S
        )
        await asyncio.to_thread(cluster.wait_healthy, 2)
        assert cluster.leader() != leader
        await verify(servers.urls[0], record, tally.acked, root, servers.url)
    finally:
        leader.start()  # the machine comes back: it rejoins as a replica (rewound if needed)
        await asyncio.to_thread(cluster.wait_healthy, 3)
    searches_kept_answering(tally)
    refusals_say_when_to_retry(tally)


async def test_the_loss_of_a_replica_loses_nothing(
    cluster: Cluster, servers: Servers, load: Load, record: Record, root: Path
) -> None:
    cluster.wait_healthy(3)
    sync = cluster.sync_standby()
    try:
        tally = await scenario(
            "d-replica-loss", load, record, cluster, sync.cut_off, CRASH_RESUME_S
        )
        await verify(servers.urls[1], record, tally.acked, root, servers.url)
    finally:
        sync.start()
        await asyncio.to_thread(cluster.wait_healthy, 3)
    searches_kept_answering(tally)
    refusals_say_when_to_retry(tally)


async def test_a_rolling_restart_loses_nothing(
    cluster: Cluster, servers: Servers, load: Load, record: Record, root: Path
) -> None:
    def roll() -> None:
        old = cluster.wait_healthy(3)
        for node in cluster.replicas():
            cluster.restart(node)
            cluster.wait_healthy(3)
        cluster.switchover(cluster.sync_standby())
        wait_for(lambda: cluster.leader() not in (None, old), 60)
        cluster.wait_healthy(3)
        cluster.restart(old)
        cluster.wait_healthy(3)
        for i in (0, 1):
            servers.stop(i)
            servers.start(i)

    cluster.wait_healthy(3)
    load.pace_s = 0.5  # a long scenario: fewer writes to look up after it
    tally = await scenario("rolling-restart", load, record, cluster, roll, CRASH_RESUME_S)
    await verify(servers.urls[0], record, tally.acked, root, servers.url)
    refusals_say_when_to_retry(tally)


async def test_the_cluster_archive_restores_to_a_point_in_time(
    cluster: Cluster, servers: Servers, record: Record, root: Path
) -> None:
    """``kgmem restore --to-time`` into an embedded store, from the base backup taken
    before the failovers and the WAL every node archived: every write acknowledged
    before the time, none after it."""
    assert record.acked, "the scenarios ran first"
    await asyncio.sleep(1)
    when = datetime.now(UTC)
    await asyncio.sleep(1)
    async with httpx.AsyncClient(base_url=servers.urls[0], timeout=30) as client:
        for k in range(3):
            uid = f"after-{k}"
            body = {"label": "Thing", "properties": {"name": uid}, "embedding": vector(uid)}
            answer = await client.put(f"/v1/namespaces/{NAMESPACE}/entities/{uid}", json=body)
            assert answer.is_success, answer.text
    segment = await asyncio.to_thread(cluster.switch_wal)
    await asyncio.to_thread(wait_for, segment.exists, 60)
    home = root / "restored"
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "kgmem", "restore", "--to-time", when.isoformat(),
         str(cluster.archive)],
        env=env_for(home, **ENV), capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rows_of = await asyncio.to_thread(checksum_rows, home, None)
    assert rows_of.get("graph.Thing") == len(record.acked), rows_of


async def test_a_backup_reads_the_cluster_through_its_url(
    cluster: Cluster, servers: Servers, root: Path
) -> None:
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "kgmem", "backup", "--namespace", NAMESPACE,
         str(root / "failover.kgb")],
        env=env_for(root / "backup-home", KGMEM_DATABASE_URL=servers.url, **ENV),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
