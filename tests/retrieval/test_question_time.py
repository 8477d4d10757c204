"""Time expressions in a question become a window over reference times
(``SearchQuery.time_from_text``)."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from kgmem import EntityWrite, Memory
from kgmem.model import AxisWeights, SearchQuery, TimeQuery
from kgmem.retrieval.question import window, with_time

NOW = datetime(2023, 11, 20, 15, tzinfo=UTC)


def d(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_explicit_dates_name_their_day_month_or_year() -> None:
    assert window("What happened on 7 May 2023?", NOW) == (d(2023, 5, 7), d(2023, 5, 8))
    assert window("Where was she in May 2023?", NOW) == (d(2023, 5, 1), d(2023, 6, 1))
    assert window("What did Jon do in 2022?", NOW) == (d(2022, 1, 1), d(2023, 1, 1))
    assert window("the week before 16 November 2023", NOW) == (d(2023, 11, 9), d(2023, 11, 16))


def test_relative_expressions_count_back_from_now() -> None:
    assert window("What did she paint last summer?", NOW) == (d(2023, 6, 1), d(2023, 9, 1))
    assert window("last winter", NOW) == (d(2022, 12, 1), d(2023, 3, 1))
    assert window("What happened last week?", NOW) == (d(2023, 11, 13), d(2023, 11, 20))
    assert window("this month", NOW) == (d(2023, 11, 1), d(2023, 12, 1))
    assert window("last month", d(2023, 1, 5)) == (d(2022, 12, 1), d(2023, 1, 1))
    assert window("yesterday", NOW) == (d(2023, 11, 19), d(2023, 11, 20))
    assert window("When did Caroline go to the support group?", NOW) is None


@given(st.text(max_size=80), st.datetimes(min_value=datetime(1950, 1, 1), timezones=st.just(UTC)))
def test_a_window_is_never_empty(text: str, now: datetime) -> None:
    found = window(text, now)
    assert found is None or found[0] < found[1]


def test_only_asked_for_and_never_over_a_given_time() -> None:
    q = SearchQuery(text="in May 2023")
    assert with_time(q, NOW) is q
    given_time = TimeQuery(start=d(2020, 1, 1), end=d(2020, 2, 1))
    asked = SearchQuery(text="in May 2023", time=given_time, time_from_text=True)
    assert with_time(asked, NOW).time == given_time
    q = with_time(SearchQuery(text="in May 2023", time_from_text=True), NOW)
    assert q.time == TimeQuery(start=d(2023, 5, 1), end=d(2023, 6, 1))


async def test_search_keeps_the_episodes_of_the_window(memory: Memory, namespace: str) -> None:
    for uid, when in (("may", d(2023, 5, 10)), ("june", d(2023, 6, 10))):
        await memory.upsert_entity(
            namespace,
            EntityWrite(
                uid, "Episode", {"text": "we went hiking together", "occurred_at": when.isoformat()}
            ),
        )
    weights = AxisWeights(keyword=1.0, vector=0.0, graph=0.0)
    plain = SearchQuery(text="hiking in May 2023", types=("episodes",), weights=weights)
    assert {h.uid for h in (await memory.search(namespace, plain)).hits} == {"may", "june"}
    timed = SearchQuery(
        text="hiking in May 2023", types=("episodes",), weights=weights, time_from_text=True
    )
    assert [h.uid for h in (await memory.search(namespace, timed)).hits] == ["may"]
