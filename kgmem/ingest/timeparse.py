"""Time expressions resolved against an episode's reference time.

Explicit dates ("2024-05-01", "May 3rd 2021") and relative ones ("yesterday", "last
Tuesday", "two years ago", "in May") become timezone-aware datetimes with dateparser,
relative to the reference time and preferring the past (memories are mostly about
what happened). "last <weekday>" is handled here: dateparser reads it as a week ago.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta

from kgmem.errors import InvalidTimestamp
from kgmem.model.times import in_utc_range

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LAST_WEEKDAY = re.compile(r"^\s*(?:last|past|this past)\s+(" + "|".join(_WEEKDAYS) + r")\s*$")
_IN_PREFIX = re.compile(r"^\s*(?:in|on|at|during|since)\s+", re.IGNORECASE)


def resolve_time(expression: str, reference: datetime) -> datetime | None:
    """The instant ``expression`` names, relative to ``reference``; None if unreadable."""
    text = expression.strip().lower()
    if not text:
        return None
    try:
        last = _LAST_WEEKDAY.match(text)
        if last:
            back = (reference.weekday() - _WEEKDAYS.index(last.group(1))) % 7 or 7
            return _midnight(reference - timedelta(days=back))
        return _dateparser(_IN_PREFIX.sub("", text), reference)
    except OverflowError:  # it would lie before year 1 or after 9999
        return None


def readable(name: str, value: datetime | str | None, reference: datetime) -> None:
    """Refuse (``InvalidTimestamp`` naming ``name``) a time a caller gave that is
    neither a time kgmem can hold nor an expression ``resolve_time`` reads."""
    if value is None:
        return
    if isinstance(value, datetime):
        found: datetime | None = value
        if value.tzinfo is None:
            raise InvalidTimestamp(f"{name} must include a timezone offset", field=name)
    else:
        found = resolve_time(value, reference)
    try:
        if found is None and resolve_time(str(value), datetime.now(UTC)) is not None:
            raise ValueError(
                f"{value!r} read against reference_time {reference.isoformat()} lies "
                "outside the times kgmem can hold"
            )
        if found is None:
            raise ValueError(f"{value!r} is neither an ISO 8601 time nor a date expression")
        in_utc_range(found)
    except ValueError as exc:
        raise InvalidTimestamp(f"{name}: {exc}", field=name) from None


def _dateparser(text: str, reference: datetime) -> datetime | None:
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
                "PREFER_DATES_FROM": "past",
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
