"""Arithmetic, truncation, durations between values and component access for Cypher's
temporal values (``kgmem.cypher.temporal``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from kgmem.cypher import temporal as t
from kgmem.cypher import temporal_build as build
from kgmem.errors import CypherSemanticError, CypherTypeError


def add(value: t.Temporal, d: t.Duration, sign: int = 1) -> t.Temporal:
    """``value + d`` (``sign`` -1: ``value - d``)."""
    months, days, ns = sign * d.months, sign * d.days, sign * d.ns
    if isinstance(value, t.Duration):
        return t.Duration(value.months + months, value.days + days, value.ns + ns)
    if isinstance(value, t.LocalTime):
        return t.LocalTime((value.ns + ns) % t.DAY_NS)
    if isinstance(value, t.Time):
        return t.Time((value.ns + ns) % t.DAY_NS, value.offset)
    day = t.add_months(value.day, months) + dt.timedelta(days=days)
    if isinstance(value, t.Date):
        return t.Date(day + dt.timedelta(days=int(ns / t.DAY_NS)))
    return _add_to_datetime(value, day, ns)


def _add_to_datetime(value: t.LocalDateTime | t.DateTime, day: dt.date, ns: int) -> t.Temporal:
    extra, moved_ns = divmod(value.ns + ns, t.DAY_NS)
    moved_day = day + dt.timedelta(days=extra)
    if isinstance(value, t.LocalDateTime):
        return t.LocalDateTime(moved_day, moved_ns)
    if value.zone is None:
        return t.DateTime(moved_day, moved_ns, value.offset)
    if not ns:
        return t.in_zone(moved_day, moved_ns, value.zone)
    # the seconds part moves the instant, the months and days the local date
    start = t.in_zone(day, value.ns, value.zone)
    return t.from_epoch(t.epoch_ns(start.day, start.ns, start.offset) + ns, value.zone)


def scale(d: t.Duration, factor: float | int, divide: bool = False) -> t.Duration:
    """``d * factor`` or ``d / factor``, fractions cascading down as in ``duration()``."""
    if divide and factor == 0:
        raise CypherSemanticError("division of a duration by zero")
    f = (1 / factor) if divide else factor
    return build.duration_from_map(
        {"months": d.months * f, "days": d.days * f, "nanoseconds": d.ns * f}
    )


# -- truncation ------------------------------------------------------------------------

_DATE_UNITS = ("millennium", "century", "decade", "year", "weekyear", "quarter", "month",
               "week", "day")  # fmt: skip
_TIME_UNITS = {"hour": 3600 * t.NS, "minute": 60 * t.NS, "second": t.NS,
               "millisecond": 1_000_000, "microsecond": 1_000, "day": t.DAY_NS}  # fmt: skip


_YEAR_STEPS = {"millennium": 1000, "century": 100, "decade": 10, "year": 1}


def _truncate_date(day: dt.date, unit: str) -> dt.date:
    if unit in _YEAR_STEPS:
        return t.make_date(day.year // _YEAR_STEPS[unit] * _YEAR_STEPS[unit], 1, 1)
    moves = {
        "weekyear": lambda: build.week_date(day.isocalendar()[0], 1, 1),
        "quarter": lambda: t.make_date(day.year, (day.month - 1) // 3 * 3 + 1, 1),
        "month": lambda: t.make_date(day.year, day.month, 1),
        "week": lambda: day - dt.timedelta(days=day.weekday()),
    }
    return moves[unit]() if unit in moves else day


def truncate(kind: str, unit: Any, value: Any, extra: Mapping[str, Any] | None) -> t.Temporal:
    """``kind.truncate(unit, value, extra)``."""
    if not isinstance(unit, str):
        raise CypherTypeError("the truncation unit must be a string")
    unit = unit.lower()
    if unit not in _DATE_UNITS and unit not in _TIME_UNITS:
        raise CypherSemanticError(f"unknown truncation unit {unit!r}")
    if not isinstance(value, t.Date | t.LocalTime | t.Time | t.LocalDateTime | t.DateTime):
        raise CypherTypeError("truncate() needs a temporal value")
    fields: dict[str, Any] = {}
    day = t.date_of(value)
    if kind in ("date", "localdatetime", "datetime"):
        if day is None:
            raise CypherTypeError(f"{kind}.truncate() needs a value with a date")
        fields["date"] = t.Date(_truncate_date(day, unit))
    if kind != "date":
        if unit in _DATE_UNITS and kind in ("time", "localtime") and unit != "day":
            raise CypherSemanticError(f"cannot truncate a time to {unit}")
        ns = t.time_of(value) or 0
        step = _TIME_UNITS.get(unit, t.DAY_NS)
        fields["time"] = t.LocalTime(ns // step * step)
        source = t.offset_of(value)
        if source is not None and kind in ("time", "datetime"):
            fields["time"] = _zoned(fields["time"].ns, source, fields.get("date"))
    given = {k.lower(): v for k, v in (extra or {}).items()}
    if "timezone" in given and "time" in fields and isinstance(fields["time"], t.Time | t.DateTime):
        fields["time"] = t.LocalTime(fields["time"].ns)
    fields.update(given)
    return build.from_map(kind, fields)


def _zoned(ns: int, source: tuple[int, str | None], day: Any) -> t.Temporal:
    offset, name = source
    if name is not None and isinstance(day, t.Date):
        return t.in_zone(day.day, ns, name)
    return t.Time(ns, offset)


# -- durations between values ----------------------------------------------------------


def _split(value: t.Temporal) -> tuple[dt.date | None, int | None, int | None]:
    offset = t.offset_of(value)
    return t.date_of(value), t.time_of(value), offset[0] if offset else None


def _zone_name(value: t.Temporal) -> str | None:
    """The named time zone of a date-time (``[Europe/Stockholm]``), else None."""
    return value.zone if isinstance(value, t.DateTime) else None


def between(a: Any, b: Any, unit: str = "between") -> t.Duration:
    """``duration.between(a, b)`` and its ``inMonths``/``inDays``/``inSeconds`` forms."""
    if not isinstance(a, t.Temporal) or not isinstance(b, t.Temporal):
        raise CypherTypeError("duration.between() needs two temporal values")
    if isinstance(a, t.Duration) or isinstance(b, t.Duration):
        raise CypherTypeError("duration.between() needs two temporal values, not durations")
    d1, n1, o1 = _split(a)
    d2, n2, o2 = _split(b)
    zone = _zone_name(a) or _zone_name(b)
    if zone is not None and (o1 is None) != (o2 is None):
        # The local value is read in the other's time zone, at its own date and time (a
        # time alone at the other's date), so a daylight saving change between counts.
        if o1 is None:
            o1 = t.in_zone(d1 or d2, n1 or 0, zone).offset  # type: ignore[arg-type]
        else:
            o2 = t.in_zone(d2 or d1, n2 or 0, zone).offset  # type: ignore[arg-type]
    if o1 is not None and o2 is not None:
        n2 = (n2 or 0) - (o2 - o1) * t.NS  # b seen in a's offset
    if d1 is None or d2 is None:
        ns = (n2 or 0) - (n1 or 0)
        return t.Duration(0, 0, ns) if unit not in {"inmonths", "indays"} else t.Duration(0, 0, 0)
    extra, n2 = divmod(n2 or 0, t.DAY_NS)
    return _between_dates(d1, n1 or 0, d2 + dt.timedelta(days=extra), n2, unit)


def _between_dates(d1: dt.date, n1: int, d2: dt.date, n2: int, unit: str) -> t.Duration:
    total_ns = (d2.toordinal() - d1.toordinal()) * t.DAY_NS + n2 - n1
    if unit == "inseconds":
        return t.Duration(0, 0, total_ns)
    if unit == "indays":
        return t.Duration(0, int(total_ns / t.DAY_NS), 0)
    months = (d2.year - d1.year) * 12 + d2.month - d1.month
    start = t.add_months(d1, months)
    if months > 0 and (start, n1) > (d2, n2):
        months -= 1
    elif months < 0 and (start, n1) < (d2, n2):
        months += 1
    start = t.add_months(d1, months)
    if unit == "inmonths":
        return t.Duration(months, 0, 0)
    rest = (d2.toordinal() - start.toordinal()) * t.DAY_NS + n2 - n1
    days = int(rest / t.DAY_NS)
    return t.Duration(months, days, rest - days * t.DAY_NS)


# -- components ------------------------------------------------------------------------


def component(value: t.Temporal, key: str) -> Any:
    """``value.key`` (``d.year``, ``dt.timezone``, ``dur.days``, ...)."""
    name = key.lower()
    if isinstance(value, t.Duration):
        return _duration_component(value, name)
    day, ns, _ = _split(value)
    if day is not None:
        found = _date_component(day, name)
        if found is not None:
            return found
    if ns is not None:
        found = _time_component(ns, name)
        if found is not None:
            return found
    offset = t.offset_of(value)
    found = _zone_component(value, offset, name) if offset is not None else None
    if found is not None:
        return found
    raise CypherSemanticError(f"a {type(value).__name__} value has no component {key!r}")


def _zone_component(value: t.Temporal, offset: tuple[int, str | None], name: str) -> Any:
    seconds, zone = offset
    table: dict[str, Any] = {
        "timezone": zone or t.format_offset(seconds), "offset": t.format_offset(seconds),
        "offsetminutes": seconds // 60, "offsetseconds": seconds,
    }  # fmt: skip
    if isinstance(value, t.DateTime):
        total = t.epoch_ns(value.day, value.ns, value.offset)
        table["epochseconds"], table["epochmillis"] = total // t.NS, total // 1_000_000
    return table.get(name)


def _date_component(day: dt.date, name: str) -> int | None:
    iso = day.isocalendar()
    quarter = (day.month - 1) // 3 + 1
    table = {
        "year": day.year, "month": day.month, "day": day.day, "quarter": quarter,
        "week": iso[1], "weekyear": iso[0], "dayofweek": iso[2], "weekday": iso[2],
        "ordinalday": day.timetuple().tm_yday,
        "dayofquarter": (day - t.make_date(day.year, 3 * quarter - 2, 1)).days + 1,
    }  # fmt: skip
    return table.get(name)


def _time_component(ns: int, name: str) -> int | None:
    seconds, nanos = divmod(ns, t.NS)
    table = {
        "hour": seconds // 3600, "minute": seconds // 60 % 60, "second": seconds % 60,
        "millisecond": nanos // 1_000_000, "microsecond": nanos // 1_000, "nanosecond": nanos,
    }  # fmt: skip
    return table.get(name)


def _duration_component(d: t.Duration, name: str) -> int:
    seconds = int(d.ns / t.NS) if d.ns >= 0 else -((-d.ns) // t.NS) - (1 if d.ns % t.NS else 0)
    nanos_of_second = d.ns - seconds * t.NS
    table = {
        "years": int(d.months / 12), "quarters": int(d.months / 3), "months": d.months,
        "weeks": int(d.days / 7), "days": d.days, "hours": int(d.ns / (3600 * t.NS)),
        "minutes": int(d.ns / (60 * t.NS)), "seconds": seconds,
        "milliseconds": int(d.ns / 1_000_000), "microseconds": int(d.ns / 1_000),
        "nanoseconds": d.ns,
        "monthsofyear": d.months - 12 * int(d.months / 12),
        "monthsofquarter": d.months - 3 * int(d.months / 3),
        "quartersofyear": int(d.months / 3) - 4 * int(d.months / 12),
        "daysofweek": d.days - 7 * int(d.days / 7),
        "minutesofhour": int(d.ns / (60 * t.NS)) - 60 * int(d.ns / (3600 * t.NS)),
        "secondsofminute": int(d.ns / t.NS) - 60 * int(d.ns / (60 * t.NS)),
        "millisecondsofsecond": nanos_of_second // 1_000_000,
        "microsecondsofsecond": nanos_of_second // 1_000,
        "nanosecondsofsecond": nanos_of_second,
    }  # fmt: skip
    if name not in table:
        raise CypherSemanticError(f"a duration has no component {name!r}")
    return table[name]
