"""Explicit calendar dates in English text ("7 May 2023", "May 7, 2023", "May 2023",
"in 2022"): one pattern shared by extraction (``kgmem.ingest.rules``) and the reading
of questions (``kgmem.retrieval.question``). Groups: d1/m1/y1 (day month year),
d2/m2/y2 (month day, year), m3/y3 (month year), y4 (a year after "in")."""

from __future__ import annotations

import re

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = r"(?:" + "|".join(m.capitalize() for m in MONTHS) + r")"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
DATE = re.compile(
    rf"\b(?:(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{_MONTH}),?\s+(?P<y1>{_YEAR})"
    rf"|(?P<m2>{_MONTH})\s+(?P<d2>{_DAY}),?\s+(?P<y2>{_YEAR})"
    rf"|(?P<m3>{_MONTH}),?\s+(?P<y3>{_YEAR})"
    rf"|(?<=\b[Ii]n\s)(?P<y4>{_YEAR}))\b"
)
