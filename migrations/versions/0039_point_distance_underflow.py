"""``point.distance`` of geographic points at a latitude so close to 0 that PostgreSQL's
``radians`` underflowed ("value out of range: underflow", e.g. 5e-324): the latitudes
are read as 0 below 1e-100, as the coordinate differences already were (migration
0032).

Revision ID: 0039_point_distance_underflow
Revises: 0038_apoc_merge_nodes
"""

from alembic import op

revision = "0039_point_distance_underflow"
down_revision = "0038_apoc_merge_nodes"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE OR REPLACE FUNCTION kgmem_cypher.distance(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE crs text := kgmem_cypher._crs(a, 'point.distance');
        xa float8 := kgmem_cypher._number_at(a, '"x"');
        ya float8 := kgmem_cypher._number_at(a, '"y"');
        xb float8 := kgmem_cypher._number_at(b, '"x"');
        yb float8 := kgmem_cypher._number_at(b, '"y"');
        za float8 := kgmem_cypher._number_at(a, '"z"');
        zb float8 := kgmem_cypher._number_at(b, '"z"');
        dx float8 := kgmem_cypher._small(xa - xb);
        dy float8 := kgmem_cypher._small(ya - yb);
        dz float8 := kgmem_cypher._small(coalesce(za - zb, 0));
        m float8; s1 float8; s2 float8; h float8; d float8;
BEGIN
  IF kgmem_cypher._crs(b, 'point.distance') <> crs THEN
    RETURN NULL;  -- points of different coordinate systems: Neo4j answers null
  END IF;
  IF crs LIKE 'cartesian%' THEN
    m := greatest(abs(dx), abs(dy), abs(dz));  -- scaled, so no square overflows
    IF m = 0 THEN
      RETURN 0::float8::ag_catalog.agtype;
    END IF;
    dx := kgmem_cypher._small(dx / m);
    dy := kgmem_cypher._small(dy / m);
    dz := kgmem_cypher._small(dz / m);
    RETURN (m * sqrt(dx * dx + dy * dy + dz * dz))::ag_catalog.agtype;
  END IF;
  s1 := sin(kgmem_cypher._small(radians(-dy) / 2));
  s2 := sin(kgmem_cypher._small(radians(-dx) / 2));
  h := least(s1 * s1 + cos(radians(kgmem_cypher._small(ya)))
       * cos(radians(kgmem_cypher._small(yb))) * s2 * s2, 1);
  -- on a sphere of the earth's radius, raised to the points' mean height (3D)
  d := 2 * (6378140.0 + coalesce((za + zb) / 2, 0)) * atan2(sqrt(h), sqrt(1 - h));
  RETURN sqrt(d * d + dz * dz)::ag_catalog.agtype;
END
$fn$;
"""

DOWNGRADE = r"""
CREATE OR REPLACE FUNCTION kgmem_cypher.distance(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE crs text := kgmem_cypher._crs(a, 'point.distance');
        xa float8 := kgmem_cypher._number_at(a, '"x"');
        ya float8 := kgmem_cypher._number_at(a, '"y"');
        xb float8 := kgmem_cypher._number_at(b, '"x"');
        yb float8 := kgmem_cypher._number_at(b, '"y"');
        za float8 := kgmem_cypher._number_at(a, '"z"');
        zb float8 := kgmem_cypher._number_at(b, '"z"');
        dx float8 := kgmem_cypher._small(xa - xb);
        dy float8 := kgmem_cypher._small(ya - yb);
        dz float8 := kgmem_cypher._small(coalesce(za - zb, 0));
        m float8; s1 float8; s2 float8; h float8; d float8;
BEGIN
  IF kgmem_cypher._crs(b, 'point.distance') <> crs THEN
    RETURN NULL;  -- points of different coordinate systems: Neo4j answers null
  END IF;
  IF crs LIKE 'cartesian%' THEN
    m := greatest(abs(dx), abs(dy), abs(dz));  -- scaled, so no square overflows
    IF m = 0 THEN
      RETURN 0::float8::ag_catalog.agtype;
    END IF;
    dx := kgmem_cypher._small(dx / m);
    dy := kgmem_cypher._small(dy / m);
    dz := kgmem_cypher._small(dz / m);
    RETURN (m * sqrt(dx * dx + dy * dy + dz * dz))::ag_catalog.agtype;
  END IF;
  s1 := sin(kgmem_cypher._small(radians(-dy) / 2));
  s2 := sin(kgmem_cypher._small(radians(-dx) / 2));
  h := least(s1 * s1 + cos(radians(ya)) * cos(radians(yb)) * s2 * s2, 1);
  -- on a sphere of the earth's radius, raised to the points' mean height (3D)
  d := 2 * (6378140.0 + coalesce((za + zb) / 2, 0)) * atan2(sqrt(h), sqrt(1 - h));
  RETURN sqrt(d * d + dz * dz)::ag_catalog.agtype;
END
$fn$;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
