"""Neo4j 5's simple ``CASE`` with several values or comparisons per ``WHEN``, which AGE
1.7 has no syntax for.

Several plain values become one ``WHEN`` each, with the same result, so the test is still
read once::

    CASE x WHEN 1, 2 THEN 'low' ELSE 'high' END
    CASE x WHEN 1 THEN 'low' WHEN 2 THEN 'low' ELSE 'high' END

A ``WHEN`` with a comparison (``= v``, ``<> v``, ``< v``, ``> v``, ``<= v``, ``>= v``,
``=~ v``, ``STARTS WITH v``, ``ENDS WITH v``, ``IS [NOT] NULL``, ``IS [NOT] TYPED T``,
``IS [NOT] NORMALIZED``: Neo4j's extended simple CASE) makes the whole expression a
generic CASE with the test written out in each condition::

    CASE x WHEN IS NULL, < 0 THEN 'none' WHEN 0 THEN 'zero' END
    CASE WHEN ((x) IS NULL) OR ((x) < 0) THEN 'none' WHEN ((x) = 0) THEN 'zero' END

(the test is then evaluated once per condition, which only a test with side effects, as
``rand()``, could tell). Type predicates in the result are rewritten afterwards
(``kgmem.cypher.type_predicates``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.structure import closing

_COMPARISONS = frozenset({"=", "<>", "<", ">", "<=", ">=", "=~"})
_COMPARISON_WORDS = ("IS", "STARTS", "ENDS")


@dataclass(frozen=True)
class Arm:
    """One ``WHEN items THEN result`` of a simple CASE, each part as written."""

    items: tuple[str, ...]
    result: str


@dataclass(frozen=True)
class SimpleCase:
    """A simple CASE: its test, its arms and what follows the last (``ELSE ... END`` or
    ``END``), and the token span ``start``-``end`` (past END) it covers."""

    start: int
    end: int
    test: str
    arms: tuple[Arm, ...]
    tail: str
    compares: bool


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with each simple CASE that lists values or comparisons in a WHEN
    written as AGE reads it (a CASE inside one is found once its parent is written)."""
    if not any(t.is_keyword("CASE") for t in code):
        return text
    while (found := _next_case(text, code)) is not None:
        text = text[: code[found.start].start] + _written(found) + text[code[found.end - 1].end :]
        code = tokenize(text)
    return text


def _next_case(text: str, code: Sequence[Token]) -> SimpleCase | None:
    """The first simple CASE that lists values or comparisons in a WHEN."""
    pairs = closing(code)
    for index, token in enumerate(code):
        if not token.is_keyword("CASE"):
            continue
        found = _read_case(text, code, index, pairs)
        if found is not None and (found.compares or any(len(a.items) > 1 for a in found.arms)):
            return found
    return None


def _read_case(
    text: str, code: Sequence[Token], start: int, pairs: dict[int, int]
) -> SimpleCase | None:
    """The simple CASE starting at ``start``, split into its parts; None for a generic
    CASE or one that does not close."""
    marks = _level_marks(code, start, pairs)
    if marks is None or marks[0][0] != "WHEN" or marks[0][1] == start + 1:
        return None
    end = marks[-1][1] + 1
    test = _between(text, code, start + 1, marks[0][1])
    arms: list[Arm] = []
    compares = False
    for (word, at), (_, following) in pairwise(marks):
        if word == "WHEN":
            items = _items(text, code, at + 1, following, pairs)
            compares = compares or any(_compares(tokenize(item)) for item in items)
            arms.append(Arm(tuple(items), ""))
        elif word == "THEN":
            arms[-1] = Arm(arms[-1].items, _between(text, code, at + 1, following))
    first_after = next(at for word, at in marks if word in ("ELSE", "END"))
    tail = text[code[first_after].start : code[end - 1].end]
    return SimpleCase(start, end, test, tuple(arms), tail, compares)


def _level_marks(
    code: Sequence[Token], start: int, pairs: dict[int, int]
) -> list[tuple[str, int]] | None:
    """The ``WHEN``, ``THEN``, ``ELSE`` and ``END`` of the CASE at ``start`` (not of
    CASEs inside it), with their indexes; None when it never ends."""
    marks: list[tuple[str, int]] = []
    k = start + 1
    while k < len(code):
        token = code[k]
        if k in pairs:
            k = pairs[k] + 1
            continue
        if token.is_keyword("CASE"):
            inner = _level_marks(code, k, pairs)
            if inner is None:
                return None
            k = inner[-1][1] + 1
            continue
        if token.is_keyword("WHEN", "THEN", "ELSE", "END") and code[k - 1].text != ".":
            marks.append((token.upper, k))
            if token.upper == "END":
                return marks
        k += 1
    return None


def _items(
    text: str, code: Sequence[Token], first: int, end: int, pairs: dict[int, int]
) -> list[str]:
    """The comma-separated items of ``code[first:end]``, as written."""
    items, begin, k = [], first, first
    while k < end:
        if k in pairs:
            k = pairs[k] + 1
            continue
        if code[k].text == ",":
            items.append(_between(text, code, begin, k))
            begin = k + 1
        elif code[k].is_keyword("CASE"):
            inner = _level_marks(code, k, pairs)
            k = inner[-1][1] if inner else k
        k += 1
    items.append(_between(text, code, begin, end))
    return items


def _compares(item: Sequence[Token]) -> bool:
    """Whether a WHEN item starts with a comparison rather than being a value."""
    if not item:
        return False
    first = item[0]
    return (first.kind is Kind.PUNCT and first.text in _COMPARISONS) or first.is_keyword(
        *_COMPARISON_WORDS
    )


def _between(text: str, code: Sequence[Token], first: int, end: int) -> str:
    """The text of ``code[first:end]``."""
    return text[code[first].start : code[end - 1].end] if end > first else ""


def _written(case: SimpleCase) -> str:
    """The CASE as AGE reads it."""
    if not case.compares:
        arms = " ".join(f"WHEN {item} THEN {arm.result}" for arm in case.arms for item in arm.items)
        return f"CASE {case.test} {arms} {case.tail}"
    arms = " ".join(
        "WHEN " + " OR ".join(_condition(case.test, item) for item in arm.items)
        + f" THEN {arm.result}"
        for arm in case.arms
    )  # fmt: skip
    return f"CASE {arms} {case.tail}"


def _condition(test: str, item: str) -> str:
    """The condition one WHEN item states about the test."""
    if _compares(tokenize(item)):
        return f"(({test}) {item})"
    return f"(({test}) = {item})"
