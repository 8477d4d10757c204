"""The fusion features read from the eligible episodes' own words: whether the search
text names their speaker (``kgmem.retrieval.speakers``), whether they ask rather
than tell (``kgmem.retrieval.statement_favouring``), whether their speaker speaks in the
first person (``kgmem.retrieval.first_person``) and whether they hold the kind of answer
the search text asks for (``kgmem.retrieval.answer_types``). All are read in one statement, and
only when one of them applies and some eligible candidate is an episode. Two more come from
the side rows already read: the present (``kgmem.retrieval.present``) and the time the
search text names (``kgmem.retrieval.named_times``)."""

from __future__ import annotations

from collections.abc import Mapping

from kgmem.retrieval import answer_types, first_person, named_times, present, speakers
from kgmem.retrieval import statement_favouring as statements
from kgmem.retrieval.eligibility import Eligible
from kgmem.retrieval.fusion import Feature, Scored
from kgmem.retrieval.plan import SearchPlan
from kgmem.retrieval.scope import EPISODE, Key
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.indexes import candidates as cand


async def features(
    conn: Connection,
    ns: NamespaceRef,
    plan: SearchPlan,
    scored: Mapping[str, Mapping[Key, Scored]],
    eligible: Eligible,
) -> list[Feature[Key]]:
    """The speaker, statement and first-person features of the search's ``eligible``
    candidates (none when none applies, e.g. a search over one axis)."""
    q, axes = plan.query, len(scored)
    out = [*_present(plan, scored, eligible), *_named_time(plan, axes, eligible)]
    naming = bool(q.text) and speakers.applies(plan, axes)
    telling = statements.applies(plan, axes)
    personal = first_person.applies(plan, axes)
    kind = answer_types.kind_asked(plan, axes)
    episodes = [i for i, v in eligible.vertices.items() if v.label == EPISODE]
    if not episodes or not (naming or telling or personal or kind is not None):
        return out
    reads = telling or personal or kind is not None
    words = await cand.episode_words(conn, ns, episodes, texts=reads)
    if naming and q.text:
        said = {i: w.speaker for i, w in words.items() if w.speaker}
        out.append(Feature(q.weights.speaker, speakers.favoured(q.text, said), speakers.NAME))
    texts = {i: w.text for i, w in words.items() if w.text}
    keys = [*(("v", i) for i in eligible.vertices), *(("f", i) for i in eligible.facts)]
    if telling and any(statements.asks(t) for t in texts.values()):
        # When every candidate tells, the feature cannot order them: left out.
        values = statements.telling(keys, texts)
        out.append(Feature(q.weights.statement, values, statements.NAME))
    if personal:
        speaking = first_person.values(keys, texts)
        if speaking is not None:
            out.append(Feature(q.weights.first_person, speaking, first_person.NAME))
    if kind is not None:
        holding = answer_types.values(keys, texts, kind)
        if holding is not None:
            out.append(Feature(q.weights.answer_type, holding, answer_types.NAME))
    return out


def _named_time(plan: SearchPlan, axes: int, eligible: Eligible) -> list[Feature[Key]]:
    """The named-time feature (``kgmem.retrieval.named_times``), read from the side rows."""
    when = named_times.named(plan, axes)
    if when is None:
        return []
    found = named_times.values(eligible.vertices, eligible.facts, when)
    weight = plan.query.weights.named_time
    return [] if found is None else [Feature(weight, found, named_times.NAME)]


def _present(
    plan: SearchPlan, scored: Mapping[str, Mapping[Key, Scored]], eligible: Eligible
) -> list[Feature[Key]]:
    """The present feature (``kgmem.retrieval.present``), read from the side rows."""
    if not present.applies(plan, len(scored)):
        return []
    relevance = present.relevance(
        {a: {k: s.score for k, s in c.items()} for a, c in scored.items()}
    )
    found = present.values(eligible.vertices, eligible.facts, relevance)
    return [] if found is None else [Feature(plan.query.weights.present, found, present.NAME)]
