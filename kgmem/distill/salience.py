"""Extractive distillation: the salient sentences of a window of episodes, no LLM.

A sentence's salience mixes two signals, each scaled by the window's best: how close
its vector is to the window's mean vector (what the window is mostly about), and the
weight of its words, each counted by how often the window uses it times how rare it
is across everything being distilled (inverse document frequency, as BM25 weighs
terms). ``mix`` is the share of the first. Sentences are then taken best first,
skipping one that repeats a sentence taken already, and returned in their order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z0-9']+")
_STOP_WORDS = (
    "a an the and or but if of to in on at by for with from as is are was were be been "
    "it its this that these those i you he she we they me him her us them my your his "
    "our their so do did does not no yes just very really too also have has had what "
    "when where who how which there here then than can could would should will about "
    "oh ok okay wow hey hi"
)
_STOP = frozenset(_STOP_WORDS.split())
_SAME = 0.95


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an episode, with the vector that stands for it (or None)."""

    text: str
    episode: str
    vector: Sequence[float] | None


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (at . ! ? followed by space, and at line breaks)."""
    return [s.strip() for s in _SENTENCE.split(text) if len(s.strip()) > 1]


def words(text: str) -> list[str]:
    """The content words of ``text``, lower-cased."""
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


def idf(documents: Sequence[Sequence[str]]) -> dict[str, float]:
    """BM25's inverse document frequency of each word over ``documents``."""
    n = len(documents)
    df = Counter(w for doc in documents for w in set(doc))
    return {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}


def select(
    window: Sequence[Sentence], keep: int, weights: dict[str, float], mix: float
) -> list[int]:
    """Indexes (in order) of the ``keep`` most salient sentences of ``window``."""
    if keep >= len(window):
        return list(range(len(window)))
    scores = _salience(window, weights, mix)
    vectors = _unit_vectors(window)
    taken: list[int] = []
    seen: set[str] = set()
    for i in sorted(range(len(window)), key=lambda j: (-scores[j], j)):
        norm = " ".join(words(window[i].text))
        if norm in seen or _repeats(vectors, i, taken):
            continue
        taken.append(i)
        seen.add(norm)
        if len(taken) == keep:
            break
    return sorted(taken)


def _salience(window: Sequence[Sentence], weights: dict[str, float], mix: float) -> list[float]:
    tokens = [words(s.text) for s in window]
    counts = Counter(w for t in tokens for w in t)
    lexical = [sum(counts[w] * weights.get(w, 0.0) for w in set(t)) for t in tokens]
    vectors = _unit_vectors(window)
    central = _scaled(_centrality(vectors)) if vectors is not None else [0.0] * len(window)
    share = mix if vectors is not None else 0.0
    return [share * c + (1 - share) * k for c, k in zip(central, _scaled(lexical), strict=True)]


def _unit_vectors(window: Sequence[Sentence]) -> np.ndarray | None:
    if any(s.vector is None for s in window) or not window:
        return None
    m = np.asarray([s.vector for s in window], dtype=np.float64)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.asarray(m / np.where(norms == 0, 1.0, norms))


def _centrality(vectors: np.ndarray | None) -> list[float]:
    if vectors is None:
        return []
    mean = vectors.mean(axis=0)
    return [float(x) for x in vectors @ mean]


def _scaled(values: list[float]) -> list[float]:
    if not values:
        return []
    top = max(values)
    return [v / top if top > 0 else 0.0 for v in values]


def _repeats(vectors: np.ndarray | None, i: int, taken: list[int]) -> bool:
    if vectors is None or not taken:
        return False
    return bool(np.max(vectors[taken] @ vectors[i]) >= _SAME)
