"""Each API operation as data: method, path, query, body and how to read the answer.

Both clients send these; keeping them here means an operation is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

import httpx

from kgmem.client import wire
from kgmem.client.wire import segment
from kgmem.model import (
    BatchResult,
    BatchWrite,
    CandidateCheck,
    CausalPath,
    CausalQuery,
    ContextQuery,
    CypherResult,
    EntityDetail,
    EntityWrite,
    EpisodeOutcome,
    EpisodeWrite,
    Fact,
    FactQuery,
    FactVerification,
    FactWrite,
    Forgotten,
    JsonValue,
    MemoryContext,
    Namespace,
    NamespaceStats,
    Page,
    SearchQuery,
    SearchResult,
    TimelineEntry,
    WriteOutcome,
)
from kgmem.model.graph_input import EntityReadIn
from kgmem.model.health import HealthOut

T = TypeVar("T")
NS = "/v1/namespaces"


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request and the reading of its answer."""

    method: str
    path: str
    read: Callable[[httpx.Response], T]
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None


def as_type(kind: Any) -> Callable[[httpx.Response], Any]:
    """Read an answer's JSON as ``kind``."""
    return lambda r: wire.decode(kind, r.json())


def nothing(_: httpx.Response) -> None:
    """Read an answer with nothing to return."""
    return None


def list_namespaces() -> Call[list[Namespace]]:
    return Call("GET", NS, as_type(list[Namespace]))


def create_namespace(name: str, description: str, text_config: str) -> Call[Namespace]:
    body = {"name": name, "description": description, "text_config": text_config}
    return Call("POST", NS, as_type(Namespace), json=body)


def get_namespace(name: str) -> Call[Namespace]:
    return Call("GET", f"{NS}/{segment(name)}", as_type(Namespace))


def namespace_stats(name: str) -> Call[NamespaceStats]:
    return Call("GET", f"{NS}/{segment(name)}/stats", as_type(NamespaceStats))


def delete_namespace(name: str) -> Call[None]:
    return Call("DELETE", f"{NS}/{segment(name)}", nothing)


def upsert_entity(ns: str, entity: EntityWrite) -> Call[WriteOutcome]:
    data = wire.body(entity)
    uid = data.pop("uid")
    return Call(
        "PUT",
        f"{NS}/{segment(ns)}/entities/{segment(uid)}",
        lambda r: WriteOutcome(uid=uid, created=r.status_code == 201),
        json=data,
    )


def get_entity(ns: str, uid: str, read: EntityReadIn) -> Call[EntityDetail]:
    path = f"{NS}/{segment(ns)}/entities/{segment(uid)}"
    params = read.model_dump(mode="json", exclude_none=True)
    return Call("GET", path, as_type(EntityDetail), params=params)


def delete_entity(ns: str, uid: str) -> Call[None]:
    return Call("DELETE", f"{NS}/{segment(ns)}/entities/{segment(uid)}", nothing)


def add_fact(ns: str, fact: FactWrite) -> Call[Fact]:
    return Call("POST", f"{NS}/{segment(ns)}/facts", as_type(Fact), json=wire.body(fact))


def get_fact(ns: str, uid: str) -> Call[Fact]:
    return Call("GET", f"{NS}/{segment(ns)}/facts/{segment(uid)}", as_type(Fact))


def list_facts(ns: str, query: FactQuery) -> Call[Page[Fact]]:
    params = wire.body(query)
    return Call("GET", f"{NS}/{segment(ns)}/facts", as_type(Page[Fact]), params=params)


def close_fact(ns: str, uid: str, valid_to: datetime | None) -> Call[Fact]:
    data = {"valid_to": valid_to.isoformat()} if valid_to else {}
    return Call("POST", f"{NS}/{segment(ns)}/facts/{segment(uid)}/close", as_type(Fact), json=data)


def delete_fact(ns: str, uid: str) -> Call[None]:
    return Call("DELETE", f"{NS}/{segment(ns)}/facts/{segment(uid)}", nothing)


def write_batch(ns: str, batch: BatchWrite) -> Call[BatchResult]:
    return Call("POST", f"{NS}/{segment(ns)}/batch", as_type(BatchResult), json=wire.body(batch))


def search(ns: str, query: SearchQuery) -> Call[SearchResult]:
    return Call("POST", f"{NS}/{segment(ns)}/search", as_type(SearchResult), json=wire.body(query))


def timeline(ns: str, uid: str, limit: int) -> Call[list[TimelineEntry]]:
    def read(r: httpx.Response) -> list[TimelineEntry]:
        entries: list[TimelineEntry] = wire.decode(list[TimelineEntry], r.json()["entries"])
        return entries

    path = f"{NS}/{segment(ns)}/entities/{segment(uid)}/timeline"
    return Call("GET", path, read, params={"limit": limit})


def causal_trace(ns: str, query: CausalQuery, limit: int) -> Call[list[CausalPath]]:
    def read(r: httpx.Response) -> list[CausalPath]:
        paths: list[CausalPath] = wire.decode(list[CausalPath], r.json()["paths"])
        return paths

    params = {**wire.body(query), "limit": limit}
    return Call("GET", f"{NS}/{segment(ns)}/causal/trace", read, params=params)


def add_episodes(
    ns: str, episodes: Sequence[EpisodeWrite | Mapping[str, JsonValue]]
) -> Call[list[EpisodeOutcome]]:
    def read(r: httpx.Response) -> list[EpisodeOutcome]:
        found: list[EpisodeOutcome] = wire.decode(list[EpisodeOutcome], r.json()["episodes"])
        return found

    data = {"episodes": [_episode(e) for e in episodes]}
    return Call("POST", f"{NS}/{segment(ns)}/episodes/batch", read, json=data)


def check_statement(ns: str, subject: str, predicate: str, value: str) -> Call[CandidateCheck]:
    data = {"subject": subject, "predicate": predicate, "value": value}
    return Call("POST", f"{NS}/{segment(ns)}/verify", as_type(CandidateCheck), json=data)


def fact_verification(ns: str, uid: str) -> Call[FactVerification]:
    path = f"{NS}/{segment(ns)}/facts/{segment(uid)}/verification"
    return Call("GET", path, as_type(FactVerification))


def cypher(
    ns: str, query: str, params: Mapping[str, JsonValue] | None, *, mode: str, limit: int | None
) -> Call[CypherResult]:
    data = {"query": query, "params": dict(params or {}), "mode": mode, "limit": limit}
    return Call("POST", f"{NS}/{segment(ns)}/cypher", as_type(CypherResult), json=data)


def run_named(
    ns: str, name: str, params: Mapping[str, JsonValue] | None, limit: int | None
) -> Call[CypherResult]:
    data = {"params": dict(params or {}), "limit": limit}
    path = f"{NS}/{segment(ns)}/queries/{segment(name)}"
    return Call("POST", path, as_type(CypherResult), json=data)


def delete_episode(ns: str, uid: str) -> Call[Forgotten]:
    return Call("DELETE", f"{NS}/{segment(ns)}/episodes/{segment(uid)}", as_type(Forgotten))


def delete_source(ns: str, uid: str) -> Call[Forgotten]:
    return Call("DELETE", f"{NS}/{segment(ns)}/sources/{segment(uid)}", as_type(Forgotten))


def build_context(ns: str, query: ContextQuery) -> Call[MemoryContext]:
    data = wire.body(query)
    data["query"] = data.pop("text")
    return Call("POST", f"{NS}/{segment(ns)}/context", as_type(MemoryContext), json=data)


def export(
    ns: str, format: str, uids: Sequence[str], depth: int, part: Literal["nodes", "relationships"]
) -> Call[None]:
    params = {"format": format, "uids": list(uids), "depth": depth, "part": part}
    return Call("GET", f"{NS}/{segment(ns)}/export", nothing, params=params)


def events(ns: str, last_event_id: str | None, types: Sequence[str] | None) -> Call[None]:
    params = {"types": ",".join(types)} if types else {}
    if last_event_id:
        params["last_event_id"] = last_event_id
    return Call("GET", f"{NS}/{segment(ns)}/events", nothing, params=params)


def health() -> Call[HealthOut]:
    return Call("GET", "/health", lambda r: HealthOut.model_validate(r.json()))


def _episode(episode: EpisodeWrite | Mapping[str, JsonValue]) -> Mapping[str, JsonValue]:
    """An episode as JSON: a mapping as given, a dataclass (``kgmem.ingest.EpisodeWrite``)
    by its fields; relative times stay text for the server to resolve."""
    if isinstance(episode, Mapping):
        return episode
    data: dict[str, Any] = wire.body(episode)
    for mention in data.get("entities", []):
        mention.pop("via", None)  # how the server resolved it, not an input
    return data
