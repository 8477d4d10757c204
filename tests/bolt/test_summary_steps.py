"""Result summaries of queries kgmem runs in steps (subqueries, IN TRANSACTIONS batches,
FOREACH, dynamic labels): the counters of every step added up and the query type of
the whole, as Neo4j reports them for the one query, through the real driver."""

from typing import Any

import pytest

from tests.bolt.test_summary_counters import observed, run_in
from tests.fixtures.bolt import Bolt

# Each statement runs after the ones before it on an empty database.
STEPS: list[tuple[str, dict[str, Any], str, dict[str, int]]] = [
    ("UNWIND range(1, 3) AS i CALL (i) { CREATE (:S {i: i}) } RETURN count(*) AS n", {}, "rw",
     {"nodes_created": 3, "labels_added": 3, "properties_set": 3}),
    ("MATCH (s:S) CALL (s) { SET s.x = 1 RETURN s.i AS k } RETURN k", {}, "rw",
     {"properties_set": 3}),
    ("MATCH (s:S) CALL (s) { RETURN s.i * 2 AS d } RETURN d", {}, "r", {}),
    ("FOREACH (i IN range(1, 2) | CREATE (:F {i: i}))", {}, "w",
     {"nodes_created": 2, "labels_added": 2, "properties_set": 2}),
    ("MATCH (f:F) SET f:$($label)", {"label": "Dyn"}, "w", {"labels_added": 2}),
    ("MATCH (s:S) CALL (s) { OPTIONAL MATCH (s)-[r]->() RETURN count(r) AS c } "
     "WITH s, c WHERE c = 0 DETACH DELETE s", {}, "w", {"nodes_deleted": 3}),
]  # fmt: skip

# Only in an auto-commit transaction, as in Neo4j.
BATCHES: list[tuple[str, dict[str, Any], str, dict[str, int]]] = [
    ("UNWIND range(1, 5) AS i CALL (i) { CREATE (:T {i: i}) } IN TRANSACTIONS OF 2 ROWS", {},
     "w", {"nodes_created": 5, "labels_added": 5, "properties_set": 5}),
    ("MATCH (t:T) CALL (t) { DETACH DELETE t } IN TRANSACTIONS OF 3 ROWS", {}, "w",
     {"nodes_deleted": 5}),
]  # fmt: skip


@pytest.mark.parametrize("mode", ["auto", "managed", "explicit"])
async def test_steps_add_their_counters_up(bolt: Bolt, mode: str) -> None:
    async with bolt.driver() as driver, driver.session(database="alpha") as session:
        await run_in(session, "auto", "MATCH (n) DETACH DELETE n", {})
        script = STEPS + (BATCHES if mode == "auto" else [])
        for query, params, kind, expected in script:
            summary = await run_in(session, mode, query, params)
            assert (query, summary.query_type, observed(summary)) == (query, kind, expected)
            assert summary.counters.contains_updates == bool(expected)
