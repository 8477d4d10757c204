"""Entity resolution: which stored entity, if any, a mention names.

In order: the caller's uid; the normalised key of a stored name or alias; initials
("J. Smith" and "John Smith", when only one entity fits); string similarity of
folded names (rapidfuzz, ``fuzzy_threshold``); and, for loosely similar names,
similarity of name embeddings (``embedding_threshold``). A candidate must have a
compatible type: the same label, or either one untyped (``Entity``). A mention that
matches nothing becomes a new entity whose uid derives from its folded name, so
concurrent episodes introducing one new entity meet on one vertex.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from kgmem.ingest.matcher import NameMatcher
from kgmem.ingest.normalise import key, uid_for
from kgmem.ingest.types import EntityMention, Resolution
from kgmem.storage.graph.bookkeeping import NamedVertex

LOOSE_FLOOR = 60.0


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How similar names must be to resolve to one entity."""

    fuzzy: float = 88.0
    embedding: float = 0.92


def compatible(a: str, b: str) -> bool:
    """Whether two labels may name the same entity."""
    return a == b or "Entity" in (a, b)


@dataclass
class NameIndex:
    """Stored entities by folded name and alias, with a matcher over them."""

    vertices: dict[str, NamedVertex] = field(default_factory=dict)
    by_key: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_last: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    changes: int = 0  # bumped by every ``add``: tells whether a batch changed the index
    _matcher: NameMatcher | None = None
    _keys: list[str] | None = None

    @classmethod
    def of(cls, vertices: Iterable[NamedVertex]) -> NameIndex:
        """An index over ``vertices``."""
        index = cls()
        for v in vertices:
            index.add(v)
        return index

    def add(self, vertex: NamedVertex) -> None:
        """Index one entity (again, after it changed)."""
        self.vertices[vertex.uid] = vertex
        self.changes += 1
        for name in (vertex.name, *vertex.aliases):
            folded = key(name) if name else ""
            if folded and vertex.uid not in self.by_key[folded]:
                self.by_key[folded].append(vertex.uid)
                self.by_last[folded.split()[-1]].add(folded)
        self._matcher = None
        self._keys = None

    def alias(self, uid: str, name: str) -> None:
        """Index one more name of a known entity."""
        vertex = self.vertices.get(uid)
        if vertex is not None:
            self.add(dataclasses.replace(vertex, aliases=(*vertex.aliases, name)))

    @property
    def matcher(self) -> NameMatcher:
        """The Aho-Corasick matcher over every name and alias (built on first use)."""
        if self._matcher is None:
            pairs = [
                (name, v.uid)
                for v in self.vertices.values()
                for name in (v.name, *v.aliases)
                if name
            ]
            self._matcher = NameMatcher(pairs)
        return self._matcher

    @property
    def keys(self) -> list[str]:
        """Every folded name and alias."""
        if self._keys is None:
            self._keys = [k for k, uids in self.by_key.items() if uids]
        return self._keys

    def compatible_uids(self, folded: str, label: str) -> list[str]:
        """Entities with this folded name or alias and a compatible label."""
        return [u for u in self.by_key.get(folded, ()) if compatible(self.vertices[u].label, label)]


def resolve(index: NameIndex, mention: EntityMention, thresholds: Thresholds) -> Resolution:
    """Resolve by name alone (no embeddings): see the module docstring."""
    name = mention.name.strip()
    if mention.uid is not None:
        return Resolution(mention.uid, False, "caller", 1.0, mention.label, name)
    folded = key(name)
    for candidate in (folded, *(key(a) for a in mention.aliases)):
        found = index.compatible_uids(candidate, mention.label)
        if found:
            method = "exact" if _is_name(index, found[0], candidate) else "alias"
            return _to(index, found[0], method, 1.0, name)
    initials = _initials(index, folded, mention.label)
    if initials is not None:
        return _to(index, initials, "initials", 0.9, name)
    fuzzy = best_fuzzy(index, folded, mention.label, thresholds.fuzzy)
    if fuzzy is not None:
        return _to(index, fuzzy[0], "fuzzy", fuzzy[1] / 100, name)
    return Resolution(uid_for(name), True, "new", 1.0, mention.label, name)


def retyped(index: NameIndex, mention: EntityMention) -> Resolution | None:
    """A stored entity of the mention's name whose label was a guess and differs from
    the mention's, taken under the mention's label (the caller relabels it), or None.
    Only for a mention whose label is not itself a guess or ``Entity``: a sure cue
    ("I work at Siemens") corrects a guess ("at Siemens" read as a Place)."""
    if mention.uid is not None or mention.label == "Entity":
        return None
    name = mention.name.strip()
    for uid in index.by_key.get(key(name), ()):
        v = index.vertices[uid]
        if v.type_guessed and v.label != mention.label:
            return Resolution(uid, False, "retyped", 1.0, mention.label, name)
    return None


def resolve_by_embedding(
    index: NameIndex,
    mention: EntityMention,
    candidates: Sequence[tuple[str, float]],
    threshold: float,
) -> Resolution | None:
    """The loosely similar (string similarity at least ``LOOSE_FLOOR``) compatible
    candidate of highest cosine similarity at or above ``threshold``, or None.
    ``candidates`` are (uid, cosine similarity of name embeddings)."""
    folded = key(mention.name)
    for uid, cosine in sorted(candidates, key=lambda c: -c[1]):
        v = index.vertices.get(uid)
        if cosine < threshold or v is None or not compatible(v.label, mention.label):
            continue
        loose = max(_similarity(folded, key(n)) for n in (v.name or "", *v.aliases))
        if loose >= LOOSE_FLOOR:
            return _to(index, uid, "embedding", cosine, mention.name.strip())
    return None


def best_fuzzy(
    index: NameIndex, folded: str, label: str, threshold: float
) -> tuple[str, float] | None:
    """The most similar compatible entity at or above ``threshold`` (0-100)."""
    if not folded:
        return None
    for match, score, _ in process.extract(
        folded, index.keys, scorer=_similarity, score_cutoff=threshold, limit=5
    ):
        found = index.compatible_uids(match, label)
        if found:
            return found[0], float(score)
    return None


def _similarity(a: str, b: str, *, score_cutoff: float | None = None, **_: object) -> float:
    """Edit similarity, also with words reordered ("Smith John")."""
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def _initials(index: NameIndex, folded: str, label: str) -> str | None:
    """The one entity whose name agrees with ``folded`` once first names are reduced to
    initials ("j smith" and "john smith"); None if none or several do."""
    words = folded.split()
    if len(words) < 2:
        return None
    wanted = _abbreviated(words)
    found = {
        u
        for k in index.by_last.get(words[-1], ())
        if len(k.split()) == len(words)
        and _abbreviated(k.split()) == wanted
        and (len(words[0]) == 1) != (len(k.split()[0]) == 1)
        for u in index.compatible_uids(k, label)
    }
    return found.pop() if len(found) == 1 else None


def _abbreviated(words: list[str]) -> tuple[str, ...]:
    return (*(w[0] for w in words[:-1]), words[-1])


def _is_name(index: NameIndex, uid: str, folded: str) -> bool:
    name = index.vertices[uid].name
    return name is not None and key(name) == folded


def _to(index: NameIndex, uid: str, method: str, score: float, surface: str) -> Resolution:
    return Resolution(uid, False, method, score, index.vertices[uid].label, surface)
