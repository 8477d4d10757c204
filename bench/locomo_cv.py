"""Leave-one-conversation-out choice of the fusion over cached per-axis scores.

Each question's candidates and scores per axis are read once from kgmem (one search per
axis alone); the fusions here replay kgmem's own (``kgmem.retrieval.fusion``) over the
top ``DEPTH`` of each axis, as a search with k = 10 sees them. For every conversation a
fusion and its weights are chosen on the other conversations only (best mean recall@10,
ties to the earliest in ``grid()``), then measured on the held-out one: no figure comes
from a choice that saw its questions. The bootstrap resamples questions.
"""

from __future__ import annotations

import json
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kgmem.retrieval import answer_types, first_person, named_times, present, speakers
from kgmem.retrieval import statement_favouring as statements
from kgmem.retrieval.fusion import FUSIONS, Feature, Fusion, Scored, fuse
from kgmem.retrieval.nearby import Nearby

DEPTH = 50
RANKED = ("keyword", "vector")
# What a turn's vector embeds, the bench's ways of storing turns (``bench.locomo``):
# the turn and the next one of its session, the turn alone, the previous and the turn.
CONTEXTS = ("next", "none", "previous")
K = 10
BOOTSTRAP = 2000
# Weights of the fusion's nearby features (``kgmem.retrieval.nearby``) and of its
# speaker feature (``kgmem.retrieval.speakers``), not axes.
NEARBY_KEYS = ("nearby_keyword", "nearby_vector")
SPEAKER = speakers.NAME
STATEMENT = statements.NAME
FIRST_PERSON = first_person.NAME
PRESENT = present.NAME
ANSWER_TYPE = answer_types.NAME
NAMED_TIME = named_times.NAME
FEATURE_KEYS = (*NEARBY_KEYS, SPEAKER, STATEMENT, FIRST_PERSON, PRESENT, ANSWER_TYPE, NAMED_TIME)


@dataclass(frozen=True, slots=True)
class Question:
    """One question with each axis's candidates (turn id -> score in [0, 1])."""

    conversation: str
    category: int
    text: str
    gold: frozenset[str]
    axes: Mapping[str, Mapping[str, float]]
    times: Mapping[str, float] = field(default_factory=dict)  # turn id -> seconds
    favoured: frozenset[str] = frozenset()  # turns whose speaker the question names
    asking: frozenset[str] = frozenset()  # candidate turns that ask (statements.asks)
    personal: frozenset[str] = frozenset()  # candidate turns in the first person
    answering: frozenset[str] = frozenset()  # candidate turns holding the answer's kind

    def top(self, axis: str) -> dict[str, float]:
        """The candidates a search with k = 10 fuses: the ranked axes (keyword, vector)
        stop at ``DEPTH``; the graph axis returns its whole neighbourhood."""
        found = self.axes.get(axis, {})
        if axis.split("@", 1)[0] not in RANKED:
            return dict(found)
        return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:DEPTH])


@dataclass(frozen=True, slots=True)
class Choice:
    """A fusion, its axis weights and what the turns' vectors embed ("" when the
    questions carry one plain "vector" axis)."""

    method: Fusion
    weights: Mapping[str, float]
    context: str = ""

    def label(self) -> str:
        parts = " ".join(f"{a}={w:g}" for a, w in sorted(self.weights.items()) if w > 0)
        vectors = f", vectors embed context={self.context}" if self.context else ""
        return f"{self.method} {parts}{vectors}"

    def axis(self, name: str) -> str:
        """The question's axis that plays ``name`` under this choice."""
        return f"vector@{self.context}" if name == "vector" and self.context else name


def ranked(q: Question, choice: Choice) -> list[str]:
    """The turn ids kgmem's fusion puts first, best first."""
    real = [a for a in choice.weights if a not in FEATURE_KEYS]
    axes = {a: {t: Scored(s, "") for t, s in q.top(choice.axis(a)).items()} for a in real}
    order = {t: ("v", t) for a in axes.values() for t in a}
    cut = [a for a, found in axes.items() if a in RANKED and len(found) >= DEPTH]
    near = Nearby({a: choice.weights.get(f"nearby_{a}", 0.0) for a in RANKED}, q.times)
    speaker = Feature(choice.weights.get(SPEAKER, 0.0), dict.fromkeys(q.favoured, 1.0), SPEAKER)
    tells = {t: float(t not in q.asking) for t in order}
    statement = Feature(choice.weights.get(STATEMENT, 0.0), tells, STATEMENT)
    said = {t: float(t in q.personal) for t in order}
    personal = Feature(choice.weights.get(FIRST_PERSON, 0.0), said, FIRST_PERSON)
    holding = {t: float(t in q.answering) for t in order}
    answer = Feature(choice.weights.get(ANSWER_TYPE, 0.0), holding, ANSWER_TYPE)
    dated = dict.fromkeys(named(q), 1.0)
    extra = [
        speaker,
        statement,
        personal,
        answer,
        Feature(choice.weights.get(NAMED_TIME, 0.0), dated, NAMED_TIME),
    ]
    if choice.weights.get(PRESENT, 0.0) > 0 and present.about_present(q.text):
        about = present.relevance({a: {t: s.score for t, s in c.items()} for a, c in axes.items()})
        extra.append(Feature(choice.weights[PRESENT], recency(q, order, about), PRESENT))
    fused = fuse(
        axes,
        choice.weights,
        method=choice.method,
        order=order,
        cut=cut,
        nearby=near,
        features=extra,
    )
    return [f.key for f in fused[:K]]


def named(q: Question) -> set[str]:
    """The question's turns that occurred in the time its text names, read from the
    clock's now as kgmem's search reads it (``kgmem.retrieval.named_times``)."""
    when = named_times.read(q.text, datetime.now(UTC))
    if when is None:
        return set()
    times = {t: datetime.fromtimestamp(s, UTC) for t, s in q.times.items()}
    return {str(t) for t in named_times.inside(times, when)}


def recency(
    q: Question, turns: Mapping[str, object], about: Mapping[str, float]
) -> dict[str, float]:
    """Each candidate turn's relevance-weighted recency, as ``kgmem.retrieval.present``
    scores episodes."""
    return present.recency({t: q.times[t] for t in turns if t in q.times}, about)


def save(questions: Sequence[Question], path: Path) -> None:
    """Write the cached candidates as JSON (for replaying choices without a database)."""
    rows = [
        {
            **asdict(q),
            "gold": sorted(q.gold),
            "favoured": sorted(q.favoured),
            "asking": sorted(q.asking),
            "personal": sorted(q.personal),
            "answering": sorted(q.answering),
            "axes": {a: dict(c) for a, c in q.axes.items()},
        }
        for q in questions
    ]
    path.write_text(json.dumps(rows))


def load(path: Path) -> list[Question]:
    """The questions ``save`` wrote."""
    rows = json.loads(path.read_text())
    return [
        Question(
            **{
                **r,
                "gold": frozenset(r["gold"]),
                "favoured": frozenset(r.get("favoured", ())),
                "asking": frozenset(r.get("asking", ())),
                "personal": frozenset(r.get("personal", ())),
                "answering": frozenset(r.get("answering", ())),
            }
        )
        for r in rows
    ]


def recall(q: Question, got: Sequence[str], k: int = K) -> float:
    """The share of the question's evidence turns among the first ``k`` of ``got``."""
    return len(q.gold & set(got[:k])) / len(q.gold)


def grid(axes: Sequence[str], contexts: Sequence[str] = ("",)) -> list[Choice]:
    """Candidate choices over ``axes``: convex mixes of keyword and vector in steps of
    0.05 and rank fusion at a few vector weights, each with every other axis at a few
    weights; an axis alone has weight 1. A choice that uses the vector axis comes once
    per way of embedding the turns in ``contexts``; one that does not, with the first."""
    extra = [a for a in axes if a not in ("keyword", "vector")]
    choices: list[Choice] = []
    for method in FUSIONS:
        for base in _bases(method, [a for a in axes if a in ("keyword", "vector")]):
            for more in _extras(extra, alone=not base):
                ways = contexts if base.get("vector", 0) > 0 else contexts[:1]
                choices.extend(Choice(method, {**base, **more}, c) for c in ways)
    return choices


def _bases(method: str, text_axes: Sequence[str]) -> list[dict[str, float]]:
    if len(text_axes) < 2:
        return [{a: 1.0 for a in text_axes}]
    if method == "convex":
        return [{"vector": i / 20, "keyword": 1 - i / 20} for i in range(21)]
    return [{"vector": v, "keyword": 1.0} for v in (0, 0.25, 0.5, 0.75, 1)]


def _extras(extra: Sequence[str], *, alone: bool) -> list[dict[str, float]]:
    combos: list[dict[str, float]] = [{}]
    for axis in extra:
        weights = (1.0,) if alone else (0.0, 0.1, 0.2, 0.4)
        combos = [{**c, axis: w} for c in combos for w in weights]
    return combos


@dataclass
class Folds:
    """Per held-out conversation: the choice made without it and its recalls."""

    chosen: dict[str, Choice] = field(default_factory=dict)
    recalls: dict[str, list[float]] = field(default_factory=dict)


def cross_validate(questions: Sequence[Question], choices: Sequence[Choice]) -> Folds:
    """Leave one conversation out: choose on the rest, measure on it."""
    table = [[recall(q, ranked(q, c)) for q in questions] for c in choices]
    folds = Folds()
    for held in sorted({q.conversation for q in questions}):
        train = [i for i, q in enumerate(questions) if q.conversation != held]
        best = max(range(len(choices)), key=lambda c: statistics.fmean(table[c][i] for i in train))
        folds.chosen[held] = choices[best]
        folds.recalls[held] = [
            table[best][i] for i, q in enumerate(questions) if q.conversation == held
        ]
    return folds


def choose(questions: Sequence[Question], choices: Sequence[Choice]) -> Choice:
    """The choice that is best on all the questions (what a default would be)."""
    table = [statistics.fmean(recall(q, ranked(q, c)) for q in questions) for c in choices]
    return choices[max(range(len(choices)), key=lambda c: table[c])]


def bootstrap(diffs: Sequence[float], *, seed: int = 7) -> tuple[float, float]:
    """95% percentile interval of the mean of ``diffs`` (questions resampled)."""
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(statistics.fmean(rng.choices(diffs, k=n)) for _ in range(BOOTSTRAP))
    return means[int(0.025 * BOOTSTRAP)], means[int(0.975 * BOOTSTRAP) - 1]


def by_category(questions: Sequence[Question], values: Sequence[float]) -> dict[int, list[float]]:
    out: dict[int, list[float]] = {}
    for q, v in zip(questions, values, strict=True):
        out.setdefault(q.category, []).append(v)
    return out


Runner = Callable[[Question], Sequence[str]]


def ablate(
    questions: Sequence[Question], axes: Sequence[str], contexts: Sequence[str] = ("",)
) -> dict[str, list[float]]:
    """Cross-validated recall@10 per question of each axis alone and of growing sets of
    axes, each set's weights (and the way turns are embedded) chosen
    leave-one-conversation-out like the full fusion."""
    sets = [(a,) for a in axes] + [tuple(axes[:n]) for n in range(2, len(axes) + 1)]
    out: dict[str, list[float]] = {}
    for subset in sets:
        choices = [c for c in grid(subset, contexts) if _uses_only(c, subset)]
        folds = cross_validate(questions, choices)
        values = {held: iter(v) for held, v in folds.recalls.items()}
        out["+".join(subset)] = [next(values[q.conversation]) for q in questions]
    return out


def _uses_only(choice: Choice, subset: Sequence[str]) -> bool:
    used = {a for a, w in choice.weights.items() if w > 0}
    return bool(used) and used <= set(subset)
