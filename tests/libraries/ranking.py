"""What the libraries' searches must answer over the harness's documents: the order and
scores the stub embedder implies (Neo4j's cosine index scores (1 + cosine) / 2), and how
the hybrid search of LangChain and neo4j-graphrag combines them with full-text hits."""

from typing import Any

import pytest

from tests.libraries.clients.harness import QUERY, ranked

TOLERANCE = 1e-4


def assert_vector_hits(hits: list[list[Any]], k: int) -> None:
    """``hits`` ([text, score], best first) are the stub embedder's top ``k``."""
    expected = ranked(QUERY)[:k]
    assert [text for text, _ in hits] == [text for text, _ in expected]
    assert [score for _, score in hits] == pytest.approx([s for _, s in expected], abs=TOLERANCE)


def listed(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The row of SHOW INDEXES / SHOW CONSTRAINTS named ``name``."""
    found = [row for row in rows if row["name"] == name]
    assert found, f"{name!r} is not listed among {[row['name'] for row in rows]}"
    return found[0]
