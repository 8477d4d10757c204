"""The edge check of request text: what ``text_problem`` refuses and lets through."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kgmem.server.text_guard import text_problem

# Valid Unicode text: every code point but the surrogates.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
SURROGATE = st.integers(0xD800, 0xDFFF).map(chr)


@settings(max_examples=60)
@given(JSON, st.booleans())
def test_valid_text_passes_however_it_is_escaped(value: Any, ascii_only: bool) -> None:
    assert text_problem(json.dumps(value, ensure_ascii=ascii_only).encode()) is None


def _plant(value: Any, text: str) -> Any:
    """``value`` with ``text`` added at its deepest first container, or wrapped."""
    if isinstance(value, list):
        return [*value[:1], _plant(value[0], text) if value else text]
    if isinstance(value, dict) and value:
        key = next(iter(value))
        return {**value, key: _plant(value[key], text)}
    return [value, text]


@settings(max_examples=60)
@given(JSON, TEXT, SURROGATE, TEXT)
def test_a_lone_surrogate_anywhere_is_found(value: Any, before: str, lone: str, after: str) -> None:
    body = json.dumps(_plant(value, before + lone + after)).encode()
    problem = text_problem(body)
    assert problem is not None and f"\\u{ord(lone):04x}" in problem


def test_a_surrogate_as_a_map_key_is_found() -> None:
    assert text_problem(json.dumps({"a": {"\udfff": 1}}).encode()) is not None


def test_bytes_that_are_not_utf8_are_refused_with_their_offset() -> None:
    problem = text_problem(b'{"a": "ok\xed\xa0\x80"}')
    assert problem is not None and "byte 9" in problem


def test_bodies_that_are_not_json_are_left_to_the_route() -> None:
    assert text_problem(b'{"a": "\\ud800"') is None  # unterminated: the route answers 422
    assert text_problem(b"\\ud800") is None
