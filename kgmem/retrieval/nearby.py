"""What a candidate's neighbours in time say about it: the best score an axis gave any
other candidate that occurred within ``WINDOW`` seconds of it.

A turn of a conversation is often found through the turns around it: the question
names what one turn says and asks about what the next one answers. Episodes that
happened close together are so evidence for each other. ``best_nearby`` takes each
candidate's time (its ``occurred_at``, as seconds) and, per axis, that axis's scaled
scores, and gives every timed candidate the best score among the *other* timed
candidates at most ``WINDOW`` seconds away (0 when there is none). The ``minmax``
fusion (``kgmem.retrieval.fusion``) mixes these in with the ``nearby_*`` weights of
``AxisWeights``. One hour covers a conversation's session of turns and keeps sessions of
different days apart; the weights were fitted with it (``python -m bench locomo``).

It is one pass over the candidates a search already fetched: sorted by time, each
candidate's neighbours are a range on either side of it, whose maximum a sparse table
gives in constant time.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from kgmem.model import AxisWeights
from kgmem.storage.indexes.candidates import VertexInfo

WINDOW = 3600.0
# Why a hit's nearby features rose, as its reasons give it (``kgmem.retrieval.hits``).
REASONS = {
    "nearby_keyword": "another hit within an hour has scaled keyword score {value:.2f}",
    "nearby_vector": "another hit within an hour has scaled vector score {value:.2f}",
}

Key = TypeVar("Key", bound=Hashable)


def best_nearby(
    scores: Sequence[Mapping[Key, float]],
    times: Mapping[Key, float],
    window: float = WINDOW,
) -> list[dict[Key, float]]:
    """For each mapping in ``scores`` (one per axis): per key of ``times``, the best
    score of another key of ``times`` whose time is within ``window`` of its own (a key
    a mapping lacks scores 0 there)."""
    if not scores:
        return []
    keys = sorted(times, key=lambda k: times[k])
    if not keys:
        return [{} for _ in scores]
    at = np.array([times[k] for k in keys], dtype=float)
    values = np.array([[axis.get(k, 0.0) for axis in scores] for k in keys], dtype=float)
    index = np.arange(len(keys))
    lo = np.searchsorted(at, at - window, side="left")
    hi = np.searchsorted(at, at + window, side="right")
    table = _sparse_table(values)
    best = np.maximum(_range_max(table, lo, index), _range_max(table, index + 1, hi))
    return [{k: float(best[i, a]) for i, k in enumerate(keys)} for a in range(len(scores))]


def _sparse_table(values: np.ndarray) -> list[np.ndarray]:
    """Level j holds the maximum of rows [i, i + 2**j) at row i (range maxima in O(1))."""
    table = [values]
    width = 1
    while 2 * width <= len(values):
        last = table[-1]
        table.append(np.maximum(last[: len(last) - width], last[width:]))
        width *= 2
    return table


def _range_max(table: list[np.ndarray], start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Per row i, the maximum of rows [start[i], stop[i]) (0 where that is empty)."""
    out = np.zeros((len(start), table[0].shape[1]))
    size = stop - start
    some = size > 0
    level = np.zeros_like(size)
    level[some] = np.floor(np.log2(size[some])).astype(int)
    for j in np.unique(level[some]):
        rows = np.nonzero(some & (level == j))[0]
        width = 1 << int(j)
        out[rows] = np.maximum(table[j][start[rows]], table[j][stop[rows] - width])
    return out


@dataclass(frozen=True, slots=True)
class Nearby(Generic[Key]):
    """The ``nearby`` weight of each axis and the candidates' times (seconds)."""

    weights: Mapping[str, float]
    times: Mapping[Key, float]


def of(weights: AxisWeights, vertices: Mapping[int, VertexInfo]) -> Nearby[tuple[str, int]]:
    """The ``nearby_*`` weights of ``weights`` by the axis they read, and the time of
    each candidate vertex that has one, by search key."""
    return Nearby(
        {"keyword": weights.nearby_keyword, "vector": weights.nearby_vector},
        {("v", i): v.occurred_at.timestamp() for i, v in vertices.items() if v.occurred_at},
    )
