"""A declaration naming a field twice is refused when kgmem is imported: a data field
shadowing a coded one would be written over by kgmem's own value, unseen."""

from __future__ import annotations

import pytest

from kgmem.declarations import episode, fact


def test_a_fact_field_declared_twice_is_refused() -> None:
    twice = (*fact.FACT_FIELDS, fact.data_field("text", "text"))
    with pytest.raises(ValueError, match="declared twice: text"):
        fact._data_fields(twice)


def test_an_episode_field_declared_twice_is_refused() -> None:
    twice = (*episode.EPISODE_FIELDS, episode.data_field("session"))
    with pytest.raises(ValueError, match="declared twice: session"):
        episode._data_fields(twice)


def test_the_declarations_as_shipped_pass() -> None:
    assert fact._data_fields(fact.FACT_FIELDS) == fact.DATA_FIELDS
    assert episode._data_fields(episode.EPISODE_FIELDS) == episode.DATA_FIELDS
