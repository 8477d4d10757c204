"""Full-text indexes queried with Lucene's syntax: what matches, and BM25 scores
computed independently here on a small corpus."""

from __future__ import annotations

import json
import math
import re

import asyncpg
import pytest

from kgmem import Memory
from kgmem.neo4j_schema import fulltext_query
from kgmem.neo4j_schema.fulltext_query import Statistics
from kgmem.storage.neo4j_schema import fulltext_sql
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
    tokenised as the simple configuration does (lower-case words); a document's length
    is its number of distinct words."""
    docs = {t: re.findall(r"[a-z0-9]+", t.lower()) for t in texts}
    n = len(docs)
    avgdl = sum(len(set(words)) for words in docs.values()) / n
    scores = {}
    for text, words in docs.items():
        score = 0.0
        for term in terms:
            df = sum(1 for w in docs.values() if term in w)
            tf = words.count(term)
            if tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                score += idf * tf / (tf + 1.2 * (1 - 0.75 + 0.75 * len(set(words)) / avgdl))
        if score:
            scores[text] = score
    return scores


async def _query(
    memory: Memory, namespace: str, text: str, **options: object
) -> list[tuple[int, float]]:
    return await fulltext_query.query(
        StoreReader(memory, namespace),
        "docs",
        text,
        options,
        entity="NODE",
        statistics=Statistics(),
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


async def _ids(memory: Memory, namespace: str, text: str, **options: object) -> list[int]:
    return [i for i, _ in await _query(memory, namespace, text, **options)]


async def _books(memory: Memory, namespace: str, raw_conn: asyncpg.Connection) -> dict[str, int]:
    """Books with a title and a body, indexed on both (title A, body B)."""
    result = await memory.cypher(
        namespace,
        "UNWIND $rows AS r CREATE (b:Book {key: r[0], title: r[1], body: r[2]}) "
        "RETURN r[0], id(b)",
        {"rows": [
            ["fox", "The Fox", "a story of a running fox and a dog"],
            ["dog", "Dog Days", "the lazy dog sleeps; no fox here (really)"],
            ["cat", "Cats", "it's a cat's life: e-mail@example.com"],
            ["foxes", "Foxglove", "foxes and gloves"],
            ["none", "Nothing", "nothing to see"],
        ]},
        mode="write",
    )  # fmt: skip
    await create(raw_conn, namespace, index("docs", ["Book"], ["title", "body"]))
    return {row[0]: int(row[1]) for row in result.rows}


async def test_each_query_form_finds_what_lucene_would(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    b = await _books(memory, namespace, raw_conn)

    async def found(text: str) -> set[int]:
        return set(await _ids(memory, namespace, text))

    assert await found("fox") == {b["fox"], b["dog"]}
    assert await found("fox dog") == {b["fox"], b["dog"]}
    assert await found("fox AND dog") == {b["fox"], b["dog"]}
    assert await found("fox AND NOT lazy") == {b["fox"]}
    assert await found("+fox -lazy") == {b["fox"]}
    assert await found("fox && !lazy") == {b["fox"]}
    assert await found("title:fox") == {b["fox"]}
    assert await found("body:fox") == {b["fox"], b["dog"]}
    assert await found('body:"lazy dog"') == {b["dog"]}
    assert await found('"dog sleeps"') == {b["dog"]}
    assert await found('"sleeps dog"') == set()
    assert await found('"lazy dog"') == {b["dog"]}
    assert await found('"dog lazy"~2') == {b["dog"]}
    assert await found("fox*") == {b["fox"], b["dog"], b["foxes"]}
    assert await found("fox~") == {b["fox"], b["dog"], b["foxes"]}
    assert await found("(cat OR glove*) AND NOT title:fox") == {b["cat"], b["foxes"]}
    assert await found("it\\'s") == {b["cat"]}
    assert await found("\\(really\\)") == {b["dog"]}
    assert await found("nope:fox") == set()
    assert await found("NOT fox") == set()
    assert await found("zebra") == set()


async def test_boosts_order_and_skip_limit(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    b = await _books(memory, namespace, raw_conn)
    assert (await _ids(memory, namespace, "cats OR nothing^10"))[0] == b["none"]
    assert (await _ids(memory, namespace, "cats^10 OR nothing"))[0] == b["cat"]
    everything = await _ids(memory, namespace, "fox OR dog OR cats OR nothing")
    assert len(everything) == 4
    assert (
        await _ids(memory, namespace, "fox OR dog OR cats OR nothing", skip=1, limit=2)
        == (everything[1:3])
    )
    scores = [s for _, s in await _query(memory, namespace, "fox OR dog")]
    assert scores == sorted(scores, reverse=True)


class _Sampled(Statistics):
    EXACT_PAGES = 0  # every index counts as large


async def test_large_indexes_keep_their_statistics_a_while(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await _load(memory, namespace, CORPUS)
    await create(raw_conn, namespace, index("docs", ["Doc"], ["text"]))
    reader = StoreReader(memory, namespace)
    found = await reader.sql(fulltext_sql.FIND, namespace, "docs")
    declared = json.loads(found[0][2])
    kept = _Sampled()
    lengths = [len(set(t.split())) for t in CORPUS]
    assert await kept.of(reader, declared, found) == (5, pytest.approx(sum(lengths) / 5))
    await _load(memory, namespace, ["one more document"])
    assert (await kept.of(reader, declared, found))[0] == 5  # kept
    assert (await _Sampled().of(reader, declared, found))[0] == 6
    assert (await Statistics().of(reader, declared, found))[0] == 6  # small: always read
