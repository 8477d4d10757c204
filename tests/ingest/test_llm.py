"""The LLM extractor against a local server speaking the chat-completions protocol."""

import json
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kgmem import FactQuery, Memory, Settings
from kgmem.ingest import EpisodeWrite
from kgmem.model.agent_model import BudgetWrite
from kgmem.settings.config import IngestSettings

T0 = datetime(2024, 5, 15, 12, tzinfo=UTC)

GOOD = {
    "entities": [{"name": "Mia", "type": "Person"}, {"name": "Nordbank", "type": "Organization"}],
    "facts": [
        {
            "subject": "Mia",
            "predicate": "works at",
            "object": "Nordbank",
            "valid_from": "last Tuesday",
            "valid_to": None,
        }
    ],
    "causal_links": [{"cause": "Rain", "effect": "Flood", "strength": 0.7}],
}


class FakeChat:
    """Answers /v1/chat/completions with queued contents and records requests."""

    def __init__(self) -> None:
        self.replies: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.url = ""


@pytest.fixture(scope="module")
def chat() -> Iterator[FakeChat]:
    fake = FakeChat()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append({"path": self.path, "body": body})
            content = fake.replies.pop(0) if fake.replies else json.dumps(GOOD)
            reply = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content},
                    }
                ],
                "usage": {"prompt_tokens": 90, "completion_tokens": 10, "total_tokens": 100},
            }
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
async def llm_memory(settings: Settings, chat: FakeChat) -> AsyncIterator[Memory]:
    opened = await Memory.open(
        settings.model_copy(update={"ingest": IngestSettings(llm_url=chat.url, llm_model="fake-1")})
    )
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def llm_namespace(llm_memory: Memory) -> AsyncIterator[str]:
    import uuid

    name = f"llm_{uuid.uuid4().hex[:10]}"
    await llm_memory.create_namespace(name)
    yield name
    await llm_memory.delete_namespace(name)


async def test_llm_extracts_entities_facts_times_and_causal_links(
    llm_memory: Memory, llm_namespace: str, chat: FakeChat
) -> None:
    chat.replies.clear()
    [out] = await llm_memory.add_episodes(
        llm_namespace,
        [EpisodeWrite(text="Mia started at Nordbank last Tuesday.", reference_time=T0)],
    )
    assert out.status == "done", out.error
    assert out.tokens == 100
    request = chat.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["response_format"]["type"] == "json_schema"
    [works] = (await llm_memory.list_facts(llm_namespace, FactQuery(predicate="WORKS_AT"))).items
    assert works.valid_from == datetime(2024, 5, 14, tzinfo=UTC)
    [causes] = (await llm_memory.list_facts(llm_namespace, FactQuery(predicate="CAUSES"))).items
    assert causes.properties["strength"] == 0.7
    episode = await llm_memory.get_episode(llm_namespace, out.uid)
    assert episode.properties["tokens"] == 100


async def test_malformed_model_output_fails_the_episode_and_retry_recovers(
    llm_memory: Memory, llm_namespace: str, chat: FakeChat
) -> None:
    chat.replies[:] = ["this is not json", json.dumps({"entities": [{"nom": "x"}]})]
    [out] = await llm_memory.add_episodes(llm_namespace, [EpisodeWrite(text="Mia", uid="m")])
    assert out.status == "failed" and out.error and out.error.startswith("extraction_failed")
    again = await llm_memory.retry_episode(llm_namespace, "m")
    assert again.status == "failed" and "schema" in (again.error or "")
    third = await llm_memory.retry_episode(llm_namespace, "m")
    assert third.status == "done"
    assert (await llm_memory.get_episode(llm_namespace, "m")).properties["extraction"] == "done"
    assert await llm_memory.building.tokens_spent(llm_namespace) == 300


async def test_llm_stops_at_the_namespace_budget(
    llm_memory: Memory, llm_namespace: str, chat: FakeChat
) -> None:
    chat.replies.clear()
    await llm_memory.set_pipeline_config(llm_namespace, {"llm_budget_tokens": 150})
    before = len(chat.requests)
    outs = await llm_memory.add_episodes(
        llm_namespace, [EpisodeWrite(text=f"turn {i}") for i in range(3)]
    )
    assert [o.tokens for o in outs] == [100, 100, 0]
    assert len(chat.requests) - before == 2
    assert "budget" in outs[2].notes[0]


async def test_llm_tokens_are_recorded_in_the_ledger(
    llm_memory: Memory, llm_namespace: str, chat: FakeChat
) -> None:
    chat.replies.clear()
    await llm_memory.add_episodes(llm_namespace, [EpisodeWrite(text=f"t{i}") for i in range(2)])
    budget = await llm_memory.budgets.get(llm_namespace, "llm-tokens")
    assert (budget.unit, budget.capped, budget.spent) == ("tokens", False, 200)
    posted = await llm_memory.budgets.transactions(llm_namespace, "llm-tokens")
    assert [(t.agent, t.amount) for t in posted] == [("kgmem-build", 100), ("kgmem-build", 100)]


async def test_a_capped_token_budget_stops_the_llm(
    llm_memory: Memory, llm_namespace: str, chat: FakeChat
) -> None:
    chat.replies.clear()
    await llm_memory.budgets.create(llm_namespace, BudgetWrite("llm-tokens", "tokens", limit=150))
    before = len(chat.requests)
    outs = await llm_memory.add_episodes(
        llm_namespace, [EpisodeWrite(text=f"turn {i}") for i in range(3)]
    )
    assert [o.tokens for o in outs] == [100, 100, 0]
    assert len(chat.requests) - before == 2
    assert (await llm_memory.budgets.get(llm_namespace, "llm-tokens")).available == -50
