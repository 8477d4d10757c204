"""Cypher's temporal values (date, time, localtime, datetime, localdatetime, duration).

AGE 1.7 has no temporal type. kgmem evaluates temporal expressions whose arguments
are constants when it plans a query (``kgmem.cypher.fold``) and hands AGE the result
as the value's ISO 8601 text, the form Neo4j's ``toString()`` gives and the openCypher
TCK shows: ``'2015-07-21'``, ``'21:40:32.142+01:00'``,
``'2015-07-21T21:40:32.142+01:00[Europe/Stockholm]'``, ``'P14DT16H12M'``. Those
strings are stored as properties and read back like any other value.

Values keep nanosecond precision (Python's ``datetime`` stops at microseconds, so the
time of day is an integer of nanoseconds). Named time zones come from the IANA
database (``zoneinfo``). Malformed input raises ``CypherTypeError`` or
``CypherSemanticError`` with a message naming the problem.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kgmem.errors import CypherSemanticError
from kgmem.text.jsontext import INT64_MAX, INT64_MIN

NS = 1_000_000_000
DAY_NS = 86_400 * NS
AVG_MONTH_S = 2_629_746  # 30.436875 days, what Neo4j uses for fractions of months


@dataclass(frozen=True, slots=True)
class Date:
    day: dt.date


@dataclass(frozen=True, slots=True)
class LocalTime:
    ns: int  # nanoseconds since midnight


@dataclass(frozen=True, slots=True)
class Time:
    ns: int
    offset: int  # seconds east of UTC


@dataclass(frozen=True, slots=True)
class LocalDateTime:
    day: dt.date
    ns: int


@dataclass(frozen=True, slots=True)
class DateTime:
    day: dt.date
    ns: int
    offset: int
    zone: str | None = None  # IANA name, when the value was given one


@dataclass(frozen=True, slots=True)
class Duration:
    """Months, days and the seconds part in nanoseconds. Neo4j's bounds hold: the
    seconds, and the length at the average month and day in seconds, fit a 64-bit long
    ("Invalid value for duration, will cause overflow", as Neo4j says)."""

    months: int
    days: int
    ns: int  # the seconds part, in nanoseconds

    def __post_init__(self) -> None:
        seconds = -(-self.ns // NS) if self.ns < 0 else self.ns // NS  # toward zero, as Java
        length = self.months * AVG_MONTH_S + self.days * 86_400 + seconds
        if not (INT64_MIN <= seconds <= INT64_MAX and INT64_MIN <= length <= INT64_MAX):
            raise CypherSemanticError(
                "Invalid value for duration, will cause overflow. Value was "
                f"months={self.months}, days={self.days}, seconds={seconds}, "
                f"nanos={self.ns - seconds * NS}"
            )


Temporal = Date | LocalTime | Time | LocalDateTime | DateTime | Duration


# -- formatting ------------------------------------------------------------------------


def _fraction(ns: int) -> str:
    if ns == 0:
        return ""
    digits = f"{ns:09d}"
    for size in (3, 6, 9):
        if digits[size:].strip("0") == "":
            return "." + digits[:size]
    return "." + digits


def format_date(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def format_time(ns: int) -> str:
    seconds, frac = divmod(ns, NS)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    text = f"{h:02d}:{m:02d}"
    if s or frac:
        text += f":{s:02d}{_fraction(frac)}"
    return text


def format_offset(offset: int) -> str:
    if offset == 0:
        return "Z"
    sign = "+" if offset > 0 else "-"
    h, rest = divmod(abs(offset), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def format_duration(d: Duration) -> str:
    years, months = int(d.months / 12), d.months - 12 * int(d.months / 12)
    text = "P"
    text += f"{years}Y" if years else ""
    text += f"{months}M" if months else ""
    text += f"{d.days}D" if d.days else ""
    sign = "-" if d.ns < 0 else ""
    seconds, frac = divmod(abs(d.ns), NS)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    clock = f"{sign}{h}H" if h else ""
    clock += f"{sign}{m}M" if m else ""
    if s or frac:
        clock += f"{sign}{s}{_fraction(frac)}S"
    if clock:
        text += (
            "T" + clock.replace(_fraction(frac) + "S", _fraction(frac).rstrip("0") + "S")
            if frac
            else "T" + clock
        )
    return text if text != "P" else "PT0S"


def to_string(value: Temporal) -> str:
    """The value's ISO 8601 text, as Neo4j's ``toString()`` gives it."""
    if isinstance(value, Date):
        return format_date(value.day)
    if isinstance(value, LocalTime):
        return format_time(value.ns)
    if isinstance(value, Time):
        return format_time(value.ns) + format_offset(value.offset)
    if isinstance(value, LocalDateTime):
        return format_date(value.day) + "T" + format_time(value.ns)
    if isinstance(value, DateTime):
        zone = f"[{value.zone}]" if value.zone else ""
        return (
            format_date(value.day)
            + "T"
            + format_time(value.ns)
            + format_offset(value.offset)
            + zone
        )
    return format_duration(value)


# -- time zones ------------------------------------------------------------------------

_OFFSET = re.compile(r"([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?")


def parse_offset(text: str) -> int | None:
    """Seconds east of UTC for ``Z``/``+01:00``/``-0230``, None for anything else."""
    if text == "Z":
        return 0
    match = _OFFSET.fullmatch(text)
    if not match:
        return None
    sign, h, m, s = match.groups()
    total = int(h) * 3600 + int(m or 0) * 60 + int(s or 0)
    if total > 18 * 3600:
        raise CypherSemanticError(f"time zone offset {text!r} is out of range")
    return total if sign == "+" else -total


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise CypherSemanticError(f"unknown time zone {name!r}") from exc


def zone_offset(zone: str, day: dt.date, ns: int) -> int:
    """The UTC offset of ``zone`` at local time ``day`` + ``ns``."""
    seconds = ns // NS
    local = dt.datetime.combine(day, dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60))
    delta = local.replace(tzinfo=zone_info(zone)).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def in_zone(day: dt.date, ns: int, zone: str) -> DateTime:
    """The date-time at local time ``day`` + ``ns`` in ``zone`` (a name or an offset)."""
    offset = parse_offset(zone)
    if offset is not None:
        return DateTime(day, ns, offset)
    return DateTime(day, ns, zone_offset(zone, day, ns), zone)


def epoch_ns(day: dt.date, ns: int, offset: int) -> int:
    """Nanoseconds since 1970-01-01T00:00Z."""
    return (day.toordinal() - dt.date(1970, 1, 1).toordinal()) * DAY_NS + ns - offset * NS


def from_epoch(total: int, zone: str | None, offset: int = 0) -> DateTime:
    """The instant ``total`` (ns since the epoch) seen in ``zone`` (or at ``offset``)."""
    if zone is not None and parse_offset(zone) is None:
        info = zone_info(zone)
        seconds = total // NS
        moment = dt.datetime.fromtimestamp(seconds, dt.UTC).astimezone(info)
        delta = moment.utcoffset()
        offset, name = (int(delta.total_seconds()) if delta else 0), zone
    else:
        offset, name = (parse_offset(zone) or 0) if zone is not None else offset, None
    local = total + offset * NS
    days, ns = divmod(local, DAY_NS)
    return DateTime(_day(dt.date(1970, 1, 1).toordinal() + days), ns, offset, name)


def _day(ordinal: int) -> dt.date:
    try:
        return dt.date.fromordinal(ordinal)
    except (ValueError, OverflowError) as exc:
        raise CypherSemanticError("the date is out of the supported range (years 1-9999)") from exc


def make_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except (ValueError, OverflowError, TypeError) as exc:
        raise CypherSemanticError(f"invalid date {year}-{month}-{day}: {exc}") from exc


def make_time(hour: int, minute: int, second: int, nanos: int) -> int:
    if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60 and 0 <= nanos < NS):
        raise CypherSemanticError(f"invalid time {hour}:{minute}:{second}.{nanos}")
    return ((hour * 60 + minute) * 60 + second) * NS + nanos


# -- parts of values -------------------------------------------------------------------


def date_of(value: Temporal) -> dt.date | None:
    if isinstance(value, Date | LocalDateTime | DateTime):
        return value.day
    return None


def time_of(value: Temporal) -> int | None:
    if isinstance(value, LocalTime | Time | LocalDateTime | DateTime):
        return value.ns
    return None


def offset_of(value: Temporal) -> tuple[int, str | None] | None:
    if isinstance(value, Time):
        return value.offset, None
    if isinstance(value, DateTime):
        return value.offset, value.zone
    return None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months``, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _month_length(year, month + 1)
    return make_date(year, month + 1, min(day.day, last))


def _month_length(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (make_date(year, month + 1, 1) - make_date(year, month, 1)).days


def compare_key(value: Temporal) -> tuple[int, ...]:
    """A key that orders values of one temporal type as Cypher does."""
    if isinstance(value, Date):
        return (value.day.toordinal(),)
    if isinstance(value, LocalTime):
        return (value.ns,)
    if isinstance(value, Time):
        return (value.ns - value.offset * NS,)
    if isinstance(value, LocalDateTime):
        return (value.day.toordinal(), value.ns)
    if isinstance(value, DateTime):
        return (epoch_ns(value.day, value.ns, value.offset),)
    return (value.months, value.days, value.ns)
