"""A full truth-discovery run's data: every claim out and every score in by binary
COPY, as numpy columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import numpy as np
import numpy.typing as npt

from kgmem.schema import label_names
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table
from kgmem.storage.truth.claims import (
    SourcePredicateScore,
    SourceScore,
    predicate_score_columns,
    predicate_score_upsert,
    upsert_sources,
)

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
        predicates={int(r[0]): label_names.written(r[1]) for r in labels},
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
    estimate: npt.NDArray[np.float64]


async def replace_all_columns(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    facts: FactScoreColumns,
    source_scores: Sequence[SourceScore],
    dependence: Sequence[tuple[int, int, float]],
    *,
    by_predicate: tuple[Sequence[SourcePredicateScore], Sequence[tuple[int, int, str, float]]] = (
        (),
        (),
    ),
) -> None:
    """A full run's results: the score tables emptied, fact scores copied in (binary
    COPY), sources upserted with one history row each, dependent pairs inserted; the
    same per (source, predicate) (``by_predicate``: the rows, and the dependent pairs
    as source a, source b, predicate, probability) when the estimator learnt them."""
    await conn.execute(
        "TRUNCATE "
        + ", ".join(
            table(ns.name, n)
            for n in (
                "_kg_fact_score",
                "_kg_source_score",
                "_kg_source_dependence",
                "_kg_source_predicate_score",
                "_kg_source_predicate_dependence",
            )
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
                "estimate",
            ],
            records=zip(
                facts.fact_id.tolist(),
                facts.trust.tolist(),
                facts.support.tolist(),
                facts.contradiction.tolist(),
                facts.consensus.tolist(),
                facts.status,
                facts.chosen.tolist(),
                facts.estimate.tolist(),
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
    await _predicate_rows(conn, ns, *by_predicate)


async def _predicate_rows(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    scores: Sequence[SourcePredicateScore],
    dependence: Sequence[tuple[int, int, str, float]],
) -> None:
    """A full run's per-(source, predicate) reliabilities and dependent pairs."""
    if scores:
        await conn.execute(predicate_score_upsert(ns, first=1), *predicate_score_columns(scores))
    if dependence:
        await conn.execute(
            f"INSERT INTO {table(ns.name, '_kg_source_predicate_dependence')} "
            "(source_a, source_b, predicate, probability) "
            "SELECT * FROM unnest($1::graphid[], $2::graphid[], $3::text[], $4::float8[])",
            [d[0] for d in dependence],
            [d[1] for d in dependence],
            [d[2] for d in dependence],
            [d[3] for d in dependence],
        )
