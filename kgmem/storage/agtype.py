"""Convert between Python values and AGE's agtype text form.

agtype's text form is JSON extended with type annotations after a value
(``{...}::vertex``, ``{...}::edge``, ``[...]::path``, ``1.5::numeric``) and the bare
floats ``NaN``, ``Infinity`` and ``-Infinity``. Writing, kgmem only ever produces
plain JSON (finite numbers, string keys), which agtype parses as is.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from kgmem.errors import InvalidNumber, InvalidText, LimitExceeded
from kgmem.text import jsontext
from kgmem.text.agtext import constant, skip_string

_ANNOTATIONS = ("vertex", "edge", "path", "numeric")
MAX_ENCODED_DEPTH = 254  # orjson's own limit on lists and maps


def encode(value: Any) -> str:
    """The agtype literal of a JSON-compatible ``value``.

    Callers validate numbers first (``kgmem.schema.properties``): orjson would write a
    NaN or an infinity as null. A string with a lone surrogate raises ``InvalidText``,
    an integer past 64 bits ``InvalidNumber``, nesting past ``MAX_ENCODED_DEPTH``
    ``LimitExceeded``.
    """
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError as exc:
        bad = jsontext.unencodable(value)
        if bad is not None:
            raise InvalidText(f"text holds {bad}, which is not valid Unicode") from exc
        big = jsontext.oversized_int(value)
        if big is not None:
            raise InvalidNumber(f"integer {big} does not fit in 64 bits") from exc
        if jsontext.depth(value) > MAX_ENCODED_DEPTH:
            raise LimitExceeded(
                f"a value nests lists and maps more than {MAX_ENCODED_DEPTH} deep",
                limit=MAX_ENCODED_DEPTH,
            ) from exc
        raise


def decode(text: str | None) -> Any:
    """Parse agtype text into Python: maps, lists, str, int, float, bool, None.

    Annotated values keep their JSON shape (a vertex stays ``{"id", "label",
    "properties"}``); ``::numeric`` values become floats.
    """
    if text is None:
        return None
    cleaned = strip_annotations(text) if "::" in text else text
    try:
        return orjson.loads(cleaned)
    except orjson.JSONDecodeError:  # NaN / Infinity, which only agtype writes
        return json.loads(cleaned, parse_constant=constant)


def strip_annotations(text: str) -> str:
    """Remove ``::vertex``-style annotations that stand outside string literals."""
    out: list[str] = []
    i, n = 0, len(text)
    start = 0
    while i < n:
        ch = text[i]
        if ch == '"':
            i = skip_string(text, i)
            continue
        if ch == ":" and text.startswith("::", i):
            word_end = i + 2
            while word_end < n and text[word_end].isalpha():
                word_end += 1
            if text[i + 2 : word_end] in _ANNOTATIONS:
                out.append(text[start:i])
                start = i = word_end
                continue
        i += 1
    out.append(text[start:])
    return "".join(out)
