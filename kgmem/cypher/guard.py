"""What analyst Cypher may not contain, checked on tokens before anything runs.

The query travels to PostgreSQL inside a dollar-quoted constant whose tag is drawn at
random and checked not to occur in the text (``kgmem.cypher.plan``), so the text can
never end the constant. The guard removes the remaining ways out and the confusing
ones, each with a clear ``CypherRejected`` or ``CypherSyntaxError``:

- ``$`` only ever starts a parameter (the lexer refuses ``$$`` and ``$tag$``);
- no ``;`` except one at the very end (dropped), no NUL or other control characters;
- outside string literals and back-quoted names only ASCII, so look-alike characters
  (the full-width dollar sign U+FF04 and semicolon U+FF1B, Unicode spaces) cannot pass for syntax;
- no procedure calls and no schema-qualified function calls (``pg_catalog.f(...)``):
  AGE hands those to PostgreSQL, which is SQL by another door;
- only the functions of ``kgmem.cypher.functions.ALLOWED`` (AGE's catalog also exposes
  functions that read or drop other graphs by name);
- no names or parameters beginning with ``__kgmem_``, which kgmem's rewrites bind
  (the temporal rewrite's readings of the clock, ``kgmem.cypher.clock``, excepted);
- a read query may not contain a writing clause.

The database remains the real fence (READ ONLY transaction, a role without write
grants and with SELECT on one graph only); the guard makes misuse fail early and
clearly.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import (
    apoc_functions,
    clock,
    functions,
    neo4j_functions,
    temporal_sql,
    vector_functions,
)
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import WRITE_WORDS, depths, is_keyword_at
from kgmem.cypher_errors import CypherAccessMode, library_function
from kgmem.errors import CypherRejected

MAX_QUERY_CHARS = 100_000
# The prefix of the names kgmem's rewrites bind (``__kgmem_l1``, ``__kgmem_rows``, ...).
RESERVED = "__kgmem_"


def check_text(text: str) -> None:
    """Reject text no query may contain, before tokenizing."""
    if len(text) > MAX_QUERY_CHARS:
        raise CypherRejected(f"the query is longer than {MAX_QUERY_CHARS} characters")
    for index, ch in enumerate(text):
        if ch in "\t\n\r":
            continue
        if ord(ch) < 32 or ord(ch) == 127:
            raise CypherRejected(
                f"control character U+{ord(ch):04X} is not allowed in a query", position=index
            )


def check_tokens(tokens: Sequence[Token], *, rewritten: bool = False) -> list[Token]:
    """Validate ``tokens`` (trivia dropped); return them without a final ``;``.

    ``rewritten``: the tokens are kgmem's temporal rewrite of a query that passed this
    check, and may call the ``kgmem_cypher`` functions of ``temporal_sql.FUNCTIONS``.
    """
    if tokens and tokens[-1].text == ";":
        tokens = tokens[:-1]
    if not tokens:
        raise CypherRejected("the query is empty")
    for index, token in enumerate(tokens):
        if rewritten and _kgmem_call(tokens, index):
            continue
        _check_one(tokens, index, token, rewritten=rewritten)
    functions.check_calls(tokens)
    return list(tokens)


def _check_one(
    tokens: Sequence[Token], index: int, token: Token, *, rewritten: bool = False
) -> None:
    if token.kind in (Kind.NAME, Kind.PARAMETER, Kind.NUMBER) and not token.text.isascii():
        where = next(i for i, ch in enumerate(token.text) if not ch.isascii())
        raise CypherRejected(
            f"non-ASCII character {token.text[where]!r} outside a string; write names with "
            "non-ASCII letters in `back quotes`",
            position=token.start + where,
        )
    reserved = token.kind is Kind.PARAMETER and token.text[1:].startswith(RESERVED)
    if reserved and not (rewritten and token.text[1:].startswith(clock.PREFIX)):
        raise CypherRejected(
            f"parameter names beginning with {RESERVED} are kgmem's own", position=token.start
        )
    if token.kind in (Kind.NAME, Kind.QUOTED_NAME) and token.name.startswith(RESERVED):
        raise CypherRejected(
            f"names beginning with {RESERVED} are kgmem's own (its rewrites use them)",
            position=token.start,
        )
    if token.text == ";":
        raise CypherRejected(
            "only one statement per request: ';' ends a statement", position=token.start
        )
    if is_keyword_at(tokens, index, "CALL"):
        raise CypherRejected("procedure calls (CALL) are not available", position=token.start)
    if (
        _qualified_call(tokens, index)
        and not vector_functions.inside_dotted(tokens, index)
        and not neo4j_functions.inside_dotted(tokens, index)
        and not apoc_functions.inside_dotted(tokens, index)
    ):
        unsupported = library_function(_dotted_name(tokens, index), position=token.start)
        if unsupported is not None:
            raise unsupported
        raise CypherRejected(
            "schema-qualified function calls are not available: they would run SQL",
            position=token.start,
        )


def _dotted_name(tokens: Sequence[Token], index: int) -> str:
    """The whole dotted name whose last two parts start at ``tokens[index]``
    (``gds.alpha.x`` from ``alpha . x (``)."""
    start = index
    while (
        start >= 2
        and tokens[start - 1].text == "."
        and tokens[start - 2].kind
        in (
            Kind.NAME,
            Kind.QUOTED_NAME,
        )
    ):
        start -= 2
    end = index + 2
    parts = tokens[start : end + 1]
    return "".join(t.name if t.kind in (Kind.NAME, Kind.QUOTED_NAME) else t.text for t in parts)


def _kgmem_call(tokens: Sequence[Token], index: int) -> bool:
    """``kgmem_cypher . <allow-listed name> (``: a call the temporal rewrite emits."""
    if not _qualified_call(tokens, index) or tokens[index].text != temporal_sql.SCHEMA:
        return False
    return tokens[index + 2].text in temporal_sql.FUNCTIONS


def _qualified_call(tokens: Sequence[Token], index: int) -> bool:
    """``name . name (``: a call of a function in a schema."""
    if index + 3 >= len(tokens) or tokens[index].kind not in (Kind.NAME, Kind.QUOTED_NAME):
        return False
    dot, name, paren = tokens[index + 1], tokens[index + 2], tokens[index + 3]
    return dot.text == "." and name.kind in (Kind.NAME, Kind.QUOTED_NAME) and paren.text == "("


def writes(tokens: Sequence[Token]) -> Token | None:
    """The first writing keyword in ``tokens`` (at any depth), or None."""
    for index, (_, token) in enumerate(depths(tokens)):
        if is_keyword_at(tokens, index, *WRITE_WORDS) or apoc_functions.writes_at(tokens, index):
            return token
    return None


def check_mode(tokens: Sequence[Token], mode: str) -> None:
    """Refuse a writing query in read mode (``CypherAccessMode``)."""
    if mode == "write":
        return
    found = writes(tokens)
    if found is not None:
        raise CypherAccessMode(f"{found.upper} writes to the graph", position=found.start)
