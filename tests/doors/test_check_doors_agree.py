"""The doors agree on checking a claim, a Cypher read's arguments and a timeline's:
MCP's ``verify_claim``, ``cypher_read`` and ``timeline`` take the fields of REST's
/verify and /cypher bodies and timeline parameters (``kgmem.model.verification_input``,
``kgmem.model.cypher_input``, ``kgmem.model.graph_input``), so the same input is
accepted or refused alike on REST, MCP and the client."""

from __future__ import annotations

from typing import Any

import pytest

from kgmem import Memory
from kgmem.model.cypher_input import CypherReadIn
from kgmem.model.graph_input import TimelineIn
from kgmem.model.verification_input import CandidateIn
from tests.doors.doors import Doors, Outcome, opened
from tests.doors.test_doors_agree import agreed, seeded

CLAIM = {"subject": "ada", "predicate": "KNOWS", "value": "babbage"}


async def check_everywhere(doors: Doors, namespace: str, body: dict[str, Any]) -> Outcome:
    async def by_client() -> Any:
        claim = CandidateIn.model_validate(body)
        return await doors.client.check_statement(
            namespace, claim.subject, claim.predicate, claim.value
        )

    outcomes = {
        "rest": await doors.rest("POST", f"/v1/namespaces/{namespace}/verify", body),
        "mcp": await doors.tool("verify_claim", {"namespace": namespace, **body}),
        "client": await doors.call(by_client),
    }
    return agreed(outcomes, body)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (CLAIM, None),
        (CLAIM | {"confidence": 1}, "invalid_request"),
        (CLAIM | {"value": ""}, "invalid_request"),
        ({"subject": "ada", "predicate": "KNOWS"}, "invalid_request"),
        (CLAIM | {"predicate": 5}, "invalid_request"),
    ],
)
async def test_the_doors_agree_on_checking_a_claim(
    live_url: str, memory: Memory, namespace: str, body: dict[str, Any], code: str | None
) -> None:
    await seeded(memory, namespace)
    async with opened(live_url) as doors:
        assert (await check_everywhere(doors, namespace, body)).code == code


async def read_everywhere(doors: Doors, namespace: str, body: dict[str, Any]) -> Outcome:
    async def by_client() -> Any:
        read = CypherReadIn.model_validate(body)
        return await doors.client.cypher(namespace, read.query, read.params, limit=read.limit)

    outcomes = {
        "rest": await doors.rest("POST", f"/v1/namespaces/{namespace}/cypher", body),
        "mcp": await doors.tool("cypher_read", {"namespace": namespace, **body}),
        "client": await doors.call(by_client),
    }
    return agreed(outcomes, body)


async def test_the_doors_agree_on_a_cypher_reads_arguments(
    live_url: str, memory: Memory, namespace: str
) -> None:
    await seeded(memory, namespace)
    read = {"query": "MATCH (p:Person) RETURN p.uid AS p ORDER BY p"}
    async with opened(live_url) as doors:
        # Past the server's row cap: MCP used to refuse it as its own bound did.
        large = await read_everywhere(doors, namespace, read | {"limit": 10_000_000})
        capped = await read_everywhere(doors, namespace, read)
        one = await read_everywhere(doors, namespace, read | {"limit": 1, "params": {}})
        refused = [
            await read_everywhere(doors, namespace, read | extra)
            for extra in ({"limit": 0}, {"limit": "all"}, {"parms": {}})
        ]
    assert large.code == "limit_exceeded"
    assert capped.accepted and capped.answer["rows"] == [["ada"], ["babbage"]]
    assert one.accepted and one.answer["rows"] == [["ada"]]
    assert [o.code for o in refused] == ["invalid_request"] * 3


async def timeline_everywhere(doors: Doors, namespace: str, params: dict[str, Any]) -> Outcome:
    async def by_client() -> Any:
        return await doors.client.timeline(
            namespace, "ada", limit=TimelineIn.model_validate(params).limit
        )

    path = f"/v1/namespaces/{namespace}/entities/ada/timeline"
    outcomes = {
        "rest": await doors.rest_query(path, params),
        "mcp": await doors.tool("timeline", {"namespace": namespace, "uid": "ada", **params}),
        "client": await doors.call(by_client),
    }
    return agreed(outcomes, params)


async def test_the_doors_agree_on_a_timelines_arguments(
    live_url: str, memory: Memory, namespace: str
) -> None:
    await seeded(memory, namespace)
    async with opened(live_url) as doors:
        # MCP used to stop at 1000 entries where REST goes to 10 000.
        accepted = [
            await timeline_everywhere(doors, namespace, params)
            for params in ({}, {"limit": 10_000}, {"limit": 1})
        ]
        refused = [
            await timeline_everywhere(doors, namespace, params)
            for params in ({"limit": 10_001}, {"limit": 0}, {"limt": 5})
        ]
    assert all(o.accepted for o in accepted)
    assert [o.code for o in refused] == ["invalid_request"] * 3
