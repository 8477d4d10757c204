"""Neo4j 5's type predicate expressions as calls of ``kgmem_cypher.is_typed``
(migration 0064), which AGE 1.7 has no syntax for::

    RETURN x IS :: INTEGER | FLOAT, y IS NOT TYPED LIST<STRING> NOT NULL, z :: BOOLEAN
    RETURN kgmem_cypher.is_typed(x, '{"null": true, "types": ["FLOAT", "INTEGER"], ...}'),
           kgmem_cypher.is_typed(y, '{..., "negated": true}'), kgmem_cypher.is_typed(z, ...)

``IS ::``, ``IS TYPED`` and a bare ``::`` are one predicate; ``NOT`` negates it. The type
is read as Neo4j reads it (``Type``): its synonyms (``INT``, ``BOOL``, ``VARCHAR``,
``VERTEX``, ``EDGE``, ``ANY VALUE``, ``ARRAY<T>``, ``T LIST``...), unions (``A | B``,
``ANY<A | B>``), ``NOT NULL`` or ``!`` after a member, ``NULL``, ``NOTHING``, ``ANY``,
``PROPERTY VALUE`` and nested lists. Every type holds null unless each member says ``NOT
NULL``. kgmem keeps temporal values as ISO 8601 text, so a temporal type (``DATE``,
``DURATION``, ...) is refused as unsupported: the answer would be wrong either way.

The predicate binds as ``IS NULL`` does: its operand is everything before it up to a
comparison, a boolean operator, a comma or an opening bracket (``a + b IS :: INTEGER`` is
``(a + b) IS :: INTEGER``). A bare ``::`` followed by no Neo4j type (``x::numeric``, one
of AGE's casts) stays as it is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.structure import CLAUSE_WORDS, closing
from kgmem.cypher_errors import CypherUnsupported
from kgmem.errors import CypherSyntaxError

_NAMES: dict[tuple[str, ...], str] = {
    ("BOOL",): "BOOLEAN", ("BOOLEAN",): "BOOLEAN",
    ("INT",): "INTEGER", ("INTEGER",): "INTEGER", ("SIGNED", "INTEGER"): "INTEGER",
    ("FLOAT",): "FLOAT", ("STRING",): "STRING", ("VARCHAR",): "STRING",
    ("NODE",): "NODE", ("ANY", "NODE"): "NODE", ("VERTEX",): "NODE", ("ANY", "VERTEX"): "NODE",
    ("RELATIONSHIP",): "RELATIONSHIP", ("ANY", "RELATIONSHIP"): "RELATIONSHIP",
    ("EDGE",): "RELATIONSHIP", ("ANY", "EDGE"): "RELATIONSHIP",
    ("MAP",): "MAP", ("ANY", "MAP"): "MAP", ("PATH",): "PATH", ("POINT",): "POINT",
    ("ANY",): "ANY", ("ANY", "VALUE"): "ANY",
    ("PROPERTY", "VALUE"): "PROPERTY VALUE", ("ANY", "PROPERTY", "VALUE"): "PROPERTY VALUE",
    ("NULL",): "NULL", ("NOTHING",): "NOTHING",
}  # fmt: skip
"""Each way of writing a type kgmem answers, by its words, and the type it names."""

_TEMPORAL: frozenset[tuple[str, ...]] = frozenset(
    {("DATE",), ("DURATION",), ("LOCAL", "TIME"), ("ZONED", "TIME"), ("LOCAL", "DATETIME"),
     ("ZONED", "DATETIME"), ("TIME", "WITHOUT", "TIME", "ZONE"),
     ("TIME", "WITH", "TIME", "ZONE"), ("TIMESTAMP", "WITHOUT", "TIME", "ZONE"),
     ("TIMESTAMP", "WITH", "TIME", "ZONE")}
)  # fmt: skip
_LONGEST = max(len(words) for words in (*_NAMES, *_TEMPORAL))
_PROPERTY_SCALARS = ("BOOLEAN", "STRING", "INTEGER", "FLOAT", "POINT")


@dataclass(frozen=True)
class Type:
    """A Cypher type as a union: of null (``nullable``), of the base types ``bases`` and
    of the lists whose every element belongs to one of ``lists``."""

    nullable: bool
    bases: frozenset[str] = frozenset()
    lists: tuple[Type, ...] = ()

    def union(self, other: Type) -> Type:
        """The union of two types."""
        return Type(
            self.nullable or other.nullable, self.bases | other.bases, self.lists + other.lists
        )

    def described(self) -> dict[str, object]:
        """The JSON ``kgmem_cypher.is_typed`` reads."""
        lists = [member.described() for member in self.lists]
        return {"null": self.nullable, "types": sorted(self.bases), "lists": lists}


def _named(name: str) -> Type:
    """The type a name stands for (NOT NULL aside)."""
    if name == "NULL":
        return Type(True)
    if name == "NOTHING":
        return Type(False)
    if name == "PROPERTY VALUE":
        homogeneous = tuple(Type(False, frozenset({b})) for b in _PROPERTY_SCALARS)
        return Type(True, frozenset(_PROPERTY_SCALARS), homogeneous)
    return Type(True, frozenset({name}))


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with each type predicate a call of ``kgmem_cypher.is_typed``."""
    if not any(t.text == "::" or t.is_keyword("TYPED") for t in code):
        return text
    while True:
        found = _first_predicate(text, code)
        if found is None:
            return text
        text = found
        code = tokenize(text)


def _first_predicate(text: str, code: Sequence[Token]) -> str | None:
    """``text`` with its first type predicate rewritten; None when it has none."""
    for index in range(len(code)):
        shape = _predicate_at(code, index)
        if shape is None:
            continue
        negated, type_start = shape
        parsed = _parse_union(code, type_start)
        if parsed is None:
            if code[index].text == "::":
                continue  # one of AGE's casts
            raise CypherSyntaxError("a type predicate names no type", position=code[index].start)
        typed, end = parsed
        start = _operand_start(code, index)
        if start is None:
            raise CypherSyntaxError("a type predicate needs a value", position=code[index].start)
        return _spliced(text, code, (start, index, end), typed, negated)
    return None


def _spliced(
    text: str, code: Sequence[Token], span: tuple[int, int, int], typed: Type, negated: bool
) -> str:
    """``text`` with the operand ``code[start:at]`` and the predicate up to ``end``
    replaced by the call."""
    start, at, end = span
    operand = text[code[start].start : code[at - 1].end]
    if code[start].text == "(":
        operand = f"[{operand}][0]"  # a boolean inside reaches the function as agtype
    described = typed.described() | ({"negated": True} if negated else {})
    call = f"kgmem_cypher.is_typed({operand}, '{json.dumps(described)}')"
    return text[: code[start].start] + call + text[code[end - 1].end :]


def _predicate_at(code: Sequence[Token], index: int) -> tuple[bool, int] | None:
    """``(negated, where the type starts)`` for a predicate whose operator starts at
    ``index`` (``IS [NOT] ::``, ``IS [NOT] TYPED``, a bare ``::``), else None."""
    token = code[index]
    if token.text == "::" and (index == 0 or not code[index - 1].is_keyword("IS", "NOT")):
        return False, index + 1
    if not token.is_keyword("IS"):
        return None
    negated = index + 1 < len(code) and code[index + 1].is_keyword("NOT")
    operator = index + 1 + negated
    if operator < len(code) and (code[operator].text == "::" or code[operator].is_keyword("TYPED")):
        return negated, operator + 1
    return None


def _parse_union(code: Sequence[Token], at: int) -> tuple[Type, int] | None:
    """The union type starting at ``at`` and the index past it, or None."""
    parsed = _parse_member(code, at)
    if parsed is None:
        return None
    typed, at = parsed
    while at < len(code) and code[at].text == "|":
        following = _parse_member(code, at + 1)
        if following is None:
            return None
        typed, at = typed.union(following[0]), following[1]
    return typed, at


def _parse_member(code: Sequence[Token], at: int) -> tuple[Type, int] | None:
    """One member of a union (with its NOT NULL and LIST suffixes) and the index past it."""
    parsed = _parse_base(code, at)
    if parsed is None:
        return None
    typed, at = _nullability(code, *parsed)
    while at < len(code) and code[at].is_keyword("LIST", "ARRAY"):
        typed, at = _nullability(code, Type(True, lists=(typed,)), at + 1)
    return typed, at


def _nullability(code: Sequence[Token], typed: Type, at: int) -> tuple[Type, int]:
    """``typed`` without null when ``NOT NULL`` or ``!`` follows at ``at``."""
    if at < len(code) and code[at].text == "!":
        return Type(False, typed.bases, typed.lists), at + 1
    if at + 1 < len(code) and code[at].is_keyword("NOT") and code[at + 1].is_keyword("NULL"):
        return Type(False, typed.bases, typed.lists), at + 2
    return typed, at


def _parse_base(code: Sequence[Token], at: int) -> tuple[Type, int] | None:
    """A named type, ``LIST<T>`` / ``ARRAY<T>`` or ``ANY<T>`` at ``at``."""
    if at + 1 < len(code) and code[at].kind is Kind.NAME and code[at + 1].text == "<":
        return _parse_parametric(code, at)
    words = tuple(t.upper if t.kind is Kind.NAME else "" for t in code[at : at + _LONGEST])
    for size in range(len(words), 0, -1):
        if words[:size] in _TEMPORAL:
            raise CypherUnsupported(
                f"type {' '.join(words[:size])}: kgmem keeps temporal values as ISO 8601 "
                "strings (test IS :: STRING)",
                position=code[at].start,
            )
        if words[:size] in _NAMES:
            return _named(_NAMES[words[:size]]), at + size
    return None


def _parse_parametric(code: Sequence[Token], at: int) -> tuple[Type, int] | None:
    """``LIST<T>``, ``ARRAY<T>`` (a list of T) or ``ANY<T>`` (T) at ``at``."""
    name = code[at].upper
    if name not in ("LIST", "ARRAY", "ANY"):
        return None
    inner = _parse_union(code, at + 2)
    if inner is None or inner[1] >= len(code) or code[inner[1]].text != ">":
        return None
    typed, end = inner[0], inner[1] + 1
    return (typed if name == "ANY" else Type(True, lists=(typed,))), end


_STOP_WORDS = frozenset(
    {"AND", "OR", "XOR", "NOT", "WHERE", "WHEN", "THEN", "ELSE", "CASE", "DISTINCT", "AS",
     "IN", "IS", "STARTS", "ENDS", "CONTAINS", *CLAUSE_WORDS}
)  # fmt: skip
_STOP_PUNCT = frozenset({",", "(", "[", "{", "=", "<>", "<", ">", "<=", ">=", "=~", ":", "|"})


def _operand_start(code: Sequence[Token], at: int) -> int | None:
    """Where the operand ending before ``at`` starts (None: there is none): back to a
    comparison, a boolean operator, a comma or an unclosed bracket, stepping over
    brackets and ``CASE ... END`` whole."""
    openers = {close: open_ for open_, close in closing(code).items()}
    start, k = None, at - 1
    while k >= 0:
        token = code[k]
        if k in openers:
            k = openers[k]
        elif token.is_keyword("END"):
            k = _case_of(code, k)
        elif _stops(token):
            break
        start, k = k, k - 1
    return start


def _stops(token: Token) -> bool:
    if token.kind is Kind.PUNCT:
        return token.text in _STOP_PUNCT
    return token.kind is Kind.NAME and token.upper in _STOP_WORDS


def _case_of(code: Sequence[Token], end: int) -> int:
    """The ``CASE`` that the ``END`` at ``end`` closes."""
    depth = 0
    for k in range(end, -1, -1):
        if code[k].is_keyword("END"):
            depth += 1
        elif code[k].is_keyword("CASE"):
            depth -= 1
            if depth == 0:
                return k
    return 0
