"""Procedure calls inside a query: ``CALL proc(args) YIELD a, b AS c [WHERE ...]``,
standing alone, starting a query or a ``UNION`` part, or after other clauses.

kgmem answers procedures in Python; this module finds the calls and rewrites each into
``UNWIND $<param> AS <row> WITH <in scope>, <row>.a AS a, <row>.b AS c`` so the rest of
the query runs on the ordinary Cypher path (guard, role, timeout, row cap) with the
procedure's rows bound as a parameter; the variables bound before the call are carried
through the ``WITH``. A call that starts and ends its ``UNION`` part becomes ``...
RETURN`` of its columns; a procedure that yields nothing (void) leaves the rows as
they are and its call is removed. An output a procedure declares NODE or RELATIONSHIP
and fills with graph ids (``elements``) is matched back to the graph right after the
``UNWIND`` (``MATCH (node) WHERE id(node) = <row>.node``), so the variable is a real
node or relationship for the clauses after the call; the rows then carry their
position (``ORDINAL``) and keep the procedure's order. A call is *standalone* when it
is the whole query (with an optional WHERE): only then may it leave out its
parentheses (its arguments come from the parameters of the same names) or ``YIELD *``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.structure import Clause, clauses, depths, is_keyword_at, union_parts
from kgmem.errors import CypherSemanticError, CypherSyntaxError

PARAM_PREFIX = "kgmem_call_"
_ROW_PREFIX = "kgmem_call_row_"
ORDINAL = "kgmem_o"
"""The key of a row's position in a call whose element outputs carry graph ids."""
_ORDER_PREFIX = "kgmem_call_order_"
LOOKUP_PREFIX = "kgmem_call_ids_"
"""The rows of a call whose element outputs are matched by graph id are named with
this prefix: the query is best run with nested-loop index lookups (``CypherPlan.lookups``)."""

Elements = Mapping[str, str]
"""Per call: the columns that carry graph ids, and whether each is a NODE or a
RELATIONSHIP."""


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument as written: its text, its tokens and where it starts."""

    text: str
    tokens: tuple[Token, ...]
    start: int


@dataclass(frozen=True, slots=True)
class Call:
    """One procedure call: its name as written, its ``YIELD`` items as (column, alias)
    (empty for ``YIELD *`` or none), and where it stands in the query text."""

    name: str
    items: tuple[tuple[str, str], ...]
    start: int
    end: int
    has_yield: bool
    arguments: tuple[Argument, ...] | None  # None: no parentheses
    ends_part: bool  # nothing but an optional WHERE follows in its UNION part
    where_end: int  # where its WHERE ends (== end without one)
    first: bool = True  # it starts its UNION part
    scope: tuple[str, ...] = ()  # the variables bound before it
    standalone: bool = False  # the whole query
    star: bool = False  # YIELD *
    part_start: int = 0  # where its UNION part starts


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
    parts = union_parts(code)
    found: list[Call] = []
    for part in parts:
        listed = clauses(part)
        for index, clause in enumerate(listed):
            if clause.keyword != "CALL" or _is_subquery(clause.tokens):
                continue  # CALL { ... }: the guard refuses it
            found.append(_call(query, listed, index, alone=len(parts) == 1))
    return found


def _is_subquery(tokens: Sequence[Token]) -> bool:
    return len(tokens) > 1 and tokens[1].text == "{"


def _call(query: str, listed: Sequence[Clause], index: int, *, alone: bool) -> Call:
    """The call ``listed[index]`` (a clause of a UNION part); ``alone``: the query has
    one part."""
    tokens = listed[index].tokens
    name, at = _name(tokens)
    at, arguments = _arguments(query, tokens, at)
    has_yield = at < len(tokens) and tokens[at].is_keyword("YIELD")
    if at < len(tokens) and not has_yield:
        raise CypherSemanticError(
            f"unexpected {tokens[at].text!r} after CALL {name}", position=tokens[at].start
        )
    rest = listed[index + 1 :]
    where = rest[0] if rest and rest[0].keyword == "WHERE" else None
    following = rest[1:] if where is not None else rest
    yielded = tokens[at + 1 :]
    if has_yield and not yielded:
        raise CypherSyntaxError("YIELD needs column names or *", position=tokens[at].start)
    return Call(
        name=name,
        items=_items(yielded) if has_yield else (),
        start=tokens[0].start,
        end=tokens[-1].end,
        has_yield=has_yield,
        arguments=arguments,
        ends_part=not following,
        where_end=where.tokens[-1].end if where is not None else tokens[-1].end,
        first=index == 0,
        scope=tuple(sorted(scope(query, listed[:index]))),
        standalone=alone and index == 0 and not following,
        star=has_yield and len(yielded) == 1 and yielded[0].text == "*",
        part_start=listed[0].tokens[0].start,
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


def _arguments(
    query: str, tokens: Sequence[Token], at: int
) -> tuple[int, tuple[Argument, ...] | None]:
    """Past the argument list, and its arguments (None without parentheses)."""
    if at >= len(tokens) or tokens[at].text != "(":
        return at, None
    pieces: list[list[Token]] = [[]]
    for index, (depth, token) in enumerate(depths(tokens[at:]), start=at):
        if depth == 0 and token.text == ")":
            if pieces == [[]]:
                return index + 1, ()
            if any(not piece for piece in pieces):
                raise CypherSyntaxError("empty argument", position=token.start)
            return index + 1, tuple(_argument(query, piece) for piece in pieces)
        if index == at:
            continue
        if depth == 1 and token.text == ",":
            pieces.append([])
        else:
            pieces[-1].append(token)
    raise CypherSyntaxError("unclosed argument list", position=tokens[at].start)


def _argument(query: str, tokens: Sequence[Token]) -> Argument:
    return Argument(query[tokens[0].start : tokens[-1].end], tuple(tokens), tokens[0].start)


def _items(tokens: Sequence[Token]) -> tuple[tuple[str, str], ...]:
    """``a, b AS c`` as ((a, a), (b, c)); ``*`` as ()."""
    if len(tokens) == 1 and tokens[0].text == "*":
        return ()
    pieces: list[list[Token]] = [[]]
    for depth, token in depths(tokens):
        if depth == 0 and token.text == ",":
            pieces.append([])
        else:
            pieces[-1].append(token)
    return tuple(_item(piece, tokens) for piece in pieces)


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
    if len(calls) != 1 or not calls[0].standalone or calls[0].where_end != calls[0].end:
        return False
    code = tokenize(query)
    return bool(code) and is_keyword_at(code, 0, "CALL")


def rewrite(
    query: str,
    calls: Sequence[Call],
    columns: Sequence[Sequence[str]],
    keyed: frozenset[int] = frozenset(),
    elements: Sequence[Elements] = (),
) -> Rewritten:
    """``query`` with each call replaced by an UNWIND of a parameter; ``columns`` holds
    what each call's procedure yields (checked against its YIELD items). The calls
    numbered in ``keyed`` have arguments read from each row: their parameter holds
    ``{a: [arguments], r: [rows]}`` per distinct argument list, joined on ``a``.
    ``elements`` (per call, empty by default): the columns holding graph ids, matched
    back to the graph; the rows of such a call (not keyed) carry ``ORDINAL``."""
    out = _Text(query)
    params: list[str] = []
    for number, (call, yields) in enumerate(zip(calls, columns, strict=True)):
        items = checked(call, yields)
        param = f"{PARAM_PREFIX}{number}"
        if not yields:  # a void procedure: the rows go on unchanged
            _void(call)
            out.replace(call.start, call.end, "")
        else:
            found = elements[number] if number < len(elements) else {}
            unwind = _keyed if number in keyed else _unwind
            out.replace(call.start, call.end, unwind(call, items, param, number, found))
            if call.ends_part:
                _concludes(call)
                returned = " RETURN " + ", ".join(_quote(alias) for _, alias in items)
                out.replace(call.where_end, call.where_end, returned)
        params.append(param)
    return Rewritten(text=out.done(), params=tuple(params), spans=tuple(out.spans))


def _concludes(call: Call) -> None:
    """A call may end its part only when it also starts it (it then returns its rows)."""
    if not call.first:
        raise CypherSemanticError(
            f"a query cannot end with CALL {call.name} after other clauses: add a RETURN",
            position=call.start,
        )


def _void(call: Call) -> None:
    if call.ends_part:
        raise CypherSemanticError(
            f"CALL {call.name} yields nothing: the query needs a RETURN after it",
            position=call.start,
        )


Items = Sequence[tuple[str, str]]


def _unwind(call: Call, items: Items, param: str, number: int, elements: Elements) -> str:
    row = f"{LOOKUP_PREFIX if elements else _ROW_PREFIX}{number}"
    order = f"{_ORDER_PREFIX}{number}"
    return f"UNWIND ${param} AS {row} " + _bound(call, items, row, elements, order=order)


def _keyed(call: Call, items: Items, param: str, number: int, elements: Elements) -> str:
    """The rows of the argument list each row computes: the entry of ``param`` whose
    ``a`` equals it, its rows unwound."""
    entry = f"{_ROW_PREFIX}{number}"
    row = f"{LOOKUP_PREFIX if elements else _ROW_PREFIX}{number}_out"
    own = f"{_ROW_PREFIX}{number}_key"
    carried = [_quote(name) for name in call.scope]
    key = "[" + ", ".join(a.text for a in call.arguments or ()) + "]"
    # Joined by value equality between two variables (AGE's own `=`, which matches a
    # null argument to a null argument), never a comparison with a list literal, which
    # three-valued logic would make null for a null argument.
    return (
        f"UNWIND ${param} AS {entry} WITH {', '.join([*carried, entry])}, {key} AS {own} "
        f"WHERE {entry}.a = {own} UNWIND {entry}.r AS {row} "
        + _bound(call, items, row, elements, order=None)
    )


def _bound(call: Call, items: Items, row: str, elements: Elements, *, order: str | None) -> str:
    """The clauses that bind the YIELD aliases from ``row``: a ``WITH`` of the columns,
    after a ``MATCH`` of each element column's graph id; ``order``: the variable the
    row's position goes in, to keep the procedure's order (None: not kept)."""
    carried = [_quote(name) for name in call.scope]
    picked = [
        _quote(alias) if column in elements else f"{row}.{_quote(column)} AS {_quote(alias)}"
        for column, alias in items
    ]
    matches = [
        _match(elements[c], alias, f"{row}.{_quote(c)}") for c, alias in items if c in elements
    ]
    if not matches:
        return f"WITH {', '.join(carried + picked)}"
    if order is None:
        return " ".join(matches) + f" WITH {', '.join(carried + picked)}"
    ordinal = f"{row}.{ORDINAL} AS {order}"
    named = carried + [_quote(alias) for _, alias in items]
    return (
        " ".join(matches) + f" WITH {', '.join([*carried, *picked, ordinal])} ORDER BY {order}"
        f" WITH {', '.join(named)}"
    )


def _match(kind: str, alias: str, graph_id: str) -> str:
    """The ``MATCH`` binding ``alias`` to the node or relationship whose id is ``graph_id``."""
    name = _quote(alias)
    if kind == "RELATIONSHIP":
        return f"MATCH ()-[{name}]->() WHERE id({name}) = {graph_id}"
    return f"MATCH ({name}) WHERE id({name}) = {graph_id}"


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
    """The (column, alias) pairs ``call`` yields from a procedure yielding ``yields``;
    ``CypherSemanticError`` / ``CypherSyntaxError`` for what openCypher refuses."""
    alone = call.first and call.ends_part  # alone in its UNION part
    if call.star and not alone:
        raise CypherSyntaxError(
            f"YIELD * is only allowed when CALL {call.name} stands alone; name the columns",
            position=call.start,
        )
    if yields and not call.has_yield and not alone:
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
    _check_bound(call, [alias for _, alias in items])
    return items


def _check_bound(call: Call, aliases: Sequence[str]) -> None:
    seen = set(call.scope)
    for alias in aliases:
        if alias in seen:
            raise CypherSemanticError(
                f"variable `{alias}` already bound: CALL {call.name} cannot YIELD it",
                position=call.start,
                variable=alias,
            )
        seen.add(alias)


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"
