"""Writers of a namespace's BM25-indexed tables take a lock PostgreSQL can see first.

pg_textsearch holds a BM25 index's lock from a transaction's first insert into the
index until it ends, with interrupts held off and out of sight of the deadlock
detector; a BM25 search waits on the same lock. A writer holding it that then waits
for a row lock held by a second writer, itself waiting for the index, waited forever.

A statement-level BEFORE INSERT OR UPDATE trigger on every table of a namespace with a
BM25 index takes the namespace's transaction-level advisory lock before any row
reaches the index. Whoever inserts into the index therefore holds that lock, so no
writer ever waits on the index's own lock: it waits on the advisory lock, which the
deadlock detector sees, statement_timeout ends and cancellation reaches. A cycle of
waits becomes a deadlock error, which kgmem's writers retry.

Revision ID: 0900_text_index_locks
Revises: 0310_issue3_type_pass
Create Date: 2026-11-23
"""

from alembic import op

revision = "0900_text_index_locks"
down_revision = "0310_issue3_type_pass"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem.lock_text_index() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('kgmem.text_index'), hashtext(TG_TABLE_SCHEMA));
  RETURN NULL;
END
$fn$;

CREATE FUNCTION kgmem.add_text_index_locks(ns text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  tbl text;
BEGIN
  FOR tbl IN
    SELECT DISTINCT t.relname FROM pg_index i
    JOIN pg_class x ON x.oid = i.indexrelid
    JOIN pg_am a ON a.oid = x.relam
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = ns AND a.amname = 'bm25'
  LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER _kg_lock_text_index '
                   'BEFORE INSERT OR UPDATE ON %I.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION kgmem.lock_text_index()', ns, tbl);
  END LOOP;
END
$fn$;

SELECT kgmem.add_text_index_locks(name) FROM kgmem.namespace;
"""

DOWNGRADE = r"""
DO $drop$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT tgrelid::regclass AS rel FROM pg_trigger WHERE tgname = '_kg_lock_text_index'
  LOOP
    EXECUTE format('DROP TRIGGER _kg_lock_text_index ON %s', r.rel);
  END LOOP;
END
$drop$;
DROP FUNCTION kgmem.add_text_index_locks(text);
DROP FUNCTION kgmem.lock_text_index();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
