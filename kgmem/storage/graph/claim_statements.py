"""The validity a fact takes when the write that made it is forgotten.

A fact keeps the validity of the write that made it; a later write of the same
statement adds only its claim, which keeps the validity that write stated
(``_kg_claim.stated_from``/``stated_to``). When an episode or a source is forgotten
and others still claim one of its facts, the fact must read as if the forgotten writes
had never been made: if only forgotten claims stated its validity, it takes the one its
earliest remaining claim stated (the write that would have made it). A validity that
no claim stated (set by an update in place, or by hand) stays, and so does one whose
earliest remaining claim does not know what its write stated (a bulk import's source
claims).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import asyncpg

from kgmem.storage import rows
from kgmem.storage.graph.facts import mirror_fields
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table


class Restated(NamedTuple):
    """A fact whose validity ``restate`` changed: its graph id, label and the new
    validity (``valid_to`` as stored: a close by a supersession is kept)."""

    id: int
    predicate: str
    valid_from: datetime | None
    valid_to: datetime | None
    expired_at: datetime | None


async def restate(
    conn: asyncpg.Connection, ns: NamespaceRef, claimant: str, claimant_id: int
) -> list[Restated]:
    """Give each fact that ``claimant_id`` (``claimant``: the claim column,
    ``episode_id`` or ``source_id``) and others claim the validity its earliest other
    claim stated, where only this claimant's claims stated the stored one; call before
    those claims are dropped. Returns the facts changed."""
    claims, fact = table(ns.name, "_kg_claim"), table(ns.name, "_kg_fact")
    same = (
        "c.stated AND c.stated_from IS NOT DISTINCT FROM f.valid_from "
        "AND (f.closed_by IS NOT NULL OR c.stated_to IS NOT DISTINCT FROM f.valid_to)"
    )
    changed = await rows.fetch(
        conn,
        Restated,
        f"WITH mine AS (SELECT DISTINCT fact_id FROM {claims} WHERE {claimant} = $1), "
        f"first AS (SELECT DISTINCT ON (c.fact_id) c.fact_id, c.stated_from, c.stated_to, "
        "c.stated "
        f"  FROM {claims} c JOIN mine m ON m.fact_id = c.fact_id "
        f"  WHERE c.{claimant} IS DISTINCT FROM $1 "
        "  ORDER BY c.fact_id, c.observed_at, c.stated_from NULLS FIRST) "
        f"UPDATE {fact} f SET valid_from = n.stated_from, "
        "valid_to = CASE WHEN f.closed_by IS NULL THEN n.stated_to ELSE f.valid_to END "
        "FROM first n WHERE f.id = n.fact_id AND n.stated "
        f"AND EXISTS (SELECT 1 FROM {claims} c WHERE c.fact_id = f.id AND c.{claimant} = $1 "
        f"AND {same}) "
        f"AND NOT EXISTS (SELECT 1 FROM {claims} c WHERE c.fact_id = f.id "
        f"AND c.{claimant} IS DISTINCT FROM $1 AND {same}) "
        "AND (n.stated_from IS DISTINCT FROM f.valid_from "
        "OR (f.closed_by IS NULL AND n.stated_to IS DISTINCT FROM f.valid_to)) "
        "RETURNING f.id, f.predicate, f.valid_from, f.valid_to, f.expired_at",
        claimant_id,
    )
    for r in changed:
        await mirror_fields(
            conn, ns, r.id, r.predicate, valid_from=r.valid_from, valid_to=r.valid_to
        )
    return changed
