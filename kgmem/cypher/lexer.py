"""Split Cypher text into tokens, keeping each token's offset in the original text.

The lexer knows exactly what the openCypher grammar treats as one unit: string
literals (single or double quoted, backslash escapes), back-quoted names, comments,
parameters, numbers, names and punctuation. Everything that reasons about a query's
shape (``kgmem.cypher.columns``, ``kgmem.cypher.guard``, ``kgmem.cypher.rewrite``)
works on these tokens, so a keyword inside a string or a comment is never mistaken
for structure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

from kgmem.errors import CypherSyntaxError


class Kind(Enum):
    """What a token is."""

    NAME = "name"  # identifiers and keywords
    QUOTED_NAME = "quoted_name"  # `back quoted`
    STRING = "string"
    NUMBER = "number"
    PARAMETER = "parameter"
    PUNCT = "punct"
    COMMENT = "comment"
    SPACE = "space"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text as written and where it starts (0-based)."""

    kind: Kind
    text: str
    start: int

    @property
    def end(self) -> int:
        """Offset just past the token."""
        return self.start + len(self.text)

    @property
    def upper(self) -> str:
        """The text in upper case (keywords are case-insensitive)."""
        return self.text.upper()

    def is_keyword(self, *words: str) -> bool:
        """True for a bare name equal to one of ``words`` (given in upper case)."""
        return self.kind is Kind.NAME and self.upper in words

    @property
    def name(self) -> str:
        """The identifier this token spells (back quotes removed)."""
        if self.kind is Kind.QUOTED_NAME:
            return self.text[1:-1].replace("``", "`")
        return self.text


def quoted_name(name: str) -> str:
    """``name`` as Cypher text: as it is when plain, else in backticks (the inverse of
    ``Token.name``)."""
    plain = name.replace("_", "a").isalnum() and name.isascii() and not name[0].isdigit()
    return name if plain else "`" + name.replace("`", "``") + "`"


# Longest first, so "<>" wins over "<".
_PUNCT = ("<>", "<=", ">=", "=~", "->", "<-", "..", "+=", "::", *"()[]{},.:;|=<>+-*/%^!&")


def tokenize(text: str, *, keep_trivia: bool = False) -> list[Token]:
    """The tokens of ``text``; without ``keep_trivia``, spaces and comments are dropped.

    Raises ``CypherSyntaxError`` (with the offset) for an unterminated string, name or
    comment and for a character no Cypher token starts with.
    """
    if keep_trivia:
        return list(each_token(text))
    return [t for t in each_token(text) if t.kind not in (Kind.SPACE, Kind.COMMENT)]


def each_token(text: str) -> Iterator[Token]:
    """The tokens of ``text``, spaces and comments included, one at a time (a caller
    may stop early); raises as ``tokenize`` does."""
    i, n = 0, len(text)
    while i < n:
        token = _next(text, i)
        yield token
        i = token.end


def _next(text: str, i: int) -> Token:
    for scan in _SCANNERS:
        token = scan(text, i)
        if token is not None:
            return token
    raise _error(f"unexpected character {text[i]!r} (U+{ord(text[i]):04X})", i)


def _space(text: str, i: int) -> Token | None:
    if not text[i].isspace():
        return None
    return Token(Kind.SPACE, _run(text, i, str.isspace), i)


def _comment(text: str, i: int) -> Token | None:
    if text.startswith("//", i):
        end = text.find("\n", i)
        return Token(Kind.COMMENT, text[i : len(text) if end < 0 else end], i)
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        if end < 0:
            raise _error("unterminated /* comment", i)
        return Token(Kind.COMMENT, text[i : end + 2], i)
    return None


def _quoted(text: str, i: int) -> Token | None:
    if text[i] in "'\"":
        return Token(Kind.STRING, text[i : _string_end(text, i)], i)
    if text[i] == "`":
        return Token(Kind.QUOTED_NAME, text[i : _quoted_name_end(text, i)], i)
    return None


def _parameter(text: str, i: int) -> Token | None:
    if text[i] != "$":
        return None
    if text.startswith("$(", i):
        return Token(Kind.PUNCT, "$", i)  # a dynamic label or type, ``n:$(expr)``
    body = _run(text, i + 1, _is_name_char)
    if not body:
        raise _error("'$' must start a parameter such as $name", i)
    return Token(Kind.PARAMETER, "$" + body, i)


def _number_or_name(text: str, i: int) -> Token | None:
    ch = text[i]
    if ch.isdigit() or (ch == "." and i + 1 < len(text) and text[i + 1].isdigit()):
        return Token(Kind.NUMBER, _number(text, i), i)
    if _is_name_start(ch):
        return Token(Kind.NAME, _run(text, i, _is_name_char), i)
    return None


def _punct(text: str, i: int) -> Token | None:
    for punct in _PUNCT:
        if text.startswith(punct, i):
            return Token(Kind.PUNCT, punct, i)
    return None


_SCANNERS = (_space, _comment, _quoted, _parameter, _number_or_name, _punct)


def _is_name_start(ch: str) -> bool:
    return ch == "_" or ch.isalpha()


def _is_name_char(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def _run(text: str, i: int, accept: Callable[[str], bool]) -> str:
    j = i
    while j < len(text) and accept(text[j]):
        j += 1
    return text[i:j]


def _string_end(text: str, i: int) -> int:
    quote, j = text[i], i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
        elif text[j] == quote:
            return j + 1
        else:
            j += 1
    raise _error("unterminated string literal", i)


def _quoted_name_end(text: str, i: int) -> int:
    j = i + 1
    while True:
        j = text.find("`", j)
        if j < 0:
            raise _error("unterminated `quoted name`", i)
        if text.startswith("``", j):
            j += 2
            continue
        return j + 1


def _number(text: str, i: int) -> str:
    for prefix, digits in (("0x", "0123456789abcdefABCDEF"), ("0o", "01234567")):
        if text[i : i + 2].lower() == prefix:
            run = _run(text, i + 2, digits.__contains__)
            if not run or (i + 2 + len(run) < len(text) and text[i + 2 + len(run)].isalnum()):
                raise _error(f"invalid integer literal {text[i : i + 2 + len(run) + 1]!r}", i)
            return text[i : i + 2] + run
    j = i + len(_run(text, i, str.isdigit))
    if j + 1 < len(text) and text[j] == "." and text[j + 1].isdigit():
        j += 1 + len(_run(text, j + 1, str.isdigit))
    if j < len(text) and text[j] in "eE":
        k = j + 1 + (1 if j + 1 < len(text) and text[j + 1] in "+-" else 0)
        digits = _run(text, k, str.isdigit)
        if digits:
            j = k + len(digits)
    return text[i:j]


def _error(message: str, position: int) -> CypherSyntaxError:
    return CypherSyntaxError(message, position=position)
