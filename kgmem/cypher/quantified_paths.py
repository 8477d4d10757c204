"""Neo4j 5's quantified path patterns, where they say what a variable length says.

AGE 1.7 has variable-length relationships (``-[:R*1..3]->``) and no quantifiers. In a
MATCH or OPTIONAL MATCH kgmem writes the two forms that mean a variable length as one:

- a quantified relationship: ``(a)-[:R]->{1,3}(b)``, ``-->+``, ``-[:R]-*`` becomes
  ``(a)-[:R*1..3]->(b)``, ``-[*1..]->``, ``-[:R*0..]-``;
- a quantified group of one relationship between plain nodes:
  ``(a) ((x)-[r:R]->(y)){1,3} (b)`` becomes ``(a)-[r:R*1..3]->(b)`` (the relationship
  variable is the list of relationships, as Neo4j's group variable is).

Quantifiers: ``{m,n}``, ``{m,}``, ``{,n}`` (from 0), ``{n}``, ``+`` (1 or more) and
``*`` (0 or more). A group whose inner nodes carry labels, properties or a WHERE, or
bind a variable the query reads elsewhere, or that holds several relationships, is
refused with ``CypherSemanticError``: kgmem cannot write it as a variable length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgmem.cypher.labels import NAMES
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import closing, each_clause
from kgmem.errors import CypherSemanticError

_MATCHES = ("MATCH", "OPTIONAL MATCH")
_ARROW_ENDS = ("-", "->")


@dataclass(frozen=True, slots=True)
class _Clause:
    """The text, the query's tokens, the clause's tokens and their bracket pairs."""

    text: str
    code: Sequence[Token]
    tokens: Sequence[Token]
    pairs: dict[int, int]


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with every quantified relationship or simple quantified group of a MATCH
    written as a variable-length relationship."""
    if not any(t.text in ("{", "+", "*") for t in code):
        return text
    edits: list[Edit] = []
    for placed in each_clause(code, *_MATCHES):
        tokens = placed.clause.tokens
        pairs = closing(tokens)
        for i in range(1, len(tokens)):
            quantifier = _quantifier(tokens, i, pairs)
            if quantifier is None:
                continue
            bounds, after = quantifier
            if tokens[i - 1].text == ")" and tokens[i - 1].kind is Kind.PUNCT:
                edits.extend(_group(_Clause(text, code, tokens, pairs), i - 1, bounds, after))
            elif tokens[i - 1].text in _ARROW_ENDS:
                edits.extend(_relationship(tokens, i - 1, pairs, bounds, after))
    return splice(text, edits)


def _quantifier(tokens: Sequence[Token], i: int, pairs: dict[int, int]) -> tuple[str, int] | None:
    """(the ``*m..n`` it means, index after it) of a quantifier at ``tokens[i]`` that
    a node pattern follows, else None."""
    token = tokens[i]
    if token.text in ("+", "*"):
        after = i + 1
        bounds = "*1.." if token.text == "+" else "*0.."
    elif token.text == "{":
        close = pairs.get(i)
        if close is None:
            return None
        parsed = _braces([t.text for t in tokens[i + 1 : close]], tokens[i + 1 : close])
        if parsed is None:
            return None
        bounds, after = parsed, close + 1
    else:
        return None
    if after >= len(tokens) or tokens[after].text != "(":
        return None
    return bounds, after


def _braces(texts: list[str], tokens: Sequence[Token]) -> str | None:
    """``*m..n`` for the inside of ``{m,n}``, ``{m,}``, ``{,n}`` or ``{n}``, else None."""
    if not texts or any(t.kind not in (Kind.NUMBER, Kind.PUNCT) for t in tokens):
        return None
    if texts.count(",") == 0 and len(texts) == 1 and texts[0].isdigit():
        return f"*{texts[0]}..{texts[0]}"
    if texts.count(",") != 1 or len(texts) > 3:
        return None
    comma = texts.index(",")
    low, high = "".join(texts[:comma]), "".join(texts[comma + 1 :])
    if (low and not low.isdigit()) or (high and not high.isdigit()):
        return None
    return f"*{low or '0'}..{high}"


def _relationship(
    tokens: Sequence[Token], end: int, pairs: dict[int, int], bounds: str, after: int
) -> list[Edit]:
    """``-[...]->{m,n}`` (its last token at ``end``) as ``-[...*m..n]->``."""
    quantifier = (tokens[end + 1].start, tokens[after - 1].end, "")
    if end >= 1 and tokens[end - 1].text == "]":
        opened = next((o for o, c in pairs.items() if c == end - 1), None)
        if opened is None:
            return []
        inside = tokens[opened + 1 : end - 1]
        if any(t.text == "*" for t in inside):
            return []
        at = _before_properties(tokens, opened, end - 1)
        return [(at, at, bounds), quantifier]
    # -->{m,n}, --{m,n}, <--{m,n}: no brackets to write the length in
    left = tokens[end - 1].text if end >= 1 else ""
    if left not in ("-", "<-"):
        return []
    written = f"{left}[{bounds}]{tokens[end].text}"
    return [(tokens[end - 1].start, tokens[end].end, written), quantifier]


def _before_properties(tokens: Sequence[Token], opened: int, closed: int) -> int:
    """Where a length goes in a relationship's brackets: before its properties."""
    for at in range(opened + 1, closed):
        if tokens[at].text == "{" or tokens[at].is_keyword("WHERE"):
            return tokens[at].start
    return tokens[closed].start


def _group(clause: _Clause, close: int, bounds: str, after: int) -> list[Edit]:
    """``((x)-[...]->(y)){m,n}`` (its ``)`` at ``close``) as ``-[...*m..n]->``."""
    text, code, tokens, pairs = clause.text, clause.code, clause.tokens, clause.pairs
    opened = next((o for o, c in pairs.items() if c == close), None)
    if opened is None or tokens[opened + 1].text != "(":
        return []
    inner = tokens[opened + 1 : close]
    first = pairs.get(opened + 1)
    if first is None:
        return []
    left = inner[: first - opened]
    right_open = next((k for k in range(first + 1, close) if tokens[k].text == "("), None)
    if right_open is None or pairs.get(right_open) != close - 1:
        raise _refused(tokens[opened])
    right = tokens[right_open:close]
    arrow = tokens[first + 1 : right_open]
    for node in (left, right):
        _check_node(node, code, tokens[opened])
    if any(t.text == "*" for t in arrow) or not arrow or arrow[0].text not in ("-", "<-"):
        raise _refused(tokens[opened])
    relationship = _text(text, arrow)
    if arrow[1].text == "[":
        closed = pairs[first + 2]
        at = _before_properties(tokens, first + 2, closed) - arrow[0].start
        relationship = relationship[:at] + bounds + relationship[at:]
    else:
        relationship = f"{arrow[0].text}[{bounds}]{arrow[-1].text}"
    return [(tokens[opened].start, tokens[after - 1].end, relationship)]


def _check_node(node: Sequence[Token], code: Sequence[Token], head: Token) -> None:
    """An inner node of a quantified group must be plain: ``()`` or ``(x)`` with ``x``
    read nowhere else."""
    inside = node[1:-1]
    if len(inside) > 1 or (inside and inside[0].kind not in NAMES):
        raise _refused(head)
    if inside and sum(t.kind in NAMES and t.name == inside[0].name for t in code) > 1:
        raise _refused(head)


def _refused(head: Token) -> CypherSemanticError:
    return CypherSemanticError(
        "kgmem answers a quantified path pattern when it is one relationship between plain "
        "nodes, ((a)-[:R]->(b)){1,3}, which it reads as (a)-[:R*1..3]->(b): move labels, "
        "properties and WHERE of the inner nodes out of the group",
        position=head.start,
    )


def _text(text: str, tokens: Sequence[Token]) -> str:
    return text[tokens[0].start : tokens[-1].end]
