"""List slices with a null bound, which openCypher answers null (``list[1..null]``,
``list[$from..$to]`` with ``$from`` null) and AGE 1.7 reads as an open end (or refuses,
"slice start and/or end is required", when both are null).

A slice one of whose bounds is not an integer literal is written as::

    list[a..b]
    CASE WHEN kgmem_cypher.isnull(a) OR kgmem_cypher.isnull(b) THEN null
         ELSE list[a..b] END

(``isnull`` tells agtype's null too, migration 0017), and a slice with a ``null``
literal bound is ``null``. In the slice itself each such bound goes through
``kgmem_cypher.slice_bound`` (migration 0066), which refuses a list or a map there, as
AGE crashed its server process on one (``[1, 2][[1]..2]``). The sliced expression is
the postfix chain before ``[``: a name, parameter or literal, a call, a bracketed
expression, a list literal, and the property reads and indexes after it
(``n.tags[1..$k]``, ``f(x)[..$k]``, ``[1, 2][$a..]``).
A relationship's ``[*1..3]`` is not a slice: the ``[`` there follows ``-`` or ``<-``.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.guard import RESERVED
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.property_keys import KEYWORDS
from kgmem.cypher.spans import splice
from kgmem.cypher.structure import closing, depths
from kgmem.cypher.temporal_sql import SCHEMA

_ATOMS = (Kind.NAME, Kind.QUOTED_NAME, Kind.PARAMETER, Kind.STRING, Kind.NUMBER)
_CLOSERS = (")", "]", "}")


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each slice a null bound may reach made
    null for it."""
    if ".." not in text:
        return text
    pairs = closing(code)
    openers = {close: open_ for open_, close in pairs.items()}
    edits = []
    for index, token in enumerate(code):
        if token.text != "[" or index not in pairs or not _after_a_value(code, index):
            continue
        bounds = _bounds(code[index + 1 : pairs[index]])
        start = _subject_start(code, index, openers) if bounds is not None else None
        if bounds is None or start is None or code[start].text.startswith(RESERVED):
            continue  # not a slice, or kgmem's own (kgmem.cypher.eager)
        replacement = _guarded(text, code, start, pairs[index], bounds)
        if replacement is not None:
            edits.append((code[start].start, code[pairs[index]].end, replacement))
    return splice(text, _outermost(edits)) if edits else text


def _after_a_value(code: Sequence[Token], index: int) -> bool:
    """Whether the ``[`` at ``index`` follows a value (an index or a slice of it)."""
    if index == 0:
        return False
    before = code[index - 1]
    if before.kind is Kind.PUNCT:
        return before.text in _CLOSERS
    return before.kind in _ATOMS and not (before.kind is Kind.NAME and before.upper in KEYWORDS)


def _bounds(inside: Sequence[Token]) -> tuple[list[Token], list[Token]] | None:
    """The lower and upper bound of a slice's ``[...]`` (either may be empty); None for
    an index, a pattern's range (``*1..3``) or a comprehension."""
    dots = [i for i, (depth, t) in enumerate(depths(inside)) if depth == 0 and t.text == ".."]
    if len(dots) != 1 or any(t.text == "*" for t in inside[: dots[0]]):
        return None
    return list(inside[: dots[0]]), list(inside[dots[0] + 1 :])


def _subject_start(code: Sequence[Token], bracket: int, openers: dict[int, int]) -> int | None:
    """Where the postfix chain that ``code[bracket]`` slices starts."""
    at = bracket - 1
    while True:
        token = code[at]
        if token.text in _CLOSERS:
            if at not in openers:
                return None
            at = openers[at]
            before = code[at - 1] if at else None
            if token.text == ")" and before is not None and _name(before):
                at -= 1  # a call
                while at >= 2 and code[at - 1].text == "." and _name(code[at - 2]):
                    at -= 2  # a dotted name (point.distance)
        elif token.kind not in _ATOMS or (token.kind is Kind.NAME and token.upper in KEYWORDS):
            return None
        before = code[at - 1] if at else None
        if before is not None and before.text == "." and at >= 2:
            at -= 2  # a property read: continue with what it reads
        elif before is not None and before.text == "]" and at - 1 in openers:
            at -= 1  # an index or slice before this one
        else:
            return at


def _name(token: Token) -> bool:
    return token.kind in (Kind.NAME, Kind.QUOTED_NAME) and token.upper not in KEYWORDS


def _integer(bound: Sequence[Token]) -> bool:
    """An integer literal, with or without a minus (or no bound at all)."""
    body = bound[1:] if bound and bound[0].text == "-" else bound
    return not bound or (len(body) == 1 and body[0].kind is Kind.NUMBER and body[0].text.isdigit())


def _guarded(
    text: str, code: Sequence[Token], start: int, close: int, bounds: tuple[list[Token], ...]
) -> str | None:
    """The slice made null for a null bound; None when both bounds are integers."""
    if all(_integer(b) for b in bounds):
        return None
    if any(len(b) == 1 and b[0].is_keyword("NULL") for b in bounds):
        return "null"
    at = code[start].start
    whole = text[at : code[close].end]
    tests = [f"{SCHEMA}.isnull({text[b[0].start : b[-1].end]})" for b in bounds if not _integer(b)]
    for bound in sorted((b for b in bounds if not _integer(b)), key=lambda b: -b[0].start):
        begin, end = bound[0].start - at, bound[-1].end - at
        whole = f"{whole[:begin]}{SCHEMA}.slice_bound({whole[begin:end]}){whole[end:]}"
    return f"(CASE WHEN {' OR '.join(tests)} THEN null ELSE {whole} END)"


def _outermost(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The edits not inside another (a slice of a slice is guarded once, outside)."""
    kept: list[tuple[int, int, str]] = []
    for edit in sorted(edits, key=lambda e: (e[0], -e[1])):
        if kept and edit[0] >= kept[-1][0] and edit[1] <= kept[-1][1]:
            continue
        kept.append(edit)
    return kept
