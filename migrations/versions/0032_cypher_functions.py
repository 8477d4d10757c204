"""Neo4j's functions AGE 1.7 lacks, for Cypher: map projections, ``randomUUID()``, the
``...OrNull`` and list conversions, and points.

kgmem's rewrite (``kgmem.cypher.neo4j_functions``, ``kgmem.cypher.map_projections``)
calls these where a query calls Neo4j's function:

- ``project(base, everything, keys, vals)``: the map projection ``n {.*, .a, k: v}``
  with Neo4j's answer: the entries named override the properties (a null one stays a
  key with a null value; AGE drops null entries of a map literal and keeps the stored
  value), a missing property selected is a null entry, a null ``n`` gives null.
  ``base`` is ``properties(n)`` when ``everything`` is true, else ``n``.
- ``random_uuid()``: a version 4 UUID's text, a fresh one per call (VOLATILE).
- ``to_string_or_null`` / ``to_integer_or_null`` / ``to_float_or_null`` /
  ``to_boolean_or_null``: the conversion, or null where it fails or the value has a
  type it does not take (never an error); ``to_list_or_null(kind, list)``:
  ``toStringList`` and the others, element by element the same way.
- Points are maps (``kgmem.cypher.neo4j_functions`` describes the stored form):
  ``point(map)``, ``distance(a, b)`` (Euclidean; WGS-84: the haversine on a sphere of
  6,378,140 m, as Neo4j; in 3D at the points' mean height, then Pythagoras with the
  height difference), ``within_bbox(p, lower_left, upper_right)``.

A bad argument raises SQLSTATE 22023 (a Cypher type error). All but ``random_uuid``
are IMMUTABLE and PARALLEL SAFE; none reads a table.

Revision ID: 0032_cypher_functions
Revises: 0031_neo4j_id_index_sql
"""

from alembic import op

revision = "0032_cypher_functions"
down_revision = "0031_neo4j_id_index_sql"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher.project(base ag_catalog.agtype, everything ag_catalog.agtype,
                                     keys ag_catalog.agtype, vals ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE parts ag_catalog.agtype[] := ARRAY[]::ag_catalog.agtype[]; named text[];
        k ag_catalog.agtype; v ag_catalog.agtype;
BEGIN
  IF base IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(array_agg(ag_catalog.agtype_out(x)::text), ARRAY[]::text[]) INTO named
    FROM ag_catalog.age_unnest(keys) AS x;
  IF ag_catalog.agtype_out(everything)::text = 'true' THEN
    FOR k IN SELECT x FROM ag_catalog.age_unnest(ag_catalog.age_keys(base)) AS x LOOP
      IF NOT ag_catalog.agtype_out(k)::text = ANY (named) THEN
        parts := parts || k || ag_catalog.agtype_access_operator(VARIADIC ARRAY[base, k]);
      END IF;
    END LOOP;
  END IF;
  FOR k, v IN SELECT a.x, b.y
      FROM ag_catalog.age_unnest(keys) WITH ORDINALITY AS a(x, i)
      JOIN ag_catalog.age_unnest(vals) WITH ORDINALITY AS b(y, j) ON a.i = b.j
      ORDER BY a.i LOOP
    parts := parts || k || v;
  END LOOP;
  IF cardinality(parts) = 0 THEN
    RETURN ag_catalog.agtype_build_map();
  END IF;
  RETURN ag_catalog.agtype_build_map(VARIADIC parts);
END
$fn$;

CREATE FUNCTION kgmem_cypher.random_uuid()
RETURNS ag_catalog.agtype
LANGUAGE sql VOLATILE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT ag_catalog.agtype_in(('"' || gen_random_uuid()::text || '"')::cstring)
$fn$;

CREATE FUNCTION kgmem_cypher._or_null(kind text, v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text;
BEGIN
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  t := ag_catalog.agtype_out(v)::text;
  IF left(t, 1) IN ('[', '{') THEN
    RETURN NULL;  -- lists, maps, nodes, relationships, paths
  END IF;
  BEGIN
    IF kind = 'string' THEN
      RETURN kgmem_cypher.to_string(v);
    ELSIF kind = 'integer' THEN
      IF t IN ('true', 'false') THEN
        RETURN CASE t WHEN 'true' THEN '1'::ag_catalog.agtype ELSE '0'::ag_catalog.agtype END;
      END IF;
      RETURN kgmem_cypher.to_integer(v);
    ELSIF kind = 'float' THEN
      IF t IN ('true', 'false') THEN
        RETURN NULL;
      END IF;
      RETURN ag_catalog.age_tofloat(v);
    END IF;
    IF t !~ '^("|true$|false$|-?[0-9]+$)' THEN
      RETURN NULL;  -- toBoolean takes strings, booleans and integers
    END IF;
    RETURN ag_catalog.age_toboolean(v);
  EXCEPTION WHEN others THEN
    RETURN NULL;
  END;
END
$fn$;

CREATE FUNCTION kgmem_cypher.to_string_or_null(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher._or_null('string', v)
$fn$;

CREATE FUNCTION kgmem_cypher.to_integer_or_null(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher._or_null('integer', v)
$fn$;

CREATE FUNCTION kgmem_cypher.to_float_or_null(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher._or_null('float', v)
$fn$;

CREATE FUNCTION kgmem_cypher.to_boolean_or_null(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT kgmem_cypher._or_null('boolean', v)
$fn$;

CREATE FUNCTION kgmem_cypher.to_list_or_null(kind ag_catalog.agtype, l ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE parts ag_catalog.agtype[]; t text;
        k text := trim(both '"' FROM ag_catalog.agtype_out(kind)::text);
BEGIN
  IF l IS NULL THEN
    RETURN NULL;
  END IF;
  t := ag_catalog.agtype_out(l)::text;
  IF left(t, 1) <> '[' OR t LIKE '%::path' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'Invalid input for function ''to' || initcap(k) || 'List()'': Expected a List';
  END IF;
  SELECT array_agg(kgmem_cypher._or_null(k, u.x) ORDER BY u.i) INTO parts
    FROM ag_catalog.age_unnest(l) WITH ORDINALITY AS u(x, i);
  -- agtype[] to agtype: agtype_build_list(VARIADIC ...) frees memory it does not own
  RETURN coalesce(parts, ARRAY[]::ag_catalog.agtype[])::ag_catalog.agtype;
END
$fn$;

-- The text of a string entry of map m (null when absent or null).
CREATE FUNCTION kgmem_cypher._text_at(m ag_catalog.agtype, k ag_catalog.agtype) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE v ag_catalog.agtype := ag_catalog.agtype_access_operator(VARIADIC ARRAY[m, k]);
        t text;
BEGIN
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  t := ag_catalog.agtype_out(v)::text;
  IF t !~ '^".*"$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'the point''s ' || ag_catalog.agtype_out(k)::text || ' must be a string, not ' || t;
  END IF;
  RETURN substr(t, 2, length(t) - 2);
END
$fn$;

-- The number at entry k of map m as float8 (null when absent or null).
CREATE FUNCTION kgmem_cypher._number_at(m ag_catalog.agtype, k ag_catalog.agtype) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE v ag_catalog.agtype := ag_catalog.agtype_access_operator(VARIADIC ARRAY[m, k]);
        t text;
BEGIN
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  t := regexp_replace(ag_catalog.agtype_out(v)::text, '::numeric$', '');
  IF t !~ '^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'the point''s ' || ag_catalog.agtype_out(k)::text || ' must be a number, not ' || t;
  END IF;
  RETURN t::float8;
END
$fn$;

CREATE FUNCTION kgmem_cypher._fail_point(message text) RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = message;
END
$fn$;

CREATE FUNCTION kgmem_cypher.point(m ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := ag_catalog.agtype_out(m)::text; geo boolean; x float8; y float8; z float8;
        crs text; srid float8; by_srid text;
BEGIN
  IF left(t, 1) <> '{' OR t ~ '::(vertex|edge)$' THEN
    RETURN kgmem_cypher._fail_point('point() takes a map, not ' || left(t, 80));
  END IF;
  geo := kgmem_cypher._number_at(m, '"longitude"') IS NOT NULL
      OR kgmem_cypher._number_at(m, '"latitude"') IS NOT NULL;
  IF geo THEN
    x := kgmem_cypher._number_at(m, '"longitude"');
    y := kgmem_cypher._number_at(m, '"latitude"');
    z := kgmem_cypher._number_at(m, '"height"');
  ELSE
    x := kgmem_cypher._number_at(m, '"x"');
    y := kgmem_cypher._number_at(m, '"y"');
    z := kgmem_cypher._number_at(m, '"z"');
  END IF;
  IF x IS NULL OR y IS NULL THEN
    RETURN NULL;  -- a null (or missing) coordinate: Neo4j's point() is null
  END IF;
  crs := lower(kgmem_cypher._text_at(m, '"crs"'));
  srid := kgmem_cypher._number_at(m, '"srid"');
  IF srid IS NOT NULL THEN
    by_srid := CASE srid WHEN 7203 THEN 'cartesian' WHEN 9157 THEN 'cartesian-3d'
                         WHEN 4326 THEN 'wgs-84' WHEN 4979 THEN 'wgs-84-3d' END;
    IF by_srid IS NULL THEN
      RETURN kgmem_cypher._fail_point('Unknown coordinate reference system code: ' || srid);
    END IF;
    IF crs IS NOT NULL AND crs <> by_srid THEN
      RETURN kgmem_cypher._fail_point('crs ' || crs || ' and srid ' || srid || ' disagree');
    END IF;
    crs := by_srid;
  END IF;
  IF crs IS NULL THEN
    crs := CASE WHEN geo THEN 'wgs-84' ELSE 'cartesian' END
        || CASE WHEN z IS NULL THEN '' ELSE '-3d' END;
  END IF;
  IF crs NOT IN ('cartesian', 'cartesian-3d', 'wgs-84', 'wgs-84-3d') THEN
    RETURN kgmem_cypher._fail_point('Unknown coordinate reference system: ' || crs);
  END IF;
  IF (crs LIKE '%-3d') <> (z IS NOT NULL) THEN
    RETURN kgmem_cypher._fail_point('Cannot create point with ' || crs || ' coordinate '
      || 'reference system and ' || CASE WHEN z IS NULL THEN 2 ELSE 3 END || ' coordinates');
  END IF;
  IF geo AND crs LIKE 'cartesian%' THEN
    RETURN kgmem_cypher._fail_point('geographic coordinates need a geographic crs, not ' || crs);
  END IF;
  IF crs LIKE 'wgs-84%' THEN
    IF y < -90 OR y > 90 THEN
      RETURN kgmem_cypher._fail_point('Cannot create WGS84 point with invalid coordinate: '
        || 'latitude ' || y || ' is outside [-90, 90]');
    END IF;
    IF z IS NULL THEN
      RETURN ag_catalog.agtype_build_map('crs', crs, 'srid', 4326, 'x', x, 'y', y,
                                         'longitude', x, 'latitude', y);
    END IF;
    RETURN ag_catalog.agtype_build_map('crs', crs, 'srid', 4979, 'x', x, 'y', y, 'z', z,
                                       'longitude', x, 'latitude', y, 'height', z);
  END IF;
  IF z IS NULL THEN
    RETURN ag_catalog.agtype_build_map('crs', crs, 'srid', 7203, 'x', x, 'y', y);
  END IF;
  RETURN ag_catalog.agtype_build_map('crs', crs, 'srid', 9157, 'x', x, 'y', y, 'z', z);
END
$fn$;

-- The crs of a point made by point(), or an error for anything else.
CREATE FUNCTION kgmem_cypher._crs(p ag_catalog.agtype, fn text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := ag_catalog.agtype_out(p)::text; crs text;
BEGIN
  IF left(t, 1) = '{' AND t !~ '::(vertex|edge)$' THEN
    crs := kgmem_cypher._text_at(p, '"crs"');
  END IF;
  IF crs IS NULL OR crs NOT IN ('cartesian', 'cartesian-3d', 'wgs-84', 'wgs-84-3d')
     OR kgmem_cypher._number_at(p, '"x"') IS NULL OR kgmem_cypher._number_at(p, '"y"') IS NULL THEN
    PERFORM kgmem_cypher._fail_point(fn || '() takes points, not ' || left(t, 80));
  END IF;
  RETURN crs;
END
$fn$;

-- v, or 0 when it is too small to square: PostgreSQL raises on a float underflow.
CREATE FUNCTION kgmem_cypher._small(v float8) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN abs(v) < 1e-100 THEN 0::float8 ELSE v END
$fn$;

CREATE FUNCTION kgmem_cypher.distance(a ag_catalog.agtype, b ag_catalog.agtype)
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

CREATE FUNCTION kgmem_cypher.within_bbox(p ag_catalog.agtype, lower_left ag_catalog.agtype,
                                         upper_right ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE crs text := kgmem_cypher._crs(p, 'point.withinBBox');
        x float8 := kgmem_cypher._number_at(p, '"x"');
        y float8 := kgmem_cypher._number_at(p, '"y"');
        z float8 := kgmem_cypher._number_at(p, '"z"');
        x1 float8 := kgmem_cypher._number_at(lower_left, '"x"');
        y1 float8 := kgmem_cypher._number_at(lower_left, '"y"');
        z1 float8 := kgmem_cypher._number_at(lower_left, '"z"');
        x2 float8 := kgmem_cypher._number_at(upper_right, '"x"');
        y2 float8 := kgmem_cypher._number_at(upper_right, '"y"');
        z2 float8 := kgmem_cypher._number_at(upper_right, '"z"');
        inside boolean;
BEGIN
  IF kgmem_cypher._crs(lower_left, 'point.withinBBox') <> crs
     OR kgmem_cypher._crs(upper_right, 'point.withinBBox') <> crs THEN
    RETURN NULL;
  END IF;
  inside := y BETWEEN y1 AND y2 AND (z IS NULL OR z BETWEEN z1 AND z2);
  IF crs LIKE 'wgs-84%' AND x1 > x2 THEN
    inside := inside AND (x >= x1 OR x <= x2);  -- the box crosses the 180th meridian
  ELSE
    inside := inside AND x BETWEEN x1 AND x2;
  END IF;
  RETURN inside::ag_catalog.agtype;
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.within_bbox(ag_catalog.agtype, ag_catalog.agtype,
                                                 ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.distance(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._small(float8);
DROP FUNCTION IF EXISTS kgmem_cypher._crs(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_cypher.point(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._fail_point(text);
DROP FUNCTION IF EXISTS kgmem_cypher._number_at(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._text_at(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.to_list_or_null(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.to_boolean_or_null(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.to_float_or_null(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.to_integer_or_null(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.to_string_or_null(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._or_null(text, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.random_uuid();
DROP FUNCTION IF EXISTS kgmem_cypher.project(ag_catalog.agtype, ag_catalog.agtype,
                                             ag_catalog.agtype, ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
