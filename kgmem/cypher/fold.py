"""Temporal expressions evaluated while planning: AGE 1.7 has no temporal type.

Wherever a query calls a temporal function (``date(...)``, ``datetime.truncate(...)``,
``duration.between(...)``, ...) or uses a variable a ``WITH`` bound to a temporal
constant, kgmem parses the expression around it (``kgmem.cypher.fold_parse``) and,
when every operand is a constant, evaluates it (``kgmem.cypher.temporal_eval``) and
puts the result in its place as a literal: a temporal value becomes its ISO 8601
string, a component (``d.year``) a number, a comparison a boolean.
``WITH date('2015-07-21') AS d RETURN d.year`` reaches AGE as
``WITH '2015-07-21' AS d RETURN 2015``.

What needs the database (a temporal function of graph values or parameters, arithmetic
or ordering between a temporal constant and a graph value, a component of either)
becomes calls of kgmem's SQL functions (``kgmem.cypher.temporal_sql``); the current
time (``date()``) is refused. Apart from those allow-listed calls the result is only
ever literals, so the guard, the function allow-list and the read-only role still
apply to everything AGE runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kgmem.cypher import temporal as t
from kgmem.cypher.fold_parse import (
    _BINARY,
    _ORDERING,
    CONSTRUCTORS,
    Dynamic,
    Node,
    NotConstant,
    Unsupported,
    literal,
    parse_at,
)  # fmt: skip
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import splice
from kgmem.cypher.temporal_eval import evaluate
from kgmem.cypher.temporal_sql import Lowering, kind_of, touches, value_kind, valued
from kgmem.errors import CypherSemanticError

_CLAUSES = ("WITH", "RETURN", "MATCH", "CREATE", "MERGE", "UNWIND", "SET", "WHERE", "ORDER",
            "DELETE", "REMOVE", "OPTIONAL", "CALL", "UNION", "DETACH", "SKIP", "LIMIT")  # fmt: skip


_KEYWORDS = frozenset(
    {*_CLAUSES, "AND", "OR", "XOR", "NOT", "IN", "IS", "WHEN", "THEN", "ELSE", "CASE", "BY",
     "DISTINCT", "CONTAINS", "STARTS", "ENDS"}
)  # fmt: skip


def mentions_temporal(code: Sequence[Token]) -> bool:
    """Cheap test: does any token call a temporal function?"""
    return any(_is_temporal_call(code, i) for i in range(len(code)))


def _is_temporal_call(code: Sequence[Token], i: int) -> bool:
    token = code[i]
    if token.kind is not Kind.NAME or token.text.lower() not in CONSTRUCTORS:
        return False
    if i > 0 and code[i - 1].text == ".":
        return False
    nxt = code[i + 1] if i + 1 < len(code) else None
    return nxt is not None and nxt.text in ("(", ".")


class _Missing:
    pass


_NOT: Any = _Missing()


@dataclass
class _Scan:
    """What the scan knows at one point of the query."""

    code: Sequence[Token]
    env: dict[str, Any] = field(default_factory=dict)  # name -> temporal constant
    pending: dict[str, Any] = field(default_factory=dict)  # bound from the next clause on
    out: list[tuple[int, int, str]] = field(default_factory=list)
    clause: str = ""
    kinds: dict[str, str] = field(default_factory=dict)  # RETURN column -> temporal type

    def settle(self) -> None:
        for name, value in self.pending.items():
            if value is _NOT:
                self.env.pop(name, None)
            else:
                self.env[name] = value
        self.pending.clear()


@dataclass(frozen=True, slots=True)
class Folded:
    """The query after folding, and the temporal type of each RETURN column whose
    values the query makes temporal (by column name)."""

    text: str
    kinds: dict[str, str]


def apply(text: str, code: Sequence[Token]) -> Folded:
    """``text`` with every constant temporal expression replaced by its value and the
    others by calls of kgmem's SQL functions."""
    if not mentions_temporal(code):
        return Folded(text, {})
    scan = _Scan(code)
    i = 0
    while i < len(code):
        _track(scan, i)
        if _seed(code, i, scan.env):
            i = _fold_at(text, scan, i)
            continue
        i += 1
    return Folded(splice(text, scan.out), scan.kinds)


def _track(scan: _Scan, i: int) -> None:
    """Follow clauses and the names they bind."""
    code, token = scan.code, scan.code[i]
    previous = code[i - 1].text if i > 0 else ""
    if token.kind is Kind.NAME and token.upper in _CLAUSES and previous != ".":
        scan.settle()
        scan.clause = "MATCH" if token.upper in ("OPTIONAL", "CREATE", "MERGE") else token.upper
        if token.upper == "UNION":
            scan.env.clear()
    if scan.clause == "MATCH" and token.kind is Kind.NAME and previous in ("(", "["):
        scan.env.pop(token.name, None)
    if token.is_keyword("AS") and i + 1 < len(code):
        scan.pending[code[i + 1].name] = _NOT


def _seed(code: Sequence[Token], i: int, env: dict[str, Any]) -> bool:
    token = code[i]
    if _is_temporal_call(code, i):
        return True
    if token.text == "-" and i + 1 < len(code) and _is_temporal_call(code, i + 1):
        return not _has_left_operand(code, i)  # a unary minus belongs to the expression
    if token.kind in (Kind.NAME, Kind.QUOTED_NAME) and token.name in env:
        previous = code[i - 1].text if i > 0 else ""
        return previous not in (".", ":", "$")
    return False


def _after_operator(code: Sequence[Token], i: int) -> bool:
    """Does an ordering or arithmetic operator with a left operand stand before ``i``?"""
    if i < 2 or code[i - 1].text not in _ORDERING or code[i - 1].kind is not Kind.PUNCT:
        return False
    return _has_left_operand(code, i - 1)


def _has_left_operand(code: Sequence[Token], op: int) -> bool:
    if op == 0:
        return False
    left = code[op - 1]
    if left.kind is Kind.PUNCT:
        return left.text in (")", "]", "}")
    return not (left.kind is Kind.NAME and left.upper in _KEYWORDS)


def _min_precedence(code: Sequence[Token], i: int) -> int:
    if i == 0:
        return 0
    previous = code[i - 1]
    op = previous.upper if previous.kind is Kind.NAME else previous.text
    if previous.kind in (Kind.NAME, Kind.PUNCT) and op in _BINARY:
        return _BINARY[op] + 1
    if previous.is_keyword("NOT"):
        return 10
    return 0


def _fold_at(text: str, scan: _Scan, i: int) -> int:
    try:
        return _fold_at_unguarded(text, scan, i)
    except RecursionError as exc:
        raise CypherSemanticError(
            "the temporal expression is nested too deeply", position=scan.code[i].start
        ) from exc


def _fold_at_unguarded(text: str, scan: _Scan, i: int) -> int:
    code = scan.code
    start = _operand_start(code, i - 1) if _after_operator(code, i) else None
    first = i if start is None else start
    try:
        node, end = parse_at(code, first, _min_precedence(code, first))
        if end <= i:  # a tighter operator binds the left operand first: ``2 * n.x - d``
            raise CypherSemanticError(
                f"kgmem cannot rewrite operator {code[i - 1].text} here: put its left "
                "operand in parentheses",
                position=code[i - 1].start,
            )
    except Unsupported as exc:
        if _is_temporal_call(code, i):
            raise CypherSemanticError(
                f"kgmem cannot evaluate this temporal expression ({exc})", position=code[i].start
            ) from exc
        return i + 1
    before = len(scan.out)
    value = _fold(text, node, code, scan.env, scan.out)
    binds = end + 1 < len(code) and code[end].is_keyword("AS") and scan.clause == "WITH"
    if binds:
        if value is not _NOT and isinstance(value, t.Temporal):
            scan.pending[code[end + 1].name] = value
        else:
            known = valued(node, scan.env)
            scan.pending[code[end + 1].name] = Dynamic(kind_of(node, scan.env)) if known else _NOT
        return end + 2
    if scan.clause == "RETURN":
        kind = value_kind(value) if value is not _NOT else kind_of(node, scan.env)
        name = _item_name(text, code, node.first, end)
        if kind is not None and name is not None:
            scan.kinds[name] = kind
        if node.kind not in ("lit", "var") and len(scan.out) > before:
            _keep_column_name(text, scan, node.first, end)
    return end


def _item_name(text: str, code: Sequence[Token], first: int, end: int) -> str | None:
    """The column name of a whole RETURN item ``code[first:end]`` (its alias, else its
    text), None when the tokens are only part of an item."""
    before = code[first - 1] if first > 0 else None
    if before is None or not (before.text == "," or before.is_keyword("RETURN", "DISTINCT")):
        return None
    after = code[end] if end < len(code) else None
    if after is not None and after.is_keyword("AS") and end + 1 < len(code):
        return code[end + 1].name
    ends = after is None or after.text == "," or after.is_keyword("ORDER", "SKIP", "LIMIT", "UNION")
    return text[code[first].start : code[end - 1].end] if ends else None


def _operand_start(code: Sequence[Token], op: int) -> int | None:
    """Where the operand left of the operator ``code[op]`` starts: a name or parameter
    with property keys (``n.born``, ``$p``), or a bracketed or called expression."""
    j = op - 1
    if j < 0:
        return None
    if code[j].text in (")", "]"):
        depth = 0
        while j >= 0:
            depth += {")": 1, "]": 1, "(": -1, "[": -1}.get(code[j].text, 0)
            if depth == 0:
                break
            j -= 1
        if j < 0:
            return None
        called = j > 0 and code[j - 1].kind in (Kind.NAME, Kind.QUOTED_NAME)
        if called and code[j].text == "(" and code[j - 1].upper not in _KEYWORDS:
            j -= 1
            while j >= 2 and code[j - 1].text == "." and code[j - 2].kind is Kind.NAME:
                j -= 2  # datetime.truncate(...)
        return j
    if code[j].kind not in (Kind.NAME, Kind.QUOTED_NAME, Kind.PARAMETER, Kind.NUMBER, Kind.STRING):
        return None
    while j >= 2 and code[j - 1].text == "." and code[j - 2].kind in (Kind.NAME, Kind.QUOTED_NAME):
        j -= 2
    return j


def _keep_column_name(text: str, scan: _Scan, first: int, end: int) -> None:
    """A whole RETURN item folded to a literal keeps its name as an alias: AGE names
    unaliased literals after their value, and two equal values would clash."""
    code = scan.code
    before = code[first - 1] if first > 0 else None
    after = code[end] if end < len(code) else None
    whole = before is not None and (before.text == "," or before.is_keyword("RETURN", "DISTINCT"))
    ends = after is None or after.text == "," or after.is_keyword("ORDER", "SKIP", "LIMIT", "UNION")
    original = text[code[first].start : code[end - 1].end]
    if whole and ends and "`" not in original:
        scan.out.append((code[end - 1].end, code[end - 1].end, f" AS `{original}`"))


def _fold(
    text: str,
    node: Node,
    code: Sequence[Token],
    env: dict[str, Any],
    out: list[tuple[int, int, str]],
) -> Any:
    """Fold ``node``: its value, or ``_NOT`` when the database must compute it (then
    its temporal parts become ``kgmem_cypher`` calls, ``kgmem.cypher.temporal_sql``)."""
    span = (code[node.first].start, code[node.last - 1].end)
    try:
        value = evaluate(node, env)
    except NotConstant:
        value = _NOT
    except (ArithmeticError, ValueError) as exc:  # OverflowError: outside years 1-9999
        raise CypherSemanticError(
            f"temporal value out of range: {exc}", position=code[node.first].start
        ) from exc
    if value is not _NOT:
        if node.kind not in ("lit", "var") and touches(node, env):
            out.append((*span, literal(value)))
        return value
    if touches(node, env):
        try:
            lowered = Lowering(text, code, env).lower(node)
        except (ArithmeticError, ValueError) as exc:
            raise CypherSemanticError(
                f"temporal value out of range: {exc}", position=code[node.first].start
            ) from exc
        except NotConstant as exc:  # a literal no number can hold: ``d - 1e400``
            raise CypherSemanticError(
                f"kgmem cannot evaluate this temporal expression ({exc})",
                position=code[node.first].start,
            ) from exc
        if lowered != text[span[0] : span[1]]:
            out.append((*span, lowered))
    return _NOT
