"""Every time field of the OpenAPI document, sent at the limits of its type: a time
outside what kgmem can hold (before year 1 or after year 9999 once moved to UTC, a day
that does not exist) is a 422 ``invalid_timestamp`` naming the field, never a 5xx; a
time at the edge of the range is answered or refused clearly.

The fields are read from the committed document, so a new time field is tested the day
it appears; each operation's request body starts from the document's own example."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from kgmem import BatchWrite, EntityWrite, Memory

DOCUMENT = json.loads((Path(__file__).parents[2] / "api" / "openapi.json").read_text())
SCHEMAS = DOCUMENT["components"]["schemas"]
PROBLEM = "application/problem+json"

# Times no field can hold: kgmem's times are Python datetimes in UTC, years 1 to 9999.
OUT_OF_RANGE = (
    "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
    "10000-01-01T00:00:00Z",
    "2023-02-29T00:00:00Z",  # no such day
    "2024-13-01T00:00:00Z",
)
# Times at the edges: each is either answered (2xx) or refused with a clear 4xx.
EDGES = (
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00.000001+00:00",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59+14:00",
    "1970-01-01T00:00:00Z",
    "2024-02-29T23:59:60Z",  # a leap second
    "2024-05-01T12:00:00",  # no offset
)


@dataclass(frozen=True)
class TimeField:
    method: str
    path: str
    where: str  # "query" or "body"
    name: str  # a query parameter's name, or a dotted path into the body ("facts[].valid_to")

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path} {self.where}:{self.name}"


def time_paths(
    schema: dict[str, Any], defs: dict[str, Any], path: str = "", seen: frozenset[str] = frozenset()
) -> Iterator[str]:
    """The dotted paths (``a.b``, ``items[].c``) of the date-time fields of a JSON schema
    whose references name entries of ``defs`` (OpenAPI components, JSON Schema $defs)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from time_paths(defs[name], defs, path, seen | {name})
        return
    if schema.get("format") == "date-time":
        yield path
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            yield from time_paths(part, defs, path, seen)
    for name, part in schema.get("properties", {}).items():
        yield from time_paths(part, defs, f"{path}.{name}" if path else name, seen)
    if "items" in schema:
        yield from time_paths(schema["items"], defs, f"{path}[]", seen)


def time_fields() -> list[TimeField]:
    """Every date-time query parameter and body field of the document."""
    found: set[TimeField] = set()
    for path, operations in DOCUMENT["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                if param["in"] == "query" and list(time_paths(param["schema"], SCHEMAS)):
                    found.add(TimeField(method, path, "query", param["name"]))
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for name in time_paths(body["schema"], SCHEMAS):
                    found.add(TimeField(method, path, "body", name))
    return sorted(found, key=lambda f: f.label)


def _example(field: TimeField) -> dict[str, Any]:
    op = DOCUMENT["paths"][field.path][field.method]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    return json.loads(json.dumps(body.get("example", {})))


def _set(body: dict[str, Any], dotted: str, value: str) -> dict[str, Any]:
    """``body`` with the field at ``dotted`` (``a.b``, ``items[].c``) set to ``value``,
    creating what is missing; a list gets one element if it has none."""
    head, _, rest = dotted.partition(".")
    if head.endswith("[]"):
        key = head[:-2]
        items = body.get(key) or [{}]
        body[key] = [_set(dict(items[0]), rest, value), *items[1:]]
    elif rest:
        body[head] = _set(dict(body.get(head) or {}), rest, value)
    else:
        body[head] = value
    return body


# Mentioned by the documents' examples, or needed by a path: made by the fixture.
ENTITIES = ("a", "b", "alice", "acme", "Alice Smith", "Acme")
BUDGET = "llm-tokens"


@pytest.fixture
async def seeded(memory: Memory, namespace: str, client: httpx.AsyncClient) -> dict[str, str]:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[EntityWrite(uid, "Person", {"name": uid}) for uid in ENTITIES],
        ),
    )
    made = await client.post(f"/v1/namespaces/{namespace}/budgets", json={"name": BUDGET})
    assert made.status_code == 201, made.text
    return {"ns": namespace, "uid": "a", "budget": BUDGET}


async def _url(client: httpx.AsyncClient, field: TimeField, params: dict[str, str]) -> str:
    """The operation's path; closing a fact closes a new one each time."""
    if field.path.endswith("/facts/{uid}/close"):
        fact = {"subject": "a", "predicate": "KNOWS", "object": "b"}
        made = await client.post(f"/v1/namespaces/{params['ns']}/facts", json=fact)
        return field.path.format(**{**params, "uid": made.json()["uid"]})
    return field.path.format(**params)


async def _send(
    client: httpx.AsyncClient, field: TimeField, params: dict[str, str], value: str
) -> httpx.Response:
    url = await _url(client, field, params)
    if field.where == "query":
        body = _example(field) if field.method != "get" else None
        return await client.request(field.method, url, params={field.name: value}, json=body)
    return await client.request(field.method, url, json=_set(_example(field), field.name, value))


def _leaf(field: TimeField) -> str:
    return field.name.rsplit(".", 1)[-1].removesuffix("[]")


def assert_clear(response: httpx.Response, field: TimeField, value: str) -> None:
    where = f"{field.label} = {value!r}: {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, where
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith(PROBLEM), where
        assert response.json()["code"], where


FIELDS = time_fields()


def test_the_document_has_the_time_fields_this_test_knows() -> None:
    """A sanity floor: the walk finds body fields (nested and in lists) and parameters."""
    labels = {f.label for f in FIELDS}
    assert "POST /v1/namespaces/{ns}/facts body:valid_from" in labels
    assert "POST /v1/namespaces/{ns}/batch body:facts[].valid_to" in labels
    assert "POST /v1/namespaces/{ns}/search body:time.valid_at" in labels
    assert "GET /v1/namespaces/{ns}/export query:as_of" in labels
    assert len(FIELDS) >= 20


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.label)
async def test_a_time_no_field_can_hold_is_a_4xx_naming_the_field(
    client: httpx.AsyncClient, seeded: dict[str, str], field: TimeField
) -> None:
    for value in OUT_OF_RANGE:
        answer = await _send(client, field, seeded, value)
        assert_clear(answer, field, value)
        assert answer.status_code == 422, f"{field.label} = {value!r} was accepted"
        assert answer.json()["code"] == "invalid_timestamp", answer.text
        assert _leaf(field) in answer.text, f"{field.label} = {value!r}: {answer.text[:300]}"


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.label)
async def test_a_time_at_the_edge_is_answered_or_refused_clearly(
    client: httpx.AsyncClient, seeded: dict[str, str], field: TimeField
) -> None:
    for value in EDGES:
        answer = await _send(client, field, seeded, value)
        assert_clear(answer, field, value)
        if answer.status_code >= 400:
            detail = answer.text
            assert _leaf(field) in detail, f"{field.label} = {value!r}: {detail[:300]}"
