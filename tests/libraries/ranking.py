"""What the libraries' searches must answer over the harness's documents: the order and
scores the stub embedder implies (Neo4j's cosine index scores (1 + cosine) / 2), and how
the hybrid search of LangChain and neo4j-graphrag combines them with full-text hits."""

import re
from typing import Any

import pytest

from tests.libraries.clients.harness import DOCUMENTS, QUERY, ranked

TOLERANCE = 1e-4


def assert_vector_hits(hits: list[list[Any]], k: int) -> None:
    """``hits`` ([text, score], best first) are the stub embedder's top ``k``."""
    expected = ranked(QUERY)[:k]
    assert [text for text, _ in hits] == [text for text, _ in expected]
    assert [score for _, score in hits] == pytest.approx([s for _, s in expected], abs=TOLERANCE)


def assert_hybrid_hits(hits: list[list[Any]]) -> None:
    """``hits`` of a naive hybrid search over every document: each score is the larger of
    the vector and full-text scores, each divided by its own list's best, so a document
    sharing no word with the query scores exactly its normalised vector score."""
    vector = dict(ranked(QUERY))
    best = max(vector.values())
    assert sorted(text for text, _ in hits) == sorted(DOCUMENTS)
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
    assert hits[0] == [DOCUMENTS[0], pytest.approx(1.0, abs=TOLERANCE)]
    words = set(QUERY.split())
    for text, score in hits:
        normalised = vector[text] / best
        if words.isdisjoint(re.findall(r"[a-z]+", text)):
            assert score == pytest.approx(normalised, abs=TOLERANCE), text
        else:
            assert score >= normalised - TOLERANCE, text


def listed(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The row of SHOW INDEXES / SHOW CONSTRAINTS named ``name``."""
    found = [row for row in rows if row["name"] == name]
    assert found, f"{name!r} is not listed among {[row['name'] for row in rows]}"
    return found[0]
