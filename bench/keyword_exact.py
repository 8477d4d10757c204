"""Exact BM25 over a ``bench.keyword_corpus.Corpus``, and recall against it.

The formula and constants are kgmem's (``kgmem.storage.indexes.keyword_search``)::

    score = sum over query words t in the document of
            idf(t) * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average length))
    idf(t) = ln(1 + (documents - df(t) + 0.5) / (df(t) + 0.5))

where a document's length is its number of distinct words (kgmem's distinct lexemes)
and tf counts each word ``OWN_WORDS`` times, as kgmem's index counts a text without
context.

Every document scores every query word it holds: no candidate budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.keyword_corpus import Corpus
from kgmem.storage.indexes.keyword_search import K1, OWN_WORDS, B

TIE = 1e-6
"""Relative tolerance under which two scores tie (float4 in pg_textsearch)."""


@dataclass(frozen=True)
class Ranking:
    """Every document a query scores above 0: row ids ascending, scores aligned."""

    ids: np.ndarray
    scores: np.ndarray

    def recall(self, found: Sequence[int], k: int) -> float:
        """Recall@k of ``found`` (row ids, best first): the share of the k best that it
        holds, where any document tied with the k-th best counts as one of them."""
        need = min(k, len(self.ids))
        if need == 0:
            return 1.0
        kth = float(np.sort(self.scores)[-need])
        at = np.searchsorted(self.ids, np.asarray(found[:k], dtype=np.int64))
        at = np.minimum(at, len(self.ids) - 1)
        held = self.ids[at] == np.asarray(found[:k], dtype=np.int64)
        good = held & (self.scores[at] >= kth - TIE * max(1.0, kth))
        return min(int(good.sum()), need) / need

    def best(self, k: int) -> list[int]:
        """The ``k`` best row ids, ties by id."""
        order = np.lexsort((self.ids, -self.scores))[:k]
        return [int(i) for i in self.ids[order]]


class Exact:
    """BM25 of every document of a corpus, from postings sorted by word."""

    def __init__(self, corpus: Corpus) -> None:
        tokens = np.diff(corpus.offsets)
        order = np.argsort(corpus.tokens, kind="stable")
        self.words = corpus.tokens[order]
        self.docs = np.repeat(np.arange(corpus.n, dtype=np.int64), tokens)[order]
        # Distinct words per document: the (document, word) pairs, counted once each.
        pairs = np.unique(np.stack([self.docs, self.words.astype(np.int64)]), axis=1)
        self.lengths = np.bincount(pairs[0], minlength=corpus.n)
        self.n = int(np.count_nonzero(self.lengths))
        self.avgdl = float(self.lengths.sum()) / max(self.n, 1)

    def df(self, word: int) -> int:
        """Documents holding ``word``."""
        return len(np.unique(self._postings(word)))

    def rank(self, words: Sequence[int]) -> Ranking:
        """The ranking of a query made of ``words`` (distinct)."""
        ids, parts = [], []
        for word in words:
            docs, counts = np.unique(self._postings(word), return_counts=True)
            tf = OWN_WORDS * counts
            if not len(docs):
                continue
            idf = np.log(1 + (self.n - len(docs) + 0.5) / (len(docs) + 0.5))
            norm = K1 * (1 - B + B * self.lengths[docs] / self.avgdl)
            ids.append(docs)
            parts.append(idf * tf * (K1 + 1) / (tf + norm))
        if not ids:
            return Ranking(np.zeros(0, np.int64), np.zeros(0))
        unique, inverse = np.unique(np.concatenate(ids), return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate(parts))
        return Ranking(unique + 1, scores)

    def _postings(self, word: int) -> np.ndarray:
        start, stop = np.searchsorted(self.words, [word, word + 1])
        return self.docs[start:stop]
