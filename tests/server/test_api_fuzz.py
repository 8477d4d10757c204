"""Every operation of the OpenAPI document, fuzzed by schemathesis against a real
``kgmem serve``: no answer is a 5xx, and every 4xx is problem+json with a code listed
in api/errors.md.

The normal run sends a few examples per operation (``KGMEM_FUZZ_EXAMPLES``, default
10, schema-valid and schema-violating ones); raise it for a longer hunt, e.g.
``KGMEM_FUZZ_EXAMPLES=200 pytest tests/server/test_api_fuzz.py``. The live-event
stream never ends a response, so its test reads only the status and headers (its
replay and bad requests are tested in tests/live). Requests go to a seeded namespace
so they reach past "namespace not found".
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
import requests
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


def _operations(*, stream: bool = False) -> list[schemathesis.APIOperation]:
    """The operations of the committed OpenAPI document (the snapshot contract test keeps
    it equal to the app's): all but the endless event stream, or only that one."""
    loaded = schemathesis.openapi.from_path(ROOT / "api" / "openapi.json")
    chosen = loaded.include if stream else loaded.exclude
    return [result.ok() for result in chosen(path_regex=r"/events$").get_all_operations()]


def _cases(operation: schemathesis.APIOperation) -> st.SearchStrategy[schemathesis.Case]:
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


FUZZ = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


def _seeded(case: schemathesis.Case) -> None:
    """Aim the case at the seeded namespace (but let DELETE pick its own victims)."""
    if "ns" in (case.path_parameters or {}) and case.method.upper() != "DELETE":
        case.path_parameters["ns"] = NAMESPACE


@pytest.mark.parametrize("operation", _operations(), ids=lambda op: op.label)
def test_no_operation_answers_a_server_error(
    operation: schemathesis.APIOperation, live_server: LiveServer
) -> None:
    @hypothesis.given(_cases(operation))
    @FUZZ
    def answer_is_clear(case: schemathesis.Case) -> None:
        _seeded(case)
        response = case.call(base_url=live_server.url, timeout=30)
        assert_clear_answer(case, response, live_server.url)

    answer_is_clear()


@pytest.mark.parametrize("operation", _operations(stream=True), ids=lambda op: op.label)
def test_the_event_stream_answers_no_server_error(
    operation: schemathesis.APIOperation, live_server: LiveServer
) -> None:
    """The stream never ends, so only its status and headers are read."""

    @hypothesis.given(_cases(operation))
    @FUZZ
    def opens_or_refuses(case: schemathesis.Case) -> None:
        _seeded(case)
        sent = case.as_transport_kwargs(base_url=live_server.url)
        with requests.request(**sent, stream=True, timeout=30) as response:
            reproduce = case.as_curl_command(base_url=live_server.url)
            assert response.status_code < 500, f"{response.status_code}\n{reproduce}"
            if response.status_code >= 400:
                kind = response.headers["content-type"]
                assert kind.startswith("application/problem+json"), f"{kind}\n{reproduce}"
                assert response.json()["code"] in DOCUMENTED, reproduce
            else:
                assert response.headers["content-type"].startswith("text/event-stream")

    opens_or_refuses()


def assert_clear_answer(case: schemathesis.Case, response: Response, base_url: str) -> None:
    """No 5xx; a 4xx is problem+json with a documented code, except the HTTP server's own
    400 to a request its parser refuses before kgmem sees it."""
    reproduce = case.as_curl_command(base_url=base_url)
    assert response.status_code < 500, f"{response.status_code} {response.text[:500]}\n{reproduce}"
    if _not_http(response.request):
        assert response.status_code == 400, reproduce
        return
    if response.status_code >= 400:
        kind = response.headers["content-type"][0]
        assert kind.startswith("application/problem+json"), f"{kind}\n{reproduce}"
        assert response.json()["code"] in DOCUMENTED, f"{response.text[:300]}\n{reproduce}"


def _not_http(request: requests.PreparedRequest) -> bool:
    """Whether the client sent what is not HTTP/1.1: a ``Content-Length`` that is no
    number (the fuzzer's odd bodies can make ``requests`` send an empty one), which the
    server's parser answers with a plain-text 400 before any application runs."""
    length = request.headers.get("Content-Length")
    return length is not None and not length.strip().isdigit()
