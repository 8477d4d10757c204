"""Folding names for comparison: case, accents, punctuation and spacing."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)

# Letters NFKD does not decompose, written as their usual Latin transliteration.
_SPECIAL = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th", "\u0131": "i"}
)


@functools.lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """One character without case or accents (may be empty or longer than one)."""
    lowered = char.casefold().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def key(name: str) -> str:
    """The normalised key of a name: folded, punctuation as spaces, single-spaced."""
    folded = "".join(fold_char(c) for c in name)
    return " ".join(_NON_WORD.sub(" ", folded).split())


def uid_for(name: str) -> str:
    """A deterministic entity uid for a name: the same folded name gives the same uid, so
    concurrent writers of one new entity meet on the store's unique uid."""
    folded = key(name)
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60]
    digest = hashlib.sha1(folded.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"ent-{slug}-{digest}" if slug else f"ent-{digest}"
