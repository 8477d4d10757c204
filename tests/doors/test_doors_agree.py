"""The doors agree: the same inputs sent through REST, MCP and the Python client (and
Bolt for a Cypher read) are accepted or refused alike, refusals with the same code, and
accepted ones answered with the same records.

The fields checked are read off the model (``SearchQuery``, ``EpisodeWrite``,
``FactWrite``, ...), never listed here, so a door that renames or drops one fails.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from kgmem import Memory
from kgmem.bolt import BoltServer
from kgmem.client import wire
from kgmem.model import (
    CausalQuery,
    ContextQuery,
    EntityWrite,
    EpisodeWrite,
    ExpansionQuery,
    Fact,
    FactWrite,
    SearchQuery,
    TimeQuery,
    declared_fields,
)
from kgmem.model.context_input import ContextIn
from kgmem.model.episode_input import EntityMentionIn, EpisodeIn, FactMentionIn
from kgmem.model.episodes import EntityMention, FactMention
from kgmem.model.graph_input import EntityReadIn, FactIn
from kgmem.model.search_input import SearchIn
from kgmem.model.tier_input import PolicyIn
from kgmem.model.tier_model import Moved, TierPolicy
from kgmem.settings.config import BoltSettings
from tests.doors.doors import Doors, Outcome, opened
from tests.doors.drawn import record


def drawn(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """``count`` values of ``strategy``, drawn by hypothesis for the async tests."""
    found: list[Any] = []

    @settings(max_examples=count, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


def names(record: Any) -> set[str]:
    """The field names of a model dataclass as a caller sees them: its declared data
    fields as fields of their own."""
    own = {f.name for f in dataclasses.fields(record)} - {declared_fields.FIELD}
    return own | {f.name for f in declared_fields.data_fields(record)}


def agreed(outcomes: dict[str, Outcome], sent: Any) -> Outcome:
    """The one outcome every door gave (refusal codes equal, or all accepted)."""
    codes = {door: o.code for door, o in outcomes.items()}
    assert len(set(codes.values())) == 1, (sent, codes)
    return next(iter(outcomes.values()))


async def seeded(memory: Memory, namespace: str) -> None:
    await memory.upsert_entity(namespace, EntityWrite("ada", "Person", {"name": "Ada Lovelace"}))
    await memory.upsert_entity(namespace, EntityWrite("babbage", "Person", {"name": "Babbage"}))
    when = datetime(2020, 1, 1, tzinfo=UTC)
    fact = FactWrite("ada", "KNOWS", "babbage", valid_from=when, text="Ada knows Babbage")
    await memory.add_fact(namespace, fact)


# -- the fields each door takes are the model's ---------------------------------------


def _schema_fields(schema: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    return set(schema["properties"])


async def test_every_door_names_the_fields_as_the_model_does(live_url: str) -> None:
    async with opened(live_url) as doors:
        openapi = (await doors.http.get("/openapi.json")).json()
        tools = {t.name: t.input_schema for t in (await doors.mcp.list_tools()).tools}
    spec = openapi["components"]["schemas"]
    records: list[tuple[Any, type[BaseModel]]] = [
        (SearchQuery, SearchIn),
        (EpisodeWrite, EpisodeIn),
        (EntityMention, EntityMentionIn),
        (FactMention, FactMentionIn),
    ]
    for core, validated in records:
        # ``via`` is how the server resolved a mention, not something a caller says.
        assert set(validated.model_fields) == names(core) - {"via"}, core.__name__
        assert set(spec[validated.__name__]["properties"]) == set(validated.model_fields)
    assert set(tools["search"]["properties"]) - {"namespace"} == names(SearchQuery)
    episode = tools["add_episode"]["properties"]["episode"]
    assert _schema_fields(episode, tools["add_episode"]["$defs"]) == set(EpisodeIn.model_fields)
    assert set(spec["FactIn"]["properties"]) == names(FactWrite)
    # The context request calls the record's ``text`` ``query`` on REST and MCP alike.
    context = {"query" if n == "text" else n for n in names(ContextQuery)}
    assert set(ContextIn.model_fields) == set(spec["ContextIn"]["properties"]) == context
    assert set(tools["get_context"]["properties"]) - {"namespace"} == context
    policy = tools["set_tier_policy"]
    assert set(PolicyIn.model_fields) == names(TierPolicy) == set(spec["PolicyIn"]["properties"])
    assert _schema_fields(policy["properties"]["policy"], policy["$defs"]) == names(TierPolicy)
    trace = openapi["paths"]["/v1/namespaces/{ns}/causal/trace"]["get"]["parameters"]
    traced = names(CausalQuery) | {"limit"}
    assert {p["name"] for p in trace} - {"ns"} == traced
    assert set(tools["trace"]["properties"]) - {"namespace"} == traced
    read = openapi["paths"]["/v1/namespaces/{ns}/entities/{uid}"]["get"]["parameters"]
    rest_read = {p["name"]: p["schema"] for p in read if p["name"] not in {"ns", "uid"}}
    mcp_read = tools["get_entity"]["properties"]
    assert set(rest_read) == set(mcp_read) - {"namespace", "uid"} == set(EntityReadIn.model_fields)
    for bound in ("default", "minimum", "maximum"):
        assert rest_read["facts_limit"][bound] == mcp_read["facts_limit"][bound], bound


def test_what_a_door_leaves_out_means_what_the_record_leaves_out() -> None:
    assert SearchIn().to_query() == SearchQuery()
    assert SearchIn.model_validate({"causal": {"anchor": "a"}}).to_query().causal == (
        CausalQuery("a")
    )
    assert SearchIn.model_validate({"expansion": {}}).to_query().expansion == ExpansionQuery()
    assert SearchIn.model_validate({"time": {}}).to_query().time == TimeQuery()
    assert ContextIn(query="x").to_query() == ContextQuery("x")
    assert FactIn(subject="a", predicate="P", object="b").to_write() == FactWrite("a", "P", "b")


async def test_the_client_sends_the_models_field_names(live_url: str, namespace: str) -> None:
    full = drawn(record(SearchIn, every=True), 1)[0]
    query = SearchIn.model_validate(full).to_query()
    async with opened(live_url) as doors:
        await doors.call(lambda: doors.client.search(namespace, query))
        fact = FactWrite("a", "KNOWS", "b", uid="f", properties={"x": 1}, text="t")
        await doors.call(lambda: doors.client.add_fact(namespace, fact))
    searched, added = doors.sent.bodies
    assert set(searched) == names(SearchQuery)
    assert set(added) <= names(FactWrite) and set(added) >= {"subject", "uid", "text"}


# -- searches -------------------------------------------------------------------------


async def search_everywhere(doors: Doors, namespace: str, body: dict[str, Any]) -> Outcome:
    """``body`` as REST's search body, MCP's search arguments and a client query; the
    agreed outcome, an accepted one answering its hits as (kind, uid) in order."""
    path = f"/v1/namespaces/{namespace}/search"

    async def by_client() -> Any:
        return await doors.client.search(namespace, SearchIn.model_validate(body).to_query())

    outcomes = {
        "rest": await doors.rest("POST", path, body),
        "mcp": await doors.tool("search", {"namespace": namespace, **body}),
        "client": await doors.call(by_client),
    }
    hits = {door: _hits(door, o.answer) for door, o in outcomes.items() if o.accepted}
    assert len({tuple(h) for h in hits.values()}) <= 1, (body, hits)
    return agreed(outcomes, body)


def _hits(door: str, answer: Any) -> list[tuple[str, str]]:
    if door == "client":
        return [(h.kind, h.uid) for h in answer.hits]
    return [(h["kind"], h["uid"]) for h in answer["hits"]]


async def test_the_doors_agree_on_drawn_searches(
    live_url: str, memory: Memory, namespace: str
) -> None:
    await seeded(memory, namespace)
    bodies = drawn(record(SearchIn), 40)
    async with opened(live_url) as doors:
        found = [await search_everywhere(doors, namespace, b) for b in bodies]
        answered = await search_everywhere(doors, namespace, {"text": "Lovelace"})
    assert any(o.accepted for o in found) and any(not o.accepted for o in found)
    assert answered.accepted


INVALID_SEARCHES: list[tuple[dict[str, Any], str | None]] = [
    ({"text": "x", "bogus_field": 1}, "invalid_request"),
    ({"text": "x", "time": {"valid_at": "2020-01-01T00:00:00Z", "bogus": 1}}, "invalid_request"),
    ({"text": "x", "k": "many"}, "invalid_request"),
    ({"text": "x", "place": {"near": {"lat": "north", "lon": 2}}}, "invalid_request"),
    ({"text": "x", "time": {"valid_at": "the day after tomorrow"}}, "invalid_timestamp"),
    ({"text": "x", "time": {"valid_at": "10000-01-01T00:00:00Z"}}, "invalid_timestamp"),
    ({"text": "x", "k": 0}, None),
    ({"text": "x", "context": 11}, None),
    ({"text": "x", "embedding": [0.5, 0.5]}, None),
]


@pytest.mark.parametrize(("body", "code"), INVALID_SEARCHES)
async def test_an_invalid_search_is_refused_alike_on_every_door(
    live_url: str, namespace: str, body: dict[str, Any], code: str | None
) -> None:
    async with opened(live_url) as doors:
        outcome = await search_everywhere(doors, namespace, body)
    assert not outcome.accepted, body
    assert code is None or outcome.code == code


# -- context blocks -------------------------------------------------------------------


async def context_everywhere(doors: Doors, namespace: str, body: dict[str, Any]) -> Outcome:
    """``body`` as REST's context body, MCP's get_context arguments and a client query;
    the agreed outcome, an accepted one answering its block's text."""

    async def by_client() -> Any:
        query = ContextIn.model_validate(body).to_query()
        return await doors.client.build_context(namespace, query)

    outcomes = {
        "rest": await doors.rest("POST", f"/v1/namespaces/{namespace}/context", body),
        "mcp": await doors.tool("get_context", {"namespace": namespace, **body}),
        "client": await doors.call(by_client),
    }
    texts = {
        door: o.answer.text if door == "client" else o.answer["text"]
        for door, o in outcomes.items()
        if o.accepted
    }
    assert len(set(texts.values())) <= 1, (body, texts)
    return agreed(outcomes, body)


async def test_the_doors_agree_on_context_blocks(
    live_url: str, memory: Memory, namespace: str
) -> None:
    await seeded(memory, namespace)
    bodies = drawn(record(ContextIn), 15)
    async with opened(live_url) as doors:
        found = [await context_everywhere(doors, namespace, b) for b in bodies]
        block = await context_everywhere(doors, namespace, {"query": "Ada", "k": 5})
        refused = [
            await context_everywhere(doors, namespace, bad)
            for bad in (
                {"query": "Ada", "budget": 300},
                {"query": "Ada", "budget_tokens": 5},
                {"query": "Ada", "valid_at": "before the war"},
                {"query": ""},
            )
        ]
    assert block.accepted and any(o.accepted for o in found)
    assert [o.code for o in refused] == [
        "invalid_request",
        "invalid_request",
        "invalid_timestamp",
        "invalid_request",
    ]


# -- episodes -------------------------------------------------------------------------


def episode(uid: str, **extra: Any) -> dict[str, Any]:
    return {
        "uid": uid,
        "text": "Ada Lovelace met Charles Babbage in London.",
        "reference_time": "2024-03-01T10:00:00Z",
        "session": "s1",
        "speaker": "ada",
        "entities": [
            {"name": "Ada Lovelace", "label": "Person", "uid": "ada", "aliases": ["Ada"]},
            {"name": "London", "label": "Place", "location": {"lat": 51.5, "lon": -0.12}},
        ],
        "facts": [
            {"subject": "Ada Lovelace", "predicate": "MET", "object": "Charles Babbage"},
            {"subject": "Ada Lovelace", "predicate": "VISITED", "object": "London"},
        ],
    } | extra


async def add_everywhere(
    doors: Doors, namespaces: dict[str, str], episodes: list[dict[str, Any]]
) -> Outcome:
    """``episodes`` stored through each door, each into its own namespace; the agreed
    outcome, an accepted one answering per episode what it resolved and wrote."""
    outcomes = {
        "rest": await doors.rest(
            "POST", f"/v1/namespaces/{namespaces['rest']}/episodes/batch", {"episodes": episodes}
        ),
        "mcp": await doors.tool(
            "add_episodes", {"namespace": namespaces["mcp"], "episodes": episodes}
        ),
        "client": await doors.call(
            lambda: doors.client.add_episodes(namespaces["client"], episodes)
        ),
    }
    built = {door: _built(door, o.answer) for door, o in outcomes.items() if o.accepted}
    assert len({repr(b) for b in built.values()}) <= 1, (episodes, built)
    return agreed(outcomes, episodes)


def _built(door: str, answer: Any) -> list[tuple[Any, ...]]:
    rows = [dataclasses.asdict(o) for o in answer] if door == "client" else answer["episodes"]
    return [
        (
            o["uid"],
            o["status"],
            sorted((r["uid"], r["label"], r["method"]) for r in o["entities"]),
            len(o["facts"]),
            o["source"],
        )
        for o in rows
    ]


@pytest.fixture
async def three(memory: Memory) -> AsyncIterator[dict[str, str]]:
    """A fresh namespace per door, for writes."""
    made = {door: f"d_{door}_{uuid.uuid4().hex[:12]}" for door in ("rest", "mcp", "client")}
    for name in made.values():
        await memory.create_namespace(name)
    yield made
    for name in made.values():
        await memory.delete_namespace(name)


INVALID_EPISODES: list[tuple[dict[str, Any], str]] = [
    (episode("e-x", speakr="ada"), "invalid_request"),
    (episode("e-x", text=5), "invalid_request"),
    (episode("e-x", text=""), "invalid_request"),
    (episode("e-x", reference_time="around teatime"), "invalid_timestamp"),
    (
        episode("e-x", facts=[{"subject": "A", "predicate": "P", "object": "B", "confidence": 2}]),
        "invalid_request",
    ),
    (episode("e-x", entities=[{"name": "A", "colour": "red"}]), "invalid_request"),
]


async def test_the_doors_agree_on_episodes(live_url: str, three: dict[str, str]) -> None:
    async with opened(live_url) as doors:
        for bad, code in INVALID_EPISODES:
            assert (await add_everywhere(doors, three, [bad])).code == code, bad
        stored = await add_everywhere(doors, three, [episode("e-1"), episode("e-2", session="s2")])
        assert stored.accepted
        entity = {
            door: await read
            for door, read in {
                "rest": doors.rest("GET", f"/v1/namespaces/{three['rest']}/entities/ada"),
                "mcp": doors.tool("get_entity", {"namespace": three["mcp"], "uid": "ada"}),
                "client": doors.call(lambda: doors.client.get_entity(three["client"], "ada")),
            }.items()
        }
    assert len({_entity_view(d, o.answer) for d, o in entity.items()}) == 1, entity


def _entity_view(door: str, answer: Any) -> tuple[Any, ...]:
    if door == "client":
        e, out = answer.entity, answer.outgoing
        return (
            e.uid,
            e.label,
            e.properties["name"],
            tuple(sorted((f.predicate, f.object) for f in out)),
        )
    e = answer["entity"]
    out = [o.get("fact", o) for o in answer["outgoing"]]
    return (
        e["uid"],
        e["label"],
        e["properties"]["name"],
        tuple(sorted((f["predicate"], f["object"]) for f in out)),
    )


# -- tier policies ----------------------------------------------------------------------


async def test_the_doors_agree_on_tier_policies(live_url: str, namespace: str) -> None:
    bodies = [*drawn(record(PolicyIn), 10), {"decay_floor": 3}, {"archive_tiers": ["attic"]}]
    async with opened(live_url) as doors:
        for body in bodies:
            outcomes = {
                "rest": await doors.rest("PUT", f"/v1/namespaces/{namespace}/tiers/policy", body),
                "mcp": await doors.tool(
                    "set_tier_policy", {"namespace": namespace, "policy": body}
                ),
                "client": await doors.call(
                    lambda body=body: doors.client.set_tier_policy(namespace, body)
                ),
            }
            stored = {
                door: json.dumps(to_jsonable_python(o.answer), sort_keys=True)
                for door, o in outcomes.items()
                if o.accepted
            }
            assert len(set(stored.values())) <= 1, (body, stored)
            agreed(outcomes, body)


# -- archiving and restoring episodes ----------------------------------------------------


async def test_the_doors_agree_on_archiving_and_restoring(
    live_url: str, memory: Memory, namespace: str
) -> None:
    """REST and MCP answer the same record (``Moved``, its fields read off the model);
    the client returns its uids."""
    by = ("rest", "mcp", "client")
    await memory.add_episodes(
        namespace, [EpisodeWrite(f"A note by {d}.", uid=f"ep-{d}") for d in by]
    )
    async with opened(live_url) as doors:
        for verb in ("archive", "restore"):
            tool = f"{verb}_episodes"
            outcomes = {
                "rest": await doors.rest(
                    "POST", f"/v1/namespaces/{namespace}/tiers/{verb}", {"uids": ["ep-rest"]}
                ),
                "mcp": await doors.tool(tool, {"namespace": namespace, "uids": ["ep-mcp"]}),
                "client": await doors.call(
                    lambda tool=tool: getattr(doors.client, tool)(namespace, ["ep-client"])
                ),
            }
            answers = {door: o.answer for door, o in outcomes.items()}
            assert answers["client"] == ["ep-client"], (verb, answers)
            for door in ("rest", "mcp"):
                assert set(answers[door]) == names(Moved), (verb, answers)
                assert answers[door]["uids"] == [f"ep-{door}"], (verb, answers)


# -- a Cypher read, Bolt too ----------------------------------------------------------

CYPHER = "MATCH (p:Person)-[r:KNOWS]->(o) RETURN p.uid AS p, o.uid AS o ORDER BY p"


async def test_the_doors_and_bolt_agree_on_a_cypher_read(
    live_url: str, memory: Memory, namespace: str
) -> None:
    await seeded(memory, namespace)
    async with opened(live_url) as doors:
        rest = await doors.rest("POST", f"/v1/namespaces/{namespace}/cypher", {"query": CYPHER})
        mcp = await doors.tool("cypher_read", {"namespace": namespace, "query": CYPHER})
        client = await doors.call(lambda: doors.client.cypher(namespace, CYPHER))
        refused = {
            "rest": await doors.rest(
                "POST", f"/v1/namespaces/{namespace}/cypher", {"query": CYPHER, "limt": 1}
            ),
            "mcp": await doors.tool(
                "cypher_read", {"namespace": namespace, "query": CYPHER, "limt": 1}
            ),
        }
    bolt = BoltServer(memory, BoltSettings(port=0))
    await bolt.start()
    try:
        driver = neo4j.AsyncGraphDatabase.driver(f"bolt://127.0.0.1:{bolt.port}", auth=None)
        async with driver, driver.session(database=namespace) as session:
            via_bolt = [r.values() async for r in await session.run(CYPHER)]
    finally:
        await bolt.stop()
    rows = [rest.answer["rows"], mcp.answer["rows"], client.answer.rows, via_bolt]
    assert all(r == [["ada", "babbage"]] for r in rows), rows
    assert rest.answer["columns"] == mcp.answer["columns"] == client.answer.columns
    assert agreed(refused, CYPHER).code == "invalid_request"


# -- facts and namespaces (REST and the client) -------------------------------------------


async def test_rest_and_the_client_agree_on_facts_and_namespaces(
    live_url: str, memory: Memory, namespace: str
) -> None:
    await seeded(memory, namespace)
    when = datetime(2021, 5, 1, tzinfo=UTC)
    written = FactWrite(
        "babbage", "KNOWS", "ada", uid="f-doors", valid_from=when, confidence=0.8, text="t"
    )
    async with opened(live_url) as doors:
        base = f"/v1/namespaces/{namespace}"
        via_client = await doors.call(lambda: doors.client.add_fact(namespace, written))
        via_rest = await doors.rest("GET", f"{base}/facts/f-doors")
        out_of_range = {
            "rest": await doors.rest(
                "POST",
                f"{base}/facts",
                wire.body(dataclasses.replace(written, uid="f2", confidence=2.0)),
            ),
            "client": await doors.call(
                lambda: doors.client.add_fact(
                    namespace, dataclasses.replace(written, uid="f2", confidence=2.0)
                )
            ),
        }
        bad_name = {
            "rest": await doors.rest("POST", "/v1/namespaces", {"name": "Bad Name!"}),
            "client": await doors.call(lambda: doors.client.create_namespace("Bad Name!")),
        }
    fact, read = via_client.answer, wire.decode(Fact, via_rest.answer)
    for name in names(FactWrite) & names(Fact):
        sent = getattr(written, name)
        assert getattr(fact, name) == getattr(read, name), name
        assert sent is None or getattr(fact, name) == sent, name
    assert not agreed(out_of_range, written).accepted
    assert agreed(bad_name, "Bad Name!").code == "invalid_namespace_name"


# -- causal traces --------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"anchor": "ada", "direction": "causes"},
        {"anchor": "ada", "depth": "deep"},
        {"anchor": "ada", "limit": 0},
        {"anchor": "ada", "sideways": True},
        {},
    ],
)
async def test_an_invalid_trace_is_refused_alike_on_rest_and_mcp(
    live_url: str, namespace: str, params: dict[str, Any]
) -> None:
    async with opened(live_url) as doors:
        response = await doors.http.get(f"/v1/namespaces/{namespace}/causal/trace", params=params)
        mcp = await doors.tool("trace", {"namespace": namespace, **params})
        missing = await doors.http.get(
            f"/v1/namespaces/{namespace}/causal/trace", params={"anchor": "nobody"}
        )
        missing_mcp = await doors.tool("trace", {"namespace": namespace, "anchor": "nobody"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert mcp.code == response.json()["code"]
    # A well-formed trace from an anchor the namespace lacks: the same refusal on both.
    assert missing.status_code == 404 and missing_mcp.code == missing.json()["code"]


# -- reading an entity: facts_limit ----------------------------------------------------


async def _read_everywhere(doors: Doors, namespace: str, facts_limit: Any) -> dict[str, Outcome]:
    path = f"/v1/namespaces/{namespace}/entities/ada"
    response = await doors.http.get(path, params={"facts_limit": facts_limit})
    rest = (
        Outcome(None, response.json()) if response.is_success else Outcome(response.json()["code"])
    )
    return {
        "rest": rest,
        "mcp": await doors.tool(
            "get_entity", {"namespace": namespace, "uid": "ada", "facts_limit": facts_limit}
        ),
        "client": await doors.call(
            lambda: doors.client.get_entity(namespace, "ada", facts_limit=facts_limit)
        ),
    }


async def test_the_doors_agree_on_an_entitys_facts_limit(
    live_url: str, memory: Memory, namespace: str
) -> None:
    await seeded(memory, namespace)
    await memory.add_fact(namespace, FactWrite("ada", "ADMIRES", "babbage", text="admires"))
    async with opened(live_url) as doors:
        counts = {}
        for limit in (0, 1, 2):
            read = await _read_everywhere(doors, namespace, limit)
            counts[limit] = {
                door: len(o.answer.outgoing if door == "client" else o.answer["outgoing"])
                for door, o in read.items()
            }
        refused = [await _read_everywhere(doors, namespace, bad) for bad in (-1, 10_001)]
    assert counts == {n: {"rest": n, "mcp": n, "client": n} for n in (0, 1, 2)}
    for outcomes in refused:
        assert agreed(outcomes, outcomes).code == "invalid_request"
