"""Matcher, time expressions, resolution and the spaCy extractor, without a database."""

from datetime import UTC, datetime

import pytest

from kgmem.ingest import EntityMention, EpisodeWrite
from kgmem.ingest.extractors import ExtractorUnavailable, SpacyExtractor
from kgmem.ingest.matcher import NameMatcher
from kgmem.ingest.resolve import NameIndex, Thresholds, resolve
from kgmem.ingest.types import Work
from kgmem.storage.graph.bookkeeping import NamedVertex
from kgmem.text.time_expressions import resolve_time

REF = datetime(2024, 5, 15, 12, tzinfo=UTC)  # a Wednesday


def test_matcher_folds_case_and_accents_and_respects_word_boundaries() -> None:
    m = NameMatcher([("New York", "ny"), ("York", "york"), ("Zoë", "zoe"), ("Al", "al")])
    hits = m.find("ZOE flew to new york with Alfred; Al stayed.")
    assert [(h.uid, h.surface) for h in hits] == [("zoe", "ZOE"), ("ny", "new york"), ("al", "Al")]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("last Tuesday", datetime(2024, 5, 14, tzinfo=UTC)),
        ("last Wednesday", datetime(2024, 5, 8, tzinfo=UTC)),
        ("two years ago", datetime(2022, 5, 15, 12, tzinfo=UTC)),
        ("in May", datetime(2024, 5, 1, tzinfo=UTC)),
        ("in March", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2021-07-04", datetime(2021, 7, 4, tzinfo=UTC)),
        ("yesterday", datetime(2024, 5, 14, 12, tzinfo=UTC)),
    ],
)
def test_time_expressions_resolve_against_the_reference(
    expression: str, expected: datetime
) -> None:
    assert resolve_time(expression, REF) == expected


def test_unreadable_time_is_none() -> None:
    assert resolve_time("when pigs fly", REF) is None


def test_resolution_methods() -> None:
    index = NameIndex.of(
        [
            NamedVertex("w", 1, "Person", "William Gates", ("Bill Gates",)),
            NamedVertex("m", 2, "Place", "München", ()),
        ]
    )
    t = Thresholds()
    assert resolve(index, EntityMention("bill gates", "Person"), t).method == "alias"
    assert resolve(index, EntityMention("W. Gates", "Person"), t).uid == "w"
    assert resolve(index, EntityMention("Wiliam Gates", "Person"), t).method == "fuzzy"
    assert resolve(index, EntityMention("MUNCHEN", "Entity"), t).uid == "m"
    assert resolve(index, EntityMention("München", "Person"), t).created  # type clash
    assert resolve(index, EntityMention("Melinda Gates", "Person"), t).created


async def test_spacy_without_a_model_says_so() -> None:
    extractor = SpacyExtractor("kgmem_no_such_model")
    work = Work("ns", "e", EpisodeWrite(text="Ada Lovelace met Charles Babbage."), REF)
    with pytest.raises(ExtractorUnavailable, match="not installed"):
        await extractor.extract(work, NameIndex())


async def test_spacy_extracts_people_when_a_model_is_installed() -> None:
    spacy = pytest.importorskip("spacy", reason="spaCy is not installed")
    try:
        spacy.load("en_core_web_sm")
    except OSError:
        pytest.skip("spaCy model en_core_web_sm is not installed")
    work = Work("ns", "e", EpisodeWrite(text="Ada Lovelace met Charles Babbage in London."), REF)
    await SpacyExtractor("en_core_web_sm").extract(work, NameIndex())
    assert {e.label for e in work.extraction.entities} >= {"Person"}


async def test_date_stage_defaults_to_reference_time_and_notes_what_it_cannot_read() -> None:
    from kgmem.ingest import FactMention
    from kgmem.ingest.dating import DateStage
    from kgmem.process.resources import resource_dir
    from kgmem.schema import load_schema, schema_files

    facts = [
        FactMention("A", "LIVES_IN", "B"),
        FactMention("A", "LIKES", "C", valid_from="yesterday", valid_to="two years ago"),
        FactMention("A", "KNOWS", "D", valid_from="when pigs fly"),
    ]
    work = Work("ns", "e", EpisodeWrite(text="t", facts=facts), REF)
    work.extraction.facts.extend(facts)
    await DateStage(load_schema(schema_files(resource_dir("graph_schema")))).run(work)
    assert [(s, e) for _, s, e in work.dated] == [
        (REF, None),
        (datetime(2024, 5, 14, 12, tzinfo=UTC), None),
        (REF, None),
    ]
    assert any("end before start" in n for n in work.extraction.notes)
    assert any("pigs" in n for n in work.extraction.notes)
