"""Property: whatever sequence of Cypher writes runs under a uniqueness constraint
(creates, merges, sets, removes, relabels into and out of a composite label, each
refused or not), no two nodes of the label ever hold the same key."""

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgmem import Memory, Settings
from kgmem.neo4j_schema.errors import ConstraintViolation
from tests.graph.test_invariants import Runner
from tests.neo4j_schema.constraint_helpers import declare, unique

EXAMPLES = int(os.environ.get("KGMEM_PROPERTY_EXAMPLES", "8"))
KEYS = st.integers(min_value=0, max_value=3) | st.sampled_from(["0", "1", 1.0])


@dataclass(frozen=True)
class Write:
    """One Cypher write; ``{k}`` and ``{j}`` take a key value and a node number."""

    query: str
    k: object
    j: int

    def text(self) -> str:
        key = repr(self.k) if not isinstance(self.k, str) else f"'{self.k}'"
        return self.query.format(k=key, j=self.j)


SHAPES = [
    "CREATE (:L {{k: {k}, j: {j}}})",
    "CREATE (:L:M {{k: {k}, j: {j}}})",
    "MERGE (:L {{k: {k}}})",
    "CREATE (:M {{k: {k}, j: {j}}})",
    "MATCH (n:L {{j: {j}}}) SET n.k = {k}",
    "MATCH (n {{j: {j}}}) REMOVE n.k",
    "MATCH (n:M {{j: {j}}}) SET n:L",
    "MATCH (n:L {{j: {j}}}) REMOVE n:L",
    "MATCH (n:L:M {{j: {j}}}) REMOVE n:M",
    "MATCH (n {{j: {j}}}) SET n += {{k: {k}}}",
]
writes = st.lists(
    st.builds(Write, st.sampled_from(SHAPES), KEYS, st.integers(min_value=0, max_value=3)),
    min_size=1,
    max_size=8,
)


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[tuple[Runner, Memory, str]]:
    runner = Runner()
    memory = runner.run(Memory.open(settings))
    namespace = f"t_{uuid.uuid4().hex[:12]}"
    runner.run(memory.create_namespace(namespace, "test"))
    runner.run(memory.cypher(namespace, "CREATE (:L:M {seed: 1})", mode="write"))
    runner.run(declare(memory, namespace, unique("L", "k")))
    try:
        yield runner, memory, namespace
    finally:
        runner.run(memory.delete_namespace(namespace))
        runner.run(memory.close())
        runner.stop()


async def _run(memory: Memory, namespace: str, sequence: list[Write]) -> None:
    await memory.cypher(namespace, "MATCH (n) WHERE n.seed IS NULL DETACH DELETE n", mode="write")
    for write in sequence:
        with contextlib.suppress(ConstraintViolation):  # a refused write changes nothing
            await memory.cypher(namespace, write.text(), mode="write")
        rows = await memory.cypher(
            namespace, "MATCH (n:L) WHERE n.k IS NOT NULL RETURN n.k AS k, count(*) AS c"
        )
        held = [k for k, c in rows.rows if c > 1]
        assert not held, f"two :L nodes hold k = {held} after {write.text()}"
        keys = [float(k) if not isinstance(k, str) else k for k, _ in rows.rows]
        assert len(keys) == len(set(keys)), f"equal numbers held twice: {rows.rows}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(sequence=writes)
def test_no_two_nodes_of_the_label_ever_share_a_key(
    store: tuple[Runner, Memory, str], sequence: list[Write]
) -> None:
    runner, memory, namespace = store
    runner.run(_run(memory, namespace, sequence))
