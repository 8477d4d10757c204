"""Fact revisions: the bi-temporal history of a fact's validity.

A fact's side row holds the version believed now (``valid_from``, ``valid_to``,
``expired_at``), believed since ``revised_at`` (null: since ``recorded_at``). Each
change of that version (a close, a reopen, a new validity written by uid) copies the
version it replaces, in the same statement, into ``_kg_fact_revision`` with the
known-time span ``[known_from, known_to)`` it was believed over. An "as of" read at
known time T' takes, per fact recorded by then, the version believed at T': the side
row's if it was revised by T' (or never), else the revision whose span holds T'.
Deleting a fact deletes its revisions: a delete erases, it is not a change of belief.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import asyncpg

from kgmem.model import Fact
from kgmem.storage import rows
from kgmem.storage.indexes.candidates import known_facts
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

# Keeps the side row's version as a revision and stamps the side row revised at $2;
# the caller's UPDATE of the same row follows in the same statement (a data-modifying
# CTE reads the row as it was before the statement).
_KEEP = """
INSERT INTO {revision} (fact_id, valid_from, valid_to, expired_at, known_from, known_to)
SELECT id, valid_from, valid_to, expired_at, coalesce(revised_at, recorded_at),
       greatest($2, coalesce(revised_at, recorded_at))
FROM {fact} WHERE id = $1
"""


# Whether an update (rows ``x`` of a uid ``u`` and a validity ``vf``, ``vt``) changes the
# validity of the stored fact ``f``.
CHANGED = "(f.valid_from, f.valid_to) IS DISTINCT FROM (x.vf, x.vt)"

# Keeps, as revisions, the versions of the facts an update (rows ``x``) changes the
# validity of; like ``_KEEP``, run in the update's statement.
KEEP_CHANGED = (
    "INSERT INTO {revision} (fact_id, valid_from, valid_to, expired_at, known_from, known_to) "
    "SELECT f.id, f.valid_from, f.valid_to, f.expired_at, coalesce(f.revised_at, f.recorded_at), "
    "greatest(now(), x.ra, coalesce(f.revised_at, f.recorded_at)) "
    f"FROM {{fact}} f JOIN x ON f.uid = x.u WHERE {CHANGED}"
)


# The ``revised_at`` such an update gives ``f``: now when it changes the validity.
REVISED_AT = (
    f"CASE WHEN {CHANGED} THEN greatest(now(), x.ra, coalesce(f.revised_at, f.recorded_at)) "
    "ELSE f.revised_at END"
)


def keep_changed_sql(ns: NamespaceRef) -> str:
    """``KEEP_CHANGED`` for namespace ``ns``."""
    return KEEP_CHANGED.format(
        revision=table(ns.name, "_kg_fact_revision"), fact=table(ns.name, "_kg_fact")
    )


def keep_sql(ns: NamespaceRef) -> str:
    """A statement part keeping fact ``$1``'s version as a revision, believed until
    ``$2`` (the change's known time); to be run with the change, in one statement
    (``WITH kept AS (...) UPDATE ...``)."""
    return _KEEP.format(
        revision=table(ns.name, "_kg_fact_revision"), fact=table(ns.name, "_kg_fact")
    )


async def forget(conn: asyncpg.Connection, ns: NamespaceRef, fact_ids: Sequence[int]) -> None:
    """Delete the revisions of the facts ``fact_ids`` (the facts are being deleted)."""
    await conn.execute(
        f"DELETE FROM {table(ns.name, '_kg_fact_revision')} WHERE fact_id = ANY($1::graphid[])",
        list(fact_ids),
    )


class _Believed(NamedTuple):
    """A fact's validity as believed at some known time."""

    id: int
    valid_from: datetime | None
    valid_to: datetime | None
    expired_at: datetime | None


async def as_known_facts(
    conn: asyncpg.Connection, ns: NamespaceRef, facts: Sequence[Fact], at: datetime
) -> list[Fact]:
    """``facts`` as believed at known time ``at``: those recorded by then, each with the
    version of its validity believed then, in their order."""
    if not facts:
        return []
    records = await rows.fetch(
        conn,
        _Believed,
        f"SELECT id, valid_from, valid_to, expired_at FROM ({known_facts(ns, '$2')}) k "
        "WHERE k.id = ANY($1::graphid[])",
        [f.id for f in facts],
        at,
    )
    then = {r.id: r for r in records}
    return [
        dataclasses.replace(
            f,
            valid_from=then[f.id].valid_from,
            valid_to=then[f.id].valid_to,
            expired_at=then[f.id].expired_at,
        )
        for f in facts
        if f.id in then
    ]


def current_at(fact: Fact, at: datetime) -> bool:
    """Whether ``fact`` (a version believed at ``at``) was current then: not closed,
    not ended."""
    open_ = fact.expired_at is None or fact.expired_at > at
    return open_ and (fact.valid_to is None or fact.valid_to > at)
