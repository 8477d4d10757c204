"""The Lucene query syntax ``db.index.fulltext.queryNodes`` takes (Lucene's classic
query parser, as Neo4j uses it), parsed into a tree.

What is understood:

- terms, ``"quoted phrases"``, default operator OR;
- ``AND``/``&&``, ``OR``/``||``, ``NOT``/``!``, ``+`` (must), ``-`` (must not), with
  the classic parser's rules for mixing them (``a AND b OR c`` is ``+a +b c``);
- ``field:value``, ``field:"a phrase"``, ``field:(a b)``;
- grouping with parentheses, boosts ``^2`` / ``^0.5`` on terms, phrases and groups;
- trailing wildcards ``foo*``; fuzzy ``foo~`` / ``foo~1`` (see ``Term.fuzzy``);
  phrase slop ``"a b"~3`` (see ``Phrase.slop``);
- backslash escapes of any character (``\\:``, ``\\-``, ``\\O`` as libraries send).

What is refused, with a ``ProcedureFailed`` naming the place (Neo4j answers a parse
error as ``ProcedureCallFailed`` too, quoting Lucene's ``ParseException``, which is
what neo4j-graphrag looks for): syntax errors, range queries ``[a TO b]``, regular
expressions ``/re/``, wildcards that are not trailing (``f?o``, ``*foo``) and a
query matching everything (``*``, ``*:*``), which no index lookup answers, and more
than ``MAX_CLAUSES`` terms (Lucene's own bound).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kgmem.errors import ProcedureFailed

Occur = Literal["MUST", "SHOULD", "MUST_NOT"]

_SPECIAL = set('+-!():^[]"{}~*?\\/')
_OPERATORS = {
    "(": "LPAREN", ")": "RPAREN", ":": "COLON", "^": "CARAT", "~": "TILDE",
    "+": "PLUS", "-": "MINUS", "!": "NOT",
}  # fmt: skip
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MAX_LENGTH = 10_000
MAX_DEPTH = 64
MAX_CLAUSES = 1024  # Lucene's default maxClauseCount


@dataclass(frozen=True, slots=True)
class Term:
    """A word as written (escapes removed), searched in ``field`` (None: every field).

    ``prefix``: ``foo*``, every word starting with it, scored as a constant (as
    Lucene's prefix queries are). ``fuzzy``: ``foo~``; kgmem has no edit distance in
    its index, so a fuzzy term matches what the term itself and its prefix query
    match, scored as their sum: plural and suffix variants are found, misspellings
    inside the word are not."""

    text: str
    field: str | None = None
    prefix: bool = False
    fuzzy: bool = False
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Phrase:
    """``"words in order"``; ``slop`` > 0 (``"a b"~3``) matches documents holding
    every word, in any order and distance (PostgreSQL's phrase operator counts an
    exact distance, not a window)."""

    text: str
    field: str | None = None
    slop: float = 0
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Clause:
    occur: Occur
    query: Query


@dataclass(frozen=True, slots=True)
class Group:
    """Clauses, as Lucene's BooleanQuery: with a MUST clause the SHOULD ones only
    score; with none, at least one SHOULD clause matches; MUST_NOT clauses exclude.
    Only MUST_NOT clauses: nothing matches (as in Lucene)."""

    clauses: tuple[Clause, ...]
    boost: float = 1.0


Query = Term | Phrase | Group


class LuceneSyntaxError(ProcedureFailed):
    """A query string Lucene's classic parser would refuse, or kgmem cannot answer."""


def parse(text: str) -> Query:
    """The tree of ``text``; ``LuceneSyntaxError`` if it is not a query."""
    if len(text) > MAX_LENGTH:
        raise _error(text, f"the query is longer than {MAX_LENGTH} characters")
    return _Parser(text).top()


def _error(text: str, why: str) -> LuceneSyntaxError:
    shown = text if len(text) <= 200 else text[:200] + "..."
    return LuceneSyntaxError(
        f"org.apache.lucene.queryparser.classic.ParseException: Cannot parse '{shown}': {why}"
    )


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # AND OR NOT PLUS MINUS LPAREN RPAREN COLON CARAT TILDE QUOTED TERM EOF
    text: str
    at: int
    wild: bool = False  # a TERM holding an unescaped * or ?
    escaped_end: bool = False  # a TERM whose last character was escaped


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0

    def tokens(self) -> list[_Token]:
        found: list[_Token] = []
        while True:
            token = self._next()
            found.append(token)
            if token.kind == "EOF":
                return found

    def _next(self) -> _Token:
        text = self.text
        while self.i < len(text) and text[self.i].isspace():
            self.i += 1
        at = self.i
        if at >= len(text):
            return _Token("EOF", "", at)
        two = text[at : at + 2]
        if two in ("&&", "||"):
            self.i += 2
            return _Token("AND" if two == "&&" else "OR", two, at)
        char = text[at]
        if char in _OPERATORS:
            return self._operator(at)
        if char == '"':
            return self._quoted(at)
        _refuse_unsupported(text, at)
        return self._term(at)

    def _operator(self, at: int) -> _Token:
        text, char = self.text, self.text[at]
        self.i += 1
        if char in "+-!" and (self.i >= len(text) or text[self.i].isspace()):
            return _Token("TERM", char, at)  # a lone operator is a term (Lucene's BAREOPER)
        return _Token(_OPERATORS[char], char, at)

    def _quoted(self, at: int) -> _Token:
        text, out = self.text, []
        self.i += 1
        while self.i < len(text) and text[self.i] != '"':
            if text[self.i] == "\\":
                self.i += 1
                if self.i >= len(text):
                    break
            out.append(text[self.i])
            self.i += 1
        if self.i >= len(text):
            raise _error(text, f"the quote at column {at} is not closed")
        self.i += 1
        return _Token("QUOTED", "".join(out), at)

    def _term(self, at: int) -> _Token:
        text, out, wild, escaped = self.text, [], False, False
        while self.i < len(text):
            char = text[self.i]
            if char == "\\":
                if self.i + 1 >= len(text):
                    raise _error(text, "the query ends with an unfinished escape '\\'")
                out.append(text[self.i + 1])
                self.i += 2
                escaped = True
                continue
            if char.isspace() or (char in _SPECIAL and char not in "+-*?"):
                break
            if text.startswith(("&&", "||"), self.i):
                break
            wild = wild or char in "*?"
            escaped = False
            out.append(char)
            self.i += 1
        word = "".join(out)
        if word in ("AND", "OR", "NOT") and not escaped and self.i - at == len(word):
            return _Token(word, word, at)
        return _Token("TERM", word, at, wild=wild, escaped_end=escaped)


def _refuse_unsupported(text: str, at: int) -> None:
    if text[at] in "[]{}":
        raise _error(text, f"range queries are not supported (column {at})")
    if text[at] == "/":
        raise _error(text, f"regular expressions are not supported (column {at})")


class _Parser:
    """Lucene's classic grammar: Query := Modifiers Clause (Conjunction Modifiers Clause)*."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _Lexer(text).tokens()
        self.pos = 0
        self.depth = 0
        self.terms = 0

    def top(self) -> Query:
        query = self._query(None)
        if self._peek().kind != "EOF":
            raise self._unexpected()
        return query

    def _peek(self) -> _Token:
        return self.tokens[self.pos]

    def _take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _unexpected(self) -> LuceneSyntaxError:
        token = self._peek()
        what = "<EOF>" if token.kind == "EOF" else repr(token.text)
        return _error(self.text, f"Encountered {what} at column {token.at}")

    def _query(self, field: str | None) -> Query:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(self.text, f"groups are nested more than {MAX_DEPTH} deep")
        clauses: list[list[object]] = []  # [occur, query] pairs, mutated as Lucene does
        conjunction: str | None = None
        while True:
            modifier = self._modifier()
            query = self._clause(field)
            _add_clause(clauses, conjunction, modifier, query)
            if self._peek().kind in ("EOF", "RPAREN"):
                break
            conjunction = self._conjunction()
        self.depth -= 1
        built = tuple(Clause(occur, query) for occur, query in clauses)  # type: ignore[arg-type]
        if len(built) == 1 and built[0].occur == "SHOULD":
            return built[0].query
        return Group(built)

    def _conjunction(self) -> str | None:
        if self._peek().kind in ("AND", "OR"):
            return self._take().kind
        return None

    def _modifier(self) -> str | None:
        kind = self._peek().kind
        if kind in ("PLUS", "MINUS", "NOT"):
            self._take()
            return "REQ" if kind == "PLUS" else "NOT"
        return None

    def _clause(self, field: str | None) -> Query:
        first = self._peek()
        if first.kind == "TERM" and self.tokens[self.pos + 1].kind == "COLON":
            self.pos += 2
            field = _field(self.text, first)
        token = self._peek()
        if token.kind == "LPAREN":
            self._take()
            inner = self._query(field)
            if self._take().kind != "RPAREN":
                self.pos -= 1
                raise self._unexpected()
            return _boosted(inner, self._boost())
        if token.kind == "QUOTED":
            return self._phrase(field)
        if token.kind == "TERM":
            return self._term(field)
        raise self._unexpected()

    def _counted(self) -> _Token:
        """The next token, a term or phrase: at most ``MAX_CLAUSES`` of them."""
        self.terms += 1
        if self.terms > MAX_CLAUSES:
            raise _error(self.text, f"too many clauses (at most {MAX_CLAUSES} terms)")
        return self._take()

    def _phrase(self, field: str | None) -> Query:
        token = self._counted()
        slop = self._fuzzy() or 0.0
        return Phrase(token.text, field, slop, self._boost())

    def _term(self, field: str | None) -> Query:
        token = self._counted()
        fuzzy = self._fuzzy()
        boost = self._boost()
        if fuzzy is None and boost != 1.0:
            fuzzy = self._fuzzy()  # Lucene takes `foo^2~` as well as `foo~^2`
        text, prefix = token.text, False
        if token.wild:
            text, prefix = _trailing_wildcard(self.text, token)
        return Term(text, field, prefix, fuzzy is not None and not prefix, boost)

    def _fuzzy(self) -> float | None:
        if self._peek().kind != "TILDE":
            return None
        tilde = self._take()
        return self._number(tilde.at + 1, required=False) or 0.0

    def _boost(self) -> float:
        if self._peek().kind != "CARAT":
            return 1.0
        carat = self._take()
        value = self._number(carat.at + 1, required=True)
        assert value is not None
        return value

    def _number(self, at: int, *, required: bool) -> float | None:
        """A number written right after ``^`` or ``~`` (part of the next TERM token)."""
        token = self._peek()
        match = _NUMBER.fullmatch(token.text) if token.kind == "TERM" else None
        if match and token.at == at and not token.wild:
            self._take()
            return float(token.text)
        if required:
            raise _error(self.text, f"a number is expected at column {at}")
        return None


def _field(text: str, token: _Token) -> str:
    if token.wild:
        raise _error(text, "a query matching every document (*:*) is not supported")
    return token.text


def _trailing_wildcard(text: str, token: _Token) -> tuple[str, bool]:
    """``foo*`` as (``foo``, True); other wildcards are refused."""
    stem = token.text.rstrip("*")
    if not stem:
        raise _error(text, "a query matching every document (*) is not supported")
    if "*" in stem or "?" in stem or token.escaped_end:
        raise _error(text, f"only trailing wildcards (foo*) are supported (column {token.at})")
    return stem, True


def _boosted(query: Query, boost: float) -> Query:
    if boost == 1.0:
        return query
    if isinstance(query, Group):
        return Group(query.clauses, query.boost * boost)
    return Group((Clause("SHOULD", query),), boost)


def _add_clause(
    clauses: list[list[object]], conjunction: str | None, modifier: str | None, query: Query
) -> None:
    """Lucene's ``QueryParserBase.addClause`` with the default operator OR."""
    if clauses and conjunction == "AND" and clauses[-1][0] != "MUST_NOT":
        clauses[-1][0] = "MUST"
    prohibited = modifier == "NOT"
    required = modifier == "REQ" or (conjunction == "AND" and not prohibited)
    occur = "MUST_NOT" if prohibited else "MUST" if required else "SHOULD"
    clauses.append([occur, query])
