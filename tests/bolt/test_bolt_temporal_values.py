"""Temporal values between kgmem's ISO text and Bolt's structures, in both protocol
generations (5: DateTime by UTC seconds; 4.4: by local seconds), without a server."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.bolt.packstream import Structure
from kgmem.bolt.values import from_bolt, temporal_to_bolt
from kgmem.cypher import temporal as t

_DAYS = st.dates(min_value=dt.date(1, 1, 2), max_value=dt.date(9999, 12, 30))
_NS = st.integers(min_value=0, max_value=t.DAY_NS - 1)
_OFFSETS = st.integers(min_value=-18 * 60, max_value=18 * 60).map(lambda m: m * 60)
_ZONES = st.sampled_from(["Europe/Stockholm", "America/New_York", "Asia/Kolkata", "UTC"])
_VALUES = st.one_of(
    _DAYS.map(t.Date),
    _NS.map(t.LocalTime),
    st.builds(t.Time, _NS, _OFFSETS),
    st.builds(t.LocalDateTime, _DAYS, _NS),
    st.builds(t.DateTime, _DAYS, _NS, _OFFSETS),
    st.builds(t.in_zone, _DAYS, _NS, _ZONES),
    st.builds(
        t.Duration,
        st.integers(-10_000, 10_000),
        st.integers(-10_000, 10_000),
        st.integers(-(10**15), 10**15),
    ),
)
_KIND = {
    t.Date: "date", t.LocalTime: "localtime", t.Time: "time",
    t.LocalDateTime: "localdatetime", t.DateTime: "datetime", t.Duration: "duration",
}  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.sampled_from([4, 5]))
def test_temporal_text_goes_out_as_a_structure_and_comes_back_the_same(
    value: t.Temporal, major: int
) -> None:
    text = t.to_string(value)
    sent = temporal_to_bolt(_KIND[type(value)], text, major)
    assert isinstance(sent, Structure)
    assert from_bolt(sent) == text


def test_datetime_structures_differ_by_protocol_generation() -> None:
    text = "2015-07-21T21:40:32.142+01:00[Europe/London]"
    local = 1437514832  # 2015-07-21T21:40:32 as if UTC
    assert temporal_to_bolt("datetime", text, 5) == Structure(
        0x69, (local - 3600, 142_000_000, "Europe/London")
    )
    assert temporal_to_bolt("datetime", text, 4) == Structure(
        0x66, (local, 142_000_000, "Europe/London")
    )


def test_values_that_are_not_temporal_text_stay_as_they_are() -> None:
    assert temporal_to_bolt("date", None, 5) is None
    assert temporal_to_bolt("date", "not a date", 5) == "not a date"
    assert temporal_to_bolt("date", [1], 5) == [1]
