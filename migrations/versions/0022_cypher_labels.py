"""Several labels per node: ``kgmem_cypher.labels`` and ``kgmem_cypher.has_labels``.

A node with several labels lives in a composite AGE label whose name lists them
(``kgmem.cypher.label_sets``: ``__kgmem_L_`` + the sorted labels joined by ``_s``,
each character outside ``[A-Za-z0-9]`` written ``_u`` + four hex digits, or ``_U`` +
six). ``labels(label_name)`` gives the list of labels an AGE label name stands for
(its parts for a composite, an empty list for AGE's unlabelled vertices, a
one-element list otherwise, null for null);
``has_labels(label_name, wanted)`` whether it carries every label of the list
``wanted`` (null for null). kgmem's rewrite (``kgmem.cypher.labels``) calls them for
``labels(n)`` and for ``n:A`` outside patterns.

Both are IMMUTABLE, PARALLEL SAFE and read no table, so the reader role needs no
grant beyond its USAGE on ``kgmem_cypher``.

Revision ID: 0022_cypher_labels
Revises: 0021_cypher_lists
"""

from alembic import op

revision = "0022_cypher_labels"
down_revision = "0021_cypher_lists"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._label_list(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN name = '' THEN ARRAY[]::text[]
              WHEN left(name, 10) <> '__kgmem_L_' THEN ARRAY[name] ELSE ARRAY(
    SELECT (SELECT coalesce(string_agg(
              CASE WHEN m[1] IS NOT NULL OR m[2] IS NOT NULL
                   THEN chr(('x' || lpad(coalesce(m[1], m[2]), 8, '0'))::bit(32)::integer)
                   ELSE m[3] END, '' ORDER BY k), '')
            FROM regexp_matches(part, '_u([0-9a-f]{4})|_U([0-9a-f]{6})|([^_]+)', 'g')
                 WITH ORDINALITY AS r(m, k))
    FROM unnest(string_to_array(substr(name, 11), '_s')) WITH ORDINALITY AS p(part, i)
    ORDER BY i) END
$fn$;

CREATE FUNCTION kgmem_cypher.labels(name ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT (to_jsonb(kgmem_cypher._label_list(j #>> '{}'))::text)::ag_catalog.agtype
  FROM (SELECT kgmem_cypher._json(name) AS j) AS s
  WHERE jsonb_typeof(j) = 'string'
$fn$;

CREATE FUNCTION kgmem_cypher.has_labels(name ag_catalog.agtype, wanted ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN kgmem_cypher._label_list(j #>> '{}')
                   @> ARRAY(SELECT jsonb_array_elements_text(kgmem_cypher._json(wanted)))
              THEN 'true'::ag_catalog.agtype ELSE 'false'::ag_catalog.agtype END
  FROM (SELECT kgmem_cypher._json(name) AS j) AS s
  WHERE jsonb_typeof(j) = 'string'
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.has_labels(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.labels(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._label_list(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
