"""AGE results as typed JSON values.

agtype text is JSON with annotations after values (``{...}::vertex``, ``{...}::edge``,
``[...]::path``, ``1.5::numeric``) and bare ``NaN``/``Infinity``. Here vertices, edges
and paths become objects that say what they are::

    {"kind": "node", "id": 844424930131969, "label": "Person", "properties": {...}}
    {"kind": "node", ..., "label": "Employee", "labels": ["Employee", "Person"], ...}
    {"kind": "relationship", "id": ..., "label": "KNOWS", "start": ..., "end": ...,
     "properties": {...}}
    {"kind": "path", "nodes": [...], "relationships": [...]}

Numbers, strings, booleans, lists, maps and null stay plain JSON. Non-finite floats
become the strings "NaN", "Infinity" and "-Infinity" (JSON has no such numbers), of the
class ``NonFinite``, which Bolt sends as floats.

A value nested more than ``MAX_DEPTH`` lists and maps deep raises ``LimitExceeded``:
JSON encoders and parsers recurse, and each stops at a depth of its own (a deeper
result could be decoded but not sent).
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from kgmem.cypher import label_sets
from kgmem.errors import LimitExceeded
from kgmem.text.agtext import constant, skip_string

MAX_DEPTH = 254  # orjson's limit, within the REST encoder's

_MARK = "\x00kgmem-kind"  # no JSON text can spell this key by accident
_MARK_JSON = "\\u0000kgmem-kind"
_OPENERS = {"{": "}", "[": "]"}


def decode(text: str | None) -> Any:
    """The typed JSON value of agtype ``text`` (None for SQL NULL)."""
    if text is None:
        return None
    if "::" not in text:
        try:
            value = orjson.loads(text)  # the common case: plain JSON, no NaN/Infinity
        except orjson.JSONDecodeError:
            pass
        else:
            return _shallow(text, value)
    return _finite(decode_raw(text))


def _mark_annotations(text: str) -> str:
    """Wrap each annotated composite as ``{"<mark>": kind, "v": value}``; drop
    ``::numeric``."""
    inserts: dict[int, list[str]] = {}
    cut: list[tuple[int, int]] = []
    stack: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i = skip_string(text, i)
            continue
        if ch in _OPENERS:
            stack.append(i)
        elif ch in "}]":
            opener = stack.pop() if stack else 0
            kind = _annotation(text, i + 1)
            if kind:
                inserts.setdefault(opener, []).append('{"' + _MARK_JSON + '":"' + kind + '","v":')
                inserts.setdefault(i + 1, []).insert(0, "}")
                cut.append((i + 1, i + 3 + len(kind)))
        elif text.startswith("::numeric", i):
            cut.append((i, i + len("::numeric")))
        i += 1
    return _rebuild(text, inserts, cut)


def _annotation(text: str, i: int) -> str | None:
    for kind in ("vertex", "edge", "path"):
        if text.startswith("::" + kind, i):
            return kind
    return None


def _rebuild(text: str, inserts: dict[int, list[str]], cut: list[tuple[int, int]]) -> str:
    skip = {p for start, end in cut for p in range(start, end)}
    out: list[str] = []
    for i, ch in enumerate(text):
        out.extend(inserts.get(i, ()))
        if i not in skip:
            out.append(ch)
    out.extend(inserts.get(len(text), ()))
    return "".join(out)


def _typed(obj: dict[str, Any]) -> Any:
    kind = obj.get(_MARK)
    if kind is None:
        return obj
    value = obj["v"]
    if kind == "vertex":
        return _node(value)
    if kind == "edge":
        return {
            "kind": "relationship",
            **_element(value),
            "label": _type(value.get("label")),
            "start": value.get("start_id"),
            "end": value.get("end_id"),
        }
    return {
        "kind": "path",
        "nodes": value[0::2],
        "relationships": value[1::2],
    }


# The label AGE gives an unlabelled vertex inside a variable-length path (elsewhere ''):
# the node has no label.
_UNLABELLED = "_ag_label_vertex"


def _node(value: dict[str, Any]) -> dict[str, Any]:
    """A node; one with several labels (a composite AGE label, ``label_sets``) gives
    the first as ``label`` and all of them as ``labels``."""
    node = {"kind": "node", **_element(value)}
    label = node["label"]
    if label == _UNLABELLED:
        node["label"] = ""
    elif isinstance(label, str) and label.startswith(label_sets.PREFIX):
        names = label_sets.split(label)
        node["label"], node["labels"] = names[0], names
    return node


def _type(label: Any) -> Any:
    """A relationship's type as written: a type AGE cannot hold is stored under its
    one-part composite label (``label_sets.stored``)."""
    if isinstance(label, str) and label.startswith(label_sets.PREFIX):
        return label_sets.split(label)[0]
    return label


def _element(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": value.get("id"),
        "label": value.get("label"),
        "properties": value.get("properties") or {},
    }


class NonFinite(str):
    """A float JSON cannot carry, as its name ("NaN", "Infinity", "-Infinity"): a string
    in JSON, a float again over Bolt (``float(value)``), so a stored string "NaN" stays
    a string everywhere."""

    __slots__ = ()


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        name = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return NonFinite(name)
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def decode_raw(text: str | None) -> Any:
    """Like ``decode`` but keeping non-finite floats as floats (for comparisons)."""
    if text is None:
        return None
    marked = _mark_annotations(text) if "::" in text else text
    try:
        value = json.loads(marked, parse_constant=constant, object_hook=_typed)
    except RecursionError:
        raise _too_deep() from None
    return _shallow(text, value)


def _shallow(text: str, value: Any) -> Any:
    """``value`` (decoded from ``text``), once known to nest at most ``MAX_DEPTH`` deep."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return value  # too few brackets to be that deep: the common case costs two counts
    try:
        orjson.dumps(value)  # orjson refuses lists and maps nested past MAX_DEPTH
    except orjson.JSONEncodeError:
        raise _too_deep() from None
    return value


def _too_deep() -> LimitExceeded:
    return LimitExceeded(
        f"a value in the result nests lists and maps more than {MAX_DEPTH} deep",
        limit=MAX_DEPTH,
    )
