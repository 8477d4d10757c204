"""Procedure signatures as Neo4j prints them and the openCypher TCK declares them:
``test.my.proc(name :: STRING?, limit = 10 :: INTEGER?) :: (city :: STRING?)``, with
``:: ()`` or ``:: VOID`` for a procedure that yields nothing. A default is a constant
Cypher expression (``10``, ``'x'``, ``[1, 2]``, ``{}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kgmem.cypher.fold_parse import literal
from kgmem.cypher.lexer import tokenize
from kgmem.procedures import constants
from kgmem.procedures.types import CypherType, Mismatch, coerce, parse_type

NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_FIELD = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")
_WHOLE = re.compile(
    r"\A\s*(?P<name>[\w.]+)\s*\((?P<args>.*)\)\s*::\s*(?P<outs>.*?)\s*\Z", re.DOTALL
)
_NO_DEFAULT: Any = object()


@dataclass(frozen=True, slots=True)
class Field:
    """An argument or an output column: its name, its type and (arguments only) the
    value it takes when the call leaves it out."""

    name: str
    type: CypherType
    default: Any = _NO_DEFAULT

    @property
    def optional(self) -> bool:
        return self.default is not _NO_DEFAULT

    def __str__(self) -> str:
        default = f" = {_literal(self.default)}" if self.optional else ""
        return f"{self.name}{default} :: {self.type}"


def field(name: str, kind: str, default: Any = _NO_DEFAULT) -> Field:
    """A ``Field`` whose type is spelled ``kind``; ``ValueError`` for a bad name or type."""
    if not _FIELD.match(name):
        raise ValueError(f"{name!r} is not a plain name")
    parsed = parse_type(kind)
    if default is _NO_DEFAULT:
        return Field(name, parsed)
    try:
        return Field(name, parsed, coerce(parsed, default))
    except Mismatch as exc:
        raise ValueError(f"the default of {name}: {exc}") from None


def parse(text: str) -> tuple[str, tuple[Field, ...], tuple[Field, ...]]:
    """The name, arguments and outputs ``text`` declares; ``ValueError`` when malformed."""
    whole = _WHOLE.match(text)
    if whole is None:
        raise ValueError(
            f"a signature reads name(arg :: TYPE, ...) :: (column :: TYPE, ...): {text!r}"
        )
    name = whole.group("name")
    if not NAME.match(name):
        raise ValueError(f"{name!r} is not a procedure name (dotted plain names)")
    arguments = tuple(_field(piece, with_default=True) for piece in _pieces(whole.group("args")))
    outs = whole.group("outs")
    if outs.upper() == "VOID":
        return name, arguments, ()
    if not (outs.startswith("(") and outs.endswith(")")):
        raise ValueError(f"outputs go in parentheses: {outs!r}")
    outputs = tuple(_field(piece, with_default=False) for piece in _pieces(outs[1:-1]))
    return name, arguments, outputs


def _pieces(text: str) -> list[str]:
    """``text`` cut at the commas outside brackets and strings (none when blank)."""
    if not text.strip():
        return []
    pieces, depth, quote, start = [], 0, "", 0
    for at, char in enumerate(text):
        if quote:
            quote = "" if char == quote and text[at - 1] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            pieces.append(text[start:at])
            start = at + 1
    pieces.append(text[start:])
    return pieces


def _field(piece: str, *, with_default: bool) -> Field:
    head, sep, kind = piece.rpartition("::")
    if not sep:
        raise ValueError(f"{piece.strip()!r} needs a type: name :: TYPE")
    name, equals, default = head.partition("=")
    if equals and not with_default:
        raise ValueError(f"an output column has no default: {piece.strip()!r}")
    if not equals:
        return field(name.strip(), kind)
    return field(name.strip(), kind, _constant(default))


def _constant(text: str) -> Any:
    try:
        return constants.evaluate(tokenize(text), {})
    except (constants.NeedsDatabase, constants.Variable):
        raise ValueError(f"a default is a literal: {text.strip()!r}") from None


def _literal(value: Any) -> str:
    return literal(value)
