"""A Lucene query tree (``kgmem.neo4j_schema.lucene``) as PostgreSQL full-text search:
the tsquery text that selects the matching documents and the pieces BM25 scores.

The text is meant for ``to_tsquery(config, $1)`` as a bound parameter, never pasted
into SQL: every word is a quoted lexeme (``'it''s'``, backslashes doubled), so the
user's text can only ever be words; ``to_tsquery`` then analyses each one with the
index's text search configuration, as Lucene's analyzer does (lower case, stemming,
stop words dropped; a word the analyzer drops altogether leaves its operator, as
Lucene's parser drops the clause).

Fields: the index's properties are weighted A, B, C, D in their order (the fourth and
every later property share D), so ``field:value`` is the lexeme restricted to that
weight; past the fourth property ``field:value`` matches the value in any of the
properties from the fourth on. A field the index does not hold matches nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from kgmem.neo4j_schema.lucene import Group, Phrase, Query, Term

WEIGHTS: Final = "ABCD"
_NOTHING: Final = "\x00nothing"  # matches no document
_DROP: Final = "\x00drop"  # an operand with no words, left out as Lucene leaves it out


@dataclass(frozen=True, slots=True)
class Scored:
    """Words scored by BM25 (each lexeme they analyse to), in the fields ``weights``
    (a subset of ``ABCD``), multiplied by ``boost``."""

    words: str
    weights: str
    boost: float


@dataclass(frozen=True, slots=True)
class Constant:
    """A tsquery text whose match adds ``boost`` to the score (prefix queries score a
    constant in Lucene)."""

    tsquery: str
    boost: float


@dataclass(frozen=True, slots=True)
class Compiled:
    """``match``: the tsquery text, None when no document can match."""

    match: str | None
    scored: tuple[Scored, ...]
    constant: tuple[Constant, ...]


def compile_query(query: Query, fields: Sequence[str]) -> Compiled:
    """``query`` against an index on the properties ``fields`` (in declared order)."""
    builder = _Builder(tuple(fields))
    text = builder.match(query)
    builder.score(query, 1.0)
    match = None if text in (_NOTHING, _DROP) else text
    return Compiled(match, tuple(builder.scored), tuple(builder.constant))


def quote(word: str) -> str:
    """``word`` as one quoted tsquery operand (PostgreSQL splits it into lexemes)."""
    clean = word.replace("\x00", " ").replace("\\", "\\\\").replace("'", "''")
    return f"'{clean}'"


class _Builder:
    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.scored: list[Scored] = []
        self.constant: list[Constant] = []

    def weights(self, field: str | None) -> str | None:
        """The weight letters of ``field``: every one for no field, None for a field
        the index does not hold."""
        if field is None:
            return WEIGHTS
        if field not in self.fields:
            return None
        return WEIGHTS[min(self.fields.index(field), 3)]

    def operand(self, words: str, field: str | None, *, prefix: bool = False) -> str:
        weights = self.weights(field)
        if weights is None:
            return _NOTHING
        if not words.strip():
            return _DROP
        flags = ("*" if prefix else "") + ("" if weights == WEIGHTS else weights)
        return quote(words) + (f":{flags}" if flags else "")

    def match(self, query: Query) -> str:
        if isinstance(query, Term):
            return self._term(query)
        if isinstance(query, Phrase):
            return self._phrase(query)
        return self._group(query)

    def _term(self, term: Term) -> str:
        exact = self.operand(term.text, term.field, prefix=term.prefix)
        if not term.fuzzy or exact in (_NOTHING, _DROP):
            return exact
        return f"({exact} | {self.operand(term.text, term.field, prefix=True)})"

    def _phrase(self, phrase: Phrase) -> str:
        if phrase.slop == 0:
            return self.operand(phrase.text, phrase.field)
        words = [self.operand(w, phrase.field) for w in phrase.text.split()]
        if not words:
            return self.operand("", phrase.field)
        if _NOTHING in words:
            return _NOTHING
        return "(" + " & ".join(words) + ")"

    def _group(self, group: Group) -> str:
        must: list[str] = []
        should: list[str] = []
        never: list[str] = []
        for clause in group.clauses:
            text = self.match(clause.query)
            {"MUST": must, "SHOULD": should, "MUST_NOT": never}[clause.occur].append(text)
        if _NOTHING in must:
            return _NOTHING
        must = [t for t in must if t != _DROP]
        kept = [t for t in should if t not in (_NOTHING, _DROP)]
        nots = "".join(f" & !{t}" for t in never if t not in (_NOTHING, _DROP))
        if must:
            return "(" + " & ".join(must) + nots + ")"
        if kept:
            return "((" + " | ".join(kept) + ")" + nots + ")"
        if all(t == _DROP for t in should) and not never:
            return _DROP
        return _NOTHING

    def score(self, query: Query, boost: float) -> None:
        """Gather what scores, for every clause that is not MUST_NOT."""
        if isinstance(query, Group):
            for clause in query.clauses:
                if clause.occur != "MUST_NOT":
                    self.score(clause.query, boost * query.boost)
            return
        weights = self.weights(query.field)
        if weights is None:
            return
        boost *= query.boost
        if isinstance(query, Phrase) or not query.prefix:
            self.scored.append(Scored(query.text.replace("\x00", " "), weights, boost))
        if isinstance(query, Term) and (query.prefix or query.fuzzy):
            prefix = self.operand(query.text, query.field, prefix=True)
            if prefix != _DROP:
                self.constant.append(Constant(prefix, boost))
