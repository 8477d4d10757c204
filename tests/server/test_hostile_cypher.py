"""No read key can take the service down with Cypher: on a real server of two workers,
every hostile shape is refused with a 4xx in kgmem's own words (or answered, when it is
a fine query AGE alone would have choked on), while /livez and another caller's query
stay fast and PostgreSQL never restarts its backends."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest

from tests.cli.test_serve import Server, env_for, free_port, kgmem
from tests.cypher.hostile import LEAKS, REFUSED_AS, corpus

pytestmark = pytest.mark.slow


def checkpointer(pgdata: Path) -> int:
    """The pid of PostgreSQL's checkpointer: a new one means the server restarted its
    processes after a backend crashed."""
    for proc in psutil.process_iter(["cmdline"]):
        line = " ".join(proc.info["cmdline"] or [])
        if "checkpointer" in line:
            parent = psutil.Process(proc.ppid())
            if str(pgdata) in " ".join(parent.cmdline()):
                return proc.pid
    raise AssertionError("no checkpointer found")


class Probe:
    """Times /livez and another caller's query until stopped."""

    def __init__(self, url: str, key: str) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {key}"}
        self.slowest = {"livez": 0.0, "query": 0.0}
        self.failures: list[str] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as client:
            while not self.stopped.is_set():
                self._time(client, "livez", lambda: client.get("/livez"))
                self._time(
                    client,
                    "query",
                    lambda: client.post(
                        "/v1/namespaces/other/cypher", json={"query": "RETURN 1 AS one"}
                    ),
                )
                time.sleep(0.2)

    def _time(self, client: httpx.Client, what: str, call) -> None:
        started = time.monotonic()
        answer = call()
        self.slowest[what] = max(self.slowest[what], time.monotonic() - started)
        if answer.status_code != 200:
            self.failures.append(f"{what}: {answer.status_code} {answer.text[:200]}")


def read_key(home: Path, namespace: str) -> str:
    """A new read key limited to ``namespace``, made with the CLI."""
    env = env_for(home, KGMEM_EMBEDDING_PROVIDER="none", KGMEM_EMBEDDING_DIMENSION="3")
    made = kgmem(
        "keys", "create", "--name", namespace, "--scope", "read", "--namespace", namespace, env=env
    )
    assert made.returncode == 0, made.stderr
    (secret,) = re.findall(r"kgm_\S+", made.stdout)
    return secret


def test_hostile_cypher_is_refused_early_and_harms_no_one(home_dir: Path) -> None:
    port = free_port()
    home = home_dir / "hostile"
    server = Server(
        home,
        port,
        KGMEM_SERVER_WORKERS="2",
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="3",
        KGMEM_BOLT_PORT="0",
    )
    try:
        server.wait_healthy()
        for name in ("attacked", "other"):
            made = httpx.post(f"{server.url}/v1/namespaces", json={"name": name}, timeout=30)
            assert made.status_code == 201, made.text
        attacker = {"Authorization": f"Bearer {read_key(home, 'attacked')}"}
        other = read_key(home, "other")
        before = checkpointer(home / "pgdata")
        probe = Probe(server.url, other)
        watcher = threading.Thread(target=probe.run)
        watcher.start()

        def send(case: tuple[str, str, bool]) -> tuple[str, bool, httpx.Response]:
            name, query, fine = case
            answer = httpx.post(
                f"{server.url}/v1/namespaces/attacked/cypher",
                json={"query": query},
                headers=attacker,
                timeout=60,
            )
            return name, fine, answer

        try:
            with ThreadPoolExecutor(2) as pool:  # one attacker per worker
                answers = list(pool.map(send, corpus()))
        finally:
            probe.stopped.set()
            watcher.join()
        for name, fine, answer in answers:
            if answer.status_code == 429:  # the attacker past its share: it may retry
                assert answer.headers["Retry-After"], name
                continue
            if fine:
                assert answer.status_code == 200, (name, answer.text[:300])
                continue
            assert 400 <= answer.status_code < 500, (name, answer.status_code, answer.text[:300])
            body = answer.json()
            assert body["code"] == REFUSED_AS.get(name, "limit_exceeded"), (name, body)
            assert not [w for w in LEAKS if w in body["detail"]], (name, body["detail"])
        assert probe.failures == []
        assert probe.slowest["livez"] < 2, probe.slowest
        assert probe.slowest["query"] < 2, probe.slowest
        assert checkpointer(home / "pgdata") == before
    finally:
        server.stop()
