"""Temporal values from strings and from maps, as Cypher's ``date()``, ``datetime()``,
``localdatetime()``, ``time()``, ``localtime()`` and ``duration()`` build them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kgmem.cypher import temporal as t
from kgmem.errors import CypherSemanticError, CypherTypeError

Kinds = ("date", "localtime", "time", "localdatetime", "datetime")

# -- strings ---------------------------------------------------------------------------

_DATE_FORMS = [
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), "ymd"),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), "ymd"),
    (re.compile(r"(\d{4})-W(\d{2})(?:-(\d))?"), "week"),
    (re.compile(r"(\d{4})W(\d{2})(\d)?"), "week"),
    (re.compile(r"(\d{4})-(\d{3})"), "ordinal"),
    (re.compile(r"(\d{4})(\d{3})"), "ordinal"),
    (re.compile(r"(\d{4})-(\d{2})"), "ym"),
    (re.compile(r"(\d{4})(\d{2})"), "ym"),
    (re.compile(r"(\d{4})"), "y"),
]
_TIME = re.compile(r"(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?")
_ZONE = re.compile(r"(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?(?:\[([A-Za-z0-9_/+-]+)\])?")


def parse_date(text: str) -> dt.date:
    for pattern, form in _DATE_FORMS:
        match = pattern.fullmatch(text)
        if match:
            parts = [int(p) if p else None for p in match.groups()]
            return _date_form(form, parts)
    raise CypherSemanticError(f"text cannot be parsed as a date: {text!r}")


def _date_form(form: str, parts: list[int | None]) -> dt.date:
    year = parts[0] or 0
    if form == "ymd":
        return t.make_date(year, parts[1] or 0, parts[2] or 0)
    if form == "week":
        return week_date(year, parts[1] or 0, parts[2] or 1)
    if form == "ordinal":
        return ordinal_date(year, parts[1] or 0)
    if form == "ym":
        return t.make_date(year, parts[1] or 0, 1)
    return t.make_date(year, 1, 1)


def week_date(year: int, week: int, weekday: int) -> dt.date:
    try:
        return dt.date.fromisocalendar(year, week, weekday)
    except ValueError as exc:
        raise CypherSemanticError(f"invalid week date {year}-W{week}-{weekday}") from exc


def ordinal_date(year: int, day: int) -> dt.date:
    start = t.make_date(year, 1, 1)
    result = start + dt.timedelta(days=day - 1)
    if day < 1 or result.year != year:
        raise CypherSemanticError(f"invalid ordinal date {year}-{day}")
    return result


def quarter_date(year: int, quarter: int, day: int) -> dt.date:
    if not 1 <= quarter <= 4:
        raise CypherSemanticError(f"invalid quarter {quarter}")
    start = t.make_date(year, 3 * quarter - 2, 1)
    result = start + dt.timedelta(days=day - 1)
    if day < 1 or (result.month - 1) // 3 + 1 != quarter:
        raise CypherSemanticError(f"invalid day of quarter {day}")
    return result


def parse_time(text: str) -> tuple[int, int | None, str | None]:
    """(nanoseconds of day, offset or None, zone name or None) from ``text``."""
    match = _TIME.match(text)
    if not match:
        raise CypherSemanticError(f"text cannot be parsed as a time: {text!r}")
    h, m, s, frac = match.groups()
    nanos = int((frac or "").ljust(9, "0")) if frac else 0
    ns = t.make_time(int(h), int(m or 0), int(s or 0), nanos)
    zone_match = _ZONE.fullmatch(text[match.end() :])
    if not zone_match:
        raise CypherSemanticError(f"text cannot be parsed as a time: {text!r}")
    offset_text, name = zone_match.groups()
    offset = t.parse_offset(offset_text) if offset_text else None
    return ns, offset, name


def parse(kind: str, text: str) -> t.Temporal:
    """The value ``kind(text)`` (kind in ``Kinds`` or ``duration``)."""
    text = text.strip()
    if kind == "duration":
        return parse_duration(text)
    if kind in ("localtime", "time"):
        ns, offset, _ = parse_time(text)
        return t.LocalTime(ns) if kind == "localtime" else t.Time(ns, offset or 0)
    return _parse_with_date(kind, text)


def _parse_with_date(kind: str, text: str) -> t.Temporal:
    date_text, _, time_text = text.partition("T")
    day = parse_date(date_text)
    if kind == "date":
        if time_text:
            raise CypherSemanticError(f"text cannot be parsed as a date: {text!r}")
        return t.Date(day)
    ns, offset, zone = parse_time(time_text) if time_text else (0, None, None)
    if kind == "localdatetime":
        return t.LocalDateTime(day, ns)
    if zone is not None:
        return t.DateTime(day, ns, t.zone_offset(zone, day, ns), zone)
    return t.DateTime(day, ns, offset or 0)


_DURATION = re.compile(
    r"(-)?P(?:([-\d.]+)Y)?(?:([-\d.]+)M)?(?:([-\d.]+)W)?(?:([-\d.]+)D)?"
    r"(?:T(?:([-\d.]+)H)?(?:([-\d.]+)M)?(?:([-\d.]+)S)?)?"
)
_DURATION_DATE_FORM = re.compile(r"P(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)")


def parse_duration(text: str) -> t.Duration:
    alt = _DURATION_DATE_FORM.fullmatch(text)
    if alt:
        y, mo, d, h, mi, s = alt.groups()
        return duration_from_map(
            {
                "years": int(y),
                "months": int(mo),
                "days": int(d),
                "hours": int(h),
                "minutes": int(mi),
                "seconds": Decimal(s),
            }
        )
    match = _DURATION.fullmatch(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        raise CypherSemanticError(f"text cannot be parsed as a duration: {text!r}")
    negative, *parts = match.groups()
    names = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
    try:
        given = {n: Decimal(p) for n, p in zip(names, parts, strict=True) if p is not None}
    except ArithmeticError as exc:
        raise CypherSemanticError(f"text cannot be parsed as a duration: {text!r}") from exc
    value = duration_from_map(given)
    if negative:
        return t.Duration(-value.months, -value.days, -value.ns)
    return value


# -- maps ------------------------------------------------------------------------------

_DURATION_UNITS = {
    "years": ("months", Decimal(12)),
    "quarters": ("months", Decimal(3)),
    "months": ("months", Decimal(1)),
    "weeks": ("days", Decimal(7)),
    "days": ("days", Decimal(1)),
    "hours": ("ns", Decimal(3600 * t.NS)),
    "minutes": ("ns", Decimal(60 * t.NS)),
    "seconds": ("ns", Decimal(t.NS)),
    "milliseconds": ("ns", Decimal(1_000_000)),
    "microseconds": ("ns", Decimal(1_000)),
    "nanoseconds": ("ns", Decimal(1)),
}


def duration_from_map(given: Mapping[str, Any]) -> t.Duration:
    months, days, ns = Decimal(0), Decimal(0), Decimal(0)
    for key, raw in given.items():
        unit = _DURATION_UNITS.get(key.lower())
        if unit is None:
            raise CypherSemanticError(f"duration() does not take the key {key!r}")
        amount = _number(raw, key) * unit[1]
        if unit[0] == "months":
            months += amount
        elif unit[0] == "days":
            days += amount
        else:
            ns += amount
    whole_months = int(months)
    days += (months - whole_months) * Decimal(t.AVG_MONTH_S) / Decimal(86_400)
    whole_days = int(days)
    ns += (days - whole_days) * Decimal(t.DAY_NS)
    return t.Duration(whole_months, whole_days, int(ns.to_integral_value()))


def _number(raw: Any, key: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise CypherTypeError(f"{key} must be a number, not {raw!r}")
    return Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)


def _int(given: Mapping[str, Any], key: str, default: int | None = None) -> int | None:
    raw = given.get(key)
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise CypherTypeError(f"{key} must be an integer, not {raw!r}")
    return raw


_KEYS = {
    "date": {"year", "month", "day", "week", "dayofweek", "quarter", "dayofquarter",
             "ordinalday", "date", "datetime"},
    "time": {"hour", "minute", "second", "millisecond", "microsecond", "nanosecond",
             "time", "timezone", "datetime"},
}  # fmt: skip


def from_map(kind: str, raw: Mapping[str, Any]) -> t.Temporal:
    """The value ``kind({...})`` for ``kind`` in ``Kinds``."""
    given = {k.lower(): v for k, v in raw.items()}
    _check_keys(kind, given)
    if kind == "datetime" and ("epochseconds" in given or "epochmillis" in given):
        return _from_epoch(given)
    base = given.get("datetime") if "datetime" in given else None
    day = _build_date(given, base) if kind in ("date", "localdatetime", "datetime") else None
    if kind == "date":
        assert day is not None
        return t.Date(day)
    return _with_time(kind, given, day, base)


def _check_keys(kind: str, given: Mapping[str, Any]) -> None:
    allowed = set()
    if kind in ("date", "localdatetime", "datetime"):
        allowed |= _KEYS["date"]
    if kind in ("localtime", "time", "localdatetime", "datetime"):
        allowed |= _KEYS["time"]
    if kind == "datetime":
        allowed |= {"epochseconds", "epochmillis", "nanosecond"}
    unknown = set(given) - allowed
    if unknown:
        raise CypherSemanticError(f"{kind}() does not take the key(s) {sorted(unknown)}")


def _with_time(kind: str, given: Mapping[str, Any], day: dt.date | None, base: Any) -> t.Temporal:
    time_base = given.get("time", base)
    ns = _build_time(given, time_base)
    zone = given.get("timezone")
    if zone is not None and not isinstance(zone, str):
        raise CypherTypeError(f"timezone must be a string, not {zone!r}")
    if kind == "localtime":
        return t.LocalTime(ns)
    if kind == "localdatetime":
        assert day is not None
        return t.LocalDateTime(day, ns)
    source = t.offset_of(time_base) if isinstance(time_base, t.Time | t.DateTime) else None
    if kind == "time":
        return _place_time(ns, source, zone)
    assert day is not None
    return _place_datetime(day, ns, source, zone)


def _place_time(ns: int, source: tuple[int, str | None] | None, zone: str | None) -> t.Time:
    if zone is None:
        return t.Time(ns, source[0] if source else 0)
    offset = t.parse_offset(zone)
    if offset is None:
        today = dt.datetime.now(dt.UTC).date()
        offset = t.zone_offset(zone, today, ns)
    if source is None:
        return t.Time(ns, offset)
    return t.Time((ns - source[0] * t.NS + offset * t.NS) % t.DAY_NS, offset)


def _place_datetime(
    day: dt.date, ns: int, source: tuple[int, str | None] | None, zone: str | None
) -> t.DateTime:
    if source is None:
        return t.in_zone(day, ns, zone) if zone is not None else t.DateTime(day, ns, 0)
    offset, name = source
    if name is not None:
        offset = t.zone_offset(name, day, ns)
    if zone is None:
        return t.DateTime(day, ns, offset, name)
    return t.from_epoch(t.epoch_ns(day, ns, offset), zone)


def _from_epoch(given: Mapping[str, Any]) -> t.DateTime:
    if "epochmillis" in given:
        total = (_int(given, "epochmillis") or 0) * 1_000_000
    else:
        total = (_int(given, "epochseconds") or 0) * t.NS
    total += _int(given, "nanosecond", 0) or 0
    zone = given.get("timezone")
    return t.from_epoch(total, zone if isinstance(zone, str) else None)


def _build_date(given: Mapping[str, Any], base: Any) -> dt.date:
    source = given.get("date", base)
    if source is not None:
        day = (
            t.date_of(source) if isinstance(source, t.Date | t.LocalDateTime | t.DateTime) else None
        )
        if day is None:
            raise CypherTypeError(f"date must be a date value, not {source!r}")
        return _select_date(given, day)
    year = _int(given, "year")
    if year is None:
        raise CypherSemanticError("a date needs a year")
    if "week" in given:
        return week_date(year, _int(given, "week") or 1, _int(given, "dayofweek", 1) or 1)
    if "ordinalday" in given:
        return ordinal_date(year, _int(given, "ordinalday") or 1)
    if "quarter" in given:
        return quarter_date(year, _int(given, "quarter") or 1, _int(given, "dayofquarter", 1) or 1)
    month, day_ = _int(given, "month", 1) or 1, _int(given, "day", 1) or 1
    if "day" in given and "month" not in given:
        raise CypherSemanticError("a date with a day needs a month")
    return t.make_date(year, month, day_)


def _select_date(given: Mapping[str, Any], day: dt.date) -> dt.date:
    if "week" in given or "dayofweek" in given:
        iso = day.isocalendar()
        year = _int(given, "year", iso[0]) or iso[0]
        week = _int(given, "week", iso[1]) or iso[1]
        return week_date(year, week, _int(given, "dayofweek", iso[2]) or iso[2])
    if "ordinalday" in given:
        return ordinal_date(
            _int(given, "year", day.year) or day.year, _int(given, "ordinalday") or 1
        )
    if "quarter" in given or "dayofquarter" in given:
        quarter = (day.month - 1) // 3 + 1
        in_quarter = (day - t.make_date(day.year, 3 * quarter - 2, 1)).days + 1
        return quarter_date(
            _int(given, "year", day.year) or day.year,
            _int(given, "quarter", quarter) or quarter,
            _int(given, "dayofquarter", in_quarter) or in_quarter,
        )
    return t.make_date(
        _int(given, "year", day.year) or day.year,
        _int(given, "month", day.month) or day.month,
        _int(given, "day", day.day) or day.day,
    )


def _build_time(given: Mapping[str, Any], base: Any) -> int:
    if base is not None:
        ns = t.time_of(base) if isinstance(base, t.Temporal) else None
        if ns is None:
            raise CypherTypeError(f"time must be a value with a time, not {base!r}")
    else:
        ns = 0
    seconds, nanos = divmod(ns, t.NS)
    h0, m0, s0 = seconds // 3600, seconds // 60 % 60, seconds % 60
    hour = _int(given, "hour", h0) or 0
    minute = _int(given, "minute", m0 if base is not None else 0) or 0
    second = _int(given, "second", s0 if base is not None else 0) or 0
    if "minute" in given and "hour" not in given and base is None:
        raise CypherSemanticError("a time with a minute needs an hour")
    sub = {"millisecond": 1_000_000, "microsecond": 1_000, "nanosecond": 1}
    if any(k in given for k in sub):
        if base is not None:
            kept = (nanos // 1_000_000, nanos // 1_000 % 1_000, nanos % 1_000)
            parts = [_int(given, key, old) or 0 for key, old in zip(sub, kept, strict=True)]
        else:
            parts = [_int(given, key, 0) or 0 for key in sub]
        total = sum(p * scale for p, scale in zip(parts, sub.values(), strict=True))
        if min(parts) < 0 or total >= t.NS:
            raise CypherSemanticError("invalid fraction of a second")
        nanos = total
    return t.make_time(hour, minute, second, nanos)
