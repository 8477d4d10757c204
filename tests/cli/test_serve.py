"""`kgmem serve` as a user runs it: embedded PostgreSQL, one server per home, clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.fixtures.database import SMALL_SERVER
from tests.fixtures.embedding import SHARED_EXPORT

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGMEM_")}
    # Bolt off unless a test asks: servers started in parallel would share port 7687.
    env.update(
        {
            "KGMEM_HOME": str(home),
            "KGMEM_LOG_LEVEL": "warning",
            "KGMEM_BOLT_PORT": "0",
            **SHARED_EXPORT,
            **SMALL_SERVER,
            **extra,
        }
    )
    return env


def kgmem(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kgmem", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Server:
    """A ``kgmem serve`` process on ``home``.

    Its output goes to a file next to ``home``, not to a pipe: nobody reads a pipe while
    a test runs, and a server that logs an error for every request refused during an
    outage fills one and blocks. This process keeps no handle on the file, so
    ``output`` reads it at any time: while the server runs, after it was killed, after
    any number of ``stop`` calls."""

    def __init__(
        self, home: Path, port: int, *args: str, cwd: Path | None = None, **env: str
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        home.parent.mkdir(parents=True, exist_ok=True)
        fd, log = tempfile.mkstemp(prefix=f"serve-{port}-", suffix=".log", dir=home.parent)
        self.log = Path(log)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kgmem", "serve", "--port", str(port), *args],
                env=env_for(home, **env),
                cwd=cwd,
                stdout=fd,
                stderr=subprocess.STDOUT,
            )
        finally:
            os.close(fd)  # the server has its own copy

    @property
    def output(self) -> str:
        """Everything the server has written so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self, timeout: float = 300) -> dict:
        """The first /health answer. Fails with the server's output if the server exits
        first, or (stopping it) if it does not answer within ``timeout`` seconds: generous,
        as a loaded machine replays PostgreSQL's WAL slowly after a crash."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited ({self.proc.returncode}): {self.output}")
            try:
                return httpx.get(f"{self.url}/health", timeout=5).json()
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise AssertionError(f"server did not become healthy in {timeout:g} s: {self.output}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` unless the server has exited, and return its exit code (waiting
        up to 120 s: the shutdown stops PostgreSQL too, slowly on a loaded machine).
        Stopping a stopped server is harmless."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=120)


def postgres_running(pgdata: Path) -> bool:
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            return True
    return False


@pytest.fixture
def home(home_dir: Path) -> Iterator[Path]:
    path = home_dir / "home"
    yield path
    # never leave a server behind, whatever the test did
    pid_file = path / "pgdata" / "postmaster.pid"
    if pid_file.exists():
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from pgserver import _commands; import sys;"
                "_commands.pg_ctl(['-w', '-m', 'immediate', 'stop'], pgdata=sys.argv[1],"
                " user='pgserver' if __import__('os').geteuid() == 0 else None)",
                str(path / "pgdata"),
            ],
            check=False,
            capture_output=True,
        )


def test_serve_embedded_reuse_lock_and_clean_stop(home: Path) -> None:
    server = Server(home, free_port())
    try:
        health = server.wait_healthy()
        assert health["database"]["embedded"] and health["embedding"]["model"] == (
            "all-MiniLM-L6-v2"
        )
        second = kgmem("serve", "--port", str(free_port()), env=env_for(home))
        assert second.returncode == 1
        assert "another kgmem server" in second.stderr
        assert httpx.get(f"{server.url}/health").status_code == 200
        httpx.post(f"{server.url}/v1/namespaces", json={"name": "kept"}).raise_for_status()
        httpx.put(
            f"{server.url}/v1/namespaces/kept/entities/a",
            json={"properties": {"name": "A"}, "embedding": [0.1] * 384},
        ).raise_for_status()
    finally:
        code = server.stop(signal.SIGTERM)
    assert code in (0, -signal.SIGTERM)
    assert not postgres_running(home / "pgdata")
    assert not (home / "pgdata" / "postmaster.pid").exists()

    again = Server(home, free_port())
    try:
        again.wait_healthy()
        got = httpx.get(f"{again.url}/v1/namespaces/kept/entities/a")
        assert got.json()["entity"]["properties"] == {"name": "A"}
    finally:
        again.stop(signal.SIGINT)
    assert not postgres_running(home / "pgdata")


def test_non_loopback_bind_needs_a_key(home: Path) -> None:
    env = env_for(home, KGMEM_EMBEDDING_PROVIDER="none", KGMEM_EMBEDDING_DIMENSION="384")
    refused = kgmem("serve", "--host", "0.0.0.0", "--port", str(free_port()), env=env)
    assert refused.returncode == 1 and "refusing to listen on 0.0.0.0" in refused.stderr
    assert not postgres_running(home / "pgdata")
    created = kgmem("keys", "create", "--name", "ops", "--scope", "admin", env=env)
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("kgm_")
    server = Server(
        home,
        free_port(),
        "--host",
        "0.0.0.0",
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )
    try:
        server.wait_healthy()
        assert httpx.get(f"{server.url}/v1/namespaces").status_code == 401
        ok = httpx.get(f"{server.url}/v1/namespaces", headers={"Authorization": f"Bearer {secret}"})
        assert ok.status_code == 200
    finally:
        server.stop()


def test_keys_cli_attaches_to_a_running_server_and_leaves_it_running(home: Path) -> None:
    env = env_for(home, KGMEM_EMBEDDING_PROVIDER="none", KGMEM_EMBEDDING_DIMENSION="384")
    server = Server(
        home, free_port(), KGMEM_EMBEDDING_PROVIDER="none", KGMEM_EMBEDDING_DIMENSION="384"
    )
    try:
        server.wait_healthy()
        created = kgmem(
            "keys", "create", "--name", "bot", "--scope", "write", "--namespace", "alpha", env=env
        )
        assert created.returncode == 0, created.stderr
        key_id = created.stdout.split("id:")[1].split()[0]
        listed = json.loads(kgmem("keys", "list", "--json", env=env).stdout)
        assert [(k["id"], k["namespaces"], k["scopes"]) for k in listed] == [
            (key_id, ["alpha"], ["write"])
        ]
        assert httpx.get(f"{server.url}/health").json()["database"]["ok"]
        # As from cron, su or a container: no XDG_RUNTIME_DIR, and no warning about it.
        bare = {k: v for k, v in env.items() if k != "XDG_RUNTIME_DIR"}
        names = kgmem("namespaces", "list", env=bare)
        assert names.returncode == 0 and "Warning" not in names.stderr, names.stderr
        revoked = kgmem("keys", "revoke", key_id, env=env)
        assert revoked.returncode == 0 and "revoked" in revoked.stdout
        missing = kgmem("keys", "revoke", "000000000000", env=env)
        assert missing.returncode == 1 and "no API key" in missing.stderr
        bad = kgmem("keys", "create", "--name", "x", "--scope", "root", env=env)
        assert bad.returncode == 1 and "scopes must be" in bad.stderr
    finally:
        server.stop()
    assert not postgres_running(home / "pgdata")


async def test_serve_uses_database_url_instead_of_embedded(home: Path, fresh_database) -> None:
    url = await fresh_database()
    server = Server(
        home,
        free_port(),
        KGMEM_DATABASE_URL=url,
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )
    try:
        health = server.wait_healthy()
        assert health["database"]["embedded"] is False
        assert not (home / "pgdata").exists()
    finally:
        server.stop()


def test_serve_speaks_bolt_on_its_own_port(home: Path) -> None:
    import neo4j

    bolt_port = free_port()
    server = Server(home, free_port(), KGMEM_BOLT_PORT=str(bolt_port))
    try:
        server.wait_healthy()
        httpx.post(f"{server.url}/v1/namespaces", json={"name": "boltns"}).raise_for_status()
        uri = f"bolt://127.0.0.1:{bolt_port}"
        with neo4j.GraphDatabase.driver(uri, auth=("any", "")) as driver:
            records, _, _ = driver.execute_query("RETURN 41 + 1 AS x", database_="boltns")
            first, _, _ = driver.execute_query("RETURN 1 AS x")  # no database: the default
        assert records[0]["x"] == 42 and first[0]["x"] == 1
    finally:
        code = server.stop(signal.SIGTERM)
    assert code in (0, -signal.SIGTERM)
    assert not postgres_running(home / "pgdata")
