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
  (``kgmem.cypher.property_keys``), and so is a variable named by an AGE keyword
  openCypher leaves free (``AS count``).
- A temporal component of a property's value (``n.born.year``) reads the stored ISO
  text as a temporal value (``kgmem.cypher.stored_temporal``), and a sum or difference
  of two stored values adds them as temporal values when they are
  (``kgmem.cypher.stored_arithmetic``).
- ``SET n = expr`` and ``SET n += expr`` from a parameter, a property or any other map
  expression (``kgmem.cypher.map_updates``).
- A final ``DETACH DELETE p`` of a path deletes its nodes
  (``kgmem.cypher.path_deletes``).
- A CREATE part that reads what an earlier part of the clause creates starts a CREATE
  clause of its own (``kgmem.cypher.create_parts``).
- ``elementId(x)`` is the graph id as text, and ``elementId(x) = expr`` a lookup by
  graph id (``kgmem.cypher.element_ids``).
- ``timestamp()`` reads the statement's clock, as ``datetime()`` does
  (``kgmem.cypher.clock``).
- APOC's functions (``apoc.map.clean(m, [], [])``) call kgmem's SQL functions
  (``kgmem.cypher.apoc_functions``).
- Octal literals (``0o17``) are written in decimal (``kgmem.cypher.octal``), and
  ``toString`` / ``toInteger`` call kgmem's forms (``kgmem.cypher.conversions``).
- ``randomUUID()``, the ``...OrNull`` and list conversions, ``point()``,
  ``point.distance()`` and ``point.withinBBox()`` call kgmem's SQL functions
  (``kgmem.cypher.neo4j_functions``).
- ``AND`` binds tighter than ``XOR``, as openCypher says: ``kgmem.cypher.xor``.
- A leading OPTIONAL MATCH follows a one-row clause, so it answers a row of nulls
  when nothing matches (``kgmem.cypher.optional``).
- An unwound value is bound through ``kgmem_cypher.unnull``, so a null element is
  SQL's NULL: ``kgmem.cypher.unwind``.
- A writing clause whose variable may hold the empty list (or null, for a CREATE's end
  node) is checked first, where AGE would crash: ``kgmem.cypher.write_targets``.
- Then, on the text those rules produced: ``SET n[key] = value`` and ``REMOVE n[key]``
  as map updates (``kgmem.cypher.dynamic_properties``), a simple CASE with several
  values or comparisons per WHEN (``kgmem.cypher.simple_cases``), type predicates
  (``x IS :: INTEGER``) as calls of kgmem's SQL function
  (``kgmem.cypher.type_predicates``), ``STARTS WITH``, ``ENDS WITH`` and
  ``CONTAINS`` answering null for values that are not strings
  (``kgmem.cypher.string_predicates``), quantified path patterns that mean a
  variable length (``-[:R]->{1,3}``, ``((a)-[:R]->(b)){1,3}``:
  ``kgmem.cypher.quantified_paths``), ``shortestPath(...)`` and
  ``allShortestPaths(...)`` in MATCH as a bounded search (``kgmem.cypher.shortest_paths``),
  ``WHERE`` inside node and relationship patterns moved to the clause's WHERE
  (``kgmem.cypher.pattern_where``), label expressions in node patterns (``(n:A|B)``,
  ``(n:!A)``: ``kgmem.cypher.label_expressions``), map projections that keep null
  entries and override what ``.*`` reads (``kgmem.cypher.map_projections``),
  ``tail(x)`` as the slice ``(x)[1..]`` (``kgmem.cypher.tail``), a node or relationship
  renamed by WITH read by its first name in later patterns
  (``kgmem.cypher.aliased_entities``), one held in a value matched through a fresh
  variable (``kgmem.cypher.bound_values``), pattern comprehensions as lists collected
  before their clause (``kgmem.cypher.pattern_lists``),
  relationship patterns with several types (``kgmem.cypher.rel_types``), ``reduce()``
  as a fold (``kgmem.cypher.reduce``),
  ``WITH ... WHERE`` over earlier variables (``kgmem.cypher.with_where``), long
  CREATE scripts in batches (``kgmem.cypher.create_batches``), a fence
  after writes that a filter follows, so it filters what they wrote
  (``kgmem.cypher.write_fences``), the ORDER BY of a DISTINCT or aggregating
  projection read by the names it gave (``kgmem.cypher.order_names``), times and
  datetimes sorted by their instant
  (``kgmem.cypher.temporal_order``), a projection made before an ORDER BY over what it
  made (``kgmem.cypher.projected_order``), comparisons by three-valued logic
  (``kgmem.cypher.comparisons``), comprehensions where AGE cannot run them
  (``kgmem.cypher.comprehensions``), an OPTIONAL MATCH whose WHERE holds a subquery
  or a comprehension, kept per row (``kgmem.cypher.optional_where``) and, last, what
  an undirected relationship in a MATCH implies, written so PostgreSQL starts from its
  bound end (``kgmem.cypher.undirected``) and, after them all, the labels and types AGE
  cannot hold (``Works at``) under the names kgmem stores them by, with ``type(r)``
  reading them back (``kgmem.cypher.stored_names``).
- Before any of this (in ``kgmem.cypher.plan``, from the parameters' sizes): ``WHERE
  n.key IN $list`` as comparisons an index answers (``kgmem.cypher.in_lists``).
- Before that (in ``kgmem.memory.cypher``): CALL subqueries, ``IN
  TRANSACTIONS``, FOREACH, ``COLLECT { }`` and dynamic labels cut the query into
  steps, each a query of its own (``kgmem.cypher.subquery_split``,
  ``kgmem.cypher.collect_subqueries``, ``kgmem.memory.subquery_steps``).
- Booleans that would reach an AGE operator reading them as ``agtype`` (which crashes
  the backend) become ``agtype`` first: ``kgmem.cypher.booleans``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from kgmem.cypher import (
    aliased_entities,
    apoc_functions,
    booleans,
    both_ways,
    bound_values,
    clock,
    comparisons,
    comprehensions,
    conversions,
    create_batches,
    create_parts,
    delete_barriers,
    deleted_values,
    dynamic_properties,
    eager,
    element_ids,
    fresh_reads,
    fresh_sets,
    label_expressions,
    label_patterns,
    label_writes,
    labels,
    map_projections,
    map_updates,
    merge,
    merge_keys,
    neo4j_functions,
    nulls,
    numbered,
    octal,
    optional,
    optional_where,
    order_names,
    path_deletes,
    pattern_lists,
    pattern_where,
    patterns,
    projected_order,
    property_keys,
    property_maps,
    quantified_paths,
    reduce,
    rel_types,
    set_items,
    shortest_paths,
    simple_cases,
    slices,
    stored_arithmetic,
    stored_names,
    stored_temporal,
    string_predicates,
    sums,
    tail,
    temporal_order,
    type_predicates,
    undirected,
    unwind,
    vector_functions,
    with_where,
    write_fences,
    write_targets,
    written_matches,
    xor,
)
from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token, quoted_name, tokenize
from kgmem.cypher.spans import scan
from kgmem.cypher.structure import depths, each_clause
from kgmem.errors import CypherSemanticError


class Edit(NamedTuple):
    """Replace ``text[start:end]`` with ``replacement`` (a rule's plain ``(start, end,
    replacement)`` tuple read by name)."""

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
            edits.extend(map(Edit._make, found))
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
    for placed in each_clause(code, "RETURN"):
        body = [t for t in placed.clause.body if not t.is_keyword("DISTINCT")]
        if not body or body[0].text != "*":
            continue
        names = sorted(scope(text, placed.earlier))
        if not names:
            raise CypherSemanticError(
                "RETURN * needs at least one variable in scope", position=body[0].start
            )
        edits.append(Edit(body[0].start, body[0].end, ", ".join(map(quoted_name, names))))
    return edits


_QUANTIFIERS = {"ANY": "> 0", "NONE": "= 0", "SINGLE": "= 1", "ALL": None}


def quantifiers(text: str, code: Sequence[Token]) -> list[Edit]:
    """``any/all/none/single(x IN list WHERE predicate)`` as list comprehensions."""
    return scan(len(code), partial(_quantifier_at, text, code))


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
    """``text[start:end]`` with any quantifier and label predicate inside it rewritten
    too (the quantifier's edit spans them, so the rules' own edits there are lost)."""
    piece = text[start:end].strip()
    code = tokenize(piece)
    edits = quantifiers(piece, code) + list(map(Edit._make, labels.predicates(piece, code)))
    return _splice(piece, edits) if edits else piece


# Rewrites of the text the rules produced, in order (each re-reads its tokens).
Reshape = Callable[[str, Sequence[Token]], str]
"""A rewrite of the text the rules made: the text again, reshaped."""

_RESHAPES: tuple[tuple[str, Reshape], ...] = (
    ("dynamic_properties", dynamic_properties.rewrite),  # first: later ones read n += ...
    ("simple_cases", simple_cases.rewrite),  # before type_predicates: WHEN IS TYPED T
    ("type_predicates", type_predicates.rewrite),
    ("merge_barriers", eager.merges),
    ("set_items", set_items.rewrite),  # before fresh_sets: it reads each run's target
    ("fresh_sets", fresh_sets.rewrite),
    ("fresh_reads", fresh_reads.rewrite),
    ("delete_barriers", delete_barriers.rewrite),  # after fresh_reads: keeps its barrier
    ("deleted_values", deleted_values.rewrite),
    ("both_ways", both_ways.rewrite),
    ("string_predicates", string_predicates.rewrite),
    ("quantified_paths", quantified_paths.rewrite),
    ("shortest_paths", shortest_paths.rewrite),
    ("pattern_where", pattern_where.rewrite),
    ("label_expressions", label_expressions.rewrite),
    ("map_projections", map_projections.rewrite),
    ("slices", slices.rewrite),
    ("tail", tail.rewrite),
    ("aliased_entities", aliased_entities.rewrite),
    ("bound_values", bound_values.rewrite),
    ("merge_self_loops", merge.self_loops),
    ("pattern_lists", pattern_lists.rewrite),
    ("rel_types", rel_types.rewrite),
    ("reduce", reduce.rewrite),
    ("with_where", with_where.rewrite),
    ("create_batches", create_batches.rewrite),
    ("write_fences", write_fences.rewrite),
    ("written_matches", written_matches.rewrite),  # after write_fences: reads its fences
    ("order_names", order_names.rewrite),
    ("temporal_order", temporal_order.rewrite),
    ("temporal_extremes", temporal_order.extremes),
    ("projected_order", projected_order.rewrite),
    ("comparisons", comparisons.rewrite),
    ("temporal_orderings", temporal_order.orderings),
    ("comprehensions", comprehensions.rewrite),
    ("optional_where", optional_where.rewrite),
    ("undirected", undirected.rewrite),
    ("property_maps", property_maps.rewrite),  # after undirected: it reads the maps
    ("merge_keys", merge_keys.rewrite),
    ("stored_names", stored_names.rewrite),  # after every rule that reads labels as written
    ("numbered_parameters", numbered.rewrite),  # last: the others read the analyst's names
)


Rule = Callable[[str, Sequence[Token]], Sequence[tuple[int, int, str]]]
"""A rewrite of the analyst's text: its (start, end, replacement) edits."""

# The rules, in order, by the names a plan reports (each module's docstring says more).
RULES: list[tuple[str, Rule]] = [
    ("return_star", expand_return_star),
    ("octal_literals", octal.rewrite),
    ("statement_clock", clock.rewrite),
    ("conversions", conversions.rewrite),
    ("empty_sums", sums.rewrite),
    ("element_ids", element_ids.rewrite),
    ("vector_functions", vector_functions.rewrite),
    ("neo4j_functions", neo4j_functions.rewrite),
    ("apoc_functions", apoc_functions.rewrite),
    ("create_parts", create_parts.rewrite),
    ("eager_writes", eager.rewrite),
    ("label_predicates", labels.predicates),
    ("label_lists", labels.calls),
    ("several_labels", label_patterns.rewrite),
    ("label_changes", label_writes.rewrite),
    ("quantifiers", quantifiers),
    ("map_updates", map_updates.rewrite),
    ("merge_actions", merge.rewrite),
    ("unwound_nulls", unwind.rewrite),
    ("pattern_predicates", patterns.rewrite),
    ("leading_optional", optional.rewrite),
    ("keyword_keys", property_keys.rewrite),
    ("keyword_variables", property_keys.variables),
    ("stored_components", stored_temporal.rewrite),
    ("stored_arithmetic", stored_arithmetic.rewrite),
    ("deleted_paths", path_deletes.rewrite),
    ("xor_operands", xor.rewrite),
    ("write_targets", write_targets.rewrite),
]
