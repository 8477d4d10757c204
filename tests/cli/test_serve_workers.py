"""`kgmem serve` with KGMEM_SERVER_WORKERS=2: a second process attaches to the owner's
store, listens on the same port, answers requests, and stops with the owner."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.cli.test_serve import Server, free_port, postgres_running

pytestmark = pytest.mark.slow


@pytest.fixture
def home(home_dir: Path) -> Path:
    return home_dir / "workers-home"


def listeners(pid: int, port: int) -> set[int]:
    """Processes in ``pid``'s tree listening on ``port``."""
    tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    found = set()
    for proc in tree:
        try:
            if proc.name() == "postgres":
                continue
            connections = proc.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue  # a short-lived child (a database backend) ended since the listing
        for c in connections:
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port:
                found.add(proc.pid)
    return found


def test_two_workers_share_the_port_and_stop_with_the_owner(home: Path) -> None:
    port = free_port()
    server = Server(
        home,
        port,
        KGMEM_SERVER_WORKERS="2",
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="3",
    )
    try:
        server.wait_healthy()
        deadline = time.monotonic() + 60
        while len(listeners(server.proc.pid, port)) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        serving = listeners(server.proc.pid, port)
        assert len(serving) == 2 and server.proc.pid in serving
        (worker,) = serving - {server.proc.pid}
        # Fresh connections are spread by the kernel: every one is answered, by either.
        made = httpx.post(f"{server.url}/v1/namespaces", json={"name": "shared"}, timeout=30)
        assert made.status_code == 201, made.text
        for _ in range(20):
            with httpx.Client(base_url=server.url, timeout=30) as c:
                r = c.post("/v1/namespaces/shared/search", json={"embedding": [1, 0, 0]})
                assert r.status_code == 200 and r.json()["hits"] == [], r.text
    finally:
        code = server.stop(signal.SIGTERM)
    assert code in (0, -signal.SIGTERM)
    assert not psutil.pid_exists(worker)  # stopped and reaped by the owner
    assert not postgres_running(home / "pgdata")
