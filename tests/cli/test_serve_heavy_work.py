"""Heavy work on a real two-worker server: while one key refreshes the communities of a
large namespace, /livez, /health and another key's requests keep being answered; more
refreshes than the shares allow are refused with 429 and Retry-After; an oversized
episode batch is refused at once, naming the caller's field."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.cli.test_serve import Server, env_for, free_port, kgmem

pytestmark = pytest.mark.slow

TRIPLES = 20_000
GROUPS = 1_000


@pytest.fixture
def home(home_dir: Path) -> Path:
    return home_dir / "heavy-home"


def graph_file(path: Path) -> Path:
    """N-Triples of ``GROUPS`` tight groups of entities with a few links between them."""
    rng = random.Random(3)
    lines = []
    for _ in range(TRIPLES):
        group = rng.randrange(GROUPS) * 20
        a, b = group + rng.randrange(20), group + rng.randrange(20)
        if rng.random() < 0.02:
            b = rng.randrange(GROUPS * 20)
        lines.append(f"<http://x/e{a}> <http://x/KNOWS> <http://x/e{b}> .\n")
    path.write_text("".join(lines))
    return path


def new_key(home: Path, name: str, scope: str) -> dict[str, str]:
    """A new key's header, made by the CLI attached to the running server."""
    env = env_for(home, KGMEM_EMBEDDING_PROVIDER="none", KGMEM_EMBEDDING_DIMENSION="3")
    created = kgmem("keys", "create", "--name", name, "--scope", scope, env=env)
    assert created.returncode == 0, created.stderr
    return {"Authorization": f"Bearer {created.stdout.strip().splitlines()[-1]}"}


def imported(client: httpx.Client, source: Path) -> None:
    with source.open("rb") as f:
        job = client.post(
            "/v1/namespaces/big/imports", files={"file": (source.name, f)}, data={"embed": "false"}
        )
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        state = client.get(f"/v1/namespaces/big/imports/{job.json()['id']}").json()
        if state["status"] not in ("queued", "running"):
            assert state["status"] == "finished", state
            return
        time.sleep(0.5)
    raise AssertionError("the import did not finish")


def slowest_answers(
    url: str, other: dict[str, str], running: list[Future[httpx.Response]]
) -> float:
    """The longest of /livez, /health and another key's search while any of ``running``
    runs, each on a new connection (so that both workers are asked)."""
    asks: list[Callable[[], httpx.Response]] = [
        lambda: httpx.get(f"{url}/livez", timeout=30),
        lambda: httpx.get(f"{url}/health", timeout=30),
        lambda: httpx.post(
            f"{url}/v1/namespaces/big/search",
            json={"embedding": [1, 0, 0]},
            headers=other,
            timeout=30,
        ),
    ]
    worst = 0.0
    while not all(f.done() for f in running):
        for ask in asks:
            started = time.monotonic()
            r = ask()
            worst = max(worst, time.monotonic() - started)
            assert r.status_code == 200, r.text
        time.sleep(0.1)
    return worst


def test_a_refresh_of_a_large_namespace_leaves_the_server_to_the_others(
    home: Path, tmp_path: Path
) -> None:
    server = Server(
        home,
        free_port(),
        KGMEM_SERVER_WORKERS="2",
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="3",
    )
    try:
        server.wait_healthy()
        heavy, other = new_key(home, "heavy", "admin"), new_key(home, "other", "read")
        with httpx.Client(base_url=server.url, headers=heavy, timeout=600) as c:
            assert c.post("/v1/namespaces", json={"name": "big"}).status_code == 201
            imported(c, graph_file(tmp_path / "graph.nt"))
            url = "/v1/namespaces/big/communities/refresh?force=true"
            with ThreadPoolExecutor(3) as pool:
                # Three at once: one runs, the others find their share or the namespace taken.
                refreshes = [pool.submit(c.post, url) for _ in range(3)]
                worst = slowest_answers(server.url, other, refreshes)
                answers = [f.result() for f in refreshes]
        assert worst < 2, f"an answer took {worst:.1f} s while a refresh ran"
        done = [r for r in answers if r.status_code == 200]
        refused = [r for r in answers if r.status_code == 429]
        assert len(done) == 1 and len(refused) == 2, [r.text[:200] for r in answers]
        assert len(done[0].json()["communities"]) > GROUPS // 10
        for r in refused:
            assert r.json()["code"] == "too_many_jobs" and int(r.headers["retry-after"]) >= 1
    finally:
        server.stop()


def test_an_oversized_batch_is_refused_at_once_naming_the_field(home: Path) -> None:
    server = Server(
        home,
        free_port(),
        KGMEM_SERVER_WORKERS="2",
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="3",
    )
    try:
        server.wait_healthy()
        with httpx.Client(base_url=server.url, timeout=60) as c:
            assert c.post("/v1/namespaces", json={"name": "eps"}).status_code == 201
            turns = [
                {
                    "text": "w" * 65_000,
                    "session": "s",
                    "reference_time": f"2024-01-{i // 24 + 1:02}T{i % 24:02}:00:00Z",
                }
                for i in range(150)
            ]
            long = [*turns[:12], {**turns[12], "text": "w" * 100_001}]
            one = c.post("/v1/namespaces/eps/episodes/batch", json={"episodes": long})
            assert one.status_code == 422 and one.json()["field"] == "episodes[12].text"
            assert one.json()["detail"].startswith("episodes[12].text is 100001 characters")
            # The same connection, so the same worker, its route warmed by the request above.
            started = time.monotonic()
            r = c.post("/v1/namespaces/eps/episodes/batch", json={"episodes": turns})
            took = time.monotonic() - started
            assert r.status_code == 422 and r.json().get("field") == "episodes", r.text
            assert "9750000 characters" in r.json()["detail"]
            assert took < 1, f"the refusal took {took:.2f} s"
            stored = c.post("/v1/namespaces/eps/search", json={"embedding": [1, 0, 0]})
            assert stored.status_code == 200 and stored.json()["hits"] == []
    finally:
        server.stop()
