"""``STARTS WITH``, ``ENDS WITH``, ``CONTAINS`` and ``=~`` as openCypher reads them.

AGE 1.7 answers false when an operand of the first three is a number or a boolean and
raises "agtype string values expected" when it is a list or a map: ``MATCH (n) WHERE
n.name CONTAINS 'a'`` failed as soon as one node's ``name`` was a list. Its ``=~``
raises the same error and tests for a match anywhere in the string, where openCypher
(Java's ``matches``) wants the whole string: ``'Tommy' =~ 'Tom'`` is false. kgmem calls
the functions of migration 0045 instead, which answer null when an operand is not a
string::

    MATCH (n) WHERE n.name CONTAINS $q AND n.code =~ '[A-Z]+' RETURN n
    MATCH (n) WHERE kgmem_cypher.string_contains(n.name, $q)
      AND kgmem_cypher.string_matches(n.code, '[A-Z]+') RETURN n

An operand is what binds tighter than the operator: a variable, literal or parameter
with property reads, indexes and calls after it (``toLower(n.name)``, ``n.tags[0]``), or
a bracketed expression, and arithmetic of those (``'ab' =~ 'a' + 'b'`` is true, as in
openCypher, where AGE added 'b' to the boolean). Where an operand is more (``-1 CONTAINS
'a'``) or the operator stands in a chain, the text stays as it is and AGE answers.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import CLAUSE_WORDS, closing

SCHEMA = "kgmem_cypher"
_OPERATORS = {
    "CONTAINS": "contains",
    "STARTS": "starts_with",
    "ENDS": "ends_with",
    "=~": "matches",
}
"""Each operator's first word (or ``=~``) and the function kgmem calls, ``string_<name>``."""
_ATOMS = (Kind.NAME, Kind.QUOTED_NAME, Kind.STRING, Kind.NUMBER, Kind.PARAMETER)
_BEFORE = frozenset(
    {"WHERE", "AND", "OR", "XOR", "NOT", "WHEN", "THEN", "ELSE", "RETURN", "WITH", "DISTINCT"}
)
_AFTER = frozenset({"AND", "OR", "XOR", "THEN", "ELSE", "END", "WHEN", "AS", "IS", "IN"})
_PUNCT_BEFORE = frozenset({"(", ",", "[", "|", "=", "<>", "<", ">", "<=", ">="})
_PUNCT_AFTER = frozenset({")", ",", "]", "}", "|", "=", "<>", "<", ">", "<=", ">=", ";"})
_WORDS = frozenset({"AND", "OR", "XOR", "NOT", "IS", "IN", "CASE", "WHEN", "THEN", "ELSE"})
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "^"})


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` calling kgmem's function for each string predicate whose operands
    stand alone."""
    if not any(t.is_keyword(*_OPERATORS) or t.text == "=~" for t in code):
        return text
    pairs = closing(code)
    openers = {close: open_ for open_, close in pairs.items()}
    edits: list[Edit] = []
    for index in range(1, len(code)):
        width = _operator_at(code, index)
        if not width:
            continue
        start = _left_sum(code, _left_start(code, index - 1, openers), openers)
        end = _right_sum(code, _right_end(code, index + width, pairs), pairs)
        if start is None or end is None or not _stands_alone(code, start, end):
            continue
        left = _value(text, code, start, index)
        right = _value(text, code, index + width, end)
        name = _OPERATORS[code[index].upper]
        edits.append(
            (code[start].start, code[end - 1].end, f"{SCHEMA}.string_{name}({left}, {right})")
        )
    return splice(text, edits)


def _value(text: str, code: Sequence[Token], first: int, end: int) -> str:
    """The operand ``code[first:end]`` as an agtype argument: a bracketed one inside a
    list read back (``[(NOT a)][0]``), since a boolean operator in it gives PostgreSQL's
    boolean, which kgmem's functions do not take (``kgmem.cypher.booleans``)."""
    written = text[code[first].start : code[end - 1].end]
    return f"[{written}][0]" if code[first].text == "(" else written


def _operator_at(code: Sequence[Token], index: int) -> int:
    """How many tokens the string operator at ``index`` spans (0: none there)."""
    token = code[index]
    if token.kind is Kind.PUNCT and token.text == "=~":
        return 1
    if code[index - 1].text in (".", ":") or not token.is_keyword(*_OPERATORS):
        return 0
    if index + 1 < len(code) and code[index + 1].text == ":":
        return 0  # a map key: {contains: 1}
    if token.is_keyword("CONTAINS"):
        return 1
    following = code[index + 1] if index + 1 < len(code) else None
    return 2 if following is not None and following.is_keyword("WITH") else 0


def _atom(token: Token) -> bool:
    return token.kind in _ATOMS and not token.is_keyword(*_WORDS, *CLAUSE_WORDS)


def _left_start(code: Sequence[Token], last: int, openers: dict[int, int]) -> int | None:
    """The index where the operand ending at ``last`` starts, None when it is not one:
    read backwards, brackets and names, a name continued only by a ``.`` before it."""
    k, start, after_name = last, None, False
    while k >= 0:
        token = code[k]
        if after_name:
            if token.text != ".":
                break
            k, after_name = k - 1, False
        elif token.kind is Kind.PUNCT and token.text in ")]}" and k in openers:
            start = openers[k]
            k = start - 1
        elif _atom(token):
            start, k, after_name = k, k - 1, True
        else:
            break
    return start


def _right_end(code: Sequence[Token], first: int, pairs: dict[int, int]) -> int | None:
    """The index just past the operand starting at ``first``, None when none starts."""
    if first >= len(code):
        return None
    token = code[first]
    if token.text in ("(", "[", "{") and first in pairs:
        k = pairs[first] + 1
    elif _atom(token):
        k = first + 1
    else:
        return None
    while k < len(code):
        token = code[k]
        if (token.text == "(" and k in pairs and _atom(code[k - 1])) or (
            token.text == "[" and k in pairs
        ):
            k = pairs[k] + 1
        elif token.text == "." and k + 1 < len(code) and code[k + 1].kind in _ATOMS:
            k += 2
        else:
            break
    return k


def _left_sum(code: Sequence[Token], start: int | None, openers: dict[int, int]) -> int | None:
    """Where the arithmetic the operand starting at ``start`` ends is part of begins:
    ``+``, ``-``, ``*``, ``/``, ``%`` and ``^`` bind tighter than a string predicate
    (``'a' + 'b' STARTS WITH 'a'``)."""
    while start is not None and start >= 2 and code[start - 1].text in _ARITHMETIC:
        before = _left_start(code, start - 2, openers)
        if before is None:
            break
        start = before
    return start


def _right_sum(code: Sequence[Token], end: int | None, pairs: dict[int, int]) -> int | None:
    """Just past the arithmetic the operand ending before ``end`` starts
    (``'ab' =~ 'a' + 'b'``)."""
    while end is not None and end < len(code) and code[end].text in _ARITHMETIC:
        after = _right_end(code, end + 1, pairs)
        if after is None:
            break
        end = after
    return end


def _stands_alone(code: Sequence[Token], start: int, end: int) -> bool:
    """Whether nothing binding tighter than the operator touches the two operands."""
    before = code[start - 1] if start else None
    after = code[end] if end < len(code) else None
    return _ends(before, _BEFORE, _PUNCT_BEFORE) and _ends(after, _AFTER, _PUNCT_AFTER)


def _ends(token: Token | None, words: frozenset[str], punct: frozenset[str]) -> bool:
    if token is None:
        return True
    if token.kind is Kind.PUNCT:
        return token.text in punct
    return token.is_keyword(*words) or token.is_keyword(*CLAUSE_WORDS)
