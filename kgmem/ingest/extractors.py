"""Extractors: each adds the entities and facts it finds to the episode's extraction.

They run as a chain in the namespace's configured order; later ones see what earlier
ones found. ``structured`` takes what the caller supplied, ``known`` finds stored
names and aliases in the text, ``rules`` finds names, places, organisations and dates
without a model (``kgmem.ingest.rules``), ``spacy`` runs NER when a model is installed,
``llm`` asks an OpenAI-compatible model (see ``kgmem.ingest.llm``).
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from kgmem.ingest import phrases, rules
from kgmem.ingest.resolve import NameIndex
from kgmem.ingest.types import EntityMention, Work
from kgmem.schema import GraphSchema


class ExtractorUnavailable(Exception):
    """The extractor cannot run here (a model is not installed); the chain goes on."""


class Extractor(Protocol):
    """One link of the extraction chain."""

    name: str

    async def extract(self, work: Work, index: NameIndex) -> None:
        """Add what this extractor finds to ``work.extraction``."""
        ...


class StructuredExtractor:
    """The caller's entities and facts, the speaker as a person, and every name a
    supplied fact uses as an entity."""

    name = "structured"

    def __init__(self, schema: GraphSchema) -> None:
        self.schema = schema

    async def extract(self, work: Work, index: NameIndex) -> None:
        episode, found = work.episode, work.extraction
        if episode.speaker:
            found.add_entity(EntityMention(name=episode.speaker, label="Person"))
        for mention in episode.entities:
            found.add_entity(mention)
        for fact in episode.facts:
            found.facts.append(fact)
            found.add_entity(EntityMention(name=fact.subject))
            found.add_entity(
                EntityMention(name=fact.object, label=self.schema.object_label(fact.predicate))
            )


class KnownEntityExtractor:
    """Stored names and aliases found in the text (Aho-Corasick, word boundaries, case
    and accent folding). A stored entity whose label was a guess is found as a guessed
    mention by name, so a sure cue in the text (the rules' "work at") can correct it
    (``kgmem.ingest.resolve.retyped``)."""

    name = "known"

    async def extract(self, work: Work, index: NameIndex) -> None:
        for hit in index.matcher.find(work.episode.text):
            vertex = index.vertices[hit.uid]
            if vertex.type_guessed:  # a guess: a sure cue in this text may correct it
                guess = EntityMention(name=hit.surface, label=vertex.label)
                work.extraction.add_entity(guess, guessed=True)
                continue
            work.extraction.add_entity(
                EntityMention(name=hit.surface, label=vertex.label, uid=hit.uid, via="known")
            )


class RuleExtractor:
    """Names, places, organisations and dates found by ``kgmem.ingest.rules``."""

    name = "rules"

    async def extract(self, work: Work, index: NameIndex) -> None:
        for found in rules.find(work.episode.text, work.preceding or ""):
            work.extraction.add_entity(
                EntityMention(name=found.name, label=found.label), guessed=found.guessed
            )


class PhraseExtractor:
    """Salient noun phrases found by ``kgmem.ingest.phrases`` (``Concept`` entities,
    linked to the episode by MENTIONS like every other mention)."""

    name = "phrases"

    async def extract(self, work: Work, index: NameIndex) -> None:
        for found in phrases.find(work.episode.text):
            work.extraction.add_entity(EntityMention(name=found.name, label=found.label))


# spaCy entity types and the graph labels they become.
SPACY_LABELS = {
    "PERSON": "Person",
    "ORG": "Organization",
    "GPE": "Place",
    "LOC": "Place",
    "FAC": "Place",
    "EVENT": "Event",
    "PRODUCT": "Concept",
    "WORK_OF_ART": "Concept",
    "NORP": "Concept",
}


class SpacyExtractor:
    """Named entities from a spaCy pipeline, loaded once on first use."""

    name = "spacy"

    def __init__(self, model: str) -> None:
        self.model = model
        self._nlp: Any = None

    def _load(self) -> Any:
        if self._nlp is None:
            try:
                import spacy
            except ImportError as exc:
                raise ExtractorUnavailable("spaCy is not installed; NER skipped") from exc
            try:
                self._nlp = spacy.load(self.model)
            except OSError as exc:
                raise ExtractorUnavailable(
                    f"spaCy model {self.model!r} is not installed; NER skipped"
                ) from exc
        return self._nlp

    async def extract(self, work: Work, index: NameIndex) -> None:
        nlp = self._load()
        doc = await asyncio.to_thread(nlp, work.episode.text)
        for ent in doc.ents:
            label = SPACY_LABELS.get(ent.label_)
            if label is not None:
                work.extraction.add_entity(EntityMention(name=ent.text, label=label))
