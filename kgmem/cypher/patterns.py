"""Pattern predicates for AGE 1.7: ``WHERE (n)-[:T]->()`` as ``exists(...)``.

openCypher reads a relationship pattern used as an expression as a test that it has
a match: ``MATCH (n) WHERE (n)-[:KNOWS]->() RETURN n``, ``WHERE NOT (a)--(b)``,
``RETURN NOT (n)-->() AS alone``. AGE 1.7 accepts only ``exists((n)-[:KNOWS]->())`` and
answers a syntax error otherwise, so kgmem wraps each such pattern in ``exists( )``
(in WHERE, and in the items of WITH and RETURN, of the query and of its ``EXISTS { }``
and ``COUNT { }`` subqueries). A pattern already inside ``exists(...)`` or another
call (``size((n)-->())``, a list of paths in openCypher, which AGE lacks), a pattern
comprehension or a map is left alone, and
so is a lone node in brackets (``WHERE (n)``), which is no pattern.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import pattern_lists
from kgmem.cypher.columns import item_expressions
from kgmem.cypher.functions import called
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import closing, each_clause, pattern_positions, subquery_clauses
from kgmem.errors import CypherSyntaxError


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) insertions wrapping each pattern predicate."""
    if not any(t.text in ("->", "<-") or t.text == "-" for t in code):
        return []
    edits: list[tuple[int, int, str]] = []
    for placed in each_clause(code, "WHERE", "WITH", "RETURN"):
        edits.extend(_in(placed.clause.tokens))
    for clause, _ in subquery_clauses(code):
        if clause.keyword in ("WHERE", "WITH", "RETURN"):
            edits.extend(_in(clause.tokens))
    return edits


def refuse_misused(code: Sequence[Token]) -> None:
    """Raise ``CypherSyntaxError`` for a pattern where Neo4j 5 refuses one: a RETURN or
    WITH item that is a pattern and nothing else (``RETURN (n)-->()``: a pattern only
    tests, so it stands where a boolean is read; UnexpectedSyntax), and a WHERE that is a
    node the query's patterns bind, in brackets (``MATCH (n) WHERE (n)``:
    InvalidArgumentType)."""
    for placed in each_clause(code, "RETURN", "WITH"):
        for item in item_expressions(placed.clause) or []:
            if item[0].text == "(" and _pattern_end(item, 0, closing(item)) == len(item) - 1:
                raise CypherSyntaxError(
                    "UnexpectedSyntax: a pattern expression only tests whether the pattern "
                    "has a match; use it where a boolean is read (exists(...), WHERE), or "
                    "COUNT { } or a pattern comprehension [(a)-->(b) | b] for its matches",
                    position=item[0].start,
                )
    nodes = {
        t.name
        for placed in each_clause(code, "MATCH", "OPTIONAL MATCH", "CREATE", "MERGE")
        for t in pattern_positions(placed.clause.tokens)
    }
    for placed in each_clause(code, "WHERE"):
        body = placed.clause.body
        if len(body) == 3 and body[0].text == "(" and body[2].text == ")" and body[1].name in nodes:
            raise CypherSyntaxError(
                f"InvalidArgumentType: WHERE needs a boolean, and {body[1].name} is a node",
                position=body[1].start,
            )


def _in(tokens: Sequence[Token]) -> list[tuple[int, int, str]]:
    closes = closing(tokens)
    edits: list[tuple[int, int, str]] = []
    stack: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.text == "[" and pattern_lists.comprehension_at(tokens, index, closes):
            index = closes[index] + 1  # its pattern is no test (``kgmem.cypher.pattern_lists``)
            continue
        if token.text == "(" and token.kind is Kind.PUNCT:
            end = _pattern_end(tokens, index, closes)
            if end is not None and "{" not in stack and not _wrapped(tokens, index):
                edits.append((token.start, token.start, "exists("))
                edits.append((tokens[end].end, tokens[end].end, ")"))
                index = end + 1
                continue
        if token.kind is Kind.PUNCT and token.text in "([{":
            stack.append(token.text)
        elif token.kind is Kind.PUNCT and token.text in ")]}" and stack:
            stack.pop()
        index += 1
    return edits


def _node(tokens: Sequence[Token], index: int, closes: dict[int, int]) -> int | None:
    """The index of the ``)`` closing a node pattern opened at ``index``, or None."""
    close = closes.get(index)
    if close is None or tokens[index].text != "(":
        return None
    inner = tokens[index + 1 : close]
    if inner and inner[0].kind in (Kind.NAME, Kind.QUOTED_NAME):
        inner = inner[1:]
    while len(inner) >= 2 and inner[0].text == ":":
        inner = inner[2:]
    if inner and inner[0].text == "{" and inner[-1].text == "}":
        inner = []
    return close if not inner else None


def _pattern_end(tokens: Sequence[Token], index: int, closes: dict[int, int]) -> int | None:
    """The last token of a pattern with at least one relationship starting at ``index``."""
    end = _node(tokens, index, closes)
    if end is None:
        return None
    hops = 0
    while True:
        step = _relationship(tokens, end + 1, closes)
        if step is None:
            return end if hops else None
        following = _node(tokens, step, closes)
        if following is None:
            return end if hops else None
        end, hops = following, hops + 1


def _relationship(tokens: Sequence[Token], at: int, closes: dict[int, int]) -> int | None:
    """After ``-[...]->``, ``--``, ``<--`` ...: the index of the next node's ``(``."""
    if at >= len(tokens) or tokens[at].text not in ("-", "<-"):
        return None
    at += 1
    if at < len(tokens) and tokens[at].text == "[":
        close = closes.get(at)
        if close is None:
            return None
        at = close + 1
    if at >= len(tokens) or tokens[at].text not in ("-", "->"):
        return None
    at += 1
    return at if at < len(tokens) and tokens[at].text == "(" else None


def _wrapped(tokens: Sequence[Token], index: int) -> bool:
    """The argument of a call: ``exists(`` already, or ``size(`` and the like, where a
    pattern stands for its list of paths (not a test)."""
    return index >= 2 and tokens[index - 1].text == "(" and called(tokens, index - 2) is not None
