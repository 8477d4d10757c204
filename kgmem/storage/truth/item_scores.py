"""An incremental truth-discovery update's data: the written item's state in one
round trip, its new scores in one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg

from kgmem.storage import rows
from kgmem.storage.agtype import decode
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import label_table, table
from kgmem.storage.truth.claims import (
    FACT_SCORE_PARAMETERS,
    FACT_SCORE_ROWS,
    SOURCE_SCORE_PARAMETERS,
    ClaimRows,
    FactScore,
    SourceInfo,
    SourcePredicateScore,
    SourceRow,
    SourceScore,
    claim_rows,
    current_item,
    fact_score_columns,
    predicate_score_columns,
    predicate_score_upsert,
    source_info,
    source_score_columns,
    source_score_upsert,
)

# ``store_item``'s parameters: the fact scores', the source scores', the predicates'.
_SOURCES_AT = FACT_SCORE_PARAMETERS + 1
_PREDICATES_AT = _SOURCES_AT + SOURCE_SCORE_PARAMETERS


@dataclass(frozen=True, slots=True)
class ItemState:
    """What re-scoring one data item needs: its claims, the stored scores of its sources
    (locked until the transaction ends) and of its facts, the declared kind and prior
    of its sources never scored, and the stored dependent pairs among its sources;
    the same per source on the item's predicate (``by_predicate``,
    ``predicate_dependence``), and whether the namespace keeps such rows at all
    (``per_predicate``: its last full run learnt reliabilities per predicate)."""

    rows: ClaimRows
    stored: dict[int, SourceScore]
    old_estimate: dict[int, float]
    unscored: list[SourceInfo]
    dependence: list[tuple[int, int, float]]
    source_uids: dict[str, int]
    by_predicate: dict[int, SourcePredicateScore]
    predicate_dependence: list[tuple[int, int, float]]
    per_predicate: bool


class _ClaimState(NamedTuple):
    """A claim of the item (its first six columns are ``claim_rows``'), with its
    source's stored score (``scored`` None: never scored), its fact's stored trust, and
    the dependent pairs among the item's sources (the same arrays on every row); the
    ``p_`` columns the same on the item's predicate."""

    fact_id: int
    subject_id: int
    predicate: str
    value: Any
    source_id: int
    weight: float
    scored: int | None
    reliability: float
    prior: float
    hit: float
    s_weight: float
    claims: int
    copying: float
    scored_at: datetime | None
    names_sensitivity: float | None
    names_false_positive: float | None
    old_estimate: float | None
    props: str | None
    source_uid: str
    source_name: str | None
    dependent_a: list[int] | None
    dependent_b: list[int] | None
    dependence: list[float] | None
    p_scored: int | None
    p_reliability: float
    p_hit: float
    p_weight: float
    p_claims: int
    p_copying: float
    p_dependent_a: list[int] | None
    p_dependent_b: list[int] | None
    p_dependence: list[float] | None
    p_kept: bool


def _item_state_sql(
    ns: NamespaceRef, predicate: str, source_label: bool, async_commit: bool
) -> str:
    label = label_table(ns.name, predicate)
    score = table(ns.name, "_kg_source_score")
    dep = table(ns.name, "_kg_source_dependence")
    p_score = table(ns.name, "_kg_source_predicate_score")
    p_dep = table(ns.name, "_kg_source_predicate_dependence")
    props = (
        "CASE WHEN s.source_id IS NULL AND v.label = 'Source' THEN (SELECT x.properties::text "
        f"FROM {table(ns.name, 'Source')} x WHERE x.id = c.source_id) END"
        if source_label
        else "NULL::text"
    )
    start = f"(SELECT start_id FROM {label} WHERE id = $1)"
    setting = "sc AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true)), "
    return (
        f"WITH {setting if async_commit else ''}{current_item(ns, predicate, start)}, "
        "u AS MATERIALIZED (SELECT DISTINCT source_id FROM c), "
        "s AS MATERIALIZED (SELECT x.* FROM (SELECT source_id FROM u ORDER BY source_id) u "
        "CROSS JOIN LATERAL (SELECT source_id, reliability, prior, hit, weight, claims, "
        "copying, scored_at, names_sensitivity, names_false_positive "
        f"FROM {score} x WHERE x.source_id = u.source_id FOR UPDATE) x), "
        "d AS MATERIALIZED (SELECT d.source_a, d.source_b, d.probability FROM u "
        "CROSS JOIN LATERAL (SELECT source_a, source_b, probability "
        f"FROM {dep} WHERE source_a = u.source_id OFFSET 0) d "
        "WHERE d.source_b IN (SELECT source_id FROM u)), "
        "ps AS MATERIALIZED (SELECT x.* FROM u CROSS JOIN LATERAL (SELECT source_id, "
        f"reliability, hit, weight, claims, copying FROM {p_score} x "
        "WHERE x.source_id = u.source_id AND x.predicate = $2) x), "
        "pd AS MATERIALIZED (SELECT d.source_a, d.source_b, d.probability FROM u "
        "CROSS JOIN LATERAL (SELECT source_a, source_b, probability "
        f"FROM {p_dep} WHERE predicate = $2 AND source_a = u.source_id OFFSET 0) d "
        "WHERE d.source_b IN (SELECT source_id FROM u)) "
        "SELECT c.fact_id, c.subject_id, c.predicate, c.value, c.source_id, c.weight, "
        "s.source_id AS scored, s.reliability, s.prior, s.hit, s.weight AS s_weight, s.claims, "
        "s.copying, s.scored_at, s.names_sensitivity, s.names_false_positive, "
        "fs.estimate AS old_estimate, "
        f"{props} AS props, "
        "v.uid AS source_uid, v.name AS source_name, "
        "(SELECT array_agg(d.source_a) FROM d) AS dependent_a, "
        "(SELECT array_agg(d.source_b) FROM d) AS dependent_b, "
        "(SELECT array_agg(d.probability) FROM d) AS dependence, "
        "ps.source_id AS p_scored, ps.reliability AS p_reliability, ps.hit AS p_hit, "
        "ps.weight AS p_weight, ps.claims AS p_claims, ps.copying AS p_copying, "
        "(SELECT array_agg(pd.source_a) FROM pd) AS p_dependent_a, "
        "(SELECT array_agg(pd.source_b) FROM pd) AS p_dependent_b, "
        "(SELECT array_agg(pd.probability) FROM pd) AS p_dependence, "
        f"EXISTS (SELECT 1 FROM {p_score}) AS p_kept "
        f"FROM c {'CROSS JOIN sc ' if async_commit else ''}"
        "LEFT JOIN s ON s.source_id = c.source_id "
        "LEFT JOIN ps ON ps.source_id = c.source_id "
        "LEFT JOIN LATERAL (SELECT coalesce(fs.estimate, fs.trust) AS estimate "
        f"FROM {table(ns.name, '_kg_fact_score')} fs WHERE fs.fact_id = c.fact_id LIMIT 1) fs "
        "ON true "
        "CROSS JOIN LATERAL (SELECT v.uid, v.name, v.label "
        f"FROM {table(ns.name, '_kg_vertex')} v WHERE v.id = c.source_id LIMIT 1) v "
        "ORDER BY c.observed_at, c.fact_id, c.source_id"
    )


async def item_state(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    fact_id: int,
    predicate: str,
    *,
    source_label: bool = True,
    async_commit: bool = False,
) -> ItemState:
    """The state of the data item of fact ``fact_id`` (a ``predicate`` edge), read in one
    statement: the item's edges by AGE's start_id index, their claims, the source score
    rows locked ``FOR UPDATE`` (in source order, so concurrent updates of shared sources
    queue instead of deadlocking), the facts' stored trust, the Source properties of
    unscored sources (``source_label``: whether the namespace has a Source label yet),
    and the dependent pairs among the sources (the same arrays on every row).

    ``async_commit``: the transaction's commit does not wait for the WAL flush (set by
    this statement, which saves a round trip of its own), for a transaction that writes
    only derived data (scores ``kgmem verify`` recomputes from the durable claims)."""
    sql = _item_state_sql(ns, predicate, source_label, async_commit)
    records = await rows.fetch(conn, _ClaimState, sql, fact_id, predicate)
    stored: dict[int, SourceScore] = {}
    old_estimate: dict[int, float] = {}
    unscored: dict[int, SourceInfo] = {}
    uids: dict[str, int] = {}
    by_predicate: dict[int, SourcePredicateScore] = {}
    for r in records:
        uids[r.source_uid] = r.source_id
        if r.p_scored is not None:
            by_predicate[r.p_scored] = SourcePredicateScore(
                r.p_scored, predicate, r.p_reliability, r.p_hit, r.p_weight, r.p_claims, r.p_copying
            )
        if r.scored is not None:
            stored[r.scored] = SourceScore(
                r.scored,
                r.reliability,
                r.prior,
                r.hit,
                r.s_weight,
                r.claims,
                r.copying,
                r.scored_at,
                r.names_sensitivity,
                r.names_false_positive,
            )
        elif r.source_id not in unscored:
            unscored[r.source_id] = source_info(
                SourceRow(r.source_id, r.source_uid, r.source_name),
                decode(r.props) or {},
            )
        if r.old_estimate is not None:
            old_estimate[r.fact_id] = r.old_estimate
    first = records[0] if records else None
    return ItemState(
        claim_rows(records),
        stored,
        old_estimate,
        list(unscored.values()),
        _pairs(first.dependent_a, first.dependent_b, first.dependence) if first else [],
        uids,
        by_predicate,
        _pairs(first.p_dependent_a, first.p_dependent_b, first.p_dependence) if first else [],
        first is not None and first.p_kept,
    )


def _pairs(
    a: list[int] | None, b: list[int] | None, probability: list[float] | None
) -> list[tuple[int, int, float]]:
    """Dependent pairs from their three aggregated arrays (None: no pair)."""
    return list(zip(a or [], b or [], probability or [], strict=True))


async def store_item(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    facts: Sequence[FactScore],
    sources: Sequence[SourceScore],
    predicates: Sequence[SourcePredicateScore] = (),
) -> None:
    """An incremental update's fact and source scores, with one history row per source,
    and its sources' scores on the item's predicate, in one statement."""
    await conn.execute(
        f"WITH f AS (INSERT INTO {table(ns.name, '_kg_fact_score')} {FACT_SCORE_ROWS} "
        "ON CONFLICT (fact_id) DO UPDATE SET trust = excluded.trust, "
        "support = excluded.support, contradiction = excluded.contradiction, "
        "consensus = excluded.consensus, status = excluded.status, chosen = excluded.chosen, "
        "estimate = excluded.estimate, "
        f"scored_at = now()), p AS ({predicate_score_upsert(ns, first=_PREDICATES_AT)}), "
        + source_score_upsert(ns, first=_SOURCES_AT, run="'incremental'"),
        *fact_score_columns(facts),
        *source_score_columns(sources),
        *predicate_score_columns(predicates),
    )


async def item_fact(
    conn: asyncpg.Connection, ns: NamespaceRef, subject_id: int, predicate: str
) -> int | None:
    """The graph id of a fact of the data item (``subject_id``, ``predicate``), or None
    when it has none left."""
    found = await conn.fetchval(
        f"SELECT id FROM {table(ns.name, '_kg_fact')} WHERE subject_id = $1 AND predicate = $2 "
        "LIMIT 1",
        subject_id,
        predicate,
    )
    return None if found is None else int(found)


async def episode_claims(
    conn: asyncpg.Connection, ns: NamespaceRef, episode_uid: str
) -> list[tuple[int, str, int, int]]:
    """(fact id, predicate, subject id, source id) of each claim with a source that
    episode ``episode_uid`` made on a fact kgmem still believes."""
    found = await conn.fetch(
        f"SELECT c.fact_id, f.predicate, f.subject_id, c.source_id "
        f"FROM {table(ns.name, '_kg_claim')} c "
        f"JOIN {table(ns.name, '_kg_fact')} f ON f.id = c.fact_id "
        f"WHERE c.episode_id = (SELECT id FROM {table(ns.name, '_kg_vertex')} WHERE uid = $1) "
        "AND c.source_id IS NOT NULL AND f.expired_at IS NULL",
        episode_uid,
    )
    return [(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in found]
