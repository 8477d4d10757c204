"""``python -m bench locomo``: evidence recall@10 of kgmem search on LoCoMo, with every
choice of the fusion made leave-one-conversation-out, per conversation and category,
beside plain BM25 and plain vector search over the same turns in the same run.

Ingestion (one namespace per conversation) is kgmem's own episode building
(``Memory.add_episodes``, one call per session, with the store's default pipeline and
the local all-MiniLM-L6-v2 model): every turn is an episode (speaker, words and the
caption of a shared photo) with its speaker and session, its reference time its
session's date plus one second per turn (so the session's order is the turns' order).
Building then does what it does for any user: the rule extractors and links, and the
session context (``kgmem.ingest.session_context``: a turn is keyword-indexed with the
session's previous turn and embedded with its next one). So the figures are those of
the shipped product, nothing the bench composes itself. No LLM anywhere.

Each question is asked once per axis alone (keyword and vector: their top 50, what a
search for 10 fuses; graph: its whole neighbourhood), which caches its candidates and
scores, each turn's time, which turns' speaker the question names (as
``kgmem.retrieval.speakers`` decides it), which turns ask (as
``kgmem.retrieval.statement_favouring`` decides it) and which speak in the first person
(``kgmem.retrieval.first_person``). For each conversation, ``bench.locomo_fit``
fits the ``minmax`` fusion's weights (per axis, the nearby keyword and vector weights
of ``kgmem.retrieval.nearby``, the speaker, statement and first-person weights) as a
listwise ranker on the other two, its penalty chosen leave-one-conversation-out within
them ("fused-cv"; without the graph axis, which the default search does not run: the
ablation adds it last);
``bench.locomo_cv`` chooses a fusion and its text-axis weights from a grid the same way
("grid-cv"). Then kgmem's
own search runs every question with the choices made without its conversation, with
the former default (reciprocal-rank fusion, vector 0.5, keyword 1, graph 0.5:
"rrf-before"), with the shipped default ``SearchQuery`` (no weight or fusion given:
"default"; its weights were fitted on these conversations) and with each text axis
alone; the fused choices are timed once more with the speaker weight at 0 (what its
statement costs). Recall of a question is the share of its evidence turns among the top
10 (and the top 5); questions whose evidence ids do not parse are skipped (reported).
``--data`` names a directory of LoCoMo JSON files or one such file.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.locomo_cv import (
    ANSWER_TYPE,
    DEPTH,
    FIRST_PERSON,
    NAMED_TIME,
    RANKED,
    SPEAKER,
    STATEMENT,
    Choice,
    K,
    Question,
    cross_validate,
    grid,
    recall,
    save,
)
from bench.locomo_fit import FLAGS, NEARBY, ablate_fit, cross_validate_fit, fitted
from bench.locomo_report import report
from bench.scratch import scratch
from kgmem import Memory, Settings
from kgmem.embedding.local import LocalEmbedder
from kgmem.ingest import EpisodeWrite
from kgmem.model import AxisWeights, ExpansionQuery, SearchQuery
from kgmem.retrieval import answer_types
from kgmem.retrieval.first_person import speaks_of_self
from kgmem.retrieval.speakers import named
from kgmem.retrieval.statement_favouring import asks
from kgmem.retrieval.validate import MAX_K
from kgmem.settings.config import EmbeddingSettings

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "locomo-dev"
EVIDENCE = re.compile(r"D(\d+):(\d+)")


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench locomo")
    p.add_argument(
        "--data", type=Path, default=DATA, help="a LoCoMo JSON file or a directory of them"
    )
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    p.add_argument(
        "--save-candidates",
        type=Path,
        default=None,
        help="also write every question's per-axis candidates and scores here (JSON)",
    )
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    found = conversations(args.data)
    if not found:
        print(f"no LoCoMo files at {args.data}")
        return 1
    with scratch(args.database_url, "kgmem-locomo-") as space:
        await run(
            found,
            space.url,
            space.home,
            save_to=args.save_candidates,
        )
    return 0


def data_files(data: Path) -> list[Path]:
    """The LoCoMo files ``data`` names: itself when it is a file, else its ``*.json``."""
    return [data] if data.is_file() else sorted(data.glob("*.json"))


def conversations(data: Path) -> list[dict[str, Any]]:
    """Every conversation of the LoCoMo files ``data`` names (``data_files``)."""
    return [c for f in data_files(data) for c in json.loads(f.read_text())]


def questions_of(
    conv: dict[str, Any], asked: list[dict[str, Any]], axes: list[dict[str, dict[str, float]]]
) -> list[Question]:
    """``asked``'s questions of ``conv`` with their per-axis candidates (``axes``, in the
    same order) and the times of the conversation's turns, as ``bench.locomo_cv`` ranks
    them."""
    times = {
        e.uid.split("/", 1)[1]: e.reference_time.timestamp()
        for session in episodes_of("x", conv)
        for e in session
        if e.uid is not None and e.reference_time is not None
    }
    return [
        Question(
            conv["sample_id"], qa["category"], qa["question"], frozenset(evidence_ids(qa)), a, times
        )
        for qa, a in zip(asked, axes, strict=True)
    ]


def session_turns(conv: dict[str, Any]) -> list[tuple[datetime, list[dict[str, Any]]]]:
    c = conv["conversation"]
    sessions = []
    for key, turns in c.items():
        if re.fullmatch(r"session_\d+", key) and isinstance(turns, list):
            when = datetime.strptime(c[f"{key}_date_time"], "%I:%M %p on %d %B, %Y")
            sessions.append((when.astimezone(), turns))
    return sessions


def turn_text(turn: dict[str, Any]) -> str:
    text = f"{turn['speaker']}: {turn['text']}"
    if turn.get("blip_caption"):
        text += f" [shares {turn['blip_caption']}]"
    return text


def episodes_of(ns: str, conv: dict[str, Any]) -> list[list[EpisodeWrite]]:
    """Each session's turns as episodes, in order, one second apart."""
    sessions = []
    for when, turns in session_turns(conv):
        sessions.append(
            [
                EpisodeWrite(
                    text=turn_text(turn),
                    uid=f"{ns}/{turn['dia_id']}",
                    reference_time=when + timedelta(seconds=i),
                    speaker=turn["speaker"],
                    session=turn["dia_id"].split(":")[0],
                )
                for i, turn in enumerate(turns)
            ]
        )
    return sessions


async def ingest(memory: Memory, ns: str, conv: dict[str, Any]) -> int:
    """Build the conversation's turns into ``ns`` the way kgmem builds any episodes."""
    count = 0
    for session in episodes_of(ns, conv):
        outcomes = await memory.add_episodes(ns, session)
        failed = [o for o in outcomes if o.status != "done"]
        if failed:
            raise RuntimeError(f"building {failed[0].uid} failed: {failed[0].error}")
        count += len(session)
    return count


def evidence_ids(qa: dict[str, Any]) -> set[str]:
    return {f"D{a}:{b}" for e in qa.get("evidence", []) for a, b in EVIDENCE.findall(str(e))}


AXES = ("keyword", "vector", "graph")
ALONE = {axis: AxisWeights(**{a: 1.0 if a == axis else 0.0 for a in AXES}) for axis in AXES}


@dataclass
class Collected:
    """What one pass over the conversations gathered."""

    questions: list[Question] = field(default_factory=list)
    vectors: list[list[float]] = field(default_factory=list)
    namespaces: dict[str, str] = field(default_factory=dict)  # conversation -> namespace
    turns: int = 0
    skipped: int = 0


async def collect(
    memory: Memory, embedder: LocalEmbedder, conversations: list[dict[str, Any]]
) -> Collected:
    """Build each conversation into a namespace of its own and cache every question's
    candidates per axis."""
    out = Collected()
    for conv in conversations:
        ns = re.sub(r"[^a-z0-9_]", "_", f"locomo_{conv['sample_id']}".lower())
        out.namespaces[conv["sample_id"]] = ns
        await memory.create_namespace(ns)
        out.turns += await ingest(memory, ns, conv)
        times = {
            e.uid.split("/", 1)[1]: e.reference_time.timestamp()
            for session in episodes_of(ns, conv)
            for e in session
            if e.uid is not None and e.reference_time is not None
        }
        speakers = {
            e.uid.split("/", 1)[1]: e.speaker
            for session in episodes_of(ns, conv)
            for e in session
            if e.uid is not None and e.speaker
        }
        # The turns that ask, as kgmem's search decides it from their stored text.
        asking = {
            e.uid.split("/", 1)[1]
            for session in episodes_of(ns, conv)
            for e in session
            if e.uid is not None and asks(e.text)
        }
        personal = {
            e.uid.split("/", 1)[1]
            for session in episodes_of(ns, conv)
            for e in session
            if e.uid is not None and speaks_of_self(e.text)
        }
        texts = {
            e.uid.split("/", 1)[1]: e.text
            for session in episodes_of(ns, conv)
            for e in session
            if e.uid is not None
        }
        for qa in conv["qa"]:
            gold = evidence_ids(qa)
            if not gold:
                out.skipped += 1
                continue
            vector = (await embedder.embed([qa["question"]]))[0].tolist()
            axes = {}
            for axis in AXES:
                query = SearchQuery(
                    text=qa["question"],
                    embedding=vector,
                    types=("episodes",),
                    k=DEPTH if axis in RANKED else MAX_K,
                    weights=ALONE[axis],
                    expansion=None if axis in RANKED else ExpansionQuery(),
                )
                hits = (await memory.search(ns, query)).hits
                axes[axis] = {
                    h.uid.split("/", 1)[1]: h.scores.get(axis, 0.0)
                    for h in hits
                    if h.uid.startswith(f"{ns}/")
                }
            out.questions.append(
                Question(
                    conv["sample_id"],
                    qa["category"],
                    qa["question"],
                    frozenset(gold),
                    axes,
                    {t: times[t] for found in axes.values() for t in found if t in times},
                    frozenset(_named(qa["question"], speakers)),
                    frozenset(t for found in axes.values() for t in found if t in asking),
                    frozenset(t for found in axes.values() for t in found if t in personal),
                    frozenset(
                        _answering(qa["question"], {t for f in axes.values() for t in f}, texts)
                    ),
                )
            )
            out.vectors.append(vector)
    return out


def _answering(question: str, turns: set[str], texts: dict[str, str]) -> set[str]:
    """The candidate turns that hold the kind of answer the question asks for, as
    kgmem's search decides it (``kgmem.retrieval.answer_types``)."""
    kind = answer_types.asked(question)
    if kind is None:
        return set()
    return {t for t in turns if answer_types.holds(kind, texts.get(t, ""))}


NO_SPEAKER = "fused-cv, speaker off (timed only)"


def _without_speaker(choice: Choice) -> Choice:
    return Choice(choice.method, {**choice.weights, SPEAKER: 0.0}, choice.context)


def _named(question: str, speakers: dict[str, str]) -> set[str]:
    """The turns whose speaker the question names, as kgmem's search decides it."""
    ids = list(speakers)
    found = named(question, {i: speakers[t] for i, t in enumerate(ids)})
    return {ids[i] for i in found}


@dataclass
class Measured:
    """Per configuration, each question's recall@10 and @5 and each search's latency."""

    recalls: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    at5: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


async def measure(memory: Memory, data: Collected, choices: dict[str, Any]) -> Measured:
    """Recall@10, recall@5 and latency of kgmem's own search per question, for each
    named configuration (a Choice per held-out conversation, a Choice, or ``None``:
    the default ``SearchQuery``)."""
    out = Measured()
    for q, vector in zip(data.questions, data.vectors, strict=True):
        for name, given in choices.items():
            # One choice per held-out conversation, or one for all.
            how = given[q.conversation] if isinstance(given, dict) else given
            query = _query(q, vector, how) if how is not None else _default_query(q, vector)
            ns = data.namespaces[q.conversation]
            start = time.perf_counter()
            result = await memory.search(ns, query)
            out.latencies[name].append((time.perf_counter() - start) * 1000)
            got = [h.uid.split("/", 1)[1] for h in result.hits if h.uid.startswith(f"{ns}/")]
            out.recalls[name].append(recall(q, got))
            out.at5[name].append(recall(q, got, 5))
    return out


def _default_query(q: Question, vector: list[float]) -> SearchQuery:
    """The shipped default search over episodes: no weight, fusion or expansion given."""
    return SearchQuery(text=q.text, embedding=vector, types=("episodes",), k=K)


def _query(q: Question, vector: list[float], how: Choice) -> SearchQuery:
    weights = AxisWeights(
        **{a: how.weights.get(a, 0.0) for a in AXES},
        nearby_keyword=how.weights.get("nearby_keyword", 0.0),
        nearby_vector=how.weights.get("nearby_vector", 0.0),
        speaker=how.weights.get(SPEAKER, 0.0),
        statement=how.weights.get(STATEMENT, 0.0),
        first_person=how.weights.get(FIRST_PERSON, 0.0),
        answer_type=how.weights.get(ANSWER_TYPE, 0.0),
        named_time=how.weights.get(NAMED_TIME, 0.0),
    )
    return SearchQuery(
        text=q.text,
        embedding=vector,
        types=("episodes",),
        k=K,
        weights=weights,
        fusion=how.method,
        expansion=ExpansionQuery() if weights.graph > 0 else None,
    )


async def run(
    conversations: list[dict[str, Any]],
    url: str,
    home: Path,
    *,
    save_to: Path | None,
) -> None:
    embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
    settings = Settings(home=home, database={"url": url}, embedding={"provider": "local"})
    memory = await Memory.open(settings, embedder=embedder)
    contexts = ("",)  # one way of embedding: the product's (session context)
    try:
        data = await collect(memory, embedder, conversations)
        if save_to is not None:
            save(data.questions, save_to)
        graph = any(q.axes.get("graph") for q in data.questions)
        # What the default search weighs: it runs no graph expansion, so the graph axis
        # is fitted only in the ablation (a weight fitted beside it would be the wrong
        # one without it).
        features = (*AXES[:2], NEARBY, *FLAGS)
        axes = (*features, *AXES[2:]) if graph else features
        folds = cross_validate_fit(data.questions, features, contexts)
        default = fitted(data.questions, features, contexts)
        configs: dict[str, Any] = {
            "fused-cv": folds.chosen,
            "default": None,  # the shipped AxisWeights and fusion, no per-fold choice
            # The former procedure, over the text axes (no fold gave the graph weight).
            "grid-cv": cross_validate(data.questions, grid(AXES[:2], contexts)).chosen,
            "rrf-before": Choice("rrf", {"vector": 0.5, "keyword": 1.0, "graph": 0.5}),
            "bm25": Choice("convex", {"keyword": 1.0}),
            "vector": Choice("convex", {"vector": 1.0}),
        }
        # Timed only: the same choices without the speaker feature (its statement).
        quiet = {h: _without_speaker(c) for h, c in folds.chosen.items()}
        measured = await measure(memory, data, {**configs, NO_SPEAKER: quiet})
        del measured.recalls[NO_SPEAKER], measured.at5[NO_SPEAKER]
        ablation = ablate_fit(data.questions, axes, contexts)
    finally:
        await memory.close()
        await embedder.close()
    report(data, folds, measured, ablation, default=default)
