"""Writers and searchers against kgmem servers while the cluster under them fails.

A writer upserts entities (each with a unique keyword and its own vector) and posts
episodes, retrying one item until it is acknowledged; every acknowledgement goes to the
writer's own log file, one uid a line, and every answer is tallied. A searcher runs
keyword and vector searches. Both only talk to 127.0.0.1 and stop when told.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

NAMESPACE = "failover"
PATH = f"/v1/namespaces/{NAMESPACE}"
DIMENSION = 16
PAUSE_S = 0.05
"""Between a refusal and the retry: clients back off; the figures measure the server."""


def vector(uid: str) -> list[float]:
    """A vector of its own for ``uid`` (its nearest neighbour is itself)."""
    digest = hashlib.sha256(uid.encode()).digest()
    return [b / 255 - 0.5 for b in digest[:DIMENSION]]


def keyword(uid: str) -> str:
    """A word no other write uses: the uid's letters and digits."""
    return "kw" + "".join(ch for ch in uid if ch.isalnum())


@dataclass
class Tally:
    """What the clients saw. ``refused`` counts 503 answers, ``unanswered`` requests
    that got no answer (a server process down), ``errors`` any other failure."""

    acked: list[str] = field(default_factory=list, repr=False)
    episodes: list[str] = field(default_factory=list, repr=False)
    refused: int = 0
    without_retry_after: int = 0
    unanswered: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    searches: int = 0
    searches_failed: int = 0
    search_refusals: Counter[str] = field(default_factory=Counter)
    """Why searches were refused: each 503's problem code and detail."""
    longest_wait_s: float = 0.0
    """The longest time one write took from its first sending to its acknowledgement."""

    def answered(self, response: httpx.Response) -> bool:
        """Tally one answer; True when it is an acknowledgement."""
        if response.is_success:
            return True
        if response.status_code == 503:
            self.refused += 1
            self.without_retry_after += "retry-after" not in response.headers
        else:
            self.errors[f"{response.status_code} {response.text[:200]}"] += 1
        return False


class Servers:
    """The kgmem servers' URLs; a client moves to the next one when one does not answer
    (as behind a load balancer)."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.turn = 0

    def next(self) -> None:
        self.turn = (self.turn + 1) % len(self.urls)

    @property
    def url(self) -> str:
        return self.urls[self.turn]


async def until_acked(
    client: httpx.AsyncClient, servers: Servers, tally: Tally, method: str, path: str, body: dict
) -> None:
    """Send one write until it is acknowledged (the same write each time), noting how
    long that took."""
    sent = time.monotonic()
    while True:
        try:
            response = await client.request(method, servers.url + path, json=body)
        except httpx.TransportError:
            tally.unanswered += 1
            servers.next()
        else:
            if tally.answered(response):
                tally.longest_wait_s = max(tally.longest_wait_s, time.monotonic() - sent)
                return
        await asyncio.sleep(PAUSE_S)


async def writer(
    name: str, servers: Servers, tally: Tally, log: Path, stop: asyncio.Event, pace_s: float
) -> None:
    """Upsert entities (and every fifth time an episode) until ``stop``, waiting
    ``pace_s`` after each."""
    async with httpx.AsyncClient(timeout=30) as client:
        k = 0
        while not stop.is_set():
            uid = f"{name}-{k}"
            body = {
                "label": "Thing",
                "properties": {"name": f"thing {keyword(uid)}"},
                "embedding": vector(uid),
            }
            await until_acked(client, servers, tally, "PUT", f"{PATH}/entities/{uid}", body)
            tally.acked.append(uid)
            with log.open("a", encoding="utf-8") as out:
                out.write(f"entity {uid}\n")
            if k % 5 == 0:
                episode = f"ep-{uid}"
                text = f"Note {keyword(uid)}: Topic{keyword(uid)} was discussed."
                topic = {"name": f"Topic{keyword(uid)}", "label": "Topic"}
                body = {"uid": episode, "text": text, "entities": [topic]}
                await until_acked(client, servers, tally, "POST", f"{PATH}/episodes", body)
                tally.episodes.append(episode)
                with log.open("a", encoding="utf-8") as out:
                    out.write(f"episode {episode}\n")
            k += 1
            await asyncio.sleep(pace_s)


async def searcher(servers: Servers, tally: Tally, stop: asyncio.Event) -> None:
    """Keyword and vector searches until ``stop``; each failure counted."""
    async with httpx.AsyncClient(timeout=30) as client:
        k = 0
        while not stop.is_set():
            uid = tally.acked[-1] if tally.acked else "none"
            body = {"text": keyword(uid)} if k % 2 else {"embedding": vector(uid), "k": 5}
            tally.searches += 1
            try:
                response = await client.post(f"{servers.url}{PATH}/search", json=body)
            except httpx.TransportError:
                tally.searches_failed += 1
                servers.next()
            else:
                if not response.is_success:
                    tally.searches_failed += 1
                    tally.answered(response)
                    tally.search_refusals[response.text[:300]] += 1
            k += 1
            await asyncio.sleep(PAUSE_S)


@dataclass
class Load:
    """Writers and searchers running until ``stop`` is awaited."""

    servers: list[str]
    logs: Path
    writers: int = 3
    searchers: int = 2
    pace_s: float = PAUSE_S
    tally: Tally = field(default_factory=Tally)
    round: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, label: str) -> None:
        self.tally = Tally()
        self._stop = asyncio.Event()
        self._tasks = [
            asyncio.create_task(
                writer(f"{label}-w{i}", self.turned(i), self.tally,
                       self.logs / f"{label}-w{i}.log", self._stop, self.pace_s)
            )
            for i in range(self.writers)
        ] + [
            asyncio.create_task(searcher(Servers(list(self.servers)), self.tally, self._stop))
            for _ in range(self.searchers)
        ]  # fmt: skip

    def turned(self, i: int) -> Servers:
        """The servers, client ``i`` starting on its own one of them."""
        first = i % len(self.servers)
        return Servers(self.servers[first:] + self.servers[:first])

    async def acknowledged(self, count: int, timeout_s: float = 120) -> None:
        """Wait until ``count`` more writes were acknowledged than now."""
        target = len(self.tally.acked) + count
        deadline = time.monotonic() + timeout_s
        while len(self.tally.acked) < target:
            if time.monotonic() > deadline:
                raise AssertionError(f"writes did not resume in {timeout_s:g} s: {self.tally}")
            for task in self._tasks:
                if task.done():
                    task.result()  # a crashed client fails the test with its error
            await asyncio.sleep(0.05)

    async def stop(self) -> Tally:
        """Stop the clients (each finishes the write it is sending) and return the tally."""
        self._stop.set()
        await asyncio.wait_for(asyncio.gather(*self._tasks), 120)
        return self.tally


def logged(logs: Path) -> Counter[str]:
    """The writers' own logs: how many entities and episodes they saw acknowledged."""
    seen: Counter[str] = Counter()
    for log in logs.glob("*.log"):
        for line in log.read_text(encoding="utf-8").splitlines():
            seen[line.split()[0]] += 1
    return seen
