"""The import journal: a batch's transaction settings, the batches already committed
(so a rerun resumes), the RDF terms a load chose, and the type pass's labels."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import asyncpg
import orjson

from kgmem.storage.bulk.copy_format import field


async def lift_timeout(conn: asyncpg.Connection) -> None:
    """No statement or idle timeout for the rest of this transaction: a batch of a
    large load, an index build or ANALYZE may rightly take longer than a request may,
    and the loader may read and parse the next rows meanwhile (the backend is renamed
    too, so the watchdog leaves it alone)."""
    await conn.execute(
        "SELECT set_config('statement_timeout', '0', true), "
        "set_config('idle_in_transaction_session_timeout', '0', true), "
        "set_config('application_name', 'kgmem-import', true)"
    )


async def commit_without_flush(conn: asyncpg.Connection) -> None:
    """Let this transaction's COMMIT return before its WAL reaches disk. A batch is
    journalled in its own transaction, so a crash that loses a just-committed batch
    loses its journal row with it, and the rerun writes the batch again; nothing is
    half-loaded either way."""
    await conn.execute("SET LOCAL synchronous_commit = off")


async def committed_batches(
    conn: asyncpg.Connection, namespace: str, load_key: str
) -> dict[int, dict[str, int]]:
    """The batches of load ``load_key`` already committed in ``namespace``, with counts."""
    records = await conn.fetch(
        "SELECT batch_no, counts FROM kgmem.import_batch WHERE namespace = $1 AND load_key = $2",
        namespace,
        load_key,
    )
    return {batch_no: orjson.loads(counts) for batch_no, counts in records}


async def record_batch(
    conn: asyncpg.Connection,
    namespace: str,
    load_key: str,
    batch_no: int,
    counts: Mapping[str, int],
) -> None:
    """Journal a batch as committed (inside the batch's own transaction)."""
    await conn.execute(
        "INSERT INTO kgmem.import_batch (namespace, load_key, batch_no, counts) "
        "VALUES ($1, $2, $3, $4::jsonb)",
        namespace,
        load_key,
        batch_no,
        orjson.dumps(dict(counts)).decode(),
    )


async def read_terms(conn: asyncpg.Connection, namespace: str) -> list[tuple[str, str, str]]:
    """The (kind, name, iri) terms an RDF import chose in ``namespace``."""
    records = await conn.fetch(
        "SELECT kind, name, iri FROM kgmem.rdf_term WHERE namespace = $1 ORDER BY kind, name",
        namespace,
    )
    return [(kind, name, iri) for kind, name, iri in records]


async def write_terms(
    conn: asyncpg.Connection, namespace: str, terms: Sequence[tuple[str, str, str]]
) -> None:
    """Record newly chosen (kind, name, iri) terms."""
    if terms:
        await conn.execute(
            "INSERT INTO kgmem.rdf_term (namespace, kind, name, iri) "
            "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING",
            namespace,
            [k for k, _, _ in terms],
            [n for _, n, _ in terms],
            [i for _, _, i in terms],
        )


async def clear_types(conn: asyncpg.Connection, namespace: str, load_key: str) -> None:
    """Forget the subject labels a type pass of this load wrote."""
    await conn.execute(
        "DELETE FROM kgmem.import_type WHERE namespace = $1 AND load_key = $2",
        namespace,
        load_key,
    )


async def write_types(
    conn: asyncpg.Connection,
    namespace: str,
    load_key: str,
    rows: Sequence[tuple[str, int, str]],
) -> None:
    """Record (subject uid, line, label) rows of a type pass."""
    payload = "".join(
        f"{field(namespace)}\t{field(load_key)}\t{field(uid)}\t{line}\t{field(label)}\n"
        for uid, line, label in rows
    ).encode()
    if payload:
        await conn.copy_to_table(
            "import_type",
            schema_name="kgmem",
            columns=["namespace", "load_key", "uid", "line", "label"],
            source=io.BytesIO(payload),
            format="text",
        )


async def first_types(
    conn: asyncpg.Connection, namespace: str, load_key: str, uids: Sequence[str]
) -> dict[str, str]:
    """The label of each of ``uids`` that the type pass found a type for: that of its
    first ``rdf:type`` statement in the file."""
    if not uids:
        return {}
    records = await conn.fetch(
        "SELECT DISTINCT ON (uid) uid, label FROM kgmem.import_type "
        "WHERE namespace = $1 AND load_key = $2 AND uid = ANY($3::text[]) ORDER BY uid, line",
        namespace,
        load_key,
        list(uids),
    )
    return {uid: label for uid, label in records}
