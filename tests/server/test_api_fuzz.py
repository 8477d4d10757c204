"""Every operation of the OpenAPI document, fuzzed by schemathesis against a real
``kgmem serve``: no answer is a 5xx, and every 4xx is problem+json with a code listed
in api/errors.md.

The normal run sends a few examples per operation (``KGMEM_FUZZ_EXAMPLES``, default
10); raise it for a longer hunt, e.g. ``KGMEM_FUZZ_EXAMPLES=500 pytest -m fuzz``. The
endless live-event stream is left out here (it never ends a response) and tested in
tests/live. Requests go to a seeded namespace so they reach past "namespace not found".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import hypothesis
import psycopg
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.transport import Response

from tests.cli.test_serve import env_for, free_port
from tests.fixtures.database import with_database

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("KGMEM_FUZZ_EXAMPLES", "10"))
NAMESPACE = "fuzzed"
ROOT = Path(__file__).parents[2]
DOCUMENTED = frozenset(
    re.findall(r"^\| `([a-z0-9_]+)` \|", (ROOT / "api" / "errors.md").read_text(), re.M)
)


@dataclass
class LiveServer:
    url: str
    log: Path


@pytest.fixture(scope="module")
def live_server(pg_url: str, server_homes: Path) -> Iterator[LiveServer]:
    """``kgmem serve`` on a database of its own (no API keys: loopback is served). Its
    output goes to a file: a pipe nobody reads would stall it once full."""
    database = "kgmem_fuzz_" + os.urandom(4).hex()
    home = server_homes / database
    home.mkdir()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    env = env_for(
        home,
        KGMEM_DATABASE_URL=with_database(pg_url, database),
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )
    server = LiveServer(f"http://127.0.0.1:{free_port()}", home / "server.log")
    with server.log.open("wb") as log:
        port = server.url.rsplit(":", 1)[1]
        proc = subprocess.Popen(
            [sys.executable, "-m", "kgmem", "serve", "--port", port],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(server, proc)
        _seed(server.url)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _wait_healthy(server: LiveServer, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, server.log.read_text()
        try:
            httpx.get(f"{server.url}/health", timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError(f"the server did not become healthy: {server.log.read_text()}")


def _seed(url: str) -> None:
    base = f"{url}/v1/namespaces/{NAMESPACE}"
    httpx.post(f"{url}/v1/namespaces", json={"name": NAMESPACE}).raise_for_status()
    for uid, label in (("a", "Person"), ("b", "Organization")):
        httpx.put(f"{base}/entities/{uid}", json={"label": label}).raise_for_status()
    fact = {"subject": "a", "predicate": "WORKS_AT", "object": "b"}
    httpx.post(f"{base}/facts", json=fact).raise_for_status()


def _operations() -> list[schemathesis.APIOperation]:
    """The operations of the committed OpenAPI document (the snapshot contract test keeps
    it equal to the app's), without the endless event stream."""
    loaded = schemathesis.openapi.from_path(ROOT / "api" / "openapi.json")
    return [result.ok() for result in loaded.exclude(path_regex=r"/events$").get_all_operations()]


@pytest.mark.parametrize("operation", _operations(), ids=lambda op: op.label)
def test_no_operation_answers_a_server_error(
    operation: schemathesis.APIOperation, live_server: LiveServer
) -> None:
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @hypothesis.given(cases)
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def answer_is_clear(case: schemathesis.Case) -> None:
        if "ns" in (case.path_parameters or {}) and case.method.upper() != "DELETE":
            case.path_parameters["ns"] = NAMESPACE
        response = case.call(base_url=live_server.url, timeout=30)
        assert_clear_answer(case, response, live_server.url)

    answer_is_clear()


def assert_clear_answer(case: schemathesis.Case, response: Response, base_url: str) -> None:
    """No 5xx; a 4xx is problem+json with a documented code."""
    reproduce = case.as_curl_command(base_url=base_url)
    assert response.status_code < 500, f"{response.status_code} {response.text[:500]}\n{reproduce}"
    if response.status_code >= 400:
        kind = response.headers["content-type"][0]
        assert kind.startswith("application/problem+json"), f"{kind}\n{reproduce}"
        assert response.json()["code"] in DOCUMENTED, f"{response.text[:300]}\n{reproduce}"
