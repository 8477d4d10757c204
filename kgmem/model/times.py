"""Points in time as every door accepts them.

kgmem keeps times in UTC, in Python ``datetime`` values (years 1 to 9999) and in
PostgreSQL ``timestamptz`` columns, where the driver turns the first and the last
instant of that range into -infinity and infinity. The times kgmem holds are the ones
strictly between those two instants, once written in UTC: a time outside them (year 1
at +01:00, year 9999 at -01:00, the extremes themselves) is refused where it is parsed,
naming its field, rather than failing later in arithmetic or in the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)


def in_utc_range(value: datetime) -> datetime:
    """``value`` if kgmem can hold it; a ``ValueError`` otherwise. A time without an
    offset passes: the operations that need one say so themselves."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value
    try:
        held = _FIRST < value.astimezone(UTC) < _LAST
    except OverflowError:
        held = False
    if not held:
        raise ValueError(
            f"{value.isoformat()} is not between {_FIRST.isoformat()} and "
            f"{_LAST.isoformat()} (exclusive) once written in UTC"
        )
    return value


def _held(value: datetime) -> datetime:
    try:
        return in_utc_range(value)
    except ValueError as exc:
        raise PydanticCustomError("invalid_timestamp", str(exc)) from None


Instant = Annotated[datetime, AfterValidator(_held)]
"""A ``datetime`` field or parameter of a request: refused when it cannot be held, as an
``invalid_timestamp`` validation error."""


TimeText = Annotated[
    Instant | str,
    Field(
        description="An ISO 8601 time with an offset, or an expression such as 'last May', "
        "'July 1' or 'two years ago' read against the reference time",
    ),
]
"""A time a caller states about the world: an instant, or an expression the core reads
(``kgmem.text.time_expressions``) against the write's reference time, as episodes' facts do."""
