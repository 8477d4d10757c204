"""Import jobs shared by every server process: ``kgmem.import_job``.

One row per upload posted to ``POST /v1/namespaces/{ns}/imports``: its namespace, file
name, the API key that posted it (NULL: a local caller without a key), its status
(queued, running, finished, failed), progress counters, the final report or error as
JSON, and when it was created, last heard of and ended. Any server process answers a
poll from it, whichever took the upload. The process running a job writes its progress
and ``heartbeat_at`` every few seconds; a queued or running job whose heartbeat is
stale belongs to a process that died, and is marked failed
(``kgmem.storage.bulk.import_jobs``). The jobs go with their namespace (``ON DELETE
CASCADE``).

Revision ID: 0026_import_jobs
Revises: 0025_cypher_values
"""

from alembic import op

revision = "0026_import_jobs"
down_revision = "0025_cypher_values"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE kgmem.import_job (
  id           text PRIMARY KEY,
  namespace    text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  filename     text NOT NULL,
  key_id       text,
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'running', 'finished', 'failed')),
  records      bigint NOT NULL DEFAULT 0,
  bytes_read   bigint NOT NULL DEFAULT 0,
  bytes_total  bigint NOT NULL DEFAULT 0,
  embedded     bigint NOT NULL DEFAULT 0,
  report       jsonb,
  error        jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);

-- The jobs that count against the limits: few at any time, read on every admission.
CREATE INDEX import_job_active ON kgmem.import_job (key_id)
  WHERE status IN ('queued', 'running');
"""

DOWNGRADE = r"""
DROP TABLE kgmem.import_job;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
