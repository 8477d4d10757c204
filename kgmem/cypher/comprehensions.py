"""List comprehensions (and the quantifiers kgmem writes as comprehensions) where AGE
1.7 would refuse or misread them.

AGE compiles ``[x IN list WHERE p | e]`` into a subquery, which its parser accepts in
a select list and a WHERE only: as a grouping key of an aggregating ``WITH``/``RETURN``
(``WITH none(x IN l WHERE p) AS r, count(*) AS c``), beside grouping keys when its
list is an aggregate (``RETURN k, [x IN collect(v) WHERE x > 1]``) or in ``ORDER BY``
it fails with "unsupported SubLink". And inside a comprehension, ``x.key`` reads
``x`` as a node ("could not find properties for x") even when it is a map.

AGE also binds a null element to the agtype ``null``, which its operators and
functions do not read as null: ``[x IN [null, 1] | x + 1]`` was ``[[null, 1], 2]``,
``[x IN [1, null] WHERE x > 0]`` kept the null (AGE orders it above every number), and
``coalesce(x, 0)`` and ``x IS NULL`` missed it. A projection that is a comparison or
a boolean operator (``[x IN l | x = 1]``) failed: AGE cannot collect PostgreSQL
booleans into a list.

Four rewrites, on the text after kgmem's other rewrites:

- every use of a comprehension's variable as a value becomes ``[x][0]`` (``x.key`` and
  ``x[i]`` too), the same value through a list literal, where a null element is null;
  names, labels, pattern nodes and map projections keep the variable;
- a comprehension's WHERE is three-valued (``kgmem.cypher.nulls``): an element whose
  predicate is null is left out as openCypher leaves it out, and a projection that may
  be a boolean is collected as ``[(projection)][0]``, an agtype value;
- a comprehension in a grouping key, inside an aggregate's argument or in ``ORDER BY``
  moves into a ``WITH *, <comprehension> AS __kgmem_lN`` of its own just before the
  clause, and the clause uses the name;
- a projection whose comprehension holds an aggregate beside grouping keys is split
  in two: a ``WITH`` that groups and aggregates (each aggregate named
  ``__kgmem_aN``, each key ``__kgmem_gN``), then the projection over those names.

Each rewrite is one pass over the tokens; what it moves is the analyst's own text,
which the guard has already checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgmem.cypher import nulls
from kgmem.cypher.functions import AGGREGATES, called
from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, closing, depths, each_clause, split_top_level
from kgmem.cypher.temporal_sql import SCHEMA

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_PREFIX = "__kgmem_"
# Keywords a list literal may follow (after any other name, ``[`` indexes a value).
_BEFORE_LISTS = frozenset(
    {
        "RETURN", "WITH", "UNWIND", "WHERE", "AND", "OR", "XOR", "NOT", "IN", "WHEN",
        "THEN", "ELSE", "CASE", "SET", "BY", "DISTINCT", "CONTAINS", "STARTS", "ENDS",
        "SKIP", "LIMIT", "CREATE", "MERGE", "DELETE", "DETACH", "IS",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Span:
    """A comprehension: the token indexes of its ``[`` and its ``]``."""

    open: int
    close: int


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with its comprehensions in a form AGE runs,
    unchanged when it has none."""
    if not _spans(code):
        return text
    access = _variable_access(code)
    if access:
        text = splice(text, access)
    text = _decided(text)
    code = tokenize(text)
    return splice(text, _Hoist(text, list(code)).edits())


def _spans(code: Sequence[Token]) -> list[Span]:
    """Every comprehension ``[name IN ...]`` (nested ones too), in order of opening."""
    found = []
    closes = closing(code)
    for index in range(len(code) - 2):
        if (
            code[index].text == "["
            and code[index + 1].kind in _NAMES
            and code[index + 2].is_keyword("IN")
            and not _indexes(code, index)
            and index in closes
        ):
            found.append(Span(index, closes[index]))
    return found


def _indexes(code: Sequence[Token], index: int) -> bool:
    """``[`` right after a value indexes it (``l[x IN ...]`` is no comprehension)."""
    if index == 0:
        return False
    before = code[index - 1]
    if before.kind is Kind.NAME:
        return before.upper not in _BEFORE_LISTS
    return before.text in (")", "]", "}") or before.kind in (Kind.QUOTED_NAME, Kind.PARAMETER)


def _variable_access(code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """Each use of a comprehension's variable as a value, as ``[x][0]``: AGE binds a null
    element to the agtype ``null``, which its operators and functions do not read as
    null (``x + 1`` appends, ``x IS NULL`` is false); through a list literal it is
    null. Names, labels, patterns and map projections keep the variable as written."""
    edits: set[tuple[int, int, str]] = set()
    for span in _spans(code):
        variable = code[span.open + 1]
        # kgmem's own comprehensions compare with compare3, which reads either null
        own = variable.name.startswith(_PREFIX)
        for at in range(span.open + 3, span.close):
            token = code[at]
            if token.kind not in _NAMES or token.name != variable.name or _kept(code, at):
                continue
            if not own or code[at + 1].text in (".", "["):
                edits.add((token.start, token.end, f"[{token.text}][0]"))
    return sorted(edits)


def _kept(code: Sequence[Token], at: int) -> bool:
    """Whether the variable at ``at`` is not a value to rewrite: a key, label or
    parameter name, a binder (``x IN``, ``reduce(x = ``), a label test (``x:A``), a map
    projection (``x {.a}``), a function namespace, or a node of a pattern."""
    before, after = code[at - 1].text, code[at + 1].text
    if before == ":" and at >= 3 and code[at - 3].text in ("{", ","):
        return False  # a map's value ({k: x}), not a label
    named = before in (".", ":", "$") or after in (":", "{")
    namespace = after == "." and at + 2 < len(code) and code[at + 2].text == "("
    binder = before in ("[", "(") and code[at + 1].is_keyword("IN")
    accumulator = before == "(" and after == "=" and code[at - 2].is_keyword("REDUCE")
    return named or namespace or binder or accumulator or _pattern_node(code, at)


def _pattern_node(code: Sequence[Token], at: int) -> bool:
    """``(x)`` between a pattern's arrows (``(x)-->()``, ``()<-(x)``)."""
    if code[at - 1].text != "(" or code[at + 1].text != ")":
        return False
    before = code[at - 2].text if at >= 2 else ""
    after = code[at + 2].text if at + 2 < len(code) else ""
    return before in ("-", ">", "->", "<-") or after in ("-", "<", "->", "<-")


# Tokens that may make an expression a PostgreSQL boolean, which AGE cannot collect
# into a comprehension's list ("agtype_array_to_agtype(boolean[]) does not exist").
_BOOLEAN_MAKERS = frozenset({"NOT", "AND", "OR", "XOR", "IS", "IN", "EXISTS"})
_COMPARISONS = frozenset(nulls.COMPARISONS)


def _decided(text: str) -> str:
    """``text`` with each comprehension's WHERE by three-valued logic (an element whose
    predicate is null is left out, as one whose predicate is false) and each projection
    that may be a boolean as an agtype value; nested comprehensions too."""
    code = tokenize(text)
    spans = _spans(code)
    outer = [s for s in spans if not any(o.open < s.open and s.close < o.close for o in spans)]
    return splice(text, [_decided_span(text, code, span) for span in outer])


def _decided_span(text: str, code: Sequence[Token], span: Span) -> Edit:
    where = bar = None
    for offset, (depth, token) in enumerate(depths(code[span.open : span.close + 1])):
        if depth == 1 and token.is_keyword("WHERE") and where is None and bar is None:
            where = span.open + offset
        elif depth == 1 and token.text == "|" and bar is None:
            bar = span.open + offset
    if code[span.open + 1].name.startswith(_PREFIX):
        where = bar = None  # kgmem's own: written as they must run; their parts stay
    ends = [i for i in (where, bar) if i is not None] + [span.close]
    out = [text[code[span.open].start : code[span.open + 2].end]]
    out.append(" " + _decided(_between(text, code, span.open + 2, ends[0])))
    if where is not None:
        predicate = _decided(_between(text, code, where, bar if bar is not None else span.close))
        kept = predicate if SCHEMA + "." in predicate else nulls.three_valued(predicate)
        out.append(" WHERE " + (kept or predicate))
    if bar is not None:
        projection = _decided(_between(text, code, bar, span.close))
        out.append(" | " + (f"[({projection})][0]" if _may_be_boolean(projection) else projection))
    out.append("]")
    return code[span.open].start, code[span.close].end, "".join(out)


def _may_be_boolean(projection: str) -> bool:
    """Whether a boolean operator or comparison stands outside every list and map of
    ``projection`` (within them AGE makes agtype), unless it is wrapped already."""
    if projection.startswith("[(") and projection.endswith(")][0]"):
        return False
    depth = 0
    for token in tokenize(projection):
        if token.text in ("[", "{"):
            depth += 1
        elif token.text in ("]", "}"):
            depth -= 1
        elif depth == 0 and (token.upper in _BOOLEAN_MAKERS or token.text in _COMPARISONS):
            return True
    return False


def _between(text: str, code: Sequence[Token], before: int, after: int) -> str:
    """The text strictly between the tokens at ``before`` and ``after``."""
    return text[code[before].end : code[after].start].strip()


class _Hoist:
    def __init__(self, text: str, code: list[Token]) -> None:
        self.text, self.code = text, code
        self.index_of = {id(t): i for i, t in enumerate(code)}
        self.spans = _spans(code)
        self.count = 0

    def edits(self) -> list[Edit]:
        edits: list[Edit] = []
        for placed in each_clause(self.code, "WITH", "RETURN"):
            first = not placed.earlier
            edits.extend(self._projection(placed.clause, placed.following, first=first))
        return edits

    def _name(self, kind: str) -> str:
        self.count += 1
        return f"{_PREFIX}{kind}{self.count}"

    def _projection(
        self, clause: Clause, following: Clause | None, *, first: bool
    ) -> list[tuple[int, int, str]]:
        body = list(clause.body)
        distinct = bool(body) and body[0].is_keyword("DISTINCT")
        items = [i for i in split_top_level(body[1:] if distinct else body) if i]
        if not items or any(len(i) == 1 and i[0].text == "*" for i in items):
            return []
        aggregating = any(self._aggregates(item) for item in items)
        moved: list[Span] = []
        if aggregating:
            keys = [i for i in items if not self._aggregates(i)]
            if keys and any(self._holds_aggregate(s) for i in items for s in self._outer(i)):
                return self._split(clause, items, distinct)
            moved = [s for i in items for s in self._outer(i) if not self._holds_aggregate(s)]
        ordered = following is not None and following.keyword == "ORDER BY"
        if ordered and not aggregating and not distinct:
            assert following is not None
            if self._orders_by_scope(items, following):
                moved += self._outer(following.body)
        return self._move(clause, moved, first=first)

    def _move(
        self, clause: Clause, moved: list[Span], *, first: bool
    ) -> list[tuple[int, int, str]]:
        if not moved:
            return []
        named = [(span, self._name("l")) for span in moved]
        items = ", ".join(f"{self._source(s.open, s.close)} AS {n}" for s, n in named)
        start = clause.tokens[0].start
        prefix = f"WITH {items} " if first else f"WITH *, {items} "
        edits = [(start, start, prefix)]
        for span, name in named:
            edits.append((self.code[span.open].start, self.code[span.close].end, name))
        return edits

    def _split(
        self, clause: Clause, items: list[list[Token]], distinct: bool
    ) -> list[tuple[int, int, str]]:
        grouped: list[str] = []
        projected: list[str] = []
        for item in items:
            expression, alias = _alias(item)
            if self._aggregates(expression):
                projected.append(self._lifted(expression, grouped) + alias)
                continue
            if len(expression) == 1 and expression[0].kind in _NAMES and not alias:
                grouped.append(expression[0].text)
                projected.append(expression[0].text)
                continue
            name = self._name("g")
            grouped.append(f"{self._tokens(expression)} AS {name}")
            shown = alias or " AS `" + self._tokens(item).replace("`", "``") + "`"
            projected.append(name + shown)
        keyword = clause.tokens[0]
        start = keyword.start
        end = clause.tokens[-1].end
        head = f"WITH {', '.join(grouped)} {keyword.text} {'DISTINCT ' if distinct else ''}"
        return [(start, end, head + ", ".join(projected))]

    def _lifted(self, expression: Sequence[Token], grouped: list[str]) -> str:
        """``expression``'s text with each aggregate call named in ``grouped``."""
        out: list[str] = []
        at = expression[0].start
        index = 0
        while index < len(expression):
            name = called(expression, index)
            if name is not None and name.lower() in AGGREGATES:
                close = self._close_of(expression, index + 1)
                alias = self._name("a")
                grouped.append(f"{self.text[expression[index].start : close.end]} AS {alias}")
                out.append(self.text[at : expression[index].start] + alias)
                at = close.end
                index = expression.index(close) + 1
                continue
            index += 1
        out.append(self.text[at : expression[-1].end])
        return "".join(out)

    def _close_of(self, tokens: Sequence[Token], open_at: int) -> Token:
        for offset, (depth, token) in enumerate(depths(tokens[open_at:])):
            if offset > 0 and depth == 0 and token.text == ")":
                return token
        return tokens[-1]

    def _orders_by_scope(self, items: list[list[Token]], order: Clause) -> bool:
        """ORDER BY's comprehensions use no name the projection defines anew."""
        fresh = set()
        for item in items:
            expression, alias = _alias(item)
            bare = len(expression) == 1 and expression[0].kind in _NAMES
            if alias and not (bare and alias.split()[-1] == expression[0].text):
                fresh.add(alias.split()[-1].strip("`"))
        used = {t.name for s in self._outer(order.body) for t in self._inside(s)}
        return not used & fresh

    def _inside(self, span: Span) -> list[Token]:
        return [t for t in self.code[span.open : span.close + 1] if t.kind in _NAMES]

    def _outer(self, tokens: Sequence[Token]) -> list[Span]:
        """The comprehensions within ``tokens`` that no other comprehension holds."""
        if not tokens:
            return []
        low, high = self.index_of[id(tokens[0])], self.index_of[id(tokens[-1])]
        inside = [s for s in self.spans if low <= s.open and s.close <= high]
        return [s for s in inside if not any(o.open < s.open and s.close < o.close for o in inside)]

    def _aggregates(self, tokens: Sequence[Token]) -> bool:
        return any(
            (name := called(tokens, i)) is not None and name.lower() in AGGREGATES
            for i in range(len(tokens))
        )

    def _holds_aggregate(self, span: Span) -> bool:
        return self._aggregates(self.code[span.open : span.close + 1])

    def _source(self, open_at: int, close_at: int) -> str:
        return self.text[self.code[open_at].start : self.code[close_at].end]

    def _tokens(self, tokens: Sequence[Token]) -> str:
        return self.text[tokens[0].start : tokens[-1].end]


def _alias(item: Sequence[Token]) -> tuple[Sequence[Token], str]:
    """The item's expression and its `` AS name`` text ('' when it has none)."""
    if len(item) >= 3 and item[-2].is_keyword("AS") and item[-1].kind in _NAMES:
        return item[:-2], f" AS {item[-1].text}"
    return item, ""
