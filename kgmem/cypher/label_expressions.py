"""Neo4j 5's label expressions: ``:A|B``, ``:A&B``, ``:!A``, ``:%`` and brackets.

AGE 1.7 takes one label per node pattern and no expression at all. kgmem reads a
label expression into a test of the labels a node carries (``kgmem.cypher.labels``:
``kgmem_cypher.has_labels(label(n), [...])``)::

    :A|B      has A or has B
    :A&B      has A and has B (the same as :A:B)
    :!A       has not A
    :%        has at least one label
    :(A|B)&!C brackets group

- In a MATCH or OPTIONAL MATCH, a node pattern with such an expression drops it and
  tests it in the clause's WHERE (an anonymous node gets a variable of kgmem's own,
  ``__kgmem_e1``): ``rewrite``. So does a relationship of fixed length whose type
  expression is more than alternatives (``[r:!KNOWS]``; ``[:A|B]`` is
  ``kgmem.cypher.rel_types``'s): AGE's ``label(r)`` is its type.
- In an expression (``WHERE n:A|B``, ``RETURN n:!A``), ``kgmem.cypher.labels`` calls
  ``parse`` and writes the same test.

Plain ``:A`` and ``:A:B`` are left to ``kgmem.cypher.label_patterns`` and
``kgmem.cypher.labels``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kgmem.cypher.labels import HAS_LABELS, LABELS, NAMES, string
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import each_clause, filtered

_MATCHES = ("MATCH", "OPTIONAL MATCH")
_OPERATORS = frozenset({"|", "&", "!", "%"})
FRESH = "__kgmem_e"

Test = Callable[[str], str]
"""A label expression: the Cypher test it is, for a variable."""


def complex_at(tokens: Sequence[Token], colon: int) -> bool:
    """Whether the labels after the ``:`` at ``colon`` form an expression beyond
    ``:A:B`` (an operator or a bracket)."""
    at = colon + 1
    if at < len(tokens) and (tokens[at].text in _OPERATORS or tokens[at].text == "("):
        return True
    while at + 1 < len(tokens) and tokens[at].kind in NAMES:
        following = tokens[at + 1].text
        if following == "&" or (following == "|" and _label_after_bar(tokens, at + 1)):
            return True
        if following != ":":
            return False
        at += 2
    return False


def parse(tokens: Sequence[Token], colon: int) -> tuple[Test, int] | None:
    """The label expression after the ``:`` at ``colon`` and the index after it, or None
    when the tokens there are no label expression."""
    parser = _Parser(tokens, colon + 1)
    try:
        test = parser.disjunction()
    except ValueError:
        return None
    return test, parser.at


class _Parser:
    """Recursive descent over ``A | B & !C``, ``%``, brackets and ``:A:B`` (an AND)."""

    def __init__(self, tokens: Sequence[Token], at: int) -> None:
        self.tokens = tokens
        self.at = at

    def _peek(self) -> str:
        return self.tokens[self.at].text if self.at < len(self.tokens) else ""

    def disjunction(self) -> Test:
        terms = [self.conjunction()]
        while self._peek() == "|" and _label_after_bar(self.tokens, self.at):
            self.at += 1
            if self._peek() == ":":  # the older :A|:B
                self.at += 1
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else _joined(terms, "OR")

    def conjunction(self) -> Test:
        factors = [self.factor()]
        while self._peek() in ("&", ":"):
            self.at += 1
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else _joined(factors, "AND")

    def factor(self) -> Test:
        text = self._peek()
        if text == "!":
            self.at += 1
            inner = self.factor()
            return lambda v: f"(NOT {inner(v)})"
        if text == "%":
            self.at += 1
            return lambda v: f"(size({LABELS}(label({v}))) > 0)"
        if text == "(":
            self.at += 1
            inner = self.disjunction()
            if self._peek() != ")":
                raise ValueError("unclosed label expression")
            self.at += 1
            return inner
        if self.at < len(self.tokens) and self.tokens[self.at].kind in NAMES:
            name = self.tokens[self.at].name
            self.at += 1
            return lambda v: f"{HAS_LABELS}(label({v}), [{string(name)}])"
        raise ValueError("not a label expression")


def _label_after_bar(tokens: Sequence[Token], bar: int) -> bool:
    """Whether the ``|`` at ``bar`` joins another label, not a list comprehension's
    projection (``[x IN l WHERE x:A | x.name]``: a name read as a value after it)."""
    at = bar + 2 if bar + 1 < len(tokens) and tokens[bar + 1].text == ":" else bar + 1
    if at >= len(tokens) or tokens[at].kind not in NAMES:
        return at < len(tokens) and tokens[at].text in ("(", "!", "%")
    if at + 1 < len(tokens) and tokens[at + 1].text in (".", "(", "["):
        return False
    return not _comprehension_variable(tokens, bar, tokens[at].name)


def _comprehension_variable(tokens: Sequence[Token], at: int, name: str) -> bool:
    """Whether ``name`` is the variable of the list comprehension around ``at``
    (``[x IN l WHERE x:A | x]`` projects ``x``)."""
    depth = 0
    for back in range(at - 1, -1, -1):
        text = tokens[back].text
        if text in (")", "]", "}"):
            depth += 1
        elif text in ("(", "{"):
            depth -= 1
        elif text == "[":
            if depth == 0:
                inside = tokens[back + 1 : back + 3]
                return len(inside) == 2 and inside[0].name == name and inside[1].is_keyword("IN")
            depth -= 1
        if depth < 0:
            return False
    return False


def _joined(parts: list[Test], operator: str) -> Test:
    return lambda v: "(" + f" {operator} ".join(p(v) for p in parts) + ")"


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with every node pattern of a MATCH whose labels form an expression
    written as a plain node and a test in the clause's WHERE."""
    if not any(t.text in _OPERATORS for t in code):
        return text
    edits: list[Edit] = []
    count = 0
    for placed in each_clause(code, *_MATCHES):
        tokens = placed.clause.tokens
        tests = []
        for i in range(1, len(tokens) - 1):
            if tokens[i].text != ":" or not complex_at(tokens, i):
                continue
            parsed = parse(tokens, i)
            if parsed is None or not (
                _in_node(tokens, i) or _in_relationship(tokens, i, parsed[1])
            ):
                continue
            test, end = parsed
            variable = tokens[i - 1].text if tokens[i - 1].kind in NAMES else None
            if variable is None:
                count += 1
                variable = f"{FRESH}{count}"
                edits.append((tokens[i].start, tokens[i].start, variable))
            edits.append((tokens[i].start, tokens[end - 1].end, ""))
            tests.append(test(variable))
        if tests:
            edits.extend(filtered(placed.clause, placed.following, " AND ".join(tests)))
    return splice(text, edits)


def _in_relationship(tokens: Sequence[Token], colon: int, end: int) -> bool:
    """The ``:`` follows a relationship's ``[`` or its variable, its type expression
    says more than ``A|B`` (``kgmem.cypher.rel_types``'s) and no length follows."""
    before = tokens[colon - 1]
    opened = before.text == "[" or (
        before.kind in NAMES and colon >= 2 and tokens[colon - 2].text == "["
    )
    if not opened or end >= len(tokens) or tokens[end].text == "*":
        return False
    return any(t.text in ("!", "&", "%", "(") for t in tokens[colon + 1 : end])


def _in_node(tokens: Sequence[Token], colon: int) -> bool:
    """The ``:`` follows a node pattern's ``(`` or its variable."""
    before = tokens[colon - 1]
    if before.text == "(" and before.kind is Kind.PUNCT:
        return True
    return before.kind in NAMES and colon >= 2 and tokens[colon - 2].text == "("
