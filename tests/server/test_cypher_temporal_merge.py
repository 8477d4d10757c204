"""Temporal values and MERGE ... ON CREATE / ON MATCH over REST, on the real store."""

import httpx
import pytest

from tests.server.test_cypher_api import cypher
from tests.server.test_entities_api import assert_problem


async def test_temporal_values_are_stored_and_read_back_as_iso_text(
    client: httpx.AsyncClient, namespace: str
) -> None:
    created = await cypher(
        client, namespace,
        "WITH datetime('2015-07-21T21:40:32.142+01:00') AS at "
        "CREATE (e:Event {at: at, day: date({year: 2015, week: 30, dayOfWeek: 2}), "
        "took: duration.between(at, at + duration('PT1H30M'))}) "
        "RETURN e.at AS stored, at.hour AS h, e.took AS took",
        mode="write",
    )  # fmt: skip
    assert created.status_code == 200, created.text
    assert created.json()["rows"] == [["2015-07-21T21:40:32.142+01:00", 21, "PT1H30M"]]
    read = await cypher(
        client, namespace,
        "MATCH (e:Event) WHERE e.day = date('2015-07-21') RETURN e.day AS day, e.took AS took",
    )  # fmt: skip
    assert read.status_code == 200, read.text
    assert read.json()["rows"] == [["2015-07-21", "PT1H30M"]]


@pytest.mark.parametrize(
    "query",
    [
        "RETURN date('2015-02-30') AS d",
        "RETURN datetime('2015-07-21T25:00') AS d",
        "RETURN datetime({year: 2015, timezone: 'Nowhere/Land'}) AS d",
        "RETURN duration('P') AS d",
        "RETURN date({year: 2015, week: 60}) AS d",
        "MATCH (e:Event) RETURN date(e.day) * 2 AS d",
        "RETURN date('9999-12-31') + duration('P1D') AS d",
    ],
)
async def test_malformed_or_unfoldable_temporal_input_is_a_clear_4xx(
    client: httpx.AsyncClient, namespace: str, query: str
) -> None:
    response = await cypher(client, namespace, query, params={"day": "2015-07-21"})
    assert_problem(response, 422, "cypher_semantic_error")
    still_up = await cypher(client, namespace, "RETURN date('2015-07-21').year AS y")
    assert still_up.json()["rows"] == [[2015]]


MERGE = (
    "MERGE (p:Person {name: 'Ann'}) "
    "ON CREATE SET p.created = true, p.visits = 1 "
    "ON MATCH SET p.visits = p.visits + 1 "
    "RETURN p.created AS created, p.visits AS visits"
)


async def test_merge_on_create_and_on_match_set(client: httpx.AsyncClient, namespace: str) -> None:
    first = await cypher(client, namespace, MERGE, mode="write")
    assert first.status_code == 200, first.text
    assert first.json()["rows"] == [[True, 1]]
    for visits in (2, 3):
        again = await cypher(client, namespace, MERGE, mode="write")
        assert again.json()["rows"] == [[True, visits]]
    count = await cypher(client, namespace, "MATCH (p:Person) RETURN count(p) AS n")
    assert count.json()["rows"] == [[1]]


async def test_merge_actions_on_a_relationship_and_after_with(
    client: httpx.AsyncClient, namespace: str
) -> None:
    await cypher(client, namespace, "CREATE (:A {n: 1}), (:B {n: 2})", mode="write")
    query = (
        "MATCH (a:A), (b:B) WITH a, b "
        "MERGE (a)-[r:LINK]->(b) ON CREATE SET r.since = 2020 ON MATCH SET r.seen = true "
        "RETURN r.since AS since, r.seen AS seen"
    )
    first = await cypher(client, namespace, query, mode="write")
    assert first.status_code == 200, first.text
    assert first.json()["rows"] == [[2020, None]]
    second = await cypher(client, namespace, query, mode="write")
    assert second.json()["rows"] == [[2020, True]]


async def test_merge_actions_set_labels_and_whole_maps(
    client: httpx.AsyncClient, namespace: str
) -> None:
    created = await cypher(
        client, namespace, "MERGE (p:Person) ON CREATE SET p:Admin RETURN labels(p)", mode="write"
    )
    assert created.json()["rows"] == [[["Admin", "Person"]]]
    matched = await cypher(
        client, namespace, "MERGE (p:Person) ON MATCH SET p:Boss RETURN labels(p)", mode="write"
    )
    assert matched.json()["rows"] == [[["Admin", "Boss", "Person"]]]
    replaced = await cypher(
        client,
        namespace,
        "MERGE (p:Person) ON CREATE SET p = {a: 0} ON MATCH SET p = {a: 1} RETURN properties(p)",
        mode="write",
    )
    assert replaced.json()["rows"] == [[{"a": 1}]]


async def test_merge_actions_add_a_literal_map(client: httpx.AsyncClient, namespace: str) -> None:
    query = (
        "MERGE (p:Person {name: 'Ann'}) ON CREATE SET p += {made: 1, by: p.name} "
        "ON MATCH SET p += {seen: 2} RETURN properties(p) AS p"
    )
    created = await cypher(client, namespace, query, mode="write")
    assert created.json()["rows"] == [[{"name": "Ann", "made": 1, "by": "Ann"}]]
    matched = await cypher(client, namespace, query, mode="write")
    assert matched.json()["rows"] == [[{"name": "Ann", "made": 1, "by": "Ann", "seen": 2}]]
    for whole, expected in (
        ("p += $m", {"name": "Ann", "made": 1, "by": "Ann", "seen": 2, "c": 3}),
        ("p = {a: 1}", {"a": 1}),
    ):
        response = await cypher(
            client,
            namespace,
            f"MERGE (p:Person) ON MATCH SET {whole} RETURN properties(p)",
            mode="write",
            params={"m": {"c": 3}},
        )
        assert response.json()["rows"] == [[expected]], whole
