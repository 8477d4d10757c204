"""Which columns a Cypher query returns, inferred from its RETURN clause.

AGE needs the column list of every ``cypher()`` call spelled out in SQL. kgmem reads
it from the query instead: each RETURN item is a column named by its alias, or by
its expression as written when it has none (``n.name``, ``count(*)``), as openCypher
names them. ``RETURN *`` stands for the variables in scope, in alphabetical order;
the caller rewrites it into an explicit list (AGE's own order is not the one named
here). A UNION's branches must agree on their columns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kgmem.cypher.functions import PASSING, TEXT_ANSWERS
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import (
    Clause,
    Placed,
    clauses,
    closing,
    depths,
    each_clause,
    split_top_level,
    union_parts,
)
from kgmem.errors import CypherSemanticError, CypherSyntaxError

_PATTERN_CLAUSES = ("MATCH", "OPTIONAL MATCH", "CREATE", "MERGE")
_END_OF_ITEMS = ("ORDER", "SKIP", "LIMIT", "WHERE")


@dataclass(frozen=True, slots=True)
class ReturnItem:
    """One projected column: its name, and its expression's tokens."""

    name: str
    expression: Sequence[Token]
    aliased: bool


@dataclass(frozen=True, slots=True)
class Projection:
    """What a RETURN (or WITH) clause projects."""

    items: list[ReturnItem]
    star: Token | None  # the ``*`` token, when the clause has one
    distinct: bool


def infer_columns(text: str, tokens: Sequence[Token], *, unique: bool = True) -> list[str]:
    """The column names ``tokens`` (of ``text``) return; empty for a query without RETURN.

    Raises ``CypherSemanticError`` when UNION branches return different columns or (with
    ``unique``) a column name repeats, ``CypherSyntaxError`` for an empty RETURN. A
    rewritten text is read with ``unique`` off: two columns the analyst wrote apart
    (``char_length(s)``, ``character_length(s)``) may be rewritten alike.
    """
    branches = [branch_columns(text, part) for part in union_parts(tokens)]
    first = branches[0]
    for other in branches[1:]:
        if other != first:
            raise CypherSemanticError(
                f"all parts of a UNION must return the same columns: {first} vs {other}"
            )
    duplicates = sorted({c for c in first if first.count(c) > 1})
    if duplicates and unique:
        raise CypherSemanticError(f"column name(s) {', '.join(duplicates)} used more than once")
    return first


def branch_columns(text: str, tokens: Sequence[Token]) -> list[str]:
    """The columns of one UNION branch."""
    parts = clauses(tokens)
    returns = [i for i, c in enumerate(parts) if c.keyword == "RETURN"]
    if not returns:
        return []
    index = returns[-1]
    projection = project(text, parts[index])
    names = [item.name for item in projection.items]
    if projection.star is not None:
        bound = sorted(scope(text, parts[:index]))
        if not bound:
            raise CypherSemanticError(
                "RETURN * needs at least one variable in scope", position=projection.star.start
            )
        names = bound + names
    if not names:
        raise CypherSyntaxError(
            "RETURN needs at least one item", position=parts[index].tokens[0].start
        )
    return names


def read_back(text: str, tokens: Sequence[Token]) -> tuple[bool, ...]:
    """Per column of ``infer_columns``: whether it is a value read from the graph or the
    parameters as it is (a variable, ``RETURN *``'s too, a parameter or a property
    ``x.key``), not one the query computes (a call, an operator, a literal, a map or
    list it builds)."""
    parts = clauses(union_parts(tokens)[0])
    returns = [c for c in parts if c.keyword == "RETURN"]
    if not returns:
        return ()
    earlier = parts[: parts.index(returns[-1])]
    computed = _computed_names(text, earlier)
    projection = project(text, returns[-1])
    stars = len(scope(text, earlier)) if projection.star else 0
    return (True,) * stars + tuple(_stored(item.expression, computed) for item in projection.items)


def _computed_names(text: str, parts: Sequence[Clause]) -> set[str]:
    """The names WITH clauses give values they compute (``WITH toString(x) AS s``)."""
    computed: set[str] = set()
    for clause in parts:
        if clause.keyword == "WITH":
            for item in project(text, clause).items:
                if not _stored(item.expression, computed):
                    computed.add(item.name)
                else:
                    computed.discard(item.name)
    return computed


# Calls that make a temporal value, and calls whose answer is text whatever they read.
_TEMPORAL_CALLS = frozenset({"date", "datetime", "localdatetime", "localtime", "time", "duration"})


def _stored(expression: Sequence[Token], computed: set[str]) -> bool:
    if _temporal(expression):
        return True  # x.at + duration('P1D'): temporal text the query makes
    if _passing(expression):
        inner = list(expression[2:-1])
        if inner and inner[0].is_keyword("DISTINCT"):
            inner = inner[1:]
        return all(p and _stored(p, computed) for p in split_top_level(inner))
    terms = [t for piece in split_top_level(expression, "+") for t in split_top_level(piece, "-")]
    if len(terms) > 1:  # min(e.at) + max(e.gap): summed as temporal values (stored_arithmetic)
        return all(t and _stored(t, computed) for t in terms)
    if len(expression) == 1:
        if _is_name(expression[0]):
            return expression[0].name not in computed
        return expression[0].kind is Kind.PARAMETER
    return (
        len(expression) == 3
        and _is_name(expression[0])
        and expression[1].text == "."
        and _is_name(expression[2])
    )


def _passing(expression: Sequence[Token]) -> bool:
    """Whether ``expression`` is one call of ``functions.PASSING`` and nothing after it. A
    list the query builds (``collect(n.at)``) is not: that is how the Neo4j libraries'
    schema queries read sample values, strings in dates' form among them."""
    if len(expression) < 4 or expression[0].kind is not Kind.NAME or expression[1].text != "(":
        return False
    if expression[0].text.lower() not in PASSING or expression[-1].text != ")":
        return False
    return closing(expression).get(1) == len(expression) - 1


def _temporal(expression: Sequence[Token]) -> bool:
    """Whether the item computes with a temporal function outside a map or list it
    builds and not under a call that answers text (``toString(date(...))``)."""
    first = expression[0]
    if first.text in ("{", "[") or (
        first.kind is Kind.NAME
        and len(expression) > 1
        and expression[1].text == "("
        and first.text.lower() in TEXT_ANSWERS
    ):
        return False
    return any(
        t.kind is Kind.NAME and t.text.lower() in _TEMPORAL_CALLS
        and at + 1 < len(expression) and expression[at + 1].text in ("(", ".")
        and (at == 0 or expression[at - 1].text != ".")
        for at, t in enumerate(expression)
    )  # fmt: skip


def project(text: str, clause: Clause) -> Projection:
    """The items of a RETURN or WITH ``clause``."""
    distinct, pieces = _pieces(clause)
    items: list[ReturnItem] = []
    star: Token | None = None
    for piece in pieces:
        if not piece:
            where = clause.tokens[0].start
            raise CypherSyntaxError(f"empty item in {clause.keyword}", position=where)
        if len(piece) == 1 and piece[0].text == "*":
            star = piece[0]
            continue
        items.append(_item(text, piece))
    return Projection(items=items, star=star, distinct=distinct)


def item_expressions(clause: Clause) -> list[list[Token]] | None:
    """The expressions of a RETURN or WITH ``clause``'s items, aliases cut off; None
    for a projection with ``*`` or an empty item."""
    items = []
    for piece in _pieces(clause)[1]:
        if not piece or (len(piece) == 1 and piece[0].text == "*"):
            return None
        items.append(piece[:-2] if len(piece) >= 3 and piece[-2].is_keyword("AS") else piece)
    return items


def _pieces(clause: Clause) -> tuple[bool, list[list[Token]]]:
    """Whether a RETURN or WITH is DISTINCT, and its items' tokens (ORDER BY, SKIP,
    LIMIT and WHERE cut off)."""
    body = list(clause.body)
    distinct = bool(body) and body[0].is_keyword("DISTINCT")
    return distinct, split_top_level(_until_modifiers(body[1:] if distinct else body))


def _until_modifiers(body: list[Token]) -> list[Token]:
    for index, (depth, token) in enumerate(depths(body)):
        if depth == 0 and token.is_keyword(*_END_OF_ITEMS) and body[index - 1].text != ".":
            return body[:index]
    return body


def _item(text: str, piece: Sequence[Token]) -> ReturnItem:
    if len(piece) >= 3 and piece[-2].is_keyword("AS") and _is_name(piece[-1]):
        return ReturnItem(name=piece[-1].name, expression=piece[:-2], aliased=True)
    if len(piece) == 1 and _is_name(piece[0]):
        return ReturnItem(name=piece[0].name, expression=piece, aliased=False)
    return ReturnItem(name=text[piece[0].start : piece[-1].end], expression=piece, aliased=False)


def _is_name(token: Token) -> bool:
    return token.kind in (Kind.NAME, Kind.QUOTED_NAME)


def scope(text: str, parts: Sequence[Clause]) -> set[str]:
    """The variables bound by ``parts`` (the clauses before a RETURN or WITH)."""
    names: set[str] = set()
    for clause in parts:
        if clause.keyword == "WITH":
            projection = project(text, clause)
            fresh = {item.name for item in projection.items}
            names = names | fresh if projection.star is not None else fresh
        elif clause.keyword in _PATTERN_CLAUSES:
            names |= pattern_variables(clause.body)
        elif clause.keyword == "UNWIND":
            names |= _alias(clause.body)
        elif clause.keyword == "CALL":
            names |= yielded(clause.body)
    return names


def pattern_variables(tokens: Sequence[Token]) -> set[str]:
    """Variables a pattern binds: ``(a)``, ``[r:T]``, ``p = (...)``."""
    found: set[str] = set()
    for index, (depth, token) in enumerate(depths(tokens)):
        if token.is_keyword("WHERE", "ON") and depth == 0:
            break  # a WHERE, or MERGE's ON CREATE / ON MATCH SET items
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        after = tokens[index + 2] if index + 2 < len(tokens) else None
        if token.text in ("(", "[") and nxt is not None and _is_name(nxt):
            if after is None or after.text in (":", ")", "]", "{", "*"):
                found.add(nxt.name)
        elif depth == 0 and _is_name(token) and nxt is not None and nxt.text == "=":
            found.add(token.name)
    return found


def _alias(tokens: Sequence[Token]) -> set[str]:
    for index, (depth, token) in enumerate(depths(tokens)):
        if depth == 0 and token.is_keyword("AS") and index + 1 < len(tokens):
            return {tokens[index + 1].name}
    return set()


def yielded(tokens: Sequence[Token]) -> set[str]:
    """The variables a procedure call's YIELD binds (none without a YIELD)."""
    for index, token in enumerate(tokens):
        if token.is_keyword("YIELD"):
            rest = [t for t in tokens[index + 1 :] if not t.is_keyword("WHERE")]
            return {p[-1].name for p in split_top_level(rest) if p and _is_name(p[-1])}
    return set()


def sorted_projections(
    text: str, code: Sequence[Token]
) -> Iterator[tuple[Placed, Clause, Projection]]:
    """Each top-level RETURN or WITH that an ORDER BY follows: where it stands, the ORDER
    BY clause and what it projects."""
    for placed in each_clause(code, "RETURN", "WITH"):
        order = placed.following
        if order is not None and order.keyword == "ORDER BY":
            yield placed, order, project(text, placed.clause)
