"""Label sets with underscores fit: a composite label name that would pass 63 bytes in
the original spelling writes ``_`` as ``_x`` (two bytes, not six), so the label sets
Neo4j's libraries use (``{Person, __Entity__, __KGBuilder__}``, ``{Chunk, __Node__}``)
have a table (``kgmem.cypher.label_sets``).

A name that fits in the original spelling keeps it, so every composite label already
stored keeps its name; ``_label_list`` reads both spellings.

Revision ID: 0036_compact_label_sets
Revises: 0035_apoc_writes
"""

from alembic import op

revision = "0036_compact_label_sets"
down_revision = "0035_apoc_writes"
branch_labels = None
depends_on = None

_LIST = r"""
CREATE OR REPLACE FUNCTION kgmem_cypher._label_list(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN name = '' THEN ARRAY[]::text[]
              WHEN left(name, 10) <> '__kgmem_L_' THEN ARRAY[name] ELSE ARRAY(
    SELECT (SELECT coalesce(string_agg(
              CASE WHEN m[1] IS NOT NULL OR m[2] IS NOT NULL
                   THEN chr(('x' || lpad(coalesce(m[1], m[2]), 8, '0'))::bit(32)::integer)
                   WHEN m[3] IS NOT NULL THEN '_'
                   ELSE m[4] END, '' ORDER BY k), '')
            FROM regexp_matches(part, '_u([0-9a-f]{4})|_U([0-9a-f]{6})|(_x)|([^_]+)', 'g')
                 WITH ORDINALITY AS r(m, k))
    FROM unnest(string_to_array(substr(name, 11), '_s')) WITH ORDINALITY AS p(part, i)
    ORDER BY i) END
$fn$;
"""

_COMPOSITE = r"""
CREATE OR REPLACE FUNCTION kgmem_cypher._spelled(labels text[], underscore text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT '__kgmem_L_' || string_agg(
    (SELECT string_agg(CASE WHEN c ~ '^[A-Za-z0-9]$' THEN c
                            WHEN c = '_' AND underscore <> '' THEN underscore
                            WHEN ascii(c) <= 65535 THEN '_u' || lpad(to_hex(ascii(c)), 4, '0')
                            ELSE '_U' || lpad(to_hex(ascii(c)), 6, '0') END, '' ORDER BY k)
     FROM unnest(string_to_array(l, NULL)) WITH ORDINALITY AS ch(c, k)),
    '_s' ORDER BY l COLLATE "C")
  FROM (SELECT DISTINCT l FROM unnest(labels) AS l) AS u
$fn$;

CREATE OR REPLACE FUNCTION kgmem_cypher._composite(labels text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN octet_length(original) <= 63 THEN original
              ELSE kgmem_cypher._spelled(labels, '_x') END
  FROM (SELECT kgmem_cypher._spelled(labels, '') AS original) AS s
$fn$;
"""

UPGRADE = _LIST + _COMPOSITE

DOWNGRADE = r"""
CREATE OR REPLACE FUNCTION kgmem_cypher._composite(labels text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher._spelled(labels, '')
$fn$;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
