"""The LangChain and LlamaIndex adapters, through the Python client, against a real
kgmem server whose PostgreSQL (kgmem's own binaries on a loopback port) refuses for a
moment: a search sent while PostgreSQL restarts is answered 503 with ``Retry-After``
and the adapter's client sends it again until it is answered; a POST whose commit the
database link took with it (503 ``commit_outcome_unknown``) is never sent again, and is
stored once. Every request the client sends is recorded by its transport."""

from __future__ import annotations

import asyncio
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.schema import QueryBundle

from kgmem import EntityWrite, Memory
from kgmem.adapters.langchain import KgmemChatMessageHistory
from kgmem.adapters.langchain import KgmemRetriever as LangChainRetriever
from kgmem.adapters.llamaindex import KgmemRetriever as LlamaIndexRetriever
from kgmem.client import Client
from kgmem.client.errors import ApiError
from kgmem.client.retry import RetryPolicy
from kgmem.server.app import create_app
from tests.fixtures.app import serving
from tests.fixtures.database import store_settings
from tests.fixtures.streaming import BIN, OS_USER, Node, Pair, streaming_pair, wait_ready

pytestmark = pytest.mark.slow

NAMESPACE = "adapters_retry"
PATIENT = RetryPolicy(attempts=10, base_s=0.2, max_s=2.0)


@pytest.fixture(scope="module")
def pair(server_homes: Path) -> Iterator[Pair]:
    yield from streaming_pair(server_homes)


@dataclass
class Database:
    """The primary of ``pair``, stopped and started again in place."""

    node: Node

    def stop(self) -> None:
        self.node.stop(mode="fast")

    def start(self) -> None:
        where, port = self.node.datadir, self.node.port
        self.node.process = subprocess.Popen(
            [BIN / "postgres", "-D", where, "-p", str(port), "-k", where,
             "-c", "listen_addresses=127.0.0.1", "-c", "shared_buffers=128MB"],
            user=OS_USER, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_ready(self.node.url, recovering=False)


@pytest.fixture(scope="module")
def database(pair: Pair) -> Iterator[Database]:
    db = Database(pair.primary)
    yield db
    if db.node.process.poll() is not None:
        db.start()  # streaming_pair stops it


@pytest.fixture(scope="module")
async def url(
    pair: Pair, database: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    memory = await Memory.open(store_settings(pair.primary.url, tmp_path_factory.mktemp("ar")))
    try:
        await memory.create_namespace(NAMESPACE)
        await memory.upsert_entity(
            NAMESPACE, EntityWrite("marie", "Person", {"name": "Marie Curie"})
        )
        async with serving(create_app(memory=memory)) as served:
            yield served
    finally:
        await memory.close()


class Recorded(httpx.AsyncBaseTransport):
    """A real HTTP transport noting each request it sent and the answer's status."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[tuple[str, str, int, str | None]] = []
        self.lock = threading.Lock()
        self.answered = threading.Event()
        """Set once the first answer came."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        with self.lock:
            self.sent.append(
                (request.method, request.url.path, response.status_code,
                 response.headers.get("retry-after"))
            )  # fmt: skip
        self.answered.set()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_the_retrievers_retry_while_the_database_restarts(
    url: str, database: Database
) -> None:
    search = f"/v1/namespaces/{NAMESPACE}/search"
    langchain, llamaindex = Recorded(), Recorded()

    def with_langchain() -> list[str]:
        with Client(url, retry=PATIENT, transport=langchain) as client:
            docs = LangChainRetriever(client=client, namespace=NAMESPACE, k=3).invoke("Marie")
        return [str(d.metadata["uid"]) for d in docs]

    def with_llamaindex() -> list[str]:
        with Client(url, retry=PATIENT, transport=llamaindex) as client:
            found = LlamaIndexRetriever(client, NAMESPACE, k=3).retrieve(QueryBundle("Curie"))
        return [n.node.node_id for n in found]

    await asyncio.to_thread(database.stop)
    try:
        asked = [asyncio.to_thread(with_langchain), asyncio.to_thread(with_llamaindex)]
        running = asyncio.gather(*asked)
        # Both retrievers see the database refuse before it is back.
        for recorded in (langchain, llamaindex):
            assert await asyncio.to_thread(recorded.answered.wait, 60)
    finally:
        await asyncio.to_thread(database.start)
    lc_uids, li_uids = await running
    assert "marie" in lc_uids and "marie" in li_uids
    for sent in (langchain.sent, llamaindex.sent):
        assert {(m, p) for m, p, _, _ in sent} == {("POST", search)}, sent
        *refused, answered = sent
        assert refused and answered[2] == 200, sent
        assert all(status == 503 and after for _, _, status, after in refused), sent


async def _terminate_commit_waiters(stop: asyncio.Event, dsn: str) -> int:
    """End every session waiting for a synchronous standby that never comes (its commit
    is done locally, but the client's link goes): how many were ended."""
    conn = await asyncpg.connect(dsn)
    ended = 0
    try:
        while not stop.is_set():
            ended += len(
                await conn.fetch(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE wait_event = 'SyncRep'"
                )
            )
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    return ended


async def _sync_standby(dsn: str, names: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


async def test_a_post_whose_commit_was_lost_is_not_sent_again(url: str, database: Database) -> None:
    recorded = Recorded()
    said = HumanMessage(content="the commit of this message loses its link")

    def add() -> ApiError:
        with Client(url, retry=PATIENT, transport=recorded) as client:
            history = KgmemChatMessageHistory(client, NAMESPACE, "lost-commit")
            with pytest.raises(ApiError) as refused:
                history.add_messages([said])
        return refused.value

    dsn = database.node.url
    await _sync_standby(dsn, "kgmem_no_such_standby")  # every commit now waits, forever
    stop = asyncio.Event()
    terminator = asyncio.create_task(_terminate_commit_waiters(stop, dsn))
    try:
        error = await asyncio.to_thread(add)
    finally:
        stop.set()
        ended = await terminator
        await _sync_standby(dsn, "")
    assert (error.status, error.code) == (503, "commit_outcome_unknown"), error
    assert error.retry_after_s > 0
    assert ended >= 1
    posts = [s for s in recorded.sent if s[0] == "POST"]
    assert len(posts) == 1, recorded.sent  # sent once, never again

    # The commit had happened (locally): the message is stored, once.
    def stored() -> list[object]:
        with Client(url) as client:
            history = KgmemChatMessageHistory(client, NAMESPACE, "lost-commit")
            return [m.content for m in history.messages]

    assert await asyncio.to_thread(stored) == [said.content]
