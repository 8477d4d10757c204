"""The top-level shape of a Cypher query: UNION branches and their clauses.

Works on ``kgmem.cypher.lexer`` tokens. Brackets are tracked, so a ``RETURN`` inside
an ``EXISTS { ... }`` subquery, a list comprehension or a map never counts as a clause
of the outer query, and a name after ``.`` or ``:`` (a property key or a label such
as ``n.limit`` or ``:Match``) is never a keyword.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit

CLAUSE_WORDS = frozenset(
    {
        "MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CREATE", "MERGE", "SET",
        "DELETE", "DETACH", "REMOVE", "CALL", "WHERE", "ORDER", "SKIP", "LIMIT",
        "FOREACH", "UNION", "LOAD", "USE",
    }
)  # fmt: skip
WRITE_WORDS = frozenset({"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "FOREACH"})
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {v: k for k, v in _OPEN.items()}


@dataclass(frozen=True, slots=True)
class Clause:
    """One top-level clause: its keyword (``OPTIONAL MATCH``, ``ORDER BY`` joined by a
    space) and all its tokens, the keyword tokens included."""

    keyword: str
    tokens: Sequence[Token]

    @property
    def body(self) -> Sequence[Token]:
        """The tokens after the keyword."""
        return self.tokens[len(self.keyword.split()) :]


def depths(tokens: Sequence[Token]) -> Iterator[tuple[int, Token]]:
    """Each token with its bracket depth (the depth outside it, for brackets themselves)."""
    depth = 0
    for token in tokens:
        if token.kind is Kind.PUNCT and token.text in _CLOSE:
            depth = max(depth - 1, 0)
            yield depth, token
        elif token.kind is Kind.PUNCT and token.text in _OPEN:
            yield depth, token
            depth += 1
        else:
            yield depth, token


def closing(tokens: Sequence[Token]) -> dict[int, int]:
    """For each opening bracket's index in ``tokens``, the index of the one closing it."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for index, token in enumerate(tokens):
        if token.kind is not Kind.PUNCT:
            continue
        if token.text in "([{":
            stack.append(index)
        elif token.text in ")]}" and stack:
            pairs[stack.pop()] = index
    return pairs


def function_calls(tokens: Sequence[Token], names: Container[str]) -> Iterator[tuple[int, int]]:
    """(index of the name, index of the closing bracket) of each call of a function
    whose lower-case name is in ``names`` (``f(...)``, not a property ``x.f(``)."""
    pairs: dict[int, int] | None = None
    for index, token in enumerate(tokens[:-1]):
        if token.kind is not Kind.NAME or token.text.lower() not in names:
            continue
        if tokens[index + 1].text != "(" or (index > 0 and tokens[index - 1].text == "."):
            continue
        pairs = closing(tokens) if pairs is None else pairs
        close = pairs.get(index + 1)
        if close is not None:
            yield index, close


def is_keyword_at(tokens: Sequence[Token], index: int, *words: str) -> bool:
    """True when ``tokens[index]`` is one of ``words`` used as a keyword (not a property
    key or label, which follow ``.`` or ``:``, nor a map key, which precedes ``:``)."""
    token = tokens[index]
    if not token.is_keyword(*words):
        return False
    if index + 1 < len(tokens) and tokens[index + 1].text == ":":
        return False  # a map key: {limit: 1}
    return index == 0 or tokens[index - 1].text not in (".", ":")


T = TypeVar("T")
_MEMO_SIZE = 64
_parts_memo: dict[tuple[int, ...], tuple[tuple[Token, ...], list[list[Token]]]] = {}
_clauses_memo: dict[tuple[int, ...], tuple[tuple[Token, ...], list[Clause]]] = {}
"""The last answers of ``union_parts`` and ``clauses``, by the identity of the tokens
they read: one plan asks both about the same tokens once per rewrite rule (a third of
planning a simple query, measured). Each entry holds its tokens, so their ids stay
theirs while it lives; a full memo is emptied."""


def _remembered(
    memo: dict[tuple[int, ...], tuple[tuple[Token, ...], T]],
    tokens: Sequence[Token],
    compute: Callable[[Sequence[Token]], T],
) -> T:
    """``compute(tokens)``, from ``memo`` when the same tokens were asked about last."""
    key = tuple(map(id, tokens))
    found = memo.get(key)
    if found is None:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        found = (tuple(tokens), compute(tokens))
        memo[key] = found
    return found[1]


def union_parts(tokens: Sequence[Token]) -> list[list[Token]]:
    """The branches of a top-level UNION (one branch when there is none)."""
    return [list(part) for part in _remembered(_parts_memo, tokens, _union_parts)]


def _union_parts(tokens: Sequence[Token]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    skip_all = False
    for index, (depth, token) in enumerate(depths(tokens)):
        if depth == 0 and is_keyword_at(tokens, index, "UNION"):
            parts.append([])
            skip_all = True
            continue
        if skip_all and token.is_keyword("ALL"):
            skip_all = False
            continue
        skip_all = False
        parts[-1].append(token)
    return parts


def clauses(tokens: Sequence[Token]) -> list[Clause]:
    """The top-level clauses of one UNION branch, in order."""
    found: list[Clause] = _remembered(_clauses_memo, tokens, _clauses)
    return list(found)


def _clauses(tokens: Sequence[Token]) -> list[Clause]:
    found: list[Clause] = []
    start, keyword = 0, ""
    for index, (depth, _) in enumerate(depths(tokens)):
        if depth != 0 or not is_keyword_at(tokens, index, *CLAUSE_WORDS):
            continue
        if _continues_previous(tokens, index, keyword):
            continue
        if index > start or keyword:
            found.append(Clause(keyword, tokens[start:index]))
        start, keyword = index, _keyword_at(tokens, index)
    found.append(Clause(keyword, tokens[start:]))
    return [c for c in found if c.tokens]


def _continues_previous(tokens: Sequence[Token], index: int, previous: str) -> bool:
    word = tokens[index].upper
    before = tokens[index - 1].upper if index else ""
    if word == "MATCH" and before == "OPTIONAL":
        return True
    if word == "DELETE" and before == "DETACH":
        return True
    if word == "WITH" and before in ("STARTS", "ENDS"):
        return True  # the string operators STARTS WITH and ENDS WITH
    # MERGE ... ON CREATE SET / ON MATCH SET belong to the MERGE.
    return previous == "MERGE" and (before == "ON" or (word == "SET" and _after_on(tokens, index)))


def _after_on(tokens: Sequence[Token], index: int) -> bool:
    return index >= 2 and tokens[index - 2].upper == "ON"


def _keyword_at(tokens: Sequence[Token], index: int) -> str:
    word = tokens[index].upper
    following = tokens[index + 1].upper if index + 1 < len(tokens) else ""
    if word == "OPTIONAL" and following == "MATCH":
        return "OPTIONAL MATCH"
    if word == "DETACH" and following == "DELETE":
        return "DETACH DELETE"
    if word == "ORDER" and following == "BY":
        return "ORDER BY"
    return word


@dataclass(frozen=True, slots=True)
class Placed:
    """A top-level clause with the clauses of its UNION branch before it and the one
    after it (None for the last)."""

    clause: Clause
    earlier: Sequence[Clause]
    following: Clause | None


def each_clause(tokens: Sequence[Token], *keywords: str) -> Iterator[Placed]:
    """Every top-level clause of every UNION branch, in order, with its neighbours;
    only those whose keyword is one of ``keywords`` when any are given."""
    for part in union_parts(tokens):
        found = clauses(part)
        for index, clause in enumerate(found):
            if keywords and clause.keyword not in keywords:
                continue
            following = found[index + 1] if index + 1 < len(found) else None
            yield Placed(clause, found[:index], following)


def split_top_level(tokens: Sequence[Token], separator: str = ",") -> list[list[Token]]:
    """``tokens`` cut at the separators that stand outside every bracket: punctuation
    (``","``) or a keyword (``"AND"``). A comma inside ``CASE ... END`` (``WHEN 1, 2``)
    separates nothing either."""
    pieces: list[list[Token]] = [[]]
    cases = _case_depths(tokens) if separator == "," else [0] * len(tokens)
    for (depth, token), case in zip(depths(tokens), cases, strict=True):
        punct = token.kind is Kind.PUNCT and token.text == separator
        if depth == 0 and case == 0 and (punct or token.is_keyword(separator)):
            pieces.append([])
        else:
            pieces[-1].append(token)
    return pieces


def _case_depths(tokens: Sequence[Token]) -> list[int]:
    """How many ``CASE ... END`` each token stands inside."""
    found, depth = [], 0
    for index, token in enumerate(tokens):
        named = index == 0 or tokens[index - 1].text != "."
        if named and token.is_keyword("END") and depth:
            depth -= 1
        found.append(depth)
        if named and token.is_keyword("CASE"):
            depth += 1
    return found


def filtered(clause: Clause, following: Clause | None, condition: str) -> list[Edit]:
    """Edits making a MATCH ``clause`` also require ``condition``: ANDed before its own
    WHERE (``following``, when that is one), or as a WHERE of its own.

    The WHERE's own text goes in brackets only when an OR, XOR or CASE outside every
    bracket needs them: AGE reads a bracketed comparison as a value it then casts, which no
    index can answer (``n.uid = $u`` finds the node by its uid index, ``(n.uid = $u)``
    reads the whole label). A CASE counts as a bracket here: an OR in its WHEN does not
    bind the condition."""
    if following is not None and following.keyword == "WHERE":
        keyword, last = following.tokens[0], following.tokens[-1]
        if not _or_outside_case(following.body):
            return [(keyword.start, keyword.end, f"WHERE {condition} AND")]
        return [
            (keyword.start, keyword.end, f"WHERE {condition} AND ("),
            (last.end, last.end, ")"),
        ]
    end = clause.tokens[-1].end
    return [(end, end, f" WHERE {condition}")]


def _or_outside_case(tokens: Sequence[Token]) -> bool:
    """An OR or XOR outside every bracket and every CASE ... END."""
    cases = 0
    for depth, token in depths(tokens):
        if depth == 0 and token.is_keyword("CASE"):
            cases += 1
        elif depth == 0 and token.is_keyword("END") and cases:
            cases -= 1
        elif depth == 0 and not cases and token.is_keyword("OR", "XOR"):
            return True
    return False


def loose_or(tokens: Sequence[Token]) -> bool:
    """An OR or XOR outside every bracket, or a CASE (whose WHEN may hold one)."""
    return any(
        depth == 0 and (t.is_keyword("OR") or t.is_keyword("XOR") or t.is_keyword("CASE"))
        for depth, t in depths(tokens)
    )


def pattern_positions(tokens: Sequence[Token]) -> list[Token]:
    """The names standing where a pattern names a node or relationship: ``(x``, ``(x:``,
    ``(x {``, ``[x]``, ``[x:``, ``[x*`` (a call's sole argument ``f(x)`` looks the same:
    callers read tokens of pattern clauses)."""
    found = []
    for index in range(1, len(tokens) - 1):
        token = tokens[index]
        opens = tokens[index - 1].text in ("(", "[")
        closes = tokens[index + 1].text in (")", ":", "{", "]", "*")
        if token.kind in (Kind.NAME, Kind.QUOTED_NAME) and opens and closes:
            found.append(token)
    return found


def subquery_clauses(tokens: Sequence[Token]) -> Iterator[tuple[Clause, Clause | None]]:
    """Every clause inside an ``EXISTS { }`` or ``COUNT { }`` subquery of ``tokens``, at
    any depth, with the clause after it in its subquery (None for the last). A
    subquery that is a bare pattern (``EXISTS { (a)-->(b) WHERE ... }``) yields its
    pattern as a clause whose keyword is empty."""
    pairs = closing(tokens)
    for index, token in enumerate(tokens):
        if token.text != "{" or index == 0 or not tokens[index - 1].is_keyword("EXISTS", "COUNT"):
            continue
        close = pairs.get(index)
        if close is None:
            continue
        found = clauses(tokens[index + 1 : close])
        for at, clause in enumerate(found):
            yield clause, found[at + 1] if at + 1 < len(found) else None
