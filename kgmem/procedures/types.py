"""Cypher types of procedure arguments and columns, as signatures spell them
(``INTEGER?``, ``LIST OF STRING``, ``LIST<FLOAT>?``), and the check that a value has
one: ``coerce(kind, value)`` returns the value as the procedure receives it (an
INTEGER passed where a FLOAT is declared becomes a float, as in openCypher) or raises
``Mismatch``. A trailing ``?`` admits null.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SIMPLE = frozenset(
    {"ANY", "BOOLEAN", "STRING", "INTEGER", "FLOAT", "NUMBER", "MAP", "NODE",
     "RELATIONSHIP", "PATH"}
)  # fmt: skip
_LIST = re.compile(r"\ALIST\s*(?:OF\s+(?P<of>.+)|<\s*(?P<angled>.+)\s*>)\Z", re.IGNORECASE)
_ELEMENTS = {"NODE": "node", "RELATIONSHIP": "relationship", "PATH": "path"}


class Mismatch(Exception):
    """A value that is not of the declared type."""


@dataclass(frozen=True, slots=True)
class CypherType:
    """``name`` is one of ``SIMPLE`` or ``LIST`` (then ``element`` is its items' type)."""

    name: str
    nullable: bool = True
    element: CypherType | None = None

    def __str__(self) -> str:
        text = f"LIST OF {self.element}" if self.element is not None else self.name
        return text + ("?" if self.nullable else "")


def parse_type(text: str) -> CypherType:
    """The type ``text`` spells; ``ValueError`` for anything else."""
    spelled = text.strip()
    nullable = spelled.endswith("?")
    body = spelled[:-1].strip() if nullable else spelled
    listed = _LIST.match(body)
    if listed is not None:
        element = parse_type(listed.group("of") or listed.group("angled"))
        return CypherType("LIST", nullable, element)
    if body.upper() not in SIMPLE:
        known = ", ".join(sorted(SIMPLE))
        raise ValueError(f"unknown Cypher type {text!r}: use {known} or LIST OF <type>")
    return CypherType(body.upper(), nullable)


def coerce(kind: CypherType, value: Any) -> Any:
    """``value`` as a value of ``kind`` (see the module docstring)."""
    if value is None:
        if not kind.nullable:
            raise Mismatch(f"null where {kind} is expected")
        return None
    check = _CHECKS.get(kind.name)
    if check is not None:
        return check(value, kind)
    return value  # ANY


def type_of(value: Any) -> str:
    """The Cypher type name of a Python value, for error messages."""
    if value is None:
        return "NULL"
    for python, name in ((bool, "BOOLEAN"), (int, "INTEGER"), (float, "FLOAT"), (str, "STRING"),
                         (list, "LIST"), (Mapping, "MAP")):  # fmt: skip
        if isinstance(value, python):
            return name
    return type(value).__name__


def _fail(value: Any, kind: CypherType) -> Mismatch:
    return Mismatch(f"{type_of(value)} where {kind} is expected")


def _boolean(value: Any, kind: CypherType) -> Any:
    if not isinstance(value, bool):
        raise _fail(value, kind)
    return value


def _string(value: Any, kind: CypherType) -> Any:
    if not isinstance(value, str):
        raise _fail(value, kind)
    return value


def _integer(value: Any, kind: CypherType) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(value, kind)
    return value


def _float(value: Any, kind: CypherType) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(value, kind)
    try:
        return float(value)
    except OverflowError:
        raise Mismatch(f"{value} is too large for {kind}") from None


def _number(value: Any, kind: CypherType) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(value, kind)
    return value


def _map(value: Any, kind: CypherType) -> Any:
    if not isinstance(value, Mapping) or value.get("kind") in _ELEMENTS.values():
        raise _fail(value, kind)
    return dict(value)


def _element(value: Any, kind: CypherType) -> Any:
    """A node, relationship or path as kgmem's values carry them (a map with ``kind``)."""
    if not isinstance(value, Mapping) or value.get("kind") != _ELEMENTS[kind.name]:
        raise _fail(value, kind)
    return value


def _list(value: Any, kind: CypherType) -> Any:
    if not isinstance(value, list) or kind.element is None:
        raise _fail(value, kind)
    return [coerce(kind.element, item) for item in value]


_CHECKS = {
    "BOOLEAN": _boolean,
    "STRING": _string,
    "INTEGER": _integer,
    "FLOAT": _float,
    "NUMBER": _number,
    "MAP": _map,
    "NODE": _element,
    "RELATIONSHIP": _element,
    "PATH": _element,
    "LIST": _list,
}
