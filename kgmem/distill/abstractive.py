"""Abstractive distillation: an LLM writes a window's summary and its facts.

The call goes to the same OpenAI-compatible chat-completions endpoint as the LLM
extractor (``kgmem.ingest.llm``), with a JSON schema for the reply: a summary and
facts, each naming the numbered episodes it comes from. A reply off the schema raises
``ExtractionError``; its tokens are still counted by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kgmem.errors import ExtractionError
from kgmem.ingest.llm import (
    TRIPLE,
    array_of,
    chat,
    content_of,
    predicate_of,
    strict_object,
    tokens_of,
)

SYSTEM_PROMPT = (
    "You consolidate an agent's memories. Given numbered episodes, write a short summary "
    "of what they say that matters later, and the facts they state as subject-predicate-"
    "object triples with predicates in UPPER_SNAKE_CASE; for each fact, the numbers of "
    "the episodes that state it. Use only what the episodes say."
)

RESPONSE_SCHEMA: dict[str, Any] = strict_object(
    {
        "summary": {"type": "string"},
        "facts": array_of(strict_object({**TRIPLE, "episodes": array_of({"type": "integer"})})),
    }
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to call the model."""

    url: str
    model: str
    headers: dict[str, str]
    timeout_s: float


@dataclass(frozen=True, slots=True)
class Written:
    """What the model wrote for one window, and the tokens it cost."""

    summary: str
    facts: list[tuple[str, str, str, list[int]]]
    tokens: int


def request(endpoint: Endpoint, texts: list[str], max_tokens: int | None) -> dict[str, Any]:
    """The chat-completions request for one window's episode ``texts``."""
    numbered = "\n".join(f"[{i}] {t}" for i, t in enumerate(texts))
    body: dict[str, Any] = {
        "model": endpoint.model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": numbered},
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "distilled", "strict": True, "schema": RESPONSE_SCHEMA},
        },
    }
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    return body


async def write(
    endpoint: Endpoint, texts: list[str], max_tokens: int | None
) -> tuple[int, Written | ExtractionError]:
    """(tokens spent, what the model wrote or why it is unusable) for one window."""
    reply = await chat(
        endpoint.url + "/v1/chat/completions",
        request(endpoint, texts, max_tokens),
        endpoint.headers,
        endpoint.timeout_s,
    )
    tokens = tokens_of(reply)
    try:
        return tokens, _parsed(content_of(reply), len(texts), tokens)
    except ExtractionError as exc:
        return tokens, exc


def _parsed(data: dict[str, Any], n: int, tokens: int) -> Written:
    try:
        summary = str(data["summary"]).strip()
        facts = [
            (
                _name(f["subject"]),
                predicate_of(f["predicate"]),
                _name(f["object"]),
                sorted({int(i) for i in f["episodes"] if 0 <= int(i) < n}),
            )
            for f in data.get("facts", [])
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise ExtractionError(f"the model's reply does not follow the schema: {exc}") from exc
    if not summary:
        raise ExtractionError("the model's reply has an empty summary")
    return Written(summary, [f for f in facts if f[3]], tokens)


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty name, got {value!r}")
    return value.strip()
