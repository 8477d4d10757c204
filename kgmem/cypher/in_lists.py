"""``WHERE n.key IN $list`` as comparisons an index answers.

AGE compiles ``n.uuid IN $uuids`` to a function of the whole list, which no index on
``n.uuid`` answers, so PostgreSQL reads every node of the label (or of the graph) and
tests each. The Neo4j libraries send this shape constantly: Graphiti reads nodes and
edges by ``uuid IN $uuids`` and ``group_id IN $group_ids``. Written as
``(n.uuid = $uuids[0] OR n.uuid = $uuids[1] OR ...)``, each comparison is one index
probe.

The number of comparisons is the list's length rounded up to a power of two (a plan
serves every length of its bucket, so a cache holds few of them); the comparisons
past the list's end read a missing element, null. That is exact only where a null
filters as a false does, so an ``IN`` is rewritten only where it is a clause's WHERE
condition outside every bracket, joined to the rest by AND or OR alone: no NOT,
XOR or CASE at that depth. Under AND and OR, a condition that is true with an
unknown part is true whatever that part is, so null and false leave the same rows.
An empty list is ``false``; a list of more than ``MOST`` values, or a parameter that
is not a list, leaves the ``IN`` as written.

The shape (each such parameter and its bucket) is read from the parameters when a
query is planned (``shape``); the text is then rewritten from the shape alone
(``expand``), so plans are cached by text and shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import depths, is_keyword_at

MOST = 128
"""The longest list written as comparisons; a longer one stays an ``IN``."""

Shape = tuple[tuple[str, int], ...]
"""Each list parameter an ``IN`` reads, with the number of comparisons it becomes."""

_IN_PARAMETER = re.compile(r"\bIN\s+\$([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_ENDS_WHERE = (
    "RETURN", "WITH", "MATCH", "OPTIONAL", "UNWIND", "CREATE", "MERGE", "SET", "DELETE",
    "DETACH", "REMOVE", "CALL", "UNION", "FOREACH", "ORDER", "SKIP", "LIMIT",
)  # fmt: skip
_UNSAFE = ("NOT", "XOR", "CASE")


def shape(query: str, params: Mapping[str, Any] | None) -> Shape:
    """The buckets of the list parameters that follow an ``IN`` in ``query``."""
    if not params:
        return ()
    found = {}
    for name in _IN_PARAMETER.findall(query):
        value = params.get(name)
        if isinstance(value, list | tuple) and len(value) <= MOST:
            found[name] = _bucket(len(value))
    return tuple(sorted(found.items()))


def _bucket(length: int) -> int:
    return 0 if length == 0 else 1 << (length - 1).bit_length()


def expand(text: str, code: Sequence[Token], lists: Shape) -> str:
    """``text`` (its tokens ``code``) with each ``x.key IN $list`` that ``lists`` names
    and the module docstring allows written as comparisons."""
    if not lists:
        return text
    sizes = dict(lists)
    edits = [
        (code[at].start, code[at + 4].end, _comparisons(text, code, at, size))
        for at, size in _atoms(code, sizes)
    ]
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text


def _comparisons(text: str, code: Sequence[Token], at: int, size: int) -> str:
    if size == 0:
        return "false"
    left = text[code[at].start : code[at + 2].end]
    name = code[at + 4].text
    return "(" + " OR ".join(f"{left} = {name}[{i}]" for i in range(size)) + ")"


def _atoms(code: Sequence[Token], sizes: Mapping[str, int]) -> list[tuple[int, int]]:
    """(index of ``x``, bucket) of each ``x . key IN $list`` to rewrite."""
    levels = [depth for depth, _ in depths(code)]
    found = []
    for at in range(1, len(code) - 4):
        size = _atom_size(code, at, sizes)
        if size is not None and _in_plain_where(code, levels, at):
            found.append((at, size))
    return found


def _atom_size(code: Sequence[Token], at: int, sizes: Mapping[str, int]) -> int | None:
    variable, dot, key, word, parameter = code[at : at + 5]
    if not (
        variable.kind is Kind.NAME
        and dot.text == "."
        and key.kind in (Kind.NAME, Kind.QUOTED_NAME)
        and word.is_keyword("IN")
        and parameter.kind is Kind.PARAMETER
    ):
        return None
    if code[at - 1].text == ".":  # a property of a property: x.y.key
        return None
    if at + 5 < len(code) and not (is_keyword_at(code, at + 5, "AND", "OR") or _ends(code, at + 5)):
        return None
    return sizes.get(parameter.text[1:])


def _in_plain_where(code: Sequence[Token], levels: Sequence[int], at: int) -> bool:
    """The atom stands outside every bracket (a comprehension's or a quantifier's WHERE
    reads null apart from false) in a clause's WHERE, after WHERE, AND or OR, and no NOT,
    XOR or CASE stands outside brackets in that WHERE."""
    if levels[at] != 0 or not is_keyword_at(code, at - 1, "WHERE", "AND", "OR"):
        return False
    for back in range(at - 1, -1, -1):
        if levels[back] > 0:
            continue
        if _unsafe(code, back) or _ends(code, back):
            return False
        if is_keyword_at(code, back, "WHERE"):
            return _rest_is_plain(code, levels, at + 5)
    return False


def _rest_is_plain(code: Sequence[Token], levels: Sequence[int], start: int) -> bool:
    """No NOT, XOR or CASE outside brackets from ``start`` to the WHERE's end."""
    for index in range(start, len(code)):
        if levels[index] > 0:
            continue
        if _ends(code, index):
            return True
        if _unsafe(code, index):
            return False
    return True


def _ends(code: Sequence[Token], index: int) -> bool:
    """A clause's keyword ends the WHERE (not the WITH of STARTS WITH, ENDS WITH)."""
    if index > 0 and code[index - 1].is_keyword("STARTS", "ENDS"):
        return False
    return is_keyword_at(code, index, *_ENDS_WHERE)


def _unsafe(code: Sequence[Token], index: int) -> bool:
    """NOT (not of IS NOT NULL), XOR or CASE."""
    if index > 0 and code[index - 1].is_keyword("IS"):
        return False
    return is_keyword_at(code, index, *_UNSAFE)
