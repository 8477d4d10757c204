"""Keep PostgreSQL booleans away from AGE operators that would crash the server.

AGE 1.7 computes ``NOT``, ``AND``, ``OR``, ``XOR``, ``IS [NOT] NULL`` and ``IN`` as
PostgreSQL ``boolean`` values, and a variable bound to such an expression by ``WITH``
keeps that type. Several of its ``agtype`` operators take their operands without
checking their type: ``IN`` against a list that is not a literal, ``STARTS WITH``,
``ENDS WITH``, ``CONTAINS``, ``=~`` and list indexing read a boolean as an ``agtype``
pointer and the backend dies with a segmentation fault. PostgreSQL then restarts every
backend and replays its log, so one analyst query takes the whole server down; for
example ``WITH [] AS b RETURN (NOT true) IN b``.

The rewrite below turns every such boolean into ``agtype`` before it can reach one of
those operators, by wrapping the expression as ``[(expression)][0]`` (a list literal
converts its elements to ``agtype``; indexing it by a literal is safe):

- a ``WITH`` item whose expression holds a boolean operator, so no variable carries a
  PostgreSQL boolean;
- an operand of ``IN``, ``STARTS WITH``, ``ENDS WITH``, ``CONTAINS`` or ``=~`` that holds
  one (``(NOT a) IN b``, ``a IN b IN c``, ``1 IN (x IS NULL)``);
- an index, slice bound or indexed value that holds one (``l[NOT x]``, ``(a AND b)[0]``);
- a bracketed operand of ``+``, ``-``, ``*``, ``/`` or ``%`` that holds one (``[1] + (2 IN
  [3])``, which AGE otherwise refuses: it has no ``+`` of ``agtype`` and ``boolean``).

``agtype`` booleans keep openCypher's meaning in ``WHERE``, ``NOT``, ``AND``, ``OR`` and
``CASE`` (null stays null), so the wrapping changes no answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import clauses, depths, split_top_level, union_parts

# Tokens whose presence in an expression may make it a PostgreSQL boolean.
_PRODUCERS = frozenset({"NOT", "AND", "OR", "XOR", "IS", "IN", "EXISTS"})
# Operators at the level of IN: their operands are what must be agtype.
_PREDICATES = frozenset({"IN", "CONTAINS"})
_BINDERS = ("ANY", "ALL", "NONE", "SINGLE", "FOREACH", "EXTRACT", "FILTER")
# What ends an operand of IN (and its peers) at the operand's own bracket depth.
_STOP_WORDS = frozenset(
    {
        "AND", "OR", "XOR", "NOT", "WHERE", "WHEN", "THEN", "ELSE", "CASE", "END", "RETURN",
        "WITH", "AS", "UNWIND", "DISTINCT", "BY", "SET", "ORDER", "SKIP", "LIMIT", "MATCH",
        "CREATE", "MERGE", "DELETE", "REMOVE", "ASC", "DESC", "ASCENDING", "DESCENDING",
        "IN", "CONTAINS", "STARTS", "ENDS", "IS",
    }
)  # fmt: skip
_STOP_PUNCT = frozenset({",", "=", "<>", "<", ">", "<=", ">=", "|", ":", "=~", ";"})
_ATOM_END = frozenset({")", "]", "}"})
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})
# Predicates chained before an operand belong to it (they bind left to right).
_CHAINED = frozenset({"IN", "IS", "NULL", "CONTAINS", "STARTS", "ENDS", "WITH"})


def guard(text: str, code: Sequence[Token]) -> list[tuple[int, int]]:
    """The spans ``(start, end)`` of ``text`` to wrap as ``[( ... )][0]``, outermost
    first, none overlapping another except by nesting."""
    spans: set[tuple[int, int]] = set()
    depth_of = [d for d, _ in depths(code)]
    for index, token in enumerate(code):
        if _is_predicate(code, index):
            spans.update(_operand_spans(code, depth_of, index))
        elif token.text == "[" and _indexes(code, index):
            spans.update(_index_spans(code, depth_of, index))
        elif token.text in _ARITHMETIC and index > 0:
            spans.update(_arithmetic_spans(code, depth_of, index))
    spans.update(_with_items(code))
    return _outermost(spans)


def wrap(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each span wrapped; nested spans are wrapped inside their parent."""
    opens: dict[int, int] = {}
    closes: dict[int, int] = {}
    for start, end in spans:
        opens[start] = opens.get(start, 0) + 1
        closes[end] = closes.get(end, 0) + 1
    out = []
    for at, ch in enumerate(text):
        out.append(")][0]" * closes.get(at, 0))
        out.append("[(" * opens.get(at, 0))
        out.append(ch)
    out.append(")][0]" * closes.get(len(text), 0))
    return "".join(out)


def _is_predicate(code: Sequence[Token], index: int) -> bool:
    token = code[index]
    if token.text == "=~":
        return True
    if token.kind is not Kind.NAME:
        return False
    if index > 0 and code[index - 1].text in (".", ":"):
        return False
    if token.upper == "WITH":
        return index > 0 and code[index - 1].is_keyword("STARTS", "ENDS")
    if token.upper == "IN":
        return not _binds_variable(code, index)
    return token.upper in _PREDICATES


def _binds_variable(code: Sequence[Token], index: int) -> bool:
    """``[x IN`` (a list comprehension) or ``any(x IN`` (a quantifier, ``FOREACH``)."""
    if index < 2 or code[index - 1].kind not in (Kind.NAME, Kind.QUOTED_NAME):
        return False
    opener = code[index - 2].text
    if opener == "[":
        return True
    return opener == "(" and index >= 3 and code[index - 3].is_keyword(*_BINDERS)


def _operand_spans(
    code: Sequence[Token], depth_of: Sequence[int], index: int
) -> list[tuple[int, int]]:
    first = index - 1 if code[index].upper == "WITH" else index  # STARTS WITH / ENDS WITH
    left = _walk(code, depth_of, first - 1, -1)
    right = _walk(code, depth_of, index + 1, 1)
    return [span for span in (left, right) if span is not None]


def _walk(
    code: Sequence[Token], depth_of: Sequence[int], at: int, step: int
) -> tuple[int, int] | None:
    """The operand from ``at`` going in ``step``'s direction, if it may be a boolean.

    Going left the operand takes in predicates chained before it (``a IN b`` in
    ``a IN b IN c``): they bind first. Going right it ends at the next one."""
    if not 0 <= at < len(code):
        return None
    level = depth_of[at]
    seen: list[int] = []
    while 0 <= at < len(code):
        if depth_of[at] < level or (depth_of[at] == level and _stops(code, at, step)):
            break
        seen.append(at)
        at += step
    if not seen:
        return None
    low, high = min(seen), max(seen)
    if not _may_be_boolean(code[low : high + 1]):
        return None
    return code[low].start, code[high].end


def _stops(code: Sequence[Token], at: int, step: int) -> bool:
    token = code[at]
    if token.kind is Kind.PUNCT:
        return token.text in _STOP_PUNCT and not (step < 0 and token.text == "=~")
    if token.kind is not Kind.NAME or (at > 0 and code[at - 1].text in (".", ":")):
        return False
    if at + 1 < len(code) and code[at + 1].text == ":":
        return False  # a map key
    word = token.upper
    if step < 0 and word in _CHAINED:
        return word == "WITH" and not (at > 0 and code[at - 1].is_keyword("STARTS", "ENDS"))
    if step < 0 and word == "NOT" and at > 0 and code[at - 1].is_keyword("IS"):
        return False  # IS NOT NULL
    return word in _STOP_WORDS


def _may_be_boolean(tokens: Sequence[Token]) -> bool:
    return any(t.kind is Kind.NAME and t.upper in _PRODUCERS for t in tokens)


def _indexes(code: Sequence[Token], index: int) -> bool:
    """``[`` right after a value: indexing or slicing, not a list literal."""
    if index == 0:
        return False
    before = code[index - 1]
    if before.text in _ATOM_END or before.kind in (Kind.QUOTED_NAME, Kind.PARAMETER):
        return True
    return before.kind is Kind.NAME and before.upper not in _STOP_WORDS | {"RETURN", "UNWIND"}


def _index_spans(
    code: Sequence[Token], depth_of: Sequence[int], index: int
) -> list[tuple[int, int]]:
    spans = []
    close = _matching(code, depth_of, index)
    if close is None:
        return []
    inner = code[index + 1 : close]
    for part in split_top_level(inner, ".."):
        if part and _may_be_boolean(part):
            spans.append((part[0].start, part[-1].end))
    base = _group_before(code, depth_of, index)
    if base is not None:
        spans.append(base)
    return spans


def _matching(code: Sequence[Token], depth_of: Sequence[int], index: int) -> int | None:
    for at in range(index + 1, len(code)):
        if depth_of[at] == depth_of[index] and code[at].text in _ATOM_END:
            return at
    return None


def _group_before(
    code: Sequence[Token], depth_of: Sequence[int], index: int
) -> tuple[int, int] | None:
    """A parenthesised expression holding a boolean operator, indexed by ``code[index]``."""
    close = index - 1
    if code[close].text != ")":
        return None
    for at in range(close - 1, -1, -1):
        if depth_of[at] == depth_of[close] and code[at].text == "(":
            if at > 0 and _calls(code[at - 1]):
                return None  # a function call: its result is agtype
            if _may_be_boolean(code[at : close + 1]):
                return code[at].start, code[close].end
            return None
    return None


def _arithmetic_spans(
    code: Sequence[Token], depth_of: Sequence[int], index: int
) -> list[tuple[int, int]]:
    """A parenthesised operand of ``+``, ``-``, ``*``, ``/`` holding a boolean operator,
    on either side (``[1] + (2 IN [3])``: AGE has no ``+`` of agtype and boolean)."""
    spans = [_group_before(code, depth_of, index)]
    if index + 1 < len(code) and code[index + 1].text == "(":
        close = _matching(code, depth_of, index + 1)
        if close is not None and code[close].text == ")":
            spans.append(_group_before(code, depth_of, close + 1))
    return [span for span in spans if span is not None]


def _calls(token: Token) -> bool:
    """True when ``token`` before ``(`` names a function (a keyword does not)."""
    named = token.kind is Kind.QUOTED_NAME or token.kind is Kind.NAME
    return named and not token.is_keyword(*_STOP_WORDS, "RETURN", "UNWIND")


def _with_items(code: Sequence[Token]) -> list[tuple[int, int]]:
    spans = []
    operators = {id(code[i]) for i in range(1, len(code)) if _is_predicate(code, i)}
    for part in union_parts(code):
        for clause in clauses(part):
            if clause.keyword != "WITH" or id(clause.tokens[0]) in operators:
                continue  # STARTS WITH is no clause
            body = [t for t in clause.body if not t.is_keyword("DISTINCT")]
            for item in split_top_level(body):
                expression = _unparenthesised(_before_alias(item))
                top = [t for d, t in depths(expression) if d == 0]
                if expression and _may_be_boolean(top):
                    spans.append((expression[0].start, expression[-1].end))
    return spans


def _before_alias(item: Sequence[Token]) -> Sequence[Token]:
    for at in range(len(item) - 1, 0, -1):
        if item[at].is_keyword("AS") and at == len(item) - 2:
            return item[:at]
    return item


def _unparenthesised(tokens: Sequence[Token]) -> Sequence[Token]:
    """``tokens`` without brackets that enclose all of them: ``((a AND b))`` is ``a AND b``."""
    while len(tokens) >= 2 and tokens[0].text == "(" and tokens[-1].text == ")":
        inner = depths(tokens)
        if any(d == 0 for d, _ in list(inner)[1:-1]):
            break
        tokens = tokens[1:-1]
    return tokens


def _outermost(spans: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted; spans that cross another (not nested) are dropped."""
    ordered = sorted(spans, key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int]] = []
    for start, end in ordered:
        if any(s < start < e < end or start < s < end < e for s, e in kept):
            continue
        kept.append((start, end))
    return kept
