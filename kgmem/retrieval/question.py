"""Time expressions in a question's text, read as a window over reference times.

``window(text, now)`` finds the first time expression of the question and returns the
span it names, [start, end):

- an explicit date ("7 May 2023", "May 2023", "in 2022"; the rules of
  ``kgmem.text.calendar_dates``): that day, month or year;
- "the week before" / "the week after" such a date: the seven days before or after it;
- "last/this week", "last/this month", "last/this year", "yesterday", "today":
  relative to ``now``;
- "last summer" (and the other seasons): the most recent such season (northern
  meteorological seasons) ended before ``now``.

``with_time(q)``: a ``SearchQuery`` whose ``time_from_text`` is set gets that window
as its time query when it has none (a window constrains episodes to those whose
``occurred_at`` falls inside it; see ``TimeQuery``). It is off by default: on the
LoCoMo dev questions leave-one-conversation-out found nothing for it to act on
(docs/performance.md, "LoCoMo").
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

from kgmem.model import SearchQuery, TimeQuery
from kgmem.text.calendar_dates import DATE, MONTHS

_RELATIVE = re.compile(
    r"\b(?P<which>last|this|past)\s+(?P<unit>week|month|year|summer|winter|spring|autumn|fall)\b"
    r"|\b(?P<day>yesterday|today)\b",
    re.IGNORECASE,
)
_AROUND = re.compile(r"\bthe\s+(?P<dir>week|month)\s+(?P<side>before|after)\s*$", re.IGNORECASE)
# Meteorological seasons: the month each starts in, northern hemisphere.
_SEASON_START = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}


def window(text: str, now: datetime) -> tuple[datetime, datetime] | None:
    """The [start, end) the question's first time expression names, or None."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    date = DATE.search(text)
    relative = _RELATIVE.search(text)
    if date and (relative is None or date.start() < relative.start()):
        span = _date_span(date)
        around = _AROUND.search(text[: date.start()])
        return _around(span, around) if around else span
    if relative:
        return _relative(relative, now)
    return None


def with_time(q: SearchQuery, now: datetime | None = None) -> SearchQuery:
    """``q`` with its text's time window as its time query, when it asks for that
    (``time_from_text``), has text and no time query of its own."""
    if not q.time_from_text or q.time is not None or not q.text:
        return q
    found = window(q.text, now or datetime.now(UTC))
    if found is None:
        return q
    return dataclasses.replace(q, time=TimeQuery(start=found[0], end=found[1]))


def _date_span(m: re.Match[str]) -> tuple[datetime, datetime]:
    g = m.groupdict()
    year = int(g["y1"] or g["y2"] or g["y3"] or g["y4"])
    month_name = g["m1"] or g["m2"] or g["m3"]
    day_text = g["d1"] or g["d2"]
    if not month_name:
        return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    month = MONTHS.index(month_name.lower()) + 1
    if not day_text:
        return _month(year, month), _month(year, month + 1)
    day = datetime(year, month, int(re.sub(r"[a-z]", "", day_text)), tzinfo=UTC)
    return day, day + timedelta(days=1)


def _around(span: tuple[datetime, datetime], m: re.Match[str]) -> tuple[datetime, datetime]:
    size = timedelta(days=7 if m.group("dir").lower() == "week" else 30)
    if m.group("side").lower() == "before":
        return span[0] - size, span[0]
    return span[1], span[1] + size


def _relative(m: re.Match[str], now: datetime) -> tuple[datetime, datetime]:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if m.group("day"):
        start = today - timedelta(days=1) if m.group("day").lower() == "yesterday" else today
        return start, start + timedelta(days=1)
    unit, last = m.group("unit").lower(), m.group("which").lower() != "this"
    if unit == "week":
        start = today - timedelta(days=today.weekday() + (7 if last else 0))
        return start, start + timedelta(days=7)
    if unit == "month":
        start = _month(today.year, today.month - (1 if last else 0))
        return start, _month(start.year, start.month + 1)
    if unit == "year":
        year = today.year - (1 if last else 0)
        return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    return _season(_SEASON_START[unit], today, last=last)


def _season(first: int, today: datetime, *, last: bool) -> tuple[datetime, datetime]:
    """The season starting in month ``first``: the latest one that has ended before
    ``today`` ("last"), or the one under way or latest begun ("this")."""
    start = _month(today.year, first)
    while start > today or (last and _month(start.year, start.month + 3) > today):
        start = _month(start.year - 1, first)
    return start, _month(start.year, start.month + 3)


def _month(year: int, month: int) -> datetime:
    """The first of ``month`` (which may run past 12 or below 1) of ``year``."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=UTC)
