"""Cypher values as Neo4j answers them: NaN in comparisons, numeric functions outside
their domain, and two components of temporal values.

NaN in openCypher's comparisons: equal to nothing, ordered before or after nothing.

openCypher answers ``NaN = x`` false and ``NaN <> x`` true for every ``x`` (NaN
itself included), and ``NaN < x``, ``NaN > x`` (and ``<=``, ``>=``) false for every
number ``x``. PostgreSQL, and AGE after it, orders NaN above every number and equal to
itself (``0.0 / 0.0 = 0.0 / 0.0`` was true, ``0.0 / 0.0 > 1`` true). kgmem's
three-valued comparison (``kgmem_cypher.compare3``, migration 0021) now asks
``kgmem_cypher._nan`` first, for numbers at any depth of a list or map:

- ``kgmem_cypher._nan(v)``: whether the number ``v`` is NaN (AGE writes it ``NaN``);
- ``kgmem_cypher._equal3`` and ``_order3``: false for two numbers one of which is NaN,
  else 0021's (kept as ``_equal3_0021`` and ``_order3_0021``).

And the functions whose answer outside their domain is NaN or an infinity in Neo4j,
where AGE answers null: ``kgmem_cypher.sqrt`` (NaN below 0), ``log`` and ``log10``
(``-Infinity`` at 0, NaN below), ``asin`` and ``acos`` (NaN outside -1 to 1), computed
in double precision as Java does (``log(e())`` is ``1.0``; AGE's is ``1.0000000000000018``).
kgmem's rewrite calls them for Cypher's names (``kgmem.cypher.neo4j_functions``).

And ``kgmem_cypher.part`` (``value.key`` of a stored temporal value, migration 0017,
whose function is kept as ``_part_0017``) now also answers a duration's
``quartersOfYear`` (the quarters past the whole years, as ``monthsOfYear`` counts
months), and the ``nanosecond`` of a time or datetime from the fraction its text
holds: PostgreSQL's timestamps stop at microseconds, so ``645876123`` read back as
``645876000``.

And ``vector.similarity.cosine`` (``kgmem_neo4j.similarity_cosine``, migration 0037)
computes in double precision also when the norms are small enough that pgvector's
single-precision product of them loses its digits (a 45-degree angle between vectors of
numbers near 1e-22 read as a cosine of 1), not only when it reaches zero.

Revision ID: 0046_cypher_values
Revises: 0045_cypher_strings
"""

from alembic import op

revision = "0046_cypher_values"
down_revision = "0045_cypher_strings"
branch_labels = None
depends_on = None

_NAN = r"""
CREATE FUNCTION kgmem_cypher._nan(v ag_catalog.agtype) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT left(ag_catalog.agtype_out(v)::text, 3) = 'NaN'
$fn$;
"""

_FUNCTIONS = {
    "sqrt": "CASE WHEN x < 0 THEN 'NaN' ELSE sqrt(x) END",
    "log": "CASE WHEN x < 0 THEN 'NaN' WHEN x = 0 THEN '-Infinity' ELSE ln(x) END",
    "log10": "CASE WHEN x < 0 THEN 'NaN' WHEN x = 0 THEN '-Infinity' ELSE log(x) END",
    "asin": "CASE WHEN x < -1 OR x > 1 THEN 'NaN' ELSE asin(x) END",
    "acos": "CASE WHEN x < -1 OR x > 1 THEN 'NaN' ELSE acos(x) END",
}
"""Each function's value of the number ``x`` (a float8), by kgmem's name for it."""

_FUNCTION = r"""
CREATE FUNCTION kgmem_cypher.{name}(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher._float_out(({value})::float8)
  FROM (SELECT kgmem_cypher._number_text(v, '{name}')::float8 AS x) AS s
$fn$;
"""

_COMPARISONS = r"""
-- 0021's _equal3 and _order3 keep their text under new names; each reaches the other
-- and itself through the names below (for list and map elements), so NaN is tested
-- at any depth.
ALTER FUNCTION kgmem_cypher._equal3(ag_catalog.agtype, ag_catalog.agtype)
  RENAME TO _equal3_0021;
ALTER FUNCTION kgmem_cypher._order3(ag_catalog.agtype, text, ag_catalog.agtype)
  RENAME TO _order3_0021;

CREATE FUNCTION kgmem_cypher._numbers_with_nan(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher._kind(a) = 'number' AND kgmem_cypher._kind(b) = 'number'
         AND (kgmem_cypher._nan(a) OR kgmem_cypher._nan(b))
$fn$;

CREATE FUNCTION kgmem_cypher._equal3(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN kgmem_cypher._numbers_with_nan(a, b) THEN false
              ELSE kgmem_cypher._equal3_0021(a, b) END
$fn$;

CREATE FUNCTION kgmem_cypher._order3(a ag_catalog.agtype, o text, b ag_catalog.agtype)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN kgmem_cypher._numbers_with_nan(a, b) THEN false
              ELSE kgmem_cypher._order3_0021(a, o, b) END
$fn$;
"""

_COMPARISONS_DOWN = r"""
DROP FUNCTION kgmem_cypher._equal3(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION kgmem_cypher._order3(ag_catalog.agtype, text, ag_catalog.agtype);
DROP FUNCTION kgmem_cypher._numbers_with_nan(ag_catalog.agtype, ag_catalog.agtype);
ALTER FUNCTION kgmem_cypher._equal3_0021(ag_catalog.agtype, ag_catalog.agtype)
  RENAME TO _equal3;
ALTER FUNCTION kgmem_cypher._order3_0021(ag_catalog.agtype, text, ag_catalog.agtype)
  RENAME TO _order3;
"""

_COSINE = r"""
CREATE OR REPLACE FUNCTION kgmem_neo4j.similarity_cosine(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE
  p public.vector[];
  na float8;
  nb float8;
  distance float8;
BEGIN
  IF kgmem_neo4j._null(a) OR kgmem_neo4j._null(b) THEN
    RETURN NULL;
  END IF;
  p := kgmem_neo4j._pair(a, b, 'vector.similarity.cosine');
  na := public.vector_norm(p[1]);  -- in double precision
  nb := public.vector_norm(p[2]);
  IF na = 0 OR nb = 0 THEN
    RETURN NULL;  -- no angle: not valid with respect to cosine similarity
  END IF;
  distance := public.cosine_distance(p[1], p[2]);
  IF {recompute} THEN
    SELECT 1 - sum(x::float8 * y::float8) / (na * nb)
      INTO distance
      FROM unnest(p[1]::real[], p[2]::real[]) AS v(x, y);
  END IF;
  RETURN ((1 + (1 - distance)) / 2)::float8::ag_catalog.agtype;
END
$fn$;
"""
_NAN_DISTANCE = "distance = 'NaN'::float8"
# pgvector multiplies the two squared norms in single precision: below this their
# product loses its digits (cos 45 degrees read as 1) before it reaches zero (NaN).
_TINY = "least(na, nb, na * nb) < 1e-15"

_PART = r"""
ALTER FUNCTION kgmem_cypher.part(ag_catalog.agtype, ag_catalog.agtype) RENAME TO _part_0017;

CREATE FUNCTION kgmem_cypher.part(v ag_catalog.agtype, key ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE k text := lower(kgmem_cypher._json(key) #>> '{}'); fraction text;
BEGIN
  IF k = 'quartersofyear' AND (kgmem_cypher._value(v)).kind = 'duration' THEN
    RETURN kgmem_cypher._n(
      (kgmem_cypher._json(kgmem_cypher._part_0017(v, '"quarters"')) #>> '{}')::numeric
      - 4 * (kgmem_cypher._json(kgmem_cypher._part_0017(v, '"years"')) #>> '{}')::numeric);
  END IF;
  IF k = 'nanosecond' THEN
    PERFORM kgmem_cypher._part_0017(v, key);  -- its checks: a date has no nanosecond
    fraction := substring(kgmem_cypher._json(v) #>> '{}'
                          FROM '[0-9]{2}:[0-9]{2}:[0-9]{2}[.]([0-9]{1,9})');
    RETURN kgmem_cypher._n(coalesce(rpad(fraction, 9, '0'), '0')::numeric);
  END IF;
  RETURN kgmem_cypher._part_0017(v, key);
END
$fn$;
"""

_PART_DOWN = r"""
DROP FUNCTION kgmem_cypher.part(ag_catalog.agtype, ag_catalog.agtype);
ALTER FUNCTION kgmem_cypher._part_0017(ag_catalog.agtype, ag_catalog.agtype) RENAME TO part;
"""


def upgrade() -> None:
    op.execute(_NAN)
    op.execute(_COMPARISONS)
    for name, value in _FUNCTIONS.items():
        op.execute(_FUNCTION.format(name=name, value=value))
    op.execute(_PART)
    op.execute(_COSINE.replace("{recompute}", f"{_NAN_DISTANCE} OR {_TINY}"))


def downgrade() -> None:
    op.execute(_COSINE.replace("{recompute}", _NAN_DISTANCE))
    op.execute(_PART_DOWN)
    for name in _FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS kgmem_cypher.{name}(ag_catalog.agtype)")
    op.execute(_COMPARISONS_DOWN)
    op.execute("DROP FUNCTION IF EXISTS kgmem_cypher._nan(ag_catalog.agtype)")
