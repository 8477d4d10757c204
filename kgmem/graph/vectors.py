"""Decide each written item's embedding: the caller's, the stored one, or a new one.

A caller-supplied vector always wins. Otherwise, when the item's text is unchanged and
a vector is stored, the stored one is kept (re-writing a graph costs no embedding
time). Otherwise the text is embedded, all such texts of a write in one batched call.
Without text, or without an embedder, the item has no vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgmem.embedding import Embedder


@dataclass(slots=True)  # not frozen: a frozen init costs ~4x (made per item)
class VectorChoice:
    """The vector to store, or ``keep`` the stored one."""

    vector: Sequence[float] | None
    keep: bool = False


@dataclass(slots=True)  # not frozen: a frozen init costs ~4x (made per item)
class VectorNeed:
    """One item's text, its caller-supplied vector, and what is stored for it."""

    text: str | None
    supplied: list[float] | None
    stored_text: str | None = None
    stored_has_vector: bool = False
    exists: bool = False


# Shared by every item that has no vector or keeps its stored one (never mutated).
_NO_VECTOR = VectorChoice(None)
_KEEP = VectorChoice(None, keep=True)


async def choose(embedder: Embedder | None, needs: Sequence[VectorNeed]) -> list[VectorChoice]:
    """One choice per need, in order; embeds what must be embedded in one call."""
    choices: list[VectorChoice | None] = []
    to_embed: list[int] = []
    for i, need in enumerate(needs):
        if need.supplied is not None:
            choices.append(VectorChoice(need.supplied))
        elif need.exists and need.stored_has_vector and need.stored_text == need.text:
            choices.append(_KEEP)
        elif need.text is not None and embedder is not None:
            choices.append(None)
            to_embed.append(i)
        elif need.exists and not need.stored_has_vector and need.stored_text == need.text:
            # Unchanged and without a vector: nothing stored to clear (a round trip saved).
            choices.append(VectorChoice(None, keep=True))
        else:
            choices.append(_NO_VECTOR)
    if to_embed:
        assert embedder is not None
        texts = [needs[i].text or "" for i in to_embed]
        vectors = await embedder.embed(texts)
        for i, row in zip(to_embed, vectors, strict=True):
            choices[i] = VectorChoice(row)
    done = [c for c in choices if c is not None]
    assert len(done) == len(needs)
    return done
