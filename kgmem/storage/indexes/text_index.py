"""The keyword index of a namespace held against its rows: check, repair, compact.

The index (migration ``0018_keyword_index``) is derived data PostgreSQL keeps with the
rows: ``tsv`` is a generated column, its GIN index is WAL-logged like any other, and
``_kg_text_stats`` is written by triggers in the writing transaction. So it is as
durable as the rows and needs no rebuild in normal operation. This module can still
prove it: ``check`` recomputes every figure BM25 reads from the rows and counts what
differs; ``repair`` writes the statistics again from the rows; ``compact`` folds the
delta rows writers leave (each write adds rows; the sums are what count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import asyncpg

from kgmem.storage.sql import table

Kind = Literal["v", "f"]
SIDES: dict[Kind, str] = {"v": "_kg_vertex", "f": "_kg_fact"}
KIND_NAMES: dict[Kind, str] = {"v": "vertices", "f": "facts"}


@dataclass(frozen=True, slots=True)
class TextIndexCheck:
    """One kind's keyword statistics of a namespace beside what its rows give."""

    namespace: str
    kind: str
    """``vertices`` or ``facts``."""
    rows: int
    """Rows of the side table."""
    documents: int
    """Rows with at least one indexed lexeme, as the rows give them."""
    counted: int
    """Documents as the statistics count them."""
    tokens: int
    """Indexed tokens of those documents, as the rows give them."""
    counted_tokens: int
    """Tokens as the statistics count them."""
    mismatched_lexemes: int
    """Lexemes whose document frequency in the statistics differs from the rows'."""
    stat_rows: int
    """Rows of the statistics (more than one per key until compacted)."""

    @property
    def ok(self) -> bool:
        """Whether the statistics equal what the rows give."""
        return (
            self.documents == self.counted
            and self.tokens == self.counted_tokens
            and self.mismatched_lexemes == 0
        )


# The kind parameter ($1) as the statistics' "char" column (asyncpg sends "char" as bytes).
_KIND = '$1::text::"char"'


def _check_sql(namespace: str, kind: Kind) -> str:
    side, stats = table(namespace, SIDES[kind]), table(namespace, "_kg_text_stats")
    return (
        "WITH truth AS (SELECT u.lexeme, count(*)::bigint AS docs "
        f"FROM {side} s, unnest(s.tsv) u GROUP BY u.lexeme), "
        "kept AS (SELECT lexeme, sum(docs)::bigint AS docs "
        f"FROM {stats} WHERE kind = {_KIND} AND lexeme IS NOT NULL GROUP BY lexeme) "
        f"SELECT (SELECT count(*) FROM {side}) AS rows, "
        f"(SELECT count(*) FROM {side} WHERE length(tsv) > 0) AS documents, "
        f"(SELECT coalesce(sum(docs), 0) FROM {stats} WHERE kind = {_KIND} AND lexeme IS NULL) "
        "AS counted, "
        f"(SELECT coalesce(sum(kgmem.text_length(tsv)), 0) FROM {side}) AS tokens, "
        f"(SELECT coalesce(sum(tokens), 0) FROM {stats} WHERE kind = {_KIND} AND lexeme IS NULL) "
        "AS counted_tokens, "
        "(SELECT count(*) FROM truth t FULL JOIN kept k USING (lexeme) "
        " WHERE coalesce(t.docs, 0) <> coalesce(k.docs, 0)) AS mismatched_lexemes, "
        f"(SELECT count(*) FROM {stats} WHERE kind = {_KIND}) AS stat_rows"
    )


async def check(conn: asyncpg.Connection, namespace: str) -> list[TextIndexCheck]:
    """Each kind's statistics of ``namespace`` against its rows, in one snapshot when
    ``conn`` is in a repeatable-read transaction (else each kind in its own)."""
    found = []
    for kind in SIDES:
        record = await conn.fetchrow(_check_sql(namespace, kind), kind)
        assert record is not None
        found.append(
            TextIndexCheck(
                namespace=namespace, kind=KIND_NAMES[kind], **{k: int(v) for k, v in record.items()}
            )
        )
    return found


async def repair(conn: asyncpg.Connection, namespace: str) -> None:
    """Write ``namespace``'s statistics again from its rows, beside concurrent writers:
    one statement (one snapshot) deletes the rows it sees and inserts the figures of the
    rows it sees; deltas committed after that snapshot stay and stay right. Waits for a
    compaction of the namespace under way."""
    stats = table(namespace, "_kg_text_stats")
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('kgmem.text_stats'), hashtext($1))", namespace
    )
    parts = []
    for kind, side in SIDES.items():
        rows = table(namespace, side)
        parts.append(
            f"SELECT '{kind}'::\"char\", NULL::text, count(*), "
            f"coalesce(sum(kgmem.text_length(tsv)), 0) FROM {rows} WHERE length(tsv) > 0 "
            f"HAVING count(*) > 0 UNION ALL SELECT '{kind}', u.lexeme, count(*), 0 "
            f"FROM {rows} s, unnest(s.tsv) u GROUP BY u.lexeme"
        )
    await conn.execute(
        f"WITH gone AS (DELETE FROM {stats} RETURNING 1) "
        f"INSERT INTO {stats} (kind, lexeme, docs, tokens) "
        f"{' UNION ALL '.join(parts)}"
    )


async def compact(conn: asyncpg.Connection, namespace: str) -> int:
    """Fold ``namespace``'s statistics rows into one per key; the rows folded (0 when
    another compaction of it is under way)."""
    return int(await conn.fetchval("SELECT kgmem.compact_text_stats($1)", namespace))


async def set_configuration(conn: asyncpg.Connection, namespace: str, config: str) -> None:
    """Index ``namespace``'s texts under text search configuration ``config`` (already
    validated: ``configurations``), statistics recomputed, in the caller's transaction."""
    await conn.execute("SELECT kgmem.add_text_index($1, $2::regconfig)", namespace, config)


async def configurations(conn: asyncpg.Connection) -> list[str]:
    """The text search configurations the server has (``english``, ``simple``, ...)."""
    records = await conn.fetch("SELECT cfgname FROM pg_ts_config ORDER BY cfgname")
    return [name for (name,) in records]
