"""Claims read as arrays for truth discovery, and the scores written back.

Reads join ``_kg_claim`` to the current facts and their object vertices (a claim's
*value* is the object's name, else its uid). Writes go to the score tables of
migration 0100 (``_kg_fact_score``, ``_kg_source_score``, ``_kg_source_history``,
``_kg_source_dependence``); a full run replaces them (claims out and fact scores in by
binary COPY, ``claim_columns``/``replace_all_columns``), an incremental one reads its
item in one statement and upserts in one (``item_state``/``store_item``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import numpy as np
import numpy.typing as npt

from kgmem.storage.agtype import decode
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table
from kgmem.storage.vertices import properties_of


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


def _rows(records: Sequence[asyncpg.Record]) -> ClaimRows:
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
    return _rows(await conn.fetch(_claims_sql(ns)))


def _current_item(ns: NamespaceRef, predicate: str, start: str) -> str:
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
        f"e AS MATERIALIZED (SELECT id FROM {table(ns.name, predicate)} WHERE start_id = {start}), "
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
        predicate,
    )
    return found


async def sources(
    conn: asyncpg.Connection, ns: NamespaceRef, ids: Sequence[int] | None = None
) -> list[SourceInfo]:
    """Source vertices (all, or those of ``ids``) with their declared kind and prior."""
    side = table(ns.name, "_kg_vertex")
    if ids is None:
        records = await conn.fetch(
            f"SELECT id, uid, name FROM {side} WHERE label = 'Source' ORDER BY id"
        )
    else:
        records = await conn.fetch(
            f"SELECT id, uid, name FROM {side} WHERE id = ANY($1::graphid[]) ORDER BY id", ids
        )
    props = await properties_of(conn, ns, [(r["id"], "Source") for r in records])
    return [_source(r, props.get(r["id"], {})) for r in records]


async def source_by_uid(conn: asyncpg.Connection, ns: NamespaceRef, uid: str) -> SourceInfo | None:
    """One Source vertex by uid, or None."""
    record = await conn.fetchrow(
        f"SELECT id, uid, name FROM {table(ns.name, '_kg_vertex')} "
        "WHERE uid = $1 AND label = 'Source'",
        uid,
    )
    if record is None:
        return None
    props = await properties_of(conn, ns, [(record["id"], "Source")])
    return _source(record, props.get(record["id"], {}))


def _source(record: asyncpg.Record | dict[str, Any], props: dict[str, Any]) -> SourceInfo:
    kind = props.get("kind")
    prior = props.get("prior_reliability")
    return SourceInfo(
        id=record["id"],
        uid=record["uid"],
        name=record["name"],
        kind=kind if isinstance(kind, str) else None,
        prior=float(prior) if isinstance(prior, int | float) else None,
    )


_FACT_SCORE_ROWS = (
    "(fact_id, trust, support, contradiction, consensus, status, chosen) "
    "SELECT * FROM unnest($1::graphid[], $2::float8[], $3::float8[], $4::int4[], "
    "$5::float8[], $6::text[], $7::bool[])"
)


def _fact_score_columns(scores: Sequence[FactScore]) -> list[list[Any]]:
    """The parameters of ``_FACT_SCORE_ROWS``: one array per column."""
    return [
        [s.fact_id for s in scores],
        [s.trust for s in scores],
        [s.support for s in scores],
        [s.contradiction for s in scores],
        [s.consensus for s in scores],
        [s.status for s in scores],
        [s.chosen for s in scores],
    ]


async def upsert_sources(
    conn: asyncpg.Connection, ns: NamespaceRef, scores: Sequence[SourceScore], *, run: str
) -> None:
    """Store source reliabilities (insert or replace) and append them to the history."""
    if not scores:
        return
    columns = (
        [s.source_id for s in scores],
        [s.reliability for s in scores],
        [s.prior for s in scores],
        [s.hit for s in scores],
        [s.weight for s in scores],
        [s.claims for s in scores],
        [s.copying for s in scores],
    )
    # One round trip: the upsert's rows feed the history insert.
    await conn.execute(
        f"WITH up AS (INSERT INTO {table(ns.name, '_kg_source_score')} (source_id, reliability, "
        "prior, hit, weight, claims, copying) "
        "SELECT * FROM unnest($1::graphid[], $2::float8[], $3::float8[], $4::float8[], "
        "$5::float8[], $6::int4[], $7::float8[]) "
        "ON CONFLICT (source_id) DO UPDATE SET reliability = excluded.reliability, "
        "prior = excluded.prior, hit = excluded.hit, weight = excluded.weight, "
        "claims = excluded.claims, copying = excluded.copying, scored_at = now() "
        "RETURNING source_id, reliability, claims) "
        f"INSERT INTO {table(ns.name, '_kg_source_history')} (source_id, reliability, claims, run) "
        "SELECT source_id, reliability, claims, $8 FROM up",
        *columns,
        run,
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
        "SELECT source_id, reliability, prior, hit, weight, claims, copying, scored_at "
        f"FROM {table(ns.name, '_kg_source_score')}"
    )
    records = (
        await conn.fetch(sql)
        if ids is None
        else await conn.fetch(
            sql
            + " WHERE source_id = ANY($1::graphid[]) ORDER BY source_id"
            + (" FOR UPDATE" if lock else ""),
            ids,
        )
    )
    return {r["source_id"]: SourceScore(*r) for r in records}


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
    records = await conn.fetch(
        "SELECT fact_id, trust, support, contradiction, consensus, status, chosen, scored_at "
        f"FROM {table(ns.name, '_kg_fact_score')} WHERE fact_id = ANY($1::graphid[])",
        fact_ids,
    )
    return {r["fact_id"]: FactScore(*r) for r in records}


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
        f"WITH {_current_item(ns, predicate, '$1')} "
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
    records = await conn.fetch(
        f"SELECT id, uid, name FROM {table(ns.name, '_kg_vertex')} "
        "WHERE label = 'Source' AND ($1::text IS NULL OR uid > $1) ORDER BY uid LIMIT $2",
        after,
        limit,
    )
    props = await properties_of(conn, ns, [(r["id"], "Source") for r in records])
    return [_source(r, props.get(r["id"], {})) for r in records]


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


# --- Full runs: claims out and fact scores in by binary COPY, as numpy columns. ---------

_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"

# One claim row of the binary COPY below: a field count, then per field its length
# and an 8-byte big-endian value (graphids are sent as int8).
_CLAIM_ROW = np.dtype(
    [
        ("n", ">i2"),
        *[
            item
            for name, kind in (
                ("fact", ">i8"),
                ("subject", ">i8"),
                ("object", ">i8"),
                ("source", ">i8"),
                ("weight", ">f8"),
                ("observed", ">i8"),
            )
            for item in ((f"{name}_len", ">i4"), (name, kind))
        ],
    ]
)


@dataclass(frozen=True, slots=True)
class ClaimColumns:
    """Every sourced claim on a current fact as numpy columns, in observation order
    (``observed_at``, then fact, then source, as ``ClaimRows``). A fact's predicate is
    the AGE label of its edge (``fact_id >> 48``, named in ``predicates``); a value is
    the object vertex, its text in ``values``."""

    fact_id: npt.NDArray[np.int64]
    subject_id: npt.NDArray[np.int64]
    object_id: npt.NDArray[np.int64]
    source_id: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]
    predicates: dict[int, str]
    values: dict[int, str]

    @property
    def label(self) -> npt.NDArray[np.int64]:
        """The AGE label id of each claim's fact (its predicate)."""
        out: npt.NDArray[np.int64] = self.fact_id >> 48
        return out


async def claim_columns(conn: asyncpg.Connection, ns: NamespaceRef) -> ClaimColumns:
    """All sourced claims on current facts: one binary COPY of fixed-width columns
    (sorted here, not by the server), then the texts of the distinct objects and the
    names of the edge labels."""
    chunks: list[bytes] = []

    async def sink(data: bytes) -> None:
        chunks.append(data)

    # A timestamptz goes out in binary as int8 microseconds, so observed_at needs no
    # conversion; the hash join of claims to facts fits in memory with a larger work_mem.
    async with conn.transaction(readonly=True):
        await conn.execute("SET LOCAL work_mem = '64MB'")
        await conn.copy_from_query(
            "SELECT c.fact_id, f.subject_id, f.object_id, c.source_id, "
            "coalesce(c.confidence, 1.0)::float8, c.observed_at "
            f"FROM {table(ns.name, '_kg_claim')} c JOIN {table(ns.name, '_kg_fact')} f "
            "ON f.id = c.fact_id WHERE c.source_id IS NOT NULL AND f.expired_at IS NULL",
            output=sink,
            format="binary",
        )
    rows = _parse_claims(b"".join(chunks))
    order = np.lexsort((rows["source"], rows["fact"], rows["observed"]))
    rows = rows[order]
    objects = np.unique(rows["object"])
    records = await conn.fetch(
        f"SELECT id, coalesce(name, uid) FROM {table(ns.name, '_kg_vertex')} "
        "WHERE id = ANY($1::graphid[])",
        objects.tolist(),
    )
    labels = await conn.fetch(
        "SELECT id, name::text FROM ag_catalog.ag_label WHERE graph = $1 AND kind = 'e'",
        ns.graph_oid,
    )
    return ClaimColumns(
        fact_id=rows["fact"].astype(np.int64),
        subject_id=rows["subject"].astype(np.int64),
        object_id=rows["object"].astype(np.int64),
        source_id=rows["source"].astype(np.int64),
        weight=rows["weight"].astype(np.float64),
        predicates={int(r[0]): r[1] for r in labels},
        values={r[0]: r[1] for r in records},
    )


def _parse_claims(data: bytes) -> npt.NDArray[Any]:
    """The rows of a binary COPY of ``_CLAIM_ROW`` tuples."""
    if not data.startswith(_COPY_SIGNATURE):
        raise ValueError("not a binary COPY stream")
    start = len(_COPY_SIGNATURE) + 4
    start += 4 + int.from_bytes(data[start : start + 4], "big")  # header extension
    end = len(data) - 2  # the trailer: a field count of -1
    count = (end - start) // _CLAIM_ROW.itemsize
    rows = np.frombuffer(data, dtype=_CLAIM_ROW, count=count, offset=start)
    if count and (np.any(rows["n"] != 6) or np.any(rows["weight_len"] != 8)):
        raise ValueError("unexpected row layout in the binary COPY stream")
    return rows


@dataclass(frozen=True, slots=True)
class FactScoreColumns:
    """A full run's fact scores as columns (one entry per fact)."""

    fact_id: npt.NDArray[np.int64]
    trust: npt.NDArray[np.float64]
    support: npt.NDArray[np.float64]
    contradiction: npt.NDArray[np.int64]
    consensus: npt.NDArray[np.float64]
    status: list[str]
    chosen: npt.NDArray[np.bool_]


async def replace_all_columns(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    facts: FactScoreColumns,
    source_scores: Sequence[SourceScore],
    dependence: Sequence[tuple[int, int, float]],
) -> None:
    """A full run's results: the score tables emptied, fact scores copied in (binary
    COPY), sources upserted with one history row each, dependent pairs inserted."""
    await conn.execute(
        "TRUNCATE "
        + ", ".join(
            table(ns.name, n)
            for n in ("_kg_fact_score", "_kg_source_score", "_kg_source_dependence")
        )
    )
    if len(facts.fact_id):
        await conn.copy_records_to_table(
            "_kg_fact_score",
            schema_name=ns.name,
            columns=[
                "fact_id",
                "trust",
                "support",
                "contradiction",
                "consensus",
                "status",
                "chosen",
            ],
            records=zip(
                facts.fact_id.tolist(),
                facts.trust.tolist(),
                facts.support.tolist(),
                facts.contradiction.tolist(),
                facts.consensus.tolist(),
                facts.status,
                facts.chosen.tolist(),
                strict=True,
            ),
        )
    await upsert_sources(conn, ns, source_scores, run="full")
    if dependence:
        await conn.execute(
            f"INSERT INTO {table(ns.name, '_kg_source_dependence')} "
            "SELECT * FROM unnest($1::graphid[], $2::graphid[], $3::float8[])",
            [d[0] for d in dependence],
            [d[1] for d in dependence],
            [d[2] for d in dependence],
        )


# --- Incremental updates: the item's state in one round trip, its scores in one. -------


@dataclass(frozen=True, slots=True)
class ItemState:
    """What re-scoring one data item needs: its claims, the stored scores of its sources
    (locked until the transaction ends) and of its facts, the declared kind and prior
    of its sources never scored, and the stored dependent pairs among its sources."""

    rows: ClaimRows
    stored: dict[int, SourceScore]
    old_trust: dict[int, float]
    unscored: list[SourceInfo]
    dependence: list[tuple[int, int, float]]
    source_uids: dict[str, int]


def _item_state_sql(ns: NamespaceRef, predicate: str, source_label: bool) -> str:
    label = table(ns.name, predicate)
    score = table(ns.name, "_kg_source_score")
    dep = table(ns.name, "_kg_source_dependence")
    props = (
        "CASE WHEN s.source_id IS NULL AND v.label = 'Source' THEN (SELECT x.properties::text "
        f"FROM {table(ns.name, 'Source')} x WHERE x.id = c.source_id) END"
        if source_label
        else "NULL::text"
    )
    start = f"(SELECT start_id FROM {label} WHERE id = $1)"
    return (
        f"WITH {_current_item(ns, predicate, start)}, "
        "u AS MATERIALIZED (SELECT DISTINCT source_id FROM c), "
        "s AS MATERIALIZED (SELECT x.* FROM (SELECT source_id FROM u ORDER BY source_id) u "
        "CROSS JOIN LATERAL (SELECT source_id, reliability, prior, hit, weight, claims, "
        f"copying, scored_at FROM {score} x WHERE x.source_id = u.source_id FOR UPDATE) x), "
        "d AS MATERIALIZED (SELECT d.source_a, d.source_b, d.probability FROM u "
        "CROSS JOIN LATERAL (SELECT source_a, source_b, probability "
        f"FROM {dep} WHERE source_a = u.source_id OFFSET 0) d "
        "WHERE d.source_b IN (SELECT source_id FROM u)) "
        "SELECT c.fact_id, c.subject_id, c.predicate, c.value, c.source_id, c.weight, "
        "s.source_id AS scored, s.reliability, s.prior, s.hit, s.weight AS s_weight, s.claims, "
        "s.copying, s.scored_at, fs.trust AS old_trust, "
        f"{props} AS props, "
        "v.uid AS source_uid, v.name AS source_name, "
        "(SELECT array_agg(d.source_a) FROM d), "
        "(SELECT array_agg(d.source_b) FROM d), "
        "(SELECT array_agg(d.probability) FROM d) "
        "FROM c LEFT JOIN s ON s.source_id = c.source_id "
        "LEFT JOIN LATERAL (SELECT fs.trust "
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
) -> ItemState:
    """The state of the data item of fact ``fact_id`` (a ``predicate`` edge), read in one
    statement: the item's edges by AGE's start_id index, their claims, the source score
    rows locked ``FOR UPDATE`` (in source order, so concurrent updates of shared sources
    queue instead of deadlocking), the facts' stored trust, the Source properties of
    unscored sources (``source_label``: whether the namespace has a Source label yet),
    and the dependent pairs among the sources (the same arrays on every row)."""
    records = await conn.fetch(_item_state_sql(ns, predicate, source_label), fact_id, predicate)
    stored: dict[int, SourceScore] = {}
    old_trust: dict[int, float] = {}
    unscored: dict[int, SourceInfo] = {}
    uids: dict[str, int] = {}
    for r in records:
        uids[r["source_uid"]] = r["source_id"]
        if r["scored"] is not None:
            stored[r["scored"]] = SourceScore(
                r["scored"],
                r["reliability"],
                r["prior"],
                r["hit"],
                r["s_weight"],
                r["claims"],
                r["copying"],
                r["scored_at"],
            )
        elif r["source_id"] not in unscored:
            unscored[r["source_id"]] = _source(
                {"id": r["source_id"], "uid": r["source_uid"], "name": r["source_name"]},
                decode(r["props"]) or {},
            )
        if r["old_trust"] is not None:
            old_trust[r["fact_id"]] = r["old_trust"]
    first = records[0] if records else None
    pairs = (
        list(zip(first[18], first[19], first[20], strict=True))
        if first is not None and first[18]
        else []
    )
    return ItemState(_rows(records), stored, old_trust, list(unscored.values()), pairs, uids)


async def store_item(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    facts: Sequence[FactScore],
    sources: Sequence[SourceScore],
) -> None:
    """An incremental update's fact and source scores, with one history row per source,
    in one statement."""
    await conn.execute(
        f"WITH f AS (INSERT INTO {table(ns.name, '_kg_fact_score')} {_FACT_SCORE_ROWS} "
        "ON CONFLICT (fact_id) DO UPDATE SET trust = excluded.trust, "
        "support = excluded.support, contradiction = excluded.contradiction, "
        "consensus = excluded.consensus, status = excluded.status, chosen = excluded.chosen, "
        "scored_at = now()), "
        f"up AS (INSERT INTO {table(ns.name, '_kg_source_score')} (source_id, reliability, "
        "prior, hit, weight, claims, copying) "
        "SELECT * FROM unnest($8::graphid[], $9::float8[], $10::float8[], $11::float8[], "
        "$12::float8[], $13::int4[], $14::float8[]) "
        "ON CONFLICT (source_id) DO UPDATE SET reliability = excluded.reliability, "
        "prior = excluded.prior, hit = excluded.hit, weight = excluded.weight, "
        "claims = excluded.claims, copying = excluded.copying, scored_at = now() "
        "RETURNING source_id, reliability, claims) "
        f"INSERT INTO {table(ns.name, '_kg_source_history')} (source_id, reliability, claims, run) "
        "SELECT source_id, reliability, claims, 'incremental' FROM up",
        *_fact_score_columns(facts),
        [s.source_id for s in sources],
        [s.reliability for s in sources],
        [s.prior for s in sources],
        [s.hit for s in sources],
        [s.weight for s in sources],
        [s.claims for s in sources],
        [s.copying for s in sources],
    )
