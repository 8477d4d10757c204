"""The LLM extractor: entities, facts, times and causal links from an OpenAI-compatible
chat-completions endpoint, constrained by a JSON schema.

Tokens each call spends (``usage.total_tokens``) are added to the namespace's count;
once the namespace's budget is spent the extractor stops calling and says so. A reply
that is not JSON of the expected shape raises ``ExtractionError`` (the episode is
marked failed and can be retried); its tokens are still counted.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kgmem.errors import ExtractionError
from kgmem.ingest.resolve import NameIndex
from kgmem.ingest.types import EntityMention, FactMention, Work

SYSTEM_PROMPT = (
    "You extract a knowledge graph from one memory of a conversation or document. "
    "Return the real-world entities it names (people, organizations, places, events, "
    "concepts), the facts it states as subject-predicate-object triples between those "
    "entity names with predicates in UPPER_SNAKE_CASE (e.g. WORKS_AT, LIVES_IN), the time "
    "each fact starts or ends exactly as written (e.g. 'last Tuesday', '2021-05-01') "
    "or null, and causal links (cause, effect, strength 0..1). Use only what the text says."
)

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
TRIPLE: dict[str, Any] = {"subject": _STRING, "predicate": _STRING, "object": _STRING}
"""The JSON-schema properties of a subject-predicate-object triple."""


def strict_object(properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON-schema object as strict structured outputs take it: every one of
    ``properties`` required, no other allowed."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


def array_of(items: dict[str, Any]) -> dict[str, Any]:
    """A JSON-schema array of ``items``."""
    return {"type": "array", "items": items}


_ENTITY_TYPES = ["Person", "Organization", "Place", "Event", "Concept", "Entity"]

RESPONSE_SCHEMA: dict[str, Any] = strict_object(
    {
        "entities": array_of(
            strict_object({"name": _STRING, "type": {"type": "string", "enum": _ENTITY_TYPES}})
        ),
        "facts": array_of(
            strict_object({**TRIPLE, "valid_from": _NULLABLE_STRING, "valid_to": _NULLABLE_STRING})
        ),
        "causal_links": array_of(
            strict_object(
                {
                    "cause": _STRING,
                    "effect": _STRING,
                    "strength": {"type": "number", "minimum": 0, "maximum": 1},
                }
            )
        ),
    }
)


@dataclass(frozen=True, slots=True)
class TokenBudget:
    """How many tokens the namespace may still spend, and how to record spending."""

    remaining: Callable[[], Awaitable[int]]
    spend: Callable[[int], Awaitable[None]]


class LlmExtractor:
    """Calls ``{url}/v1/chat/completions`` once per episode."""

    name = "llm"

    def __init__(
        self,
        *,
        url: str,
        model: str,
        budget: TokenBudget,
        api_key: str | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self.url = url.rstrip("/") + "/v1/chat/completions"
        self.model = model
        self.budget = budget
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout_s = timeout_s

    async def extract(self, work: Work, index: NameIndex) -> None:
        if await self.budget.remaining() <= 0:
            work.extraction.notes.append("LLM token budget spent; LLM extraction skipped")
            return
        reply = await self._call(work)
        tokens = tokens_of(reply)
        work.extraction.tokens += tokens
        await self.budget.spend(tokens)
        _apply(work, content_of(reply))

    def _request(self, work: Work) -> dict[str, Any]:
        when = work.reference_time.isoformat()
        speaker = f" Speaker: {work.episode.speaker}." if work.episode.speaker else ""
        return {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Time: {when}.{speaker}\n\n{work.episode.text}"},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "memory_graph", "strict": True, "schema": RESPONSE_SCHEMA},
            },
        }

    async def _call(self, work: Work) -> dict[str, Any]:
        return await chat(self.url, self._request(work), self.headers, self.timeout_s)


async def chat(
    url: str, body: dict[str, Any], headers: dict[str, str], timeout_s: float
) -> dict[str, Any]:
    """One chat-completions call to ``url``; its reply, or ``ExtractionError`` when the
    server is unreachable or answers with an error or something other than JSON."""
    import httpx  # only a store that asks a model loads the HTTP client

    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise ExtractionError(f"LLM server unreachable: {exc}") from exc
    if response.status_code != 200:
        raise ExtractionError(f"LLM server answered {response.status_code}: {response.text[:200]}")
    try:
        reply = response.json()
    except ValueError as exc:
        raise ExtractionError("LLM server answered with invalid JSON") from exc
    if not isinstance(reply, dict):
        raise ExtractionError("LLM server answered with an unexpected body")
    return reply


def tokens_of(reply: dict[str, Any]) -> int:
    """The tokens a reply says it spent."""
    usage = reply.get("usage") or {}
    total = usage.get("total_tokens")
    if not isinstance(total, int):
        total = int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
    return max(total, 0)


def content_of(reply: dict[str, Any]) -> dict[str, Any]:
    """The JSON object a reply's message holds (``ExtractionError`` otherwise)."""
    try:
        text = reply["choices"][0]["message"]["content"]
        parsed = json.loads(text)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ExtractionError("the model's reply is not the expected JSON object") from exc
    if not isinstance(parsed, dict):
        raise ExtractionError("the model's reply is not a JSON object")
    return parsed


def _apply(work: Work, data: dict[str, Any]) -> None:
    try:
        for e in data.get("entities", []):
            work.extraction.add_entity(
                EntityMention(name=_name(e["name"]), label=str(e.get("type") or "Entity"))
            )
        for f in data.get("facts", []):
            work.extraction.facts.append(
                FactMention(
                    subject=_name(f["subject"]),
                    predicate=predicate_of(f["predicate"]),
                    object=_name(f["object"]),
                    valid_from=f.get("valid_from") or None,
                    valid_to=f.get("valid_to") or None,
                )
            )
        for c in data.get("causal_links", []):
            strength = float(c.get("strength", 0.5))
            work.extraction.facts.append(
                FactMention(
                    subject=_name(c["cause"]),
                    predicate="CAUSES",
                    object=_name(c["effect"]),
                    strength=min(max(strength, 0.0), 1.0),
                )
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ExtractionError(f"the model's reply does not follow the schema: {exc}") from exc
    for fact in work.extraction.facts:
        for name in (fact.subject, fact.object):
            work.extraction.add_entity(EntityMention(name=name))


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty name, got {value!r}")
    return value.strip()


def predicate_of(text: object) -> str:
    """``works at`` as ``WORKS_AT``."""
    if not isinstance(text, str):
        raise ValueError(f"expected a predicate, got {text!r}")
    words = "".join(c if c.isalnum() else " " for c in text).split()
    if not words:
        raise ValueError(f"empty predicate {text!r}")
    return "_".join(w.upper() for w in words)
