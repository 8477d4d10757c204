"""Claims read as arrays for truth discovery, and the scores written back.

Reads join ``_kg_claim`` to the current facts and their object vertices (a claim's
*value* is the object's name, else its uid). Writes go to the score tables of
migration 0100 (``_kg_fact_score``, ``_kg_source_score``, ``_kg_source_history``,
``_kg_source_dependence``); a full run replaces them (claims out and fact scores in by
binary COPY, ``kgmem.storage.truth.score_columns``), an incremental one reads its item in one
statement and upserts in one (``kgmem.storage.truth.item_scores``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg

from kgmem.schema import label_names
from kgmem.storage import rows
from kgmem.storage.graph.vertices import properties_of
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import label_table, table


@dataclass(frozen=True, slots=True)
class ClaimRows:
    """Claims as columns, in observation order (``observed_at``, then fact, then source)."""

    fact_id: list[int]
    subject_id: list[int]
    predicate: list[str]
    value: list[str]
    source_id: list[int]
    weight: list[float]


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A Source vertex and what it declares about itself."""

    id: int
    uid: str
    name: str | None
    kind: str | None
    prior: float | None


class SourceRow(NamedTuple):
    """A Source vertex as its side row names it."""

    id: int
    uid: str
    name: str | None


@dataclass(frozen=True, slots=True)
class SourceScore:
    """A source's stored reliability and the statistics behind it."""

    source_id: int
    reliability: float
    prior: float
    hit: float
    weight: float
    claims: int
    copying: float
    scored_at: datetime | None = None
    names_sensitivity: float | None = None
    names_false_positive: float | None = None
    """The latent truth model's rates of the source on lists of names
    (``estimators.by_kind``), as the last full run learnt them; None when it learnt none."""


@dataclass(frozen=True, slots=True)
class SourcePredicateScore:
    """A source's stored reliability on one predicate and the statistics behind it
    (kept when the estimator learns reliabilities per predicate)."""

    source_id: int
    predicate: str
    reliability: float
    hit: float
    weight: float
    claims: int
    copying: float


@dataclass(frozen=True, slots=True)
class FactScore:
    """A fact's stored scores."""

    fact_id: int
    trust: float
    support: float
    contradiction: int
    consensus: float
    status: str
    chosen: bool
    scored_at: datetime | None = None
    estimate: float | None = None
    """The estimator's own probability, when ``trust`` is not it: what the fact's claims
    added to their sources' sums (``Scores.estimate``)."""


_CLAIMS = (
    "SELECT c.fact_id, f.subject_id, f.predicate, coalesce(v.name, v.uid) AS value, "
    "c.source_id, coalesce(c.confidence, 1.0) AS weight "
    "FROM {claim} c JOIN {fact} f ON f.id = c.fact_id JOIN {vertex} v ON v.id = f.object_id "
    "WHERE c.source_id IS NOT NULL AND f.expired_at IS NULL{where} "
    "ORDER BY c.observed_at, c.fact_id, c.source_id"
)


def _claims_sql(ns: NamespaceRef, where: str = "") -> str:
    return _CLAIMS.format(
        claim=table(ns.name, "_kg_claim"),
        fact=table(ns.name, "_kg_fact"),
        vertex=table(ns.name, "_kg_vertex"),
        where=where,
    )


def claim_rows(records: Sequence[asyncpg.Record]) -> ClaimRows:
    return ClaimRows(
        fact_id=[r[0] for r in records],
        subject_id=[r[1] for r in records],
        predicate=[r[2] for r in records],
        value=[r[3] for r in records],
        source_id=[r[4] for r in records],
        weight=[r[5] for r in records],
    )


async def all_claims(conn: asyncpg.Connection, ns: NamespaceRef) -> ClaimRows:
    """Every sourced claim on a current fact of the namespace."""
    return claim_rows(await conn.fetch(_claims_sql(ns)))


def current_item(ns: NamespaceRef, predicate: str, start: str) -> str:
    """CTEs ``e`` (the ids of the ``predicate`` edges leaving vertex ``start``, through
    AGE's start_id index: the side table has no index on subject_id) and ``f`` (those that
    are current facts: id, uid, subject_id, predicate, object_id), then ``c`` (their
    sourced claims with the value each asserts). Every join is an indexed LATERAL lookup
    that LIMIT/OFFSET keep the planner from flattening: an item has a handful of facts, but
    after a bulk load the side tables' statistics may be stale, and flattened plans then
    hash-joined or scanned whole tables, tens of times slower. ``$2`` is the
    predicate."""
    fact = table(ns.name, "_kg_fact")
    return (
        f"e AS MATERIALIZED (SELECT id FROM {label_table(ns.name, predicate)} "
        f"WHERE start_id = {start}), "
        "f AS MATERIALIZED (SELECT f.* FROM e CROSS JOIN LATERAL (SELECT f.id, f.uid, "
        f"f.subject_id, f.predicate, f.object_id FROM {fact} f WHERE f.id = e.id "
        "AND f.expired_at IS NULL AND f.predicate = $2 LIMIT 1) f), "
        "c AS MATERIALIZED (SELECT c.fact_id, f.subject_id, f.predicate, "
        "coalesce(o.name, o.uid) AS value, c.source_id, c.weight, c.observed_at "
        "FROM f CROSS JOIN LATERAL (SELECT o.uid, o.name "
        f"FROM {table(ns.name, '_kg_vertex')} o WHERE o.id = f.object_id LIMIT 1) o "
        "CROSS JOIN LATERAL (SELECT c.fact_id, c.source_id, "
        "coalesce(c.confidence, 1.0) AS weight, c.observed_at "
        f"FROM {table(ns.name, '_kg_claim')} c WHERE c.fact_id = f.id "
        "AND c.source_id IS NOT NULL OFFSET 0) c)"
    )


async def _has_label(conn: asyncpg.Connection, ns: NamespaceRef, predicate: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM ag_catalog.ag_label l JOIN ag_catalog.ag_graph g "
        "ON g.graphid = l.graph WHERE g.name = $1 AND l.name = $2 AND l.kind = 'e')",
        ns.name,
        label_names.stored(predicate),
    )
    return found


async def sources(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int] | None = None
) -> list[SourceInfo]:
    """Source vertices (all, or those of ``ids``) with their declared kind and prior."""
    side = table(ns.name, "_kg_vertex")
    if ids is None:
        records = await rows.fetch(
            conn, SourceRow, f"SELECT id, uid, name FROM {side} WHERE label = 'Source' ORDER BY id"
        )
    else:
        records = await rows.fetch(
            conn,
            SourceRow,
            f"SELECT id, uid, name FROM {side} WHERE id = ANY($1::graphid[]) ORDER BY id",
            ids,
        )
    return await _with_properties(conn, ns, records)


async def source_by_uid(conn: asyncpg.Connection, ns: NamespaceRef, uid: str) -> SourceInfo | None:
    """One Source vertex by uid, or None."""
    row = await rows.fetchrow(
        conn,
        SourceRow,
        f"SELECT id, uid, name FROM {table(ns.name, '_kg_vertex')} "
        "WHERE uid = $1 AND label = 'Source'",
        uid,
    )
    if row is None:
        return None
    (found,) = await _with_properties(conn, ns, [row])
    return found


async def _with_properties(
    conn: asyncpg.Connection, ns: NamespaceRef, found: Sequence[SourceRow]
) -> list[SourceInfo]:
    """``found`` with the kind and prior their Source properties declare."""
    props = await properties_of(conn, ns, [(r.id, "Source") for r in found])
    return [source_info(r, props.get(r.id, {})) for r in found]


def source_info(row: SourceRow, props: dict[str, Any]) -> SourceInfo:
    """A source with the kind and prior its properties ``props`` declare."""
    kind = props.get("kind")
    prior = props.get("prior_reliability")
    return SourceInfo(
        id=row.id,
        uid=row.uid,
        name=row.name,
        kind=kind if isinstance(kind, str) else None,
        prior=float(prior) if isinstance(prior, int | float) else None,
    )


_FACT_SCORE_TYPES = {
    "fact_id": "graphid",
    "trust": "float8",
    "support": "float8",
    "contradiction": "int4",
    "consensus": "float8",
    "status": "text",
    "chosen": "bool",
    "estimate": "float8",
}
FACT_SCORE_PARAMETERS = len(_FACT_SCORE_TYPES)
"""How many parameters ``fact_score_columns`` gives."""
_PREDICATE_SCORE_TYPES = {
    "source_id": "graphid",
    "predicate": "text",
    "reliability": "float8",
    "hit": "float8",
    "weight": "float8",
    "claims": "int4",
    "copying": "float8",
}
_SOURCE_SCORE_TYPES = {
    "source_id": "graphid",
    "reliability": "float8",
    "prior": "float8",
    "hit": "float8",
    "weight": "float8",
    "claims": "int4",
    "copying": "float8",
    "names_sensitivity": "float8",
    "names_false_positive": "float8",
}
SOURCE_SCORE_PARAMETERS = len(_SOURCE_SCORE_TYPES)
"""How many parameters ``source_score_columns`` gives."""


def _unnest(types: Mapping[str, str], first: int) -> str:
    """``(columns) SELECT * FROM unnest(...)``: the rows an INSERT takes as one array
    parameter per column of ``types`` (name to SQL type), numbered from ``$first``."""
    arrays = ", ".join(f"${first + i}::{kind}[]" for i, kind in enumerate(types.values()))
    return f"({', '.join(types)}) SELECT * FROM unnest({arrays})"


def _arrays(records: Sequence[object], columns: Iterable[str]) -> list[list[Any]]:
    """One array per column: the field of that name of each of ``records``."""
    return [[getattr(r, column) for r in records] for column in columns]


FACT_SCORE_ROWS = _unnest(_FACT_SCORE_TYPES, 1)


def fact_score_columns(scores: Sequence[FactScore]) -> list[list[Any]]:
    """The parameters of ``FACT_SCORE_ROWS``: one array per column."""
    return _arrays(scores, _FACT_SCORE_TYPES)


def source_score_columns(scores: Sequence[SourceScore]) -> list[list[Any]]:
    """The parameters of ``source_score_upsert``: one array per column."""
    return _arrays(scores, _SOURCE_SCORE_TYPES)


def predicate_score_columns(scores: Sequence[SourcePredicateScore]) -> list[list[Any]]:
    """The parameters of ``predicate_score_upsert``: one array per column."""
    return _arrays(scores, _PREDICATE_SCORE_TYPES)


def predicate_score_upsert(ns: NamespaceRef, *, first: int) -> str:
    """An INSERT that stores per-(source, predicate) reliabilities (insert or replace)
    given as ``predicate_score_columns`` from parameter ``$first`` on."""
    return (
        f"INSERT INTO {table(ns.name, '_kg_source_predicate_score')} "
        f"{_unnest(_PREDICATE_SCORE_TYPES, first)} "
        "ON CONFLICT (source_id, predicate) DO UPDATE SET reliability = excluded.reliability, "
        "hit = excluded.hit, weight = excluded.weight, claims = excluded.claims, "
        "copying = excluded.copying"
    )


async def predicate_scores(
    conn: asyncpg.Connection, ns: NamespaceRef, source_ids: Sequence[int], predicate: str
) -> dict[int, SourcePredicateScore]:
    """Stored reliabilities of ``source_ids`` on ``predicate``, by source id."""
    records = await rows.fetch(
        conn,
        SourcePredicateScore,
        "SELECT source_id, predicate, reliability, hit, weight, claims, copying "
        f"FROM {table(ns.name, '_kg_source_predicate_score')} "
        "WHERE source_id = ANY($1::graphid[]) AND predicate = $2",
        source_ids,
        predicate,
    )
    return {r.source_id: r for r in records}


def source_score_upsert(ns: NamespaceRef, *, first: int, run: str) -> str:
    """The end of a ``WITH`` statement that stores source reliabilities (insert or
    replace) given as ``source_score_columns`` from parameter ``$first`` on, and appends
    them to the history with ``run`` (SQL text: a parameter or a literal). One round
    trip: the upsert's rows feed the history insert."""
    return (
        f"up AS (INSERT INTO {table(ns.name, '_kg_source_score')} AS t "
        f"{_unnest(_SOURCE_SCORE_TYPES, first)} "
        "ON CONFLICT (source_id) DO UPDATE SET reliability = excluded.reliability, "
        "prior = excluded.prior, hit = excluded.hit, weight = excluded.weight, "
        "claims = excluded.claims, copying = excluded.copying, scored_at = now(), "
        "names_sensitivity = coalesce(excluded.names_sensitivity, t.names_sensitivity), "
        "names_false_positive = coalesce(excluded.names_false_positive, "
        "t.names_false_positive) "
        "RETURNING source_id, reliability, claims) "
        f"INSERT INTO {table(ns.name, '_kg_source_history')} (source_id, reliability, claims, run) "
        f"SELECT source_id, reliability, claims, {run} FROM up"
    )


async def upsert_sources(
    conn: asyncpg.Connection, ns: NamespaceRef, scores: Sequence[SourceScore], *, run: str
) -> None:
    """Store source reliabilities (insert or replace) and append them to the history.
    A row given without the names model's rates keeps those stored."""
    if not scores:
        return
    run_at = f"${SOURCE_SCORE_PARAMETERS + 1}"
    await conn.execute(
        f"WITH {source_score_upsert(ns, first=1, run=run_at)}", *source_score_columns(scores), run
    )


async def source_scores(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    ids: Sequence[int] | None = None,
    *,
    lock: bool = False,
) -> dict[int, SourceScore]:
    """Stored source scores (all, or those of ``ids``), by source id; ``lock`` holds
    their rows until the transaction ends (incremental updates of shared sources)."""
    sql = (
        "SELECT source_id, reliability, prior, hit, weight, claims, copying, scored_at, "
        f"names_sensitivity, names_false_positive FROM {table(ns.name, '_kg_source_score')}"
    )
    records = (
        await rows.fetch(conn, SourceScore, sql)
        if ids is None
        else await rows.fetch(
            conn,
            SourceScore,
            sql
            + " WHERE source_id = ANY($1::graphid[]) ORDER BY source_id"
            + (" FOR UPDATE" if lock else ""),
            ids,
        )
    )
    return {r.source_id: r for r in records}


async def history(
    conn: asyncpg.Connection, ns: NamespaceRef, source_id: int, limit: int
) -> list[tuple[datetime, float, int, str]]:
    """A source's reliability over time, newest first: (when, reliability, claims, run)."""
    records = await conn.fetch(
        f"SELECT scored_at, reliability, claims, run FROM {table(ns.name, '_kg_source_history')} "
        "WHERE source_id = $1 ORDER BY scored_at DESC, reliability LIMIT $2",
        source_id,
        limit,
    )
    return [(r[0], r[1], r[2], r[3]) for r in records]


async def fact_scores(
    conn: asyncpg.Connection, ns: NamespaceRef, fact_ids: Sequence[int]
) -> dict[int, FactScore]:
    """Stored scores of the facts in ``fact_ids`` that have been scored."""
    records = await rows.fetch(
        conn,
        FactScore,
        "SELECT fact_id, trust, support, contradiction, consensus, status, chosen, scored_at, "
        "estimate "
        f"FROM {table(ns.name, '_kg_fact_score')} WHERE fact_id = ANY($1::graphid[])",
        fact_ids,
    )
    return {r.fact_id: r for r in records}


async def claimants(
    conn: asyncpg.Connection, ns: NamespaceRef, fact_ids: Sequence[int]
) -> list[tuple[int, int, float | None, datetime]]:
    """(fact id, source id, confidence, observed_at) of the sourced claims on ``fact_ids``."""
    records = await conn.fetch(
        "SELECT fact_id, source_id, confidence, observed_at "
        f"FROM {table(ns.name, '_kg_claim')} "
        "WHERE fact_id = ANY($1::graphid[]) AND source_id IS NOT NULL "
        "ORDER BY observed_at, source_id",
        fact_ids,
    )
    return [(r[0], r[1], r[2], r[3]) for r in records]


async def withdrawn_claimants(
    conn: asyncpg.Connection, ns: NamespaceRef, fact_ids: Sequence[int]
) -> list[tuple[int, int, float | None, datetime, datetime]]:
    """(fact id, source id, confidence, observed_at, withdrawn_at) of the sourced claims
    on ``fact_ids`` that their sources withdrew (``_kg_claim_history``), oldest first."""
    records = await conn.fetch(
        "SELECT fact_id, source_id, confidence, observed_at, withdrawn_at "
        f"FROM {table(ns.name, '_kg_claim_history')} "
        "WHERE fact_id = ANY($1::graphid[]) AND source_id IS NOT NULL "
        "ORDER BY withdrawn_at, observed_at, source_id",
        fact_ids,
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in records]


@dataclass(frozen=True, slots=True)
class ItemFact:
    """A current fact of a data item: ids, the value it asserts and its object uid."""

    id: int
    uid: str
    subject_id: int
    subject: str
    predicate: str
    value: str
    object: str


_ITEM_FACTS = (
    "SELECT f.id, f.uid, f.subject_id, s.uid AS subject, f.predicate, "
    "coalesce(o.name, o.uid) AS value, o.uid AS object "
    "FROM {fact} f JOIN {vertex} s ON s.id = f.subject_id JOIN {vertex} o ON o.id = f.object_id "
)


def _item_facts_sql(ns: NamespaceRef) -> str:
    return _ITEM_FACTS.format(fact=table(ns.name, "_kg_fact"), vertex=table(ns.name, "_kg_vertex"))


async def fact_by_uid(conn: asyncpg.Connection, ns: NamespaceRef, uid: str) -> ItemFact | None:
    """One fact (current or closed) as an item fact, or None."""
    record = await conn.fetchrow(_item_facts_sql(ns) + "WHERE f.uid = $1", uid)
    return ItemFact(*record) if record is not None else None


async def facts_of_item(
    conn: asyncpg.Connection, ns: NamespaceRef, subject_id: int, predicate: str
) -> list[ItemFact]:
    """The current facts of data item (subject, predicate)."""
    if not await _has_label(conn, ns, predicate):
        return []
    vertex = table(ns.name, "_kg_vertex")
    records = await conn.fetch(
        f"WITH {current_item(ns, predicate, '$1')} "
        "SELECT f.id, f.uid, f.subject_id, s.uid, f.predicate, coalesce(o.name, o.uid), o.uid "
        f"FROM f CROSS JOIN LATERAL (SELECT uid FROM {vertex} WHERE id = f.subject_id LIMIT 1) s "
        "CROSS JOIN LATERAL (SELECT uid, name "
        f"FROM {vertex} WHERE id = f.object_id LIMIT 1) o ORDER BY f.id",
        subject_id,
        predicate,
    )
    return [ItemFact(*r) for r in records]


async def trust_for(
    conn: asyncpg.Connection, ns: NamespaceRef, fact_ids: Sequence[int]
) -> dict[int, tuple[float, str]]:
    """(trust, status) of each scored fact among ``fact_ids``; unscored ones are absent."""
    records = await conn.fetch(
        f"SELECT fact_id, trust, status FROM {table(ns.name, '_kg_fact_score')} "
        "WHERE fact_id = ANY($1::graphid[])",
        list(fact_ids),
    )
    return {r[0]: (r[1], r[2]) for r in records}


async def source_page(
    conn: asyncpg.Connection, ns: NamespaceRef, *, after: str | None, limit: int
) -> list[SourceInfo]:
    """A page of Source vertices ordered by uid."""
    records = await rows.fetch(
        conn,
        SourceRow,
        f"SELECT id, uid, name FROM {table(ns.name, '_kg_vertex')} "
        "WHERE label = 'Source' AND ($1::text IS NULL OR uid > $1) ORDER BY uid LIMIT $2",
        after,
        limit,
    )
    return await _with_properties(conn, ns, records)


async def claim_ids(
    conn: asyncpg.Connection, ns: NamespaceRef, fact_uid: str, source_uid: str
) -> tuple[int, str, int] | None:
    """(fact id, predicate, source id) of a fact and a source by uid, or None."""
    record = await conn.fetchrow(
        f"SELECT f.id, f.predicate, s.id FROM {table(ns.name, '_kg_fact')} f, "
        f"{table(ns.name, '_kg_vertex')} s WHERE f.uid = $1 AND s.uid = $2",
        fact_uid,
        source_uid,
    )
    return (record[0], record[1], record[2]) if record is not None else None
