"""The synthetic corpus of ``bench keyword-designs``: short documents of English-like
words drawn with Zipf frequencies, so a few words are in most documents and most words
in very few, and the query sets run over it.

A word joins the vocabulary only if PostgreSQL's ``english`` configuration makes it
exactly one lexeme that no other word makes. A document's lexemes are then its words
and its length in tokens its word count, so the exact ranking (``bench.keyword_exact``)
needs no text search parser of its own. Everything is drawn from seeded generators:
the same arguments give the same corpus and queries on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import asyncpg
import numpy as np

ONSETS: tuple[str, ...] = ("b", "br", "c", "d", "f", "g", "gr", "h", "k", "l", "m", "n", "p")
ONSETS += ("pl", "r", "s", "st", "t", "tr", "v", "w", "z")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ou", "ea")
CODAS = ("", "", "n", "r", "l", "m", "nt", "st")
ZIPF = 1.0
"""Exponent of the words' Zipf distribution: the r-th commonest word's share is
proportional to 1 / r ** ZIPF."""
SHORTEST, LONGEST = 3, 20
"""Words per document, uniform between the two."""

# Each candidate word's lexemes under ``english``, in the order given.
_LEXEMES = (
    "SELECT coalesce((SELECT array_agg(u.lexeme) FROM unnest(to_tsvector('english', w.word)) u), "
    "'{}') FROM unnest($1::text[]) WITH ORDINALITY w(word, i) ORDER BY w.i"
)


def _pseudo_word(rng: random.Random) -> str:
    return "".join(
        rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
        for _ in range(rng.choice((2, 2, 3)))
    )


async def vocabulary(conn: asyncpg.Connection, size: int, seed: int) -> list[str]:
    """``size`` distinct pseudo-words, each one lexeme under ``english`` that no other
    word of the list makes (``conn`` only runs ``to_tsvector``)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    kept: dict[str, str] = {}  # lexeme -> word
    while len(kept) < size:
        batch: list[str] = []
        while len(batch) < size - len(kept) + 100:
            word = _pseudo_word(rng)
            if word not in seen:
                seen.add(word)
                batch.append(word)
        for word, (lexemes,) in zip(batch, await conn.fetch(_LEXEMES, batch), strict=True):
            if len(lexemes) == 1 and lexemes[0] not in kept and len(kept) < size:
                kept[lexemes[0]] = word
    return list(kept.values())


@dataclass(frozen=True)
class Corpus:
    """Documents as word ids: document ``i`` (row id ``i + 1``) is
    ``tokens[offsets[i]:offsets[i + 1]]``, word ``j`` is ``words[j]``; the first
    ``vocabulary`` words are the Zipf-ranked vocabulary, commonest first."""

    words: tuple[str, ...]
    vocabulary: int
    tokens: np.ndarray
    offsets: np.ndarray

    @property
    def n(self) -> int:
        return len(self.offsets) - 1

    def rows(self, start: int, stop: int) -> list[tuple[int, str]]:
        """(row id, text) of documents ``start`` to ``stop - 1``."""
        words = self.words
        tokens = self.tokens[self.offsets[start] : self.offsets[stop]].tolist()
        bounds = (self.offsets[start : stop + 1] - self.offsets[start]).tolist()
        return [
            (start + i + 1, " ".join([words[j] for j in tokens[bounds[i] : bounds[i + 1]]]))
            for i in range(stop - start)
        ]

    @classmethod
    def empty(cls, words: list[str]) -> Corpus:
        """No documents yet, over the vocabulary ``words`` (commonest first)."""
        return cls(tuple(words), len(words), np.zeros(0, np.int32), np.zeros(1, np.int64))

    def plus(self, other: Documents, new_words: tuple[str, ...] = ()) -> Corpus:
        """This corpus followed by ``other`` (whose ids may name ``new_words``, appended)."""
        offsets = np.concatenate([self.offsets, other.offsets[1:] + self.offsets[-1]])
        return Corpus(
            self.words + new_words,
            self.vocabulary,
            np.concatenate([self.tokens, other.tokens]),
            offsets,
        )


@dataclass(frozen=True)
class Documents:
    """A batch of documents as word ids, laid out as in ``Corpus``."""

    tokens: np.ndarray
    offsets: np.ndarray


class Writer:
    """Draws documents from the vocabulary's Zipf distribution, one seeded stream."""

    def __init__(self, vocabulary: int, seed: int) -> None:
        weights = 1.0 / np.arange(1, vocabulary + 1) ** ZIPF
        self.cdf = np.cumsum(weights / weights.sum())
        self.rng = np.random.default_rng(seed)

    def draw(self, count: int) -> Documents:
        """The next ``count`` documents."""
        lengths = self.rng.integers(SHORTEST, LONGEST + 1, size=count)
        words = np.searchsorted(self.cdf, self.rng.random(int(lengths.sum())), side="right")
        words = np.minimum(words, len(self.cdf) - 1).astype(np.int32)
        return Documents(words, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))


def with_markers(docs: Documents, first_word: int) -> Documents:
    """``docs`` with one more word each, word ``first_word + i`` ending document ``i``."""
    count = len(docs.offsets) - 1
    lengths = np.diff(docs.offsets) + 1
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tokens = np.empty(int(offsets[-1]), dtype=np.int32)
    ends = offsets[1:] - 1
    tokens[ends] = np.arange(first_word, first_word + count, dtype=np.int32)
    mask = np.ones(len(tokens), dtype=bool)
    mask[ends] = False
    tokens[mask] = docs.tokens
    return Documents(tokens, offsets)


def marker(i: int) -> str:
    """The ``i``-th marker word: one lexeme under ``english`` (letters and digits make a
    ``numword``, indexed as it is), never a vocabulary word (which has no digits)."""
    return f"crashmark{i:07d}"


@dataclass(frozen=True)
class Query:
    """A query's text and the word ids it is made of (distinct)."""

    text: str
    words: tuple[int, ...]


def mixed_queries(corpus: Corpus, count: int, seed: int) -> list[Query]:
    """``count`` queries of 2 to 4 distinct words, each word common or rare: drawn by
    frequency (Zipf) or uniformly over the vocabulary, with even odds."""
    rng = random.Random(seed)
    cdf = Writer(corpus.vocabulary, 0).cdf
    out = []
    for _ in range(count):
        chosen: list[int] = []
        size = rng.randint(2, 4)
        while len(chosen) < size:
            if rng.random() < 0.5:
                word = min(int(np.searchsorted(cdf, rng.random(), side="right")), len(cdf) - 1)
            else:
                word = rng.randrange(corpus.vocabulary)
            if word not in chosen:
                chosen.append(word)
        out.append(_query(corpus, chosen))
    return out


def common_queries(corpus: Corpus, count: int, seed: int, *, top: int = 5) -> list[Query]:
    """``count`` queries of 2 to 4 distinct words among the ``top`` commonest."""
    rng = random.Random(seed)
    return [_query(corpus, rng.sample(range(top), rng.randint(2, 4))) for _ in range(count)]


def marker_queries(corpus: Corpus, first_word: int, count: int) -> list[Query]:
    """One query per marker word, ``first_word`` onwards."""
    return [_query(corpus, [first_word + i]) for i in range(count)]


def _query(corpus: Corpus, words: list[int]) -> Query:
    return Query(" ".join(corpus.words[w] for w in words), tuple(words))
