"""List quantifiers by openCypher's three-valued logic over REST, on the real store:
AGE 1.7 compares a null list element as a value, kgmem counts null predicates apart."""

import httpx
import pytest

from tests.server.test_cypher_api import cypher


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("single(x IN [null] WHERE x = 2)", None),
        ("single(x IN [null, 2] WHERE x = 2)", None),
        ("single(x IN [2, 2, null] WHERE x = 2)", False),
        ("single(x IN [1, 2] WHERE x = 2)", True),
        ("any(x IN [null, 1] WHERE x = 2)", None),
        ("any(x IN [null, 2] WHERE x = 2)", True),
        ("any(x IN [] WHERE x = 2)", False),
        ("all(x IN [null, 2] WHERE x = 2)", None),
        ("all(x IN [null, 1] WHERE x = 2)", False),
        ("all(x IN [null, 1] WHERE x IS NULL OR x = 1)", True),
        ("none(x IN [null, 1] WHERE x = 2)", None),
        ("none(x IN [null, 2] WHERE x > 1)", False),
        ("none(x IN [null, 1] WHERE x IS NOT NULL AND x > 1)", True),
        ("any(x IN null WHERE x = 1)", None),
    ],
)
async def test_quantifiers_over_lists_with_nulls(
    client: httpx.AsyncClient, namespace: str, expression: str, expected: bool | None
) -> None:
    response = await cypher(client, namespace, f"RETURN {expression} AS r")
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [[expected]]


async def test_a_quantifier_over_graph_values_filters_rows(
    client: httpx.AsyncClient, namespace: str
) -> None:
    created = await cypher(
        client, namespace,
        "CREATE (:T {name: 'a', xs: [1, null]}), (:T {name: 'b', xs: [1, 2]}), "
        "(:T {name: 'c', xs: [3]})",
        mode="write",
    )  # fmt: skip
    assert created.status_code == 200, created.text
    response = await cypher(
        client, namespace,
        "MATCH (t:T) WHERE all(x IN t.xs WHERE x < 3) RETURN t.name ORDER BY t.name",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [["b"]]
