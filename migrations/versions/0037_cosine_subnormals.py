"""``vector.similarity.cosine`` of vectors whose numbers are subnormal floats: pgvector's
``cosine_distance`` computes in single precision and answers NaN when the norms
underflow there; the score is then computed again in double precision, as Neo4j does.

Revision ID: 0037_cosine_subnormals
Revises: 0036_compact_label_sets
"""

from alembic import op

revision = "0037_cosine_subnormals"
down_revision = "0036_compact_label_sets"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE OR REPLACE FUNCTION kgmem_neo4j.similarity_cosine(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE
  p public.vector[];
  distance float8;
BEGIN
  IF kgmem_neo4j._null(a) OR kgmem_neo4j._null(b) THEN
    RETURN NULL;
  END IF;
  p := kgmem_neo4j._pair(a, b, 'vector.similarity.cosine');
  IF public.vector_norm(p[1]) = 0 OR public.vector_norm(p[2]) = 0 THEN
    RETURN NULL;  -- no angle: not valid with respect to cosine similarity
  END IF;
  distance := public.cosine_distance(p[1], p[2]);
  IF distance = 'NaN'::float8 THEN  -- the norms underflowed in single precision
    SELECT 1 - sum(x::float8 * y::float8)
               / (sqrt(sum(x::float8 * x::float8)) * sqrt(sum(y::float8 * y::float8)))
      INTO distance
      FROM unnest(p[1]::real[], p[2]::real[]) AS v(x, y);
  END IF;
  RETURN ((1 + (1 - distance)) / 2)::float8::ag_catalog.agtype;
END
$fn$;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    """The function as it was: nothing to undo but the fallback."""
