"""Time expressions read against a reference time: the one reader every door uses.

Episodes' fact times, REST's ``/facts`` and ``/batch``, the Python API and the client
(which sends the text for the server to read) all read a time the same way: an ISO 8601
time with an offset is taken as written; anything else is an expression ("yesterday",
"last May", "July 1", "in two weeks", "two years ago") read against the reference time.

An expression either names one instant whatever the context ("two years ago", "last
May", "next Tuesday", "in two weeks", "2021-07-04") or could lie on either side of the
reference time ("July 1", "in May", "on Friday"). For the second kind the caller says
which way to read it (``prefer``: the tense of the sentence, the other facts of the
item); without a preference it reads backward, as memories are mostly about what
happened. ``Reading.ambiguous`` tells the caller a direction was chosen, so the answer
can say so.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from kgmem.errors import InvalidTimestamp
from kgmem.model.times import in_utc_range
from kgmem.text.calendar_dates import MONTHS

Direction = Literal["past", "future"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = "|".join(MONTHS)
_WEEKDAY = "|".join(_WEEKDAYS)
_RELATIVE = re.compile(
    rf"^(?P<which>last|past|this past|this|next|this coming|coming)\s+"
    rf"(?P<name>{_MONTH}|{_WEEKDAY})$"
)
_IN_SPAN = re.compile(
    r"^(?:in|within)\s+(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|a few|a couple of)\s+(?P<unit>day|week|month|year)s?(?:\s+time)?$"
)
_PREFIX = re.compile(r"^\s*(?:in|on|at|during|since|from|by|until|till)\s+", re.IGNORECASE)
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a few": 3, "a couple of": 2,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reading:
    """What an expression names: ``when``, and whether it could have lain on the other
    side of the reference time (``ambiguous``), read toward ``direction``."""

    when: datetime
    ambiguous: bool = False
    direction: Direction | None = None


def resolve_time(expression: str, reference: datetime) -> datetime | None:
    """The instant ``expression`` names, relative to ``reference`` and read backward
    when it could go either way; None if unreadable."""
    found = read(expression, reference)
    return found.when if found is not None else None


def read(expression: str, reference: datetime, prefer: Direction | None = None) -> Reading | None:
    """How ``expression`` reads against ``reference``, toward ``prefer`` (default
    backward) when it could lie on either side; None if unreadable."""
    text = " ".join(expression.strip().lower().split())
    if not text:
        return None
    try:
        fixed = _iso(text) or _relative(text, reference) or _span(text, reference)
        if fixed is not None:
            return Reading(fixed)
        body = _PREFIX.sub("", text)
        past = _dateparser(body, reference, "past")
        future = _dateparser(body, reference, "future")
    except (OverflowError, _Unreadable):  # before year 1 or after 9999; not a time
        return None
    if _this_month(body, past, reference):
        future = past  # "in June" said in June: this June either way
    if past is None or future is None or past == future or not _either_side(body):
        found = past or future
        return Reading(found) if found is not None else None
    chosen: Direction = prefer or "past"
    return Reading(past if chosen == "past" else future, True, chosen)


def bare(expression: str) -> str:
    """``expression`` without a leading preposition ("on July 1" -> "July 1")."""
    return _PREFIX.sub("", expression.strip())


def describe(name: str, expression: str, reading: Reading, reference: datetime, why: str) -> str:
    """The note an answer carries when an expression was read in a chosen direction."""
    side = "before" if reading.direction == "past" else "after"
    return (
        f"{name} {expression!r} read as {reading.when.date().isoformat()}, {side} the "
        f"reference time {reference.date().isoformat()} ({why})"
    )


def readable(name: str, value: datetime | str | None, reference: datetime) -> None:
    """Refuse (``InvalidTimestamp`` naming ``name``) a time a caller gave that is
    neither a time kgmem can hold nor an expression ``read`` reads."""
    if value is None:
        return
    naive = value.tzinfo is None if isinstance(value, datetime) else _naive(value)
    if naive:
        raise InvalidTimestamp(f"{name} must include a timezone offset", field=name)
    found = value if isinstance(value, datetime) else resolve_time(value, reference)
    try:
        if found is None and resolve_time(str(value), datetime.now(UTC)) is not None:
            raise ValueError(
                f"{value!r} read against reference_time {reference.isoformat()} lies "
                "outside the times kgmem can hold"
            )
        if found is None:
            raise ValueError(
                f"{value!r} is neither an ISO 8601 time with an offset nor a date "
                "expression such as 'last May' or 'July 1'"
            )
        in_utc_range(found)
    except ValueError as exc:
        raise InvalidTimestamp(f"{name}: {exc}", field=name) from None


class _Unreadable(Exception):
    """Text that is no time kgmem can read."""


class _Naive(_Unreadable):
    """An ISO 8601 time without an offset: which instant it names is unknown."""


def _naive(value: str) -> bool:
    try:
        _iso(value.strip().lower())
    except _Naive:
        return True
    except _Unreadable:
        return False
    return False


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_LIKE = re.compile(r"^[+-]?\d{4,}-\d")


def _iso(text: str) -> datetime | None:
    """An ISO 8601 time (a bare date is that day in UTC); ``_Unreadable`` for text that
    looks like one but is not (day 30 of February, month 13)."""
    if not _ISO_LIKE.match(text):
        return None
    try:
        found = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise _Unreadable from None
    if found.tzinfo is None and _ISO_DATE.match(text):
        return found.replace(tzinfo=UTC)
    if found.tzinfo is None:
        raise _Naive
    return found


def _relative(text: str, reference: datetime) -> datetime | None:
    """ "last May", "next Tuesday", "this July": one instant, never ambiguous."""
    m = _RELATIVE.match(text)
    if m is None:
        return None
    which, name = m.group("which"), m.group("name")
    back = which in ("last", "past", "this past")
    day = _midnight(reference.astimezone(UTC))
    if name in _WEEKDAYS:
        gap = (_WEEKDAYS.index(name) - day.weekday()) % 7
        if back:
            return day - timedelta(days=(-gap) % 7 or 7)
        return day + timedelta(days=gap or 7) if which != "this" else day + timedelta(days=gap)
    month = MONTHS.index(name) + 1
    year = day.year
    if back:
        year -= 1 if month >= day.month else 0
    elif which != "this" and month <= day.month:
        year += 1
    return day.replace(year=year, month=month, day=1)


def _span(text: str, reference: datetime) -> datetime | None:
    """ "in two weeks", "within a month": forward from the reference time."""
    m = _IN_SPAN.match(text)
    if m is None:
        return None
    raw = m.group("n")
    n = int(raw) if raw.isdigit() else _NUMBERS[raw]
    unit = m.group("unit")
    if unit in ("day", "week"):
        return reference + timedelta(days=n * (7 if unit == "week" else 1))
    months = reference.month - 1 + n * (12 if unit == "year" else 1)
    year, month = reference.year + months // 12, months % 12 + 1
    return reference.replace(year=year, month=month, day=min(reference.day, 28))


_EITHER_SIDE = re.compile(
    rf"^(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})|(?:{_MONTH})"
    rf"(?:\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?)?|{_WEEKDAY})$"
)


def _either_side(text: str) -> bool:
    """A month, a day of a month or a weekday with no year: it could lie either way."""
    return _EITHER_SIDE.match(text) is not None


def _this_month(text: str, found: datetime | None, reference: datetime) -> bool:
    at = reference.astimezone(UTC)
    return found is not None and text in MONTHS and (found.year, found.month) == (at.year, at.month)


def _dateparser(text: str, reference: datetime, prefer: Direction) -> datetime | None:
    import dateparser

    base = reference.astimezone(UTC).replace(tzinfo=None)
    with warnings.catch_warnings():
        # dateparser's own use of deprecated datetime and regex APIs.
        warnings.simplefilter("ignore")
        found = dateparser.parse(
            text,
            languages=["en"],
            settings={
                "RELATIVE_BASE": base,
                "PREFER_DATES_FROM": prefer,
                # "in May" is the month's start; "two years ago" keeps the day.
                "PREFER_DAY_OF_MONTH": "current" if "ago" in text else "first",
                "RETURN_AS_TIMEZONE_AWARE": True,
                "TIMEZONE": "UTC",
                "TO_TIMEZONE": "UTC",
            },
        )
    return found if isinstance(found, datetime) else None


def _midnight(value: datetime) -> datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)
