"""A generated store for ``bench search``, loaded with COPY straight into AGE's label
tables and kgmem's side tables (the write path does ~700 entities/s with vectors: hours
at 1M). Indexes that are cheaper to build than to maintain (HNSW, keyword GIN) are dropped
before the load and rebuilt after it, then everything is analysed.

The data: ``n`` entities over five labels (every fifth an ``Event`` with a start time),
each with a 384-dimension clustered unit vector (``bench.generate.Graph``), a point
uniform on the sphere, a name and a three-word summary from a 4,000-word vocabulary;
two facts per entity with validity times (a fifth of them closed), a text, and for
events a ``CAUSES`` edge with a strength to a later event (the causal subgraph).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import numpy as np
from pgvector import Vector

from bench.generate import Graph
from kgmem.process.resources import resource_dir
from kgmem.schema import load_schema, schema_files
from kgmem.storage.graph import namespaces
from kgmem.storage.graph.labels import LabelCatalog
from kgmem.storage.indexes import text_index
from kgmem.storage.sql import table

LABELS = ("Person", "Organization", "Place", "Concept", "Event")
PREDICATES = ("WORKS_AT", "LOCATED_IN", "PART_OF", "RELATED_TO")
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ren",
    "tos",
    "vu",
    "ber",
    "sal",
    "dun",
    "qui",
    "far",
    "zem",
    "pol",
    "nix",
    "ora",
    "tev",
    "gad",
    "hum",
    "jor",
    "wes",
)
CHUNK = 20_000


def vocabulary(size: int = 4000) -> list[str]:
    """Deterministic pseudo-words of two or three syllables."""
    s = SYLLABLES
    words = [a + b for a in s for b in s] + [a + b + c for a in s for b in s for c in s]
    return words[:size]


@dataclass
class Store:
    """What the queries need to know about the generated data."""

    n: int
    graph: Graph
    names: list[str]
    summaries: list[str]
    lat: np.ndarray
    lon: np.ndarray
    events: np.ndarray


def generate(n: int, seed: int = 11) -> Store:
    graph = Graph(n, seed=seed)
    rng = np.random.default_rng(seed)
    vocab = vocabulary()
    picks = rng.integers(0, len(vocab), size=(n, 3))
    names = [
        f"{vocab[(i * 7) % len(vocab)].title()} {vocab[(i * 13 + 5) % len(vocab)].title()} {i}"
        for i in range(n)
    ]
    summaries = [" ".join(vocab[j] for j in row) for row in picks]
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lon = rng.uniform(-180, 180, n)
    events = np.arange(4, n, 5)
    return Store(n, graph, names, summaries, lat, lon, events)


def uid(i: int) -> str:
    return f"e{i:07d}"


async def load(conn: asyncpg.Connection, namespace: str, store: Store) -> None:
    """COPY the store into ``namespace`` (already created, empty)."""
    ns = await namespaces.resolve(conn, namespace)
    # The labels it writes, made as kgmem makes them on their first use.
    catalog, schema = LabelCatalog(), load_schema(schema_files(resource_dir("graph_schema")))
    await catalog.ensure(conn, ns, LABELS, "vertex", schema)
    await catalog.ensure(conn, ns, (*PREDICATES, "CAUSES"), "edge", schema)
    labels = await catalog.known(conn, ns)
    # A load and its index builds outlast any request's timeout: lift it and rename the
    # backend as kgmem's own imports do, so the server's watchdog leaves it alone.
    await conn.execute("SET statement_timeout = 0")
    await conn.execute("SET application_name = 'kgmem-import'")
    # HNSW builds fast only while its graph fits in maintenance_work_mem (~2 GB at 1M).
    memory = "4GB" if store.n > 200_000 else "1GB"
    await conn.execute(f"SET maintenance_work_mem = '{memory}'")
    await conn.execute("SET max_parallel_maintenance_workers = 2")
    # The HNSW indexes come back as the namespace made them (its settings' m and
    # ef_construction): the store is measured with the index kgmem itself builds.
    vector_indexes = await conn.fetch(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 "
        "AND indexname IN ('_kg_vertex_embedding', '_kg_fact_embedding') ORDER BY indexname",
        namespace,
    )
    for index in ("_kg_vertex_embedding", "_kg_vertex_text", "_kg_fact_text", "_kg_fact_embedding"):
        await conn.execute(f"DROP INDEX IF EXISTS {table(namespace, index)}")
    ids = await _vertices(conn, namespace, labels, store)
    print("  vertices copied", flush=True)
    await _facts(conn, namespace, labels, store, ids)
    print("  facts copied; building HNSW and keyword indexes ...", flush=True)
    await _rebuild(conn, namespace, [r["indexdef"] for r in vector_indexes])
    await conn.execute("RESET statement_timeout")
    await conn.execute("RESET application_name")


async def _vertices(
    conn: asyncpg.Connection, ns: str, labels: dict[str, Any], store: Store
) -> np.ndarray:
    n = store.n
    label_of = [LABELS[i % len(LABELS)] for i in range(n)]
    seq = {lab: 0 for lab in LABELS}
    ids = np.zeros(n, dtype=np.int64)
    for i, lab in enumerate(label_of):
        seq[lab] += 1
        ids[i] = (labels[lab].label_id << 48) | seq[lab]
    for lab in LABELS:
        await conn.execute(
            "SELECT setval($1::regclass, $2)", table(ns, labels[lab].seq_name), max(seq[lab], 1)
        )
    starts = {int(i): EPOCH + timedelta(days=int(i) % 3650) for i in store.events}
    for lab in LABELS:
        rows = []
        for i in range(n):
            if label_of[i] != lab:
                continue
            props = {"name": store.names[i], "summary": store.summaries[i], "uid": uid(i)}
            if i in starts:
                props["starts_at"] = starts[i].isoformat()
            rows.append((int(ids[i]), json.dumps(props)))
        await _copy_csv(conn, ns, lab, ["id", "properties"], rows)
    side = [
        (
            int(ids[i]),
            uid(i),
            label_of[i],
            store.names[i],
            f"{store.names[i]}\n{store.summaries[i]}",
            float(store.lat[i]),
            float(store.lon[i]),
            starts.get(i),
        )
        for i in range(n)
    ]
    for lo in range(0, n, CHUNK):
        await conn.copy_records_to_table(
            "_kg_vertex",
            schema_name=ns,
            records=side[lo : lo + CHUNK],
            columns=["id", "uid", "label", "name", "text", "lat", "lon", "occurred_at"],
        )
        vectors = [
            (int(ids[i]), Vector(store.graph.vectors[i])) for i in range(lo, min(n, lo + CHUNK))
        ]
        await conn.copy_records_to_table(
            "_kg_vertex_vector", schema_name=ns, records=vectors, columns=["id", "embedding"]
        )
    return ids


async def _facts(
    conn: asyncpg.Connection, ns: str, labels: dict[str, Any], store: Store, ids: np.ndarray
) -> None:
    n = store.n
    rng = np.random.default_rng(5)
    now = datetime.now(UTC)
    events = store.events
    by_pred: dict[str, list[tuple[Any, ...]]] = {p: [] for p in (*PREDICATES, "CAUSES")}
    side = []
    seq = {p: 0 for p in by_pred}
    for k in range(2 * n):
        i = k // 2
        if k % 2 == 1 and i % 5 == 4 and i + 5 < n:
            pred = "CAUSES"
            later = events[np.searchsorted(events, i, side="right") :]
            j = int(later[min(len(later) - 1, int(rng.integers(0, 6)))])
        else:
            pred = PREDICATES[k % len(PREDICATES)]
            j = int(rng.integers(0, n))
            j = (j + 1) % n if j == i else j
        seq[pred] += 1
        fid = (labels[pred].label_id << 48) | seq[pred]
        vf = EPOCH + timedelta(days=int(rng.integers(0, 3650)))
        rec = vf + timedelta(days=1)
        closed = k % 5 == 0
        vt = vf + timedelta(days=int(rng.integers(30, 900))) if closed else None
        exp = min(now, (vt or now) + timedelta(days=1)) if closed else None
        text = f"{store.names[i]} {pred.replace('_', ' ').lower()} {store.names[j]}"
        props: dict[str, Any] = {
            "uid": f"f{k:08d}",
            "valid_from": _ts(vf),
            "valid_to": _ts(vt),
            "recorded_at": _ts(rec),
            "expired_at": _ts(exp),
            "confidence": 0.9,
            "text": text,
        }
        if pred == "CAUSES":
            props["strength"] = round(float(rng.uniform(0.3, 1.0)), 3)
        by_pred[pred].append((fid, int(ids[i]), int(ids[j]), json.dumps(props)))
        side.append((fid, f"f{k:08d}", pred, int(ids[i]), int(ids[j]), vf, vt, rec, exp, 0.9, text))
    for pred, rows in by_pred.items():
        await conn.execute(
            "SELECT setval($1::regclass, $2)", table(ns, labels[pred].seq_name), max(seq[pred], 1)
        )
        await _copy_csv(conn, ns, pred, ["id", "start_id", "end_id", "properties"], rows)
    for lo in range(0, len(side), CHUNK):
        await conn.copy_records_to_table(
            "_kg_fact",
            schema_name=ns,
            records=side[lo : lo + CHUNK],
            columns=[
                "id",
                "uid",
                "predicate",
                "subject_id",
                "object_id",
                "valid_from",
                "valid_to",
                "recorded_at",
                "expired_at",
                "confidence",
                "text",
            ],
        )


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def _copy_csv(
    conn: asyncpg.Connection, ns: str, name: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    for lo in range(0, len(rows), CHUNK):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows[lo : lo + CHUNK])
        await conn.copy_to_table(
            name,
            schema_name=ns,
            columns=columns,
            format="csv",
            source=io.BytesIO(buffer.getvalue().encode()),
        )


async def _rebuild(conn: asyncpg.Connection, ns: str, vector_indexes: list[str]) -> None:
    for definition in vector_indexes:
        await conn.execute(definition)
    for side in ("_kg_vertex", "_kg_fact"):
        await conn.execute(f"CREATE INDEX {side}_text ON {table(ns, side)} USING gin (tsv)")
    # The keyword statistics folded, as the server's keyword upkeep does after writes.
    await text_index.compact(conn, ns)
    # VACUUM as autovacuum would soon after a load on a live store: hint bits and the
    # visibility map set, so the measured searches do not set them on first reading.
    for side in ("_kg_vertex", "_kg_fact", "_kg_vertex_vector", "_kg_text_stats"):
        await conn.execute(f"VACUUM (ANALYZE) {table(ns, side)}")
    for label in (*LABELS, *PREDICATES, "CAUSES"):
        await conn.execute(f"VACUUM (ANALYZE) {table(ns, label)}")
