"""From analyst Cypher to what the storage layer runs: checked text, columns, tag.

``plan()`` is the one way in: it tokenizes, applies the guard, infers the column
list, applies kgmem's rewrites and draws a dollar-quote tag that does not occur in
the text. Nothing here touches the database.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kgmem.cypher import (
    ambiguous_aggregation,
    apoc_functions,
    calls,
    clock,
    cost,
    fold,
    guard,
    in_lists,
    label_patterns,
    label_writes,
    made_labels,
    merge,
    merge_keys,
    numbered,
    operand_types,
    patterns,
    rewrite,
    shortest_paths,
    static_checks,
    typecheck,
)
from kgmem.cypher.columns import infer_columns, read_back
from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher_errors import CypherUnsupported
from kgmem.errors import CypherRejected, CypherSemanticError, LimitExceeded

Mode = Literal["read", "write"]
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_EXPLAIN_OPTIONS = ("ANALYZE", "ANALYSE", "VERBOSE", "COSTS", "BUFFERS", "TIMING", "FORMAT")


@dataclass(frozen=True, slots=True)
class CypherPlan:
    """A query ready to run: the text sent to AGE, its columns and its parameters."""

    text: str
    columns: list[str]
    parameters: frozenset[str]
    writes: bool
    tag: str
    rewrites: tuple[str, ...] = ()
    # Per column: the temporal type ("date", "datetime", ...) of the values the query
    # makes temporal (they arrive as ISO 8601 text), else None; empty when none is.
    temporal: tuple[str | None, ...] = ()
    # Per column: whether it is a stored value read back as it is (``columns.read_back``),
    # whose temporal text Bolt sends as a temporal value; empty: every column may be.
    read_back: tuple[bool, ...] = ()
    # The label sets of the nodes with several labels the query creates: their
    # composite labels must exist before it runs (``kgmem.storage.label_sets``).
    label_sets: tuple[tuple[str, ...], ...] = ()
    # The names after a ``:`` in a writing query: the labels of the graph schema among
    # them are made, with their indexes, before it runs (AGE would make a missing one
    # itself, bare).
    named: tuple[str, ...] = ()
    # The labels and relationship types the query's CREATE, MERGE and SET write: made
    # before it runs, so a MATCH after the write finds them (``kgmem.cypher.made_labels``).
    made: made_labels.Made = made_labels.NOTHING
    # Whether the query sets or removes labels: it runs through
    # ``kgmem.storage.graph.relabels``, which moves the nodes (``kgmem.cypher.label_writes``).
    relabels: bool = False
    # Whether the query matches procedure rows' graph ids (``kgmem.cypher.calls``): run
    # with nested-loop index lookups, as AGE's guess of 1000 unwound rows would choose a
    # hash join over a scan of every label table.
    lookups: bool = False
    # The label or type and the keys of each property map of the query's MERGE patterns
    # (``kgmem.cypher.merge_keys``): when an index answers each, the query runs with
    # AGE's containment off, so the maps are equalities, and nested-loop joins.
    merges: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The parameters that read the current time (``kgmem.cypher.clock``): given their
    # values when the statement runs, never by the analyst.
    clocks: tuple[str, ...] = ()
    # Whether the text reads the namespace's name as ``$__kgmem_graph``
    # (``kgmem.cypher.shortest_paths``): kgmem binds it when it runs the query.
    graph_parameter: bool = False


Prepared = tuple[CypherPlan, tuple[tuple[str, Token], ...]]
"""A plan and the ``count`` parameters its SKIP and LIMIT read (``typecheck``)."""


def plan(query: str, params: Mapping[str, Any] | None = None, *, mode: Mode = "read") -> CypherPlan:
    """Check and prepare ``query`` with ``params`` for ``mode``.

    Raises ``CypherSyntaxError`` / ``CypherSemanticError`` for malformed queries,
    ``CypherRejected`` for what the guard refuses and ``CypherPermissionDenied`` for a
    writing query in read mode. The work that depends only on the text, the mode and the
    sizes of the lists an ``IN`` reads is cached (the same text is checked and rewritten
    once per process and list-size bucket).
    """
    return finish(_prepare(query, mode, in_lists.shape(query, params)), params)


def finish(prepared: Prepared, params: Mapping[str, Any] | None) -> CypherPlan:
    """The plan of ``prepared`` once ``params`` are checked against it."""
    checked, counts = prepared
    given = params or {}
    check_params(checked.parameters, numbered.renamed(given))
    typecheck.check_count_parameters(counts, given)
    return checked


MAX_SENT_CHARS = 400_000
"""The longest text kgmem sends to AGE after its rewrites."""


@functools.lru_cache(maxsize=1024)
def _prepare(query: str, mode: Mode, lists: in_lists.Shape = ()) -> Prepared:
    try:
        return prepare(query, mode, lists)
    except RecursionError:  # a shape the cost bounds did not foresee
        raise LimitExceeded(
            "the query nests too deeply for kgmem to plan: nest expressions less deeply"
        ) from None


def prepare(query: str, mode: Mode, lists: in_lists.Shape = ()) -> Prepared:
    """The uncached work of ``plan()`` for ``query`` in ``mode`` (its cost bounded first,
    ``kgmem.cypher.cost``); run by ``kgmem.cypher.planner`` in a process of its own.
    ``lists``: the list parameters an ``IN`` reads, by size (``kgmem.cypher.in_lists``)."""
    guard.check_text(query)
    everything = tokenize(query, keep_trivia=True)
    original = _code(everything)
    cost.check(original)
    folding = fold.apply(query, original)  # temporal constants become literals
    folded = folding.text
    expanded = in_lists.expand(folded, _code(tokenize(folded)), lists) if lists else folded
    first = ("in_lists",) if expanded != folded else ()
    folded = expanded
    # kgmem's own SQL calls are allowed only where kgmem's rewrite wrote them
    lowered = folded != query and not any(t.text.lower() == "kgmem_cypher" for t in original)
    if folded != query:
        guard.check_text(folded)
        everything = tokenize(folded, keep_trivia=True)
    code = guard.check_tokens(
        [t for t in everything if t.kind not in (Kind.SPACE, Kind.COMMENT)], rewritten=lowered
    )
    columns = infer_columns(query, original)  # names as the analyst wrote them
    guard.check_mode(code, mode)
    typecheck.check_boolean_operands(code)
    operand_types.check(original)  # the text as written: folding makes constants strings
    ambiguous_aggregation.check(original)
    patterns.refuse_misused(original)
    static_checks.check(code)
    typecheck.check_skip_limit(code, {})
    rewritten = rewrite.apply(folded, everything, code)
    if len(rewritten.text) > MAX_SENT_CHARS:
        raise LimitExceeded(
            f"the query grows to {len(rewritten.text)} characters once rewritten, more than "
            f"kgmem's limit of {MAX_SENT_CHARS}: shorten it or nest it less deeply"
        )
    final = tokenize(rewritten.text)
    if len(infer_columns(rewritten.text, final, unique=False)) != len(columns):
        raise CypherSemanticError("kgmem could not rewrite this query consistently")
    used = frozenset(t.text[1:] for t in final if t.kind is Kind.PARAMETER)
    clocks = frozenset(p for p in used if p.startswith(clock.PREFIX))
    writes = guard.writes(code) is not None
    prepared = CypherPlan(
        text=rewritten.text,
        columns=columns,
        parameters=(used - clocks - {shortest_paths.GRAPH_PARAMETER})
        | {z for c in clocks if (z := clock.zone_parameter(c))},
        writes=writes,
        tag=dollar_tag(rewritten.text),
        rewrites=first + rewritten.applied,
        temporal=tuple(folding.kinds.get(c) for c in columns) if folding.kinds else (),
        read_back=read_back(query, original),
        label_sets=label_patterns.created(code),
        named=label_patterns.named(code) if writes else (),
        made=made_labels.made(code) if writes else made_labels.NOTHING,
        relabels=_relabels(final),
        lookups=any(t.text.startswith(calls.LOOKUP_PREFIX) for t in final),
        merges=merge_keys.elements(final),
        clocks=tuple(sorted(clocks)),
        graph_parameter=shortest_paths.GRAPH_PARAMETER in used,
    )
    return prepared, tuple(typecheck.count_parameters(code))


def _relabels(tokens: list[Token]) -> bool:
    """Whether the rewritten ``tokens`` call ``kgmem_cypher.relabel``, one of the SQL
    functions of APOC's writing procedures (they create labels the same way), or those
    of MERGE's ON CREATE / ON MATCH (they read the graph's name and the moves too)."""
    schema, _ = label_writes.FUNCTION.split(".")
    functions = {f.split(".")[1] for f in (label_writes.FUNCTION, merge.CREATED, merge.STORED)}
    return any(
        tokens[i + 1].text == "."
        and (
            (t.text == schema and tokens[i + 2].text in functions)
            or (
                t.text == apoc_functions.SCHEMA and tokens[i + 2].text in apoc_functions.SQL_WRITERS
            )
        )
        for i, t in enumerate(tokens[:-2])
    )


def _code(everything: list[Token]) -> list[Token]:
    """The tokens that are neither space nor comment, one final ``;`` dropped (the guard
    checks the rest)."""
    code = [t for t in everything if t.kind not in (Kind.SPACE, Kind.COMMENT)]
    return code[:-1] if code and code[-1].text == ";" else code


def explained(query: str) -> str | None:
    """The query after a leading ``EXPLAIN``, or None when it does not start with one.

    Only plain EXPLAIN is accepted (kgmem shows the plan without running anything);
    ``EXPLAIN ANALYZE`` and other options raise ``CypherRejected``.
    """
    if "explain" not in query.lower():
        return None
    tokens = tokenize(query)
    if not tokens or not tokens[0].is_keyword("EXPLAIN"):
        return None
    if len(tokens) > 1 and (tokens[1].is_keyword(*_EXPLAIN_OPTIONS) or tokens[1].text == "("):
        raise CypherUnsupported(
            "only plain EXPLAIN is supported: it shows the plan without running the query "
            "(PROFILE runs it and shows the plan too)",
            position=tokens[1].start,
        )
    return query[tokens[0].end :]


def check_params(used: frozenset[str], given: Mapping[str, Any]) -> None:
    """Every parameter the query uses is given, and every given name is a plain name."""
    for name in given:
        if not isinstance(name, str) or not _PARAM_NAME.fullmatch(name):
            raise CypherRejected(f"parameter name {name!r} must be a plain identifier or digits")
    missing = sorted(numbered.written(name) for name in used - set(given))
    if missing:
        raise CypherSemanticError(
            "missing parameter(s): " + ", ".join(f"${m}" for m in missing), missing=missing
        )


def dollar_tag(text: str) -> str:
    """A dollar-quote tag (``$cy_<hex>$``) that does not occur in ``text``.

    Derived from a digest of the text, so the same query gives the same SQL (and reuses
    the connection's prepared statement); drawn at random in the unlikely case the text
    contains it."""
    # surrogatepass: text UTF-8 cannot encode still gets a tag; the driver refuses it.
    tag = f"$cy_{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}$"
    while tag in text:
        tag = f"$cy_{secrets.token_hex(8)}$"
    return tag
