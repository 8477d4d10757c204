"""Neo4j 5's schema statements, parsed into ``kgmem.neo4j_schema.model``'s objects.

Recognised (keywords case-insensitive, names plain or back-quoted, or a ``$param``)::

    CREATE [RANGE|TEXT|POINT|VECTOR|FULLTEXT|LOOKUP] INDEX [name] [IF NOT EXISTS]
        FOR (n:L) | FOR ()-[r:T]-()            (also ->, <-; :A|B for FULLTEXT)
        ON (n.p[, n.q]) | ON n.p | ON EACH [n.p, ...] | ON EACH labels(n) | type(r)
        [OPTIONS {...}]
    CREATE CONSTRAINT [name] [IF NOT EXISTS] FOR (n:L) | FOR ()-[r:T]-()
        REQUIRE n.p | (n.p, n.q)
        IS [NODE|RELATIONSHIP|REL] UNIQUE | IS [NODE|RELATIONSHIP|REL] KEY
        | IS NOT NULL | IS :: <type> | IS TYPED <type>
        [OPTIONS {...}]
    CREATE CONSTRAINT [name] [IF NOT EXISTS] ON (n:L) ASSERT ...      (Neo4j 4's form)
    DROP INDEX|CONSTRAINT name [IF EXISTS]
    SHOW [<filter>] INDEX|INDEXES|CONSTRAINT|CONSTRAINTS [YIELD ...] [WHERE ...] [RETURN ...]

An unnamed object is named as Neo4j does: ``index_<8 hex>`` / ``constraint_<8 hex>``,
from a hash of its definition, so the same definition always gets the same name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal, cast

from kgmem.cypher.lexer import Kind, Token, each_token, tokenize
from kgmem.errors import CypherSyntaxError, KgmemError
from kgmem.neo4j_schema.literals import LiteralReader
from kgmem.neo4j_schema.model import (
    Constraint,
    ConstraintType,
    Create,
    Drop,
    Entity,
    Index,
    IndexType,
    Show,
    Statement,
)

INDEX_TYPES: tuple[IndexType, ...] = ("RANGE", "TEXT", "POINT", "VECTOR", "FULLTEXT", "LOOKUP")
MAX_PROPERTIES = 32
"""The most properties one index or constraint covers (PostgreSQL's columns per index)."""
INDEX_FILTERS = frozenset(("ALL", "BTREE", *INDEX_TYPES))
CONSTRAINT_FILTERS = frozenset(
    " ".join(words)
    for words in (
        ("ALL",),
        *((entity, kind) for entity in ("", "NODE", "RELATIONSHIP", "REL") for kind in (
            "UNIQUE", "UNIQUENESS", "KEY", "EXIST", "EXISTENCE", "PROPERTY TYPE",
        )),
    )
)  # fmt: skip
_CONSTRAINT_FILTERS = frozenset(f.strip() for f in CONSTRAINT_FILTERS)


def is_schema_statement(text: str) -> bool:
    """Whether ``text`` is a schema statement (a cheap look at its first words; a text
    that does not lex is not one, so the ordinary path reports its error)."""
    words: list[str] = []
    try:
        for token in each_token(text):
            if token.kind in (Kind.SPACE, Kind.COMMENT):
                continue
            words.append(token.upper if token.kind is Kind.NAME else "")
            if len(words) == 3:
                break
    except CypherSyntaxError:
        return False
    return _schema_words(words)


def _schema_words(words: list[str]) -> bool:
    if not words:
        return False
    first, rest = words[0], words[1:]
    if first == "SHOW":
        return True
    if first == "DROP":
        return bool(rest) and rest[0] in ("INDEX", "CONSTRAINT")
    if first != "CREATE" or not rest:
        return False
    if rest[0] in ("INDEX", "CONSTRAINT"):
        return True
    return rest[0] in INDEX_TYPES and rest[1:2] == ["INDEX"]


def parse(text: str, params: Mapping[str, Any] | None = None) -> Statement:
    """The schema statement ``text``; ``params`` resolve ``$name`` values.

    Raises ``CypherSyntaxError`` (with the offset) for a malformed statement and
    ``CypherSemanticError`` for a missing parameter."""
    tokens = tokenize(text)
    while tokens and tokens[-1].text == ";":
        tokens.pop()
    return _Parser(text, tokens, params or {}).statement()


def generated_name(obj: Index | Constraint) -> str:
    """Neo4j's style of name for an unnamed object: ``index_`` or ``constraint_`` and 8
    hex digits of a hash of its definition."""
    if isinstance(obj, Index):
        parts = ["index", obj.type, obj.entity, *obj.labels, "|", *obj.properties]
    else:
        parts = ["constraint", obj.type, obj.entity, obj.label, "|", *obj.properties]
        parts.append(obj.property_type or "")
    digest = hashlib.sha1("\x00".join(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{parts[0]}_{digest[:8]}"


class _Parser:
    def __init__(self, text: str, tokens: list[Token], params: Mapping[str, Any]) -> None:
        self.text = text
        self.tokens = tokens
        self.pos = 0
        self.params = params
        self.legacy_exists = False

    # -- statements

    def statement(self) -> Statement:
        first = self.take()
        if first.is_keyword("CREATE"):
            result: Statement = self.create()
        elif first.is_keyword("DROP"):
            result = self.drop()
        elif first.is_keyword("SHOW"):
            return self.show()
        else:
            raise self.error("expected CREATE, DROP or SHOW", first)
        self.end()
        return result

    def create(self) -> Create:
        word = self.take()
        if word.is_keyword("CONSTRAINT"):
            return self.create_constraint()
        kind: IndexType = "RANGE"
        if word.is_keyword(*INDEX_TYPES):
            kind = cast(IndexType, word.upper)
            word = self.take()
        if not word.is_keyword("INDEX"):
            raise self.error("expected INDEX or CONSTRAINT", word)
        return self.create_index(kind)

    def create_index(self, kind: IndexType) -> Create:
        name, if_not_exists = self.name_and_guard()
        self.keyword("FOR")
        entity, variable, labels = self.pattern(many=kind == "FULLTEXT", bare=kind == "LOOKUP")
        self.keyword("ON")
        properties = self.index_properties(kind, variable)
        options = self.options()
        index = Index(name or "", kind, entity, labels, properties, options)
        self.check_index(index, self.tokens[0])
        return _named(index, name, if_not_exists)

    def create_constraint(self) -> Create:
        name, if_not_exists = self.name_and_guard()
        start = self.take()
        if not start.is_keyword("FOR", "ON"):
            raise self.error("expected FOR", start)
        entity, variable, labels = self.pattern(many=False, bare=False)
        self.keyword("REQUIRE" if start.is_keyword("FOR") else "ASSERT")
        properties = self.constraint_properties(variable)
        if len(properties) > MAX_PROPERTIES:
            raise self.error(f"a constraint covers at most {MAX_PROPERTIES} properties", start)
        kind, property_type = self.constraint_kind(entity, len(properties))
        options = self.options()
        constraint = Constraint(
            name or "", kind, entity, labels[0], properties, property_type, options
        )
        return _named(constraint, name, if_not_exists)

    def drop(self) -> Drop:
        word = self.take()
        if not word.is_keyword("INDEX", "CONSTRAINT"):
            raise self.error("expected INDEX or CONSTRAINT", word)
        name = self.object_name(self.take())
        if_exists = self.accept("IF")
        if if_exists:
            self.keyword("EXISTS")
        return Drop(cast(Any, word.upper), name, if_exists)

    def show(self) -> Show:
        words: list[Token] = []
        while self.pos < len(self.tokens) and not self.peek_keyword(
            "INDEX", "INDEXES", "CONSTRAINT", "CONSTRAINTS"
        ):
            words.append(self.take())
            if len(words) > 3:
                raise self.error("expected INDEXES or CONSTRAINTS", words[0])
        what = self.take()
        kind: Literal["INDEXES", "CONSTRAINTS"] = (
            "INDEXES" if what.is_keyword("INDEX", "INDEXES") else "CONSTRAINTS"
        )
        filter_ = " ".join(w.upper for w in words) or "ALL"
        allowed = INDEX_FILTERS if kind == "INDEXES" else _CONSTRAINT_FILTERS
        if filter_ not in allowed or any(w.kind is not Kind.NAME for w in words):
            raise self.error(f"SHOW {filter_} {kind} is not a Neo4j 5 statement", what)
        rest = (
            self.text[self.tokens[self.pos].start :].strip() if self.pos < len(self.tokens) else ""
        )
        return Show(kind, "RANGE" if filter_ == "BTREE" else filter_, rest.rstrip(";").strip())

    # -- parts

    def name_and_guard(self) -> tuple[str | None, bool]:
        name = None
        token = self.peek()
        if token is not None and not token.is_keyword("IF", "FOR", "ON"):
            name = self.object_name(self.take())
        if self.accept("IF"):
            self.keyword("NOT")
            self.keyword("EXISTS")
            return name, True
        return name, False

    def object_name(self, token: Token) -> str:
        if token.kind is Kind.PARAMETER:
            value = LiteralReader(self.tokens, self.pos, self.params).parameter(token)
            if not isinstance(value, str) or not value:
                raise self.error("a schema object's name must be a non-empty string", token)
            return value
        if token.kind not in (Kind.NAME, Kind.QUOTED_NAME) or not token.name:
            raise self.error(f"expected a name, found {token.text!r}", token)
        return token.name

    def pattern(self, *, many: bool, bare: bool) -> tuple[Entity, str, tuple[str, ...]]:
        """``(n:L)`` or ``()-[r:T]-()``: the entity, the variable and the labels."""
        self.punct("(")
        if self.accept_punct(")"):
            return self.relationship_pattern(many=many, bare=bare)
        variable = self.variable()
        labels = self.labels(many=many, bare=bare)
        self.punct(")")
        return "NODE", variable, labels

    def relationship_pattern(
        self, *, many: bool, bare: bool
    ) -> tuple[Entity, str, tuple[str, ...]]:
        left = self.take()
        if left.text not in ("-", "<-"):
            raise self.error("expected '-' or '<-' of a relationship pattern", left)
        self.punct("[")
        variable = self.variable()
        labels = self.labels(many=many, bare=bare)
        self.punct("]")
        right = self.take()
        if right.text not in ("-", "->") or (left.text == "<-" and right.text == "->"):
            raise self.error("expected '-' or '->' of a relationship pattern", right)
        self.punct("(")
        self.punct(")")
        return "RELATIONSHIP", variable, labels

    def variable(self) -> str:
        token = self.take()
        if token.kind not in (Kind.NAME, Kind.QUOTED_NAME):
            raise self.error(f"expected a variable, found {token.text!r}", token)
        return token.name

    def labels(self, *, many: bool, bare: bool) -> tuple[str, ...]:
        if bare:
            return ()
        self.punct(":")
        labels = [self.label()]
        while self.accept_punct("|"):
            if not many:
                raise self.error(
                    "only a full-text index covers several labels or types",
                    self.tokens[self.pos - 1],
                )
            labels.append(self.label())
        return tuple(labels)

    def label(self) -> str:
        token = self.take()
        if token.kind not in (Kind.NAME, Kind.QUOTED_NAME) or not token.name:
            raise self.error(f"expected a label or type, found {token.text!r}", token)
        return token.name

    def index_properties(self, kind: IndexType, variable: str) -> tuple[str, ...]:
        if kind in ("FULLTEXT", "LOOKUP"):
            self.keyword("EACH")
            if kind == "LOOKUP":
                self.lookup_function(variable)
                return ()
            self.punct("[")
            return self.property_list(variable, "]")
        if self.accept_punct("("):
            return self.property_list(variable, ")")
        if kind != "VECTOR":
            raise self.error(
                "expected '(' and the indexed properties", self.peek() or self.tokens[-1]
            )
        return (self.property(variable),)

    def lookup_function(self, variable: str) -> None:
        function = self.take()
        if not function.is_keyword("LABELS", "TYPE"):
            raise self.error("expected labels(n) or type(r)", function)
        self.punct("(")
        if self.variable() != variable:
            raise self.error(
                "the function must take the pattern's variable", self.tokens[self.pos - 1]
            )
        self.punct(")")

    def property_list(self, variable: str, close: str) -> tuple[str, ...]:
        properties = [self.property(variable)]
        while self.accept_punct(","):
            properties.append(self.property(variable))
        self.punct(close)
        return tuple(properties)

    def property(self, variable: str) -> str:
        owner = self.take()
        if owner.kind not in (Kind.NAME, Kind.QUOTED_NAME) or owner.name != variable:
            raise self.error(f"expected {variable}.<property>", owner)
        self.punct(".")
        token = self.take()
        if token.kind not in (Kind.NAME, Kind.QUOTED_NAME) or not token.name:
            raise self.error(f"expected a property name, found {token.text!r}", token)
        return token.name

    def constraint_properties(self, variable: str) -> tuple[str, ...]:
        if self.accept_punct("("):
            return self.property_list(variable, ")")
        if self.peek_keyword("EXISTS"):  # Neo4j 4: ASSERT exists(n.p)
            self.take()
            self.punct("(")
            self.legacy_exists = True
            return self.property_list(variable, ")")
        return (self.property(variable),)

    def constraint_kind(self, entity: Entity, count: int) -> tuple[ConstraintType, str | None]:
        if self.legacy_exists:
            return self.single("PROPERTY_EXISTENCE", count, self.tokens[self.pos - 1]), None
        is_ = self.keyword("IS")
        word = self.take()
        if word.is_keyword("NODE", "RELATIONSHIP", "REL"):
            if (word.upper == "NODE") != (entity == "NODE"):
                raise self.error(
                    f"IS {word.upper} ... does not fit a {entity.lower()} pattern", word
                )
            word = self.take()
            if not word.is_keyword("UNIQUE", "KEY"):
                raise self.error("expected UNIQUE or KEY", word)
        if word.is_keyword("UNIQUE"):
            return "UNIQUENESS", None
        if word.is_keyword("KEY"):
            return "KEY", None
        if word.is_keyword("NOT"):
            self.keyword("NULL")
            return self.single("PROPERTY_EXISTENCE", count, is_), None
        if word.text == "::" or word.is_keyword("TYPED"):
            return self.single("PROPERTY_TYPE", count, is_), self.property_type()
        raise self.error("expected UNIQUE, KEY, NOT NULL, :: <type> or TYPED <type>", word)

    def single(self, kind: ConstraintType, count: int, at: Token) -> ConstraintType:
        if count != 1:
            raise self.error(
                f"a {kind.lower().replace('_', ' ')} constraint takes one property", at
            )
        return kind

    def property_type(self) -> str:
        start = self.pos
        while self.pos < len(self.tokens) and not self.peek_keyword("OPTIONS"):
            self.pos += 1
        words = self.tokens[start : self.pos]
        if not words:
            raise self.error("expected a property type", self.tokens[start - 1])
        text = " ".join(w.upper for w in words)
        for spaced, tight in ((" <", "<"), ("< ", "<"), (" >", ">")):
            text = text.replace(spaced, tight)
        return text

    def options(self) -> Mapping[str, Any]:
        if not self.accept("OPTIONS"):
            return {}
        reader = LiteralReader(self.tokens, self.pos, self.params)
        start = self.peek()
        value = reader.read()
        self.pos = reader.pos
        if not isinstance(value, dict):
            raise self.error("OPTIONS takes a map", start or self.tokens[-1])
        return value

    def check_index(self, index: Index, at: Token) -> None:
        if len(index.properties) > MAX_PROPERTIES:
            raise self.error(f"an index covers at most {MAX_PROPERTIES} properties", at)
        if index.type in ("VECTOR", "POINT") and len(index.properties) != 1:
            raise self.error(f"a {index.type.lower()} index covers exactly one property", at)
        if index.type == "TEXT" and len(index.properties) != 1:
            raise self.error("a text index covers exactly one property", at)

    # -- tokens

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def peek_keyword(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.is_keyword(*words)

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            end = self.tokens[-1].end if self.tokens else 0
            raise CypherSyntaxError("unexpected end of schema statement", position=end)
        self.pos += 1
        return token

    def keyword(self, word: str) -> Token:
        token = self.take()
        if not token.is_keyword(word):
            raise self.error(f"expected {word}, found {token.text!r}", token)
        return token

    def accept(self, word: str) -> bool:
        if self.peek_keyword(word):
            self.pos += 1
            return True
        return False

    def punct(self, text: str) -> None:
        token = self.take()
        if token.kind is not Kind.PUNCT or token.text != text:
            raise self.error(f"expected {text!r}, found {token.text!r}", token)

    def accept_punct(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.kind is Kind.PUNCT and token.text == text:
            self.pos += 1
            return True
        return False

    def end(self) -> None:
        token = self.peek()
        if token is not None:
            raise self.error(f"unexpected {token.text!r} after the schema statement", token)

    def error(self, message: str, token: Token) -> KgmemError:
        return CypherSyntaxError(f"{message} (at offset {token.start})", position=token.start)


def _named(obj: Index | Constraint, name: str | None, if_not_exists: bool) -> Create:
    target = replace(obj, name=generated_name(obj) if name is None else name)
    return Create(target, name is not None, if_not_exists)
