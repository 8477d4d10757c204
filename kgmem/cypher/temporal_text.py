"""Which stored text is a temporal value: the kind of a string that is exactly the ISO
8601 text kgmem writes for a date, datetime, localdatetime, time or duration.

kgmem stores a temporal value as its text (``kgmem.cypher.temporal``); Bolt sends a
value read back from the graph (``RETURN n.born``, a node's properties) as the
driver's temporal type when its text is in the very form kgmem writes: it parses as
that kind and formats back to the same characters. A string written as a string in
that form (``'2024-01-31'``) is read back as a temporal value too: kgmem keeps no type
beside the text. Local times (``'12:30'``) stay text, being too common as plain
strings; a query makes any value temporal explicitly (``localtime(n.at)``).
"""

from __future__ import annotations

import re

from kgmem.cypher import temporal as t
from kgmem.cypher import temporal_build as build
from kgmem.errors import KgmemError

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
_OFFSET = r"(?:Z|[+-]\d{2}:\d{2}(?::\d{2})?)"
_SHAPES = (
    ("date", re.compile(_DATE)),
    ("localdatetime", re.compile(f"{_DATE}T{_TIME}")),
    (
        "datetime",
        re.compile(rf"{_DATE}T{_TIME}(?:{_OFFSET}(?:\[[A-Za-z0-9_/+-]+\])?|\[[A-Za-z0-9_/+-]+\])"),
    ),
    ("time", re.compile(f"{_TIME}{_OFFSET}")),
    ("duration", re.compile(r"-?P(?=.)[0-9YMWDTHS.,-]*")),
)


def read(text: str) -> t.Temporal | None:
    """The temporal value whose canonical text ``text`` is, or None."""
    if len(text) < 3 or not (text[0].isdigit() or text[0] in "P-"):
        return None
    for kind, shape in _SHAPES:
        if shape.fullmatch(text):
            return _canonical(kind, text)
    return None


def _canonical(kind: str, text: str) -> t.Temporal | None:
    try:
        value = build.parse(kind, text)
    except (KgmemError, ValueError, OverflowError):
        return None
    return value if t.to_string(value) == text else None
