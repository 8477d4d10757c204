"""Procedure calls inside a query: ``CALL proc() YIELD a, b AS c [WHERE ...]`` followed
by further clauses, in any part of a ``UNION``.

kgmem answers its own procedures in Python; this module finds the calls and rewrites
each into ``UNWIND $<param> AS <row> WITH <row>.a AS a, <row>.b AS c`` so the rest of
the query runs on the ordinary Cypher path (guard, role, timeout, row cap) with the
procedure's rows bound as a parameter. A call that ends its ``UNION`` part becomes
``... RETURN`` of its columns. A ``CALL`` must start its ``UNION`` part: after other
clauses the rewrite could not keep their variables, so it is refused clearly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.structure import clauses, depths, is_keyword_at, union_parts
from kgmem.errors import CypherRejected, CypherSemanticError, CypherSyntaxError

PARAM_PREFIX = "kgmem_call_"
_ROW_PREFIX = "kgmem_call_row_"


@dataclass(frozen=True, slots=True)
class Call:
    """One procedure call: its name as written, its ``YIELD`` items as (column, alias)
    (empty for ``YIELD *`` or none), and where it stands in the query text."""

    name: str
    items: tuple[tuple[str, str], ...]
    start: int
    end: int
    has_yield: bool
    arguments: bool  # the call passes arguments
    ends_part: bool  # nothing but an optional WHERE follows in its UNION part
    where_end: int  # where its WHERE ends (== end without one)


@dataclass(frozen=True, slots=True)
class Rewritten:
    """The query with every call replaced, and the parameter each call's rows go in."""

    text: str
    params: tuple[str, ...]
    spans: tuple[tuple[int, int, int, int], ...] = ()  # (new start, new end, old start, old end)

    def original(self, position: int) -> int:
        """Where ``position`` in the rewritten text stands in the query as written (the
        start of a call for a position inside what replaced it)."""
        shift = 0
        for new_start, new_end, old_start, old_end in self.spans:
            if position < new_start:
                break
            if position < new_end:
                return old_start
            shift = new_end - old_end
        return position - shift


def find(query: str) -> list[Call]:
    """The top-level procedure calls of ``query`` (none for most queries)."""
    if "call" not in query.lower():
        return []
    code = tokenize(query)
    if code and code[-1].text == ";":
        code = code[:-1]
    found: list[Call] = []
    for part in union_parts(code):
        for index, clause in enumerate(clauses(part)):
            if clause.keyword != "CALL":
                continue
            if _is_subquery(clause.tokens):
                continue  # CALL { ... }: the guard refuses it
            if index != 0:
                raise CypherRejected(
                    "a procedure CALL must start the query or a UNION part",
                    position=clause.tokens[0].start,
                )
            found.append(_call(part, clause.tokens))
    return found


def _is_subquery(tokens: Sequence[Token]) -> bool:
    return len(tokens) > 1 and tokens[1].text == "{"


def _call(part: Sequence[Token], tokens: Sequence[Token]) -> Call:
    """The call in ``tokens`` (its CALL clause), ``part`` its UNION part."""
    name, at = _name(tokens)
    at, arguments = _arguments(tokens, at)
    has_yield = at < len(tokens) and tokens[at].is_keyword("YIELD")
    if at < len(tokens) and not has_yield:
        raise CypherSemanticError(
            f"unexpected {tokens[at].text!r} after CALL {name}", position=tokens[at].start
        )
    items = _items(tokens[at + 1 :]) if has_yield else ()
    rest = clauses(part)[1:]
    where = rest[0] if rest and rest[0].keyword == "WHERE" else None
    following = rest[1:] if where is not None else rest
    end = tokens[-1].end
    return Call(
        name=name,
        items=items,
        start=tokens[0].start,
        end=end,
        has_yield=has_yield,
        arguments=arguments,
        ends_part=not following,
        where_end=where.tokens[-1].end if where is not None else end,
    )


def _name(tokens: Sequence[Token]) -> tuple[str, int]:
    parts: list[str] = []
    at = 1
    while at < len(tokens) and tokens[at].kind in (Kind.NAME, Kind.QUOTED_NAME):
        parts.append(tokens[at].name)
        if at + 1 < len(tokens) and tokens[at + 1].text == ".":
            at += 2
            continue
        at += 1
        break
    if not parts:
        position = tokens[1].start if len(tokens) > 1 else tokens[0].start
        raise CypherSemanticError("CALL needs a procedure name", position=position)
    return ".".join(parts), at


def _arguments(tokens: Sequence[Token], at: int) -> tuple[int, bool]:
    """Past the argument list, and whether it holds any (kgmem's procedures take none)."""
    if at >= len(tokens) or tokens[at].text != "(":
        return at, False
    for index, (depth, token) in enumerate(depths(tokens[at:]), start=at):
        if depth == 0 and token.text == ")":
            return index + 1, index > at + 1
    raise CypherSyntaxError("unclosed argument list", position=tokens[at].start)


def _items(tokens: Sequence[Token]) -> tuple[tuple[str, str], ...]:
    """``a, b AS c`` as ((a, a), (b, c)); ``*`` as ()."""
    if len(tokens) == 1 and tokens[0].text == "*":
        return ()
    items: list[tuple[str, str]] = []
    pieces: list[list[Token]] = [[]]
    for depth, token in depths(tokens):
        if depth == 0 and token.text == ",":
            pieces.append([])
        else:
            pieces[-1].append(token)
    for piece in pieces:
        items.append(_item(piece, tokens))
    return tuple(items)


def _item(piece: Sequence[Token], whole: Sequence[Token]) -> tuple[str, str]:
    names = (Kind.NAME, Kind.QUOTED_NAME)
    if len(piece) == 1 and piece[0].kind in names:
        return piece[0].name, piece[0].name
    if (
        len(piece) == 3
        and piece[0].kind in names
        and piece[1].is_keyword("AS")
        and piece[2].kind in names
    ):
        return piece[0].name, piece[2].name
    position = piece[0].start if piece else (whole[0].start if whole else 0)
    raise CypherSemanticError(
        "YIELD takes column names, each optionally AS alias", position=position
    )


def only_call(query: str, calls: Sequence[Call]) -> bool:
    """True when ``query`` is one call and nothing else (answered without the graph)."""
    if len(calls) != 1 or not calls[0].ends_part or calls[0].where_end != calls[0].end:
        return False
    code = tokenize(query)
    return bool(code) and is_keyword_at(code, 0, "CALL") and len(union_parts(code)) == 1


def rewrite(query: str, calls: Sequence[Call], columns: Sequence[Sequence[str]]) -> Rewritten:
    """``query`` with each call replaced by an UNWIND of a parameter; ``columns`` holds
    what each call's procedure yields (checked against its YIELD items)."""
    out = _Text(query)
    params: list[str] = []
    for number, (call, yields) in enumerate(zip(calls, columns, strict=True)):
        items = checked(call, yields)
        param, row = f"{PARAM_PREFIX}{number}", f"{_ROW_PREFIX}{number}"
        projection = ", ".join(f"{row}.`{column}` AS {_quote(alias)}" for column, alias in items)
        out.replace(call.start, call.end, f"UNWIND ${param} AS {row} WITH {projection}")
        if call.ends_part:
            returned = " RETURN " + ", ".join(_quote(alias) for _, alias in items)
            out.replace(call.where_end, call.where_end, returned)
        params.append(param)
    return Rewritten(text=out.done(), params=tuple(params), spans=tuple(out.spans))


class _Text:
    """The query being rewritten left to right, with where each replacement stands."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.pieces: list[str] = []
        self.at = 0  # how far the query is copied
        self.length = 0  # the length of the new text so far
        self.spans: list[tuple[int, int, int, int]] = []

    def replace(self, start: int, end: int, text: str) -> None:
        self._add(self.query[self.at : start])
        self.spans.append((self.length, self.length + len(text), start, end))
        self._add(text)
        self.at = end

    def _add(self, text: str) -> None:
        self.pieces.append(text)
        self.length += len(text)

    def done(self) -> str:
        self._add(self.query[self.at :])
        return "".join(self.pieces)


def checked(call: Call, yields: Sequence[str]) -> tuple[tuple[str, str], ...]:
    if not call.has_yield and not call.ends_part:
        raise CypherSemanticError(
            f"CALL {call.name} followed by other clauses needs YIELD", position=call.start
        )
    items = call.items or tuple((c, c) for c in yields)
    for column, _ in items:
        if column not in yields:
            raise CypherSemanticError(
                f"procedure {call.name} yields no column {column!r}: {list(yields)}",
                position=call.start,
            )
    return items


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"
