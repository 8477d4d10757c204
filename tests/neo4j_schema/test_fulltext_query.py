"""Full-text indexes queried with Lucene's syntax: what matches, and BM25 scores
computed independently here on a small corpus."""

from __future__ import annotations

import math
import re

import asyncpg
import pytest

from kgmem import Memory
from kgmem.neo4j_schema import fulltext
from tests.neo4j_schema.fulltext_support import StoreReader, create, index

CORPUS = [
    "the quick brown fox jumps over the lazy dog",
    "a quick brown dog",
    "lazy afternoons with a lazy cat",
    "foxes and dogs and foxes",
    "completely unrelated words here",
]


async def _load(memory: Memory, namespace: str, texts: list[str]) -> dict[str, int]:
    """One :Doc per text; the graph id of each text."""
    result = await memory.cypher(
        namespace,
        "UNWIND $texts AS t CREATE (d:Doc {text: t}) RETURN t, id(d)",
        {"texts": texts},
        mode="write",
    )
    return {row[0]: int(row[1]) for row in result.rows}


def _bm25(texts: list[str], terms: list[str]) -> dict[str, float]:
    """Lucene's BM25 (k1 1.2, b 0.75, no (k1 + 1) factor) of each text for ``terms``,
    tokenised as the simple configuration does (lower-case words)."""
    docs = {t: re.findall(r"[a-z0-9]+", t.lower()) for t in texts}
    n = len(docs)
    avgdl = sum(len(words) for words in docs.values()) / n
    scores = {}
    for text, words in docs.items():
        score = 0.0
        for term in terms:
            df = sum(1 for w in docs.values() if term in w)
            tf = words.count(term)
            if tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                score += idf * tf / (tf + 1.2 * (1 - 0.75 + 0.75 * len(words) / avgdl))
        if score:
            scores[text] = score
    return scores


async def _query(
    memory: Memory, namespace: str, text: str, **options: object
) -> list[tuple[int, float]]:
    return await fulltext.query(
        StoreReader(memory, namespace), "docs", text, options, entity="NODE"
    )


async def test_scores_are_bm25_as_lucene_computes_them(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    ids = await _load(memory, namespace, CORPUS)
    await create(raw_conn, namespace, index("docs", ["Doc"], ["text"]))
    found = await _query(memory, namespace, "lazy fox")
    expected = _bm25(CORPUS, ["lazy", "fox"])
    by_id = {ids[t]: s for t, s in expected.items()}
    assert [i for i, _ in found] == sorted(by_id, key=lambda i: (-by_id[i], i))
    for graph_id, score in found:
        assert score == pytest.approx(by_id[graph_id], rel=1e-9)
