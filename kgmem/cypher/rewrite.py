"""Safe rewrites: the same query in a form AGE 1.7 runs, or runs as openCypher means it.

Each rewrite works on tokens and replaces exact spans of the text, so it never changes
what a string literal or name says. Comments and a final ``;`` become spaces of the
same length, which keeps error positions true to the analyst's text; only the
expansions below shift later positions.

- ``RETURN *`` becomes the variables in scope, in alphabetical order, so the column
  list kgmem gives AGE matches what AGE returns.
- The list predicates AGE 1.7 lacks become list comprehensions it has:
  ``any(x IN l WHERE p)`` is ``size([x IN l WHERE p]) > 0``, ``none(...)`` ``= 0``,
  ``single(...)`` ``= 1`` and ``all(...)`` ``= size(l)``; where the predicate can be
  read whole, by three-valued logic (true and null elements counted apart,
  ``kgmem.cypher.nulls``).
- Labels: ``n:A`` outside patterns and ``labels(n)`` read the labels a node's AGE
  label stands for (``kgmem.cypher.labels``); node patterns with several labels name
  or test the composite label that holds such nodes (``kgmem.cypher.label_patterns``);
  ``SET n:L`` and ``REMOVE n:L`` move the node to the label of its new label set
  (``kgmem.cypher.label_writes``).
- A property key that is one of AGE's keywords (``n.exists``) is written in backticks
  (``kgmem.cypher.property_keys``).
- A temporal component of a property's value (``n.born.year``) reads the stored ISO
  text as a temporal value (``kgmem.cypher.stored_temporal``).
- A final ``DETACH DELETE p`` of a path deletes its nodes
  (``kgmem.cypher.path_deletes``).
- ``AND`` binds tighter than ``XOR``, as openCypher says: ``kgmem.cypher.xor``.
- A leading OPTIONAL MATCH follows a one-row clause, so it answers a row of nulls
  when nothing matches (``kgmem.cypher.optional``).
- An unwound value is bound through ``kgmem_cypher.unnull``, so a null element is
  SQL's NULL: ``kgmem.cypher.unwind``.
- Then, on the text those rules produced: pattern comprehensions as lists collected
  before their clause (``kgmem.cypher.pattern_lists``), relationship patterns with several types
  (``kgmem.cypher.rel_types``), ``reduce()`` as a fold
  (``kgmem.cypher.reduce``), ``WITH ... WHERE`` over earlier variables
  (``kgmem.cypher.with_where``), comparisons by three-valued logic
  (``kgmem.cypher.comparisons``) and comprehensions where AGE cannot run them
  (``kgmem.cypher.comprehensions``).
- Booleans that would reach an AGE operator reading them as ``agtype`` (which crashes
  the backend) become ``agtype`` first: ``kgmem.cypher.booleans``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kgmem.cypher import (
    booleans,
    comparisons,
    comprehensions,
    eager,
    label_patterns,
    label_writes,
    labels,
    merge,
    nulls,
    optional,
    path_deletes,
    pattern_lists,
    patterns,
    property_keys,
    reduce,
    rel_types,
    stored_temporal,
    unwind,
    with_where,
    xor,
)
from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.structure import clauses, depths, union_parts
from kgmem.errors import CypherSemanticError


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(slots=True)
class Rewritten:
    """The rewritten text and the names of the rewrites that changed it."""

    text: str
    applied: tuple[str, ...] = field(default=())


def apply(text: str, everything: Sequence[Token], code: Sequence[Token]) -> Rewritten:
    """Apply every rewrite to ``text`` (``everything``: all tokens, ``code``: those that
    are neither space nor comment, final ``;`` removed)."""
    edits = _blank_trivia(everything, code)
    applied: list[str] = []
    for name, rule in RULES:
        found = rule(text, code)
        if found:
            applied.append(name)
            edits.extend(found)
    spliced = _splice(text, edits)
    tokens = tokenize(spliced)
    for name, shape in _RESHAPES:
        reshaped = shape(spliced, tokens)
        if reshaped != spliced:
            applied.append(name)
            spliced, tokens = reshaped, tokenize(reshaped)
    spans = booleans.guard(spliced, tokens)
    if spans:
        applied.append("booleans")
        spliced = booleans.wrap(spliced, spans)
    return Rewritten(text=spliced, applied=tuple(applied))


def _blank_trivia(everything: Sequence[Token], code: Sequence[Token]) -> list[Edit]:
    kept = {id(t) for t in code}
    edits = []
    for token in everything:
        if token.kind is Kind.SPACE or id(token) in kept:
            continue
        blank = "".join(ch if ch == "\n" else " " for ch in token.text)
        edits.append(Edit(token.start, token.end, blank))
    return edits


def _splice(text: str, edits: list[Edit]) -> str:
    out, at = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < at:
            continue  # overlapping edits: the first one wins
        out.append(text[at : edit.start])
        out.append(edit.replacement)
        at = edit.end
    out.append(text[at:])
    return "".join(out)


def expand_return_star(text: str, code: Sequence[Token]) -> list[Edit]:
    """``RETURN *`` (and ``RETURN *, x``) as an explicit, sorted list of variables."""
    edits = []
    for part in union_parts(code):
        parts = clauses(part)
        for index, clause in enumerate(parts):
            if clause.keyword != "RETURN":
                continue
            body = [t for t in clause.body if not t.is_keyword("DISTINCT")]
            if not body or body[0].text != "*":
                continue
            names = sorted(scope(text, parts[:index]))
            if not names:
                raise CypherSemanticError(
                    "RETURN * needs at least one variable in scope", position=body[0].start
                )
            edits.append(Edit(body[0].start, body[0].end, ", ".join(map(_quote, names))))
    return edits


def _quote(name: str) -> str:
    plain = name.replace("_", "a").isalnum() and name.isascii() and not name[0].isdigit()
    return name if plain else "`" + name.replace("`", "``") + "`"


_QUANTIFIERS = {"ANY": "> 0", "NONE": "= 0", "SINGLE": "= 1", "ALL": None}


def quantifiers(text: str, code: Sequence[Token]) -> list[Edit]:
    """``any/all/none/single(x IN list WHERE predicate)`` as list comprehensions."""
    edits: list[Edit] = []
    index = 0
    while index < len(code):
        found = _quantifier_at(text, code, index)
        if found is None:
            index += 1
            continue
        edit, index = found
        edits.append(edit)
    return edits


def _quantifier_at(text: str, code: Sequence[Token], index: int) -> tuple[Edit, int] | None:
    token = code[index]
    if token.kind is not Kind.NAME or token.upper not in _QUANTIFIERS:
        return None
    if index > 0 and code[index - 1].text in (".", ":"):
        return None
    if (
        index + 3 >= len(code)
        or code[index + 1].text != "("
        or not code[index + 3].is_keyword("IN")
    ):
        return None
    close, where = _close_and_where(code, index + 1)
    if close is None or where is None:
        return None
    variable = text[code[index + 2].start : code[index + 2].end]
    source = _inner(text, code[index + 4].start, code[where].start)
    predicate = _inner(text, code[where + 1].start, code[close].start)
    three = nulls.three_valued(predicate)
    if three is not None:
        replacement = _three_valued(token.upper, variable, source, three)
        return Edit(token.start, code[close].end, replacement), close + 1
    kept = f"size([{variable} IN {source} WHERE {predicate}])"
    test = _QUANTIFIERS[token.upper] or f"= size({source})"
    replacement = f"({kept} {test})"
    return Edit(token.start, code[close].end, replacement), close + 1


def _three_valued(quantifier: str, variable: str, source: str, predicate: str) -> str:
    """The quantifier by openCypher's three-valued logic: from the number of elements
    whose predicate is true and the number whose predicate is null."""
    true = f"size([{variable} IN {source} WHERE {predicate}])"
    unknown = f"size([{variable} IN {source} WHERE ({predicate}) IS NULL])"
    decided = {
        "ANY": f"WHEN {true} > 0 THEN true WHEN {unknown} > 0 THEN null ELSE false",
        "NONE": f"WHEN {true} > 0 THEN false WHEN {unknown} > 0 THEN null ELSE true",
        "ALL": f"WHEN size({source}) - {true} - {unknown} > 0 THEN false "
        f"WHEN {unknown} > 0 THEN null ELSE true",
        "SINGLE": f"WHEN {true} > 1 THEN false WHEN {unknown} > 0 THEN null ELSE {true} = 1",
    }[quantifier]
    return f"(CASE WHEN ({source}) IS NULL THEN null {decided} END)"


def _close_and_where(code: Sequence[Token], open_index: int) -> tuple[int | None, int | None]:
    where = None
    for offset, (depth, token) in enumerate(depths(code[open_index:])):
        index = open_index + offset
        if depth == 1 and token.is_keyword("WHERE") and where is None:
            where = index
        if depth == 0 and offset > 0 and token.text == ")":
            return index, where
    return None, None


def _inner(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with any quantifier inside it rewritten too."""
    piece = text[start:end].strip()
    edits = quantifiers(piece, tokenize(piece))
    return _splice(piece, edits) if edits else piece


def merge_actions(text: str, code: Sequence[Token]) -> list[Edit]:
    """``MERGE ... ON CREATE SET / ON MATCH SET`` as plain SET (``kgmem.cypher.merge``)."""
    return [Edit(e.start, e.end, e.replacement) for e in merge.rewrite(text, code)]


def label_predicates(text: str, code: Sequence[Token]) -> list[Edit]:
    """``n:A`` outside patterns as a test of ``n``'s labels (``kgmem.cypher.labels``)."""
    return [Edit(start, end, new) for start, end, new in labels.predicates(text, code)]


def label_lists(text: str, code: Sequence[Token]) -> list[Edit]:
    """``labels(n)`` as the labels ``n``'s AGE label stands for (``kgmem.cypher.labels``)."""
    return [Edit(start, end, new) for start, end, new in labels.calls(text, code)]


def several_labels(text: str, code: Sequence[Token]) -> list[Edit]:
    """Node patterns with several labels (``kgmem.cypher.label_patterns``)."""
    return [Edit(start, end, new) for start, end, new in label_patterns.rewrite(text, code)]


def label_changes(text: str, code: Sequence[Token]) -> list[Edit]:
    """``SET n:L`` and ``REMOVE n:L`` as a move of the node (``kgmem.cypher.label_writes``)."""
    return [Edit(start, end, new) for start, end, new in label_writes.rewrite(text, code)]


def eager_writes(text: str, code: Sequence[Token]) -> list[Edit]:
    """A final SKIP/LIMIT that keeps every write (``kgmem.cypher.eager``)."""
    return [Edit(start, end, new) for start, end, new in eager.rewrite(text, code)]


def unwound_nulls(text: str, code: Sequence[Token]) -> list[Edit]:
    """An unwound null element as SQL's NULL (``kgmem.cypher.unwind``)."""
    return [Edit(start, end, new) for start, end, new in unwind.rewrite(text, code)]


# Rewrites of the text the rules produced, in order (each re-reads its tokens).
_RESHAPES = (
    ("pattern_lists", pattern_lists.rewrite),
    ("rel_types", rel_types.rewrite),
    ("reduce", reduce.rewrite),
    ("with_where", with_where.rewrite),
    ("comparisons", comparisons.rewrite),
    ("comprehensions", comprehensions.rewrite),
)


def leading_optional(text: str, code: Sequence[Token]) -> list[Edit]:
    """A one-row clause before a leading OPTIONAL MATCH (``kgmem.cypher.optional``)."""
    return [Edit(start, end, new) for start, end, new in optional.rewrite(text, code)]


def keyword_keys(text: str, code: Sequence[Token]) -> list[Edit]:
    """Keyword property keys in backticks (``kgmem.cypher.property_keys``)."""
    return [Edit(start, end, new) for start, end, new in property_keys.rewrite(text, code)]


def stored_components(text: str, code: Sequence[Token]) -> list[Edit]:
    """``n.born.year`` as a component of a stored temporal value
    (``kgmem.cypher.stored_temporal``)."""
    return [Edit(start, end, new) for start, end, new in stored_temporal.rewrite(text, code)]


def deleted_paths(text: str, code: Sequence[Token]) -> list[Edit]:
    """A final ``DETACH DELETE p`` of a path as an UNWIND of its nodes
    (``kgmem.cypher.path_deletes``)."""
    return [Edit(start, end, new) for start, end, new in path_deletes.rewrite(text, code)]


def xor_operands(text: str, code: Sequence[Token]) -> list[Edit]:
    """AND chains bracketed where XOR combines them (``kgmem.cypher.xor``)."""
    return [Edit(start, end, new) for start, end, new in xor.rewrite(text, code)]


def pattern_predicates(text: str, code: Sequence[Token]) -> list[Edit]:
    """``WHERE (a)-->(b)`` as ``exists(...)`` (``kgmem.cypher.patterns``)."""
    return [Edit(start, end, new) for start, end, new in patterns.rewrite(text, code)]


RULES = [
    ("return_star", expand_return_star),
    ("eager_writes", eager_writes),
    ("label_predicates", label_predicates),
    ("label_lists", label_lists),
    ("several_labels", several_labels),
    ("label_changes", label_changes),
    ("quantifiers", quantifiers),
    ("merge_actions", merge_actions),
    ("unwound_nulls", unwound_nulls),
    ("pattern_predicates", pattern_predicates),
    ("leading_optional", leading_optional),
    ("keyword_keys", keyword_keys),
    ("stored_components", stored_components),
    ("deleted_paths", deleted_paths),
    ("xor_operands", xor_operands),
]
