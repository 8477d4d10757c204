"""Graphiti (graphiti-core, pinned in requirements/graphiti.txt) on kgmem through its
Neo4jDriver: build_indices_and_constraints, twice, and what SHOW INDEXES then lists."""

import pytest

from tests.fixtures.libraries import RunLibrary
from tests.libraries.ranking import listed

pytestmark = pytest.mark.slow

NODE_RANGE = {
    "entity_uuid": ("Entity", "uuid"), "episode_uuid": ("Episodic", "uuid"),
    "community_uuid": ("Community", "uuid"), "saga_uuid": ("Saga", "uuid"),
    "entity_group_id": ("Entity", "group_id"), "episode_group_id": ("Episodic", "group_id"),
    "community_group_id": ("Community", "group_id"), "saga_group_id": ("Saga", "group_id"),
    "name_entity_index": ("Entity", "name"), "saga_name": ("Saga", "name"),
    "created_at_entity_index": ("Entity", "created_at"),
    "created_at_episodic_index": ("Episodic", "created_at"),
    "valid_at_episodic_index": ("Episodic", "valid_at"),
}  # fmt: skip
RELATIONSHIP_RANGE = {
    "relation_uuid": ("RELATES_TO", "uuid"), "mention_uuid": ("MENTIONS", "uuid"),
    "has_member_uuid": ("HAS_MEMBER", "uuid"), "has_episode_uuid": ("HAS_EPISODE", "uuid"),
    "next_episode_uuid": ("NEXT_EPISODE", "uuid"), "relation_group_id": ("RELATES_TO", "group_id"),
    "mention_group_id": ("MENTIONS", "group_id"),
    "has_episode_group_id": ("HAS_EPISODE", "group_id"),
    "next_episode_group_id": ("NEXT_EPISODE", "group_id"),
    "name_edge_index": ("RELATES_TO", "name"),
    "created_at_edge_index": ("RELATES_TO", "created_at"),
    "expired_at_edge_index": ("RELATES_TO", "expired_at"),
    "valid_at_edge_index": ("RELATES_TO", "valid_at"),
    "invalid_at_edge_index": ("RELATES_TO", "invalid_at"),
}  # fmt: skip
FULLTEXT = {
    "episode_content": (
        "NODE",
        "Episodic",
        ["content", "source", "source_description", "group_id"],
    ),
    "node_name_and_summary": ("NODE", "Entity", ["name", "summary", "group_id"]),
    "community_name": ("NODE", "Community", ["name", "group_id"]),
    "edge_name_and_fact": ("RELATIONSHIP", "RELATES_TO", ["name", "fact", "group_id"]),
}


async def test_build_indices_and_constraints_declares_every_index_once(
    run_library: RunLibrary,
) -> None:
    outcome = await run_library("graphiti", "graphiti_indices.py", "indices")
    assert outcome.failure is None, outcome.explain()
    indexes = outcome.results["indexes"]
    for entity, expected in (("NODE", NODE_RANGE), ("RELATIONSHIP", RELATIONSHIP_RANGE)):
        for name, (label, prop) in expected.items():
            row = listed(indexes, name)
            assert (row["type"], row["entityType"]) == ("RANGE", entity), row
            assert (row["labelsOrTypes"], row["properties"]) == ([label], [prop]), row
    for name, (entity, label, props) in FULLTEXT.items():
        row = listed(indexes, name)
        assert (row["type"], row["entityType"], row["labelsOrTypes"], row["properties"]) == (
            "FULLTEXT", entity, [label], props)  # fmt: skip
    names = [row["name"] for row in indexes]
    assert len(names) == len(set(names))
