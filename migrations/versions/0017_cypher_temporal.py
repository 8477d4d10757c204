"""Temporal functions for Cypher: the ``kgmem_cypher`` schema.

AGE 1.7 has no temporal type but calls schema-qualified SQL functions that take and
return agtype. kgmem's Cypher rewrite (``kgmem.cypher.temporal_sql``) turns temporal
expressions over graph values and parameters into calls of the functions created
here: ``construct``, ``part``, ``plus``, ``compare``, ``between`` and ``truncate``;
and the three-valued ``compare3`` and ``isnull`` its list quantifiers use.
Temporal values are stored as their ISO 8601 text; the functions read the type from
the text's form, compute with PostgreSQL's date/time types (microsecond precision)
and write the result back as ISO 8601 text in the form Neo4j's ``toString()`` gives.

Every function is IMMUTABLE, STRICT, PARALLEL SAFE, reads no table and fixes its
search path. The read-only Cypher roles get USAGE on the schema (through
``kgmem_cypher_reader``); EXECUTE is PostgreSQL's default for functions.

Revision ID: 0017_cypher_temporal
Revises: 0015_keyword_index_updates
Create Date: 2026-11-24
"""

from alembic import op

revision = "0017_cypher_temporal"
down_revision = "0016_claim_history"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE SCHEMA IF NOT EXISTS kgmem_cypher;

CREATE TYPE kgmem_cypher.tv AS (
  kind text,        -- date, localtime, time, localdatetime, datetime, duration
  ts timestamp,     -- local date and time (a time of day on 2000-01-01)
  off integer,      -- seconds east of UTC (time, datetime)
  zone text,        -- IANA zone name (datetime), or null
  months bigint,    -- duration
  days bigint,
  secs numeric
);

CREATE FUNCTION kgmem_cypher._fail(message text) RETURNS kgmem_cypher.tv
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '22007', MESSAGE = message;
END
$fn$;

CREATE FUNCTION kgmem_cypher._offset(t text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE m text[]; v integer;
BEGIN
  IF t = 'Z' THEN RETURN 0; END IF;
  m := regexp_match(t, '^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$');
  IF m IS NULL THEN RETURN NULL; END IF;
  v := m[2]::int * 3600 + coalesce(m[3]::int, 0) * 60 + coalesce(m[4]::int, 0);
  IF v > 18 * 3600 THEN PERFORM kgmem_cypher._fail('time zone offset out of range: ' || t); END IF;
  RETURN CASE WHEN m[1] = '-' THEN -v ELSE v END;
END
$fn$;

-- The offset of zone (an IANA name or an offset) at local time ts.
CREATE FUNCTION kgmem_cypher._zone_offset(ts timestamp, zone text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE o integer := kgmem_cypher._offset(zone);
BEGIN
  IF o IS NOT NULL THEN RETURN o; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = zone) THEN
    PERFORM kgmem_cypher._fail('unknown time zone ' || zone);
  END IF;
  RETURN extract(epoch FROM ts - ((ts AT TIME ZONE zone) AT TIME ZONE 'UTC'))::int;
END
$fn$;

CREATE FUNCTION kgmem_cypher._clock(h text, mi text, s text, f text) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN h::int < 24 AND coalesce(mi, '0')::int < 60 AND coalesce(s, '0')::int < 60
    THEN make_interval(hours => h::int, mins => coalesce(mi, '0')::int,
                       secs => (coalesce(s, '0') || '.' || coalesce(f, '0'))::numeric::float8)
    ELSE (kgmem_cypher._fail('invalid time of day ' || h || ':' || coalesce(mi, '00')
          || ':' || coalesce(s, '00')) IS NULL)::int * interval '0' END
$fn$;

-- A temporal value from its ISO 8601 text (the form kgmem stores).
CREATE FUNCTION kgmem_cypher._parse(s text) RETURNS kgmem_cypher.tv
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE m text[]; r kgmem_cypher.tv; clock interval;
BEGIN
  IF s ~ '^[+-]?P' THEN
    m := regexp_match(s, '^([+-])?P(?:(-?\d+(?:\.\d+)?)Y)?(?:(-?\d+(?:\.\d+)?)M)?'
      || '(?:(-?\d+(?:\.\d+)?)W)?(?:(-?\d+(?:\.\d+)?)D)?(?:[T](?:(-?\d+(?:\.\d+)?)H)?'
      || '(?:(-?\d+(?:\.\d+)?)M)?(?:(-?\d+(?:[.,]\d+)?)S)?)?$');
    IF m IS NULL OR s ~ 'T$' OR s ~ 'P$' THEN
      RETURN kgmem_cypher._fail('not a duration: ' || s);
    END IF;
    r := kgmem_cypher._duration(coalesce(m[2], '0')::numeric, coalesce(m[3], '0')::numeric,
           coalesce(m[4], '0')::numeric, coalesce(m[5], '0')::numeric, coalesce(m[6], '0')::numeric,
           coalesce(m[7], '0')::numeric, replace(coalesce(m[8], '0'), ',', '.')::numeric);
    IF m[1] = '-' THEN r.months := -r.months; r.days := -r.days; r.secs := -r.secs; END IF;
    RETURN r;
  END IF;
  m := regexp_match(s, '^(\d{4})-(\d{2})-(\d{2})'
    || '(?:[T](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?'
    || '(Z|[+-]\d{2}(?::?\d{2}){0,2})?(?:\[([^\]]+)\])?)?$');
  IF m IS NOT NULL THEN
    r.ts := make_date(m[1]::int, m[2]::int, m[3]::int)::timestamp;
    IF m[4] IS NULL THEN r.kind := 'date'; RETURN r; END IF;
    r.ts := r.ts + kgmem_cypher._clock(m[4], m[5], m[6], left(m[7], 6));
    IF m[8] IS NULL AND m[9] IS NULL THEN r.kind := 'localdatetime'; RETURN r; END IF;
    r.kind := 'datetime';
    r.zone := m[9];
    r.off := coalesce(kgmem_cypher._offset(m[8]), kgmem_cypher._zone_offset(r.ts, m[9]));
    IF m[8] IS NOT NULL AND kgmem_cypher._offset(m[9]) IS NOT NULL THEN r.zone := NULL; END IF;
    RETURN r;
  END IF;
  m := regexp_match(s,
    '^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2}){0,2})?$');
  IF m IS NOT NULL THEN
    r.ts := '2000-01-01'::timestamp + kgmem_cypher._clock(m[1], m[2], m[3], left(m[4], 6));
    r.kind := CASE WHEN m[5] IS NULL THEN 'localtime' ELSE 'time' END;
    r.off := kgmem_cypher._offset(m[5]);
    RETURN r;
  END IF;
  RETURN kgmem_cypher._fail('not a temporal value: ' || s);
END
$fn$;

CREATE FUNCTION kgmem_cypher._duration(y numeric, mo numeric, w numeric, d numeric,
                                       h numeric, mi numeric, s numeric)
RETURNS kgmem_cypher.tv
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE r kgmem_cypher.tv; total numeric; spill numeric; days numeric;
BEGIN
  total := y * 12 + mo;
  r.kind := 'duration';
  r.months := trunc(total);
  spill := (total - trunc(total)) * 2629746;  -- Neo4j's average month, in seconds
  days := w * 7 + d;
  r.days := trunc(days) + trunc(spill / 86400);
  r.secs := (days - trunc(days)) * 86400 + (spill - trunc(spill / 86400) * 86400)
            + h * 3600 + mi * 60 + s;
  RETURN r;
END
$fn$;

CREATE FUNCTION kgmem_cypher._fraction(digits text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN rtrim(digits, '0') = '' THEN ''
              WHEN length(rtrim(digits, '0')) <= 3 THEN '.' || left(digits, 3)
              WHEN length(rtrim(digits, '0')) <= 6 THEN '.' || rpad(left(digits, 6), 6, '0')
              ELSE '.' || rpad(left(digits, 9), 9, '0') END
$fn$;

CREATE FUNCTION kgmem_cypher._clock_text(ts timestamp) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT to_char(ts, 'HH24":"MI') || CASE WHEN to_char(ts, 'SS.US') = '00.000000' THEN ''
         ELSE ':' || to_char(ts, 'SS') || kgmem_cypher._fraction(to_char(ts, 'US')) END
$fn$;

CREATE FUNCTION kgmem_cypher._offset_text(off integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN off = 0 THEN 'Z' ELSE
    CASE WHEN off > 0 THEN '+' ELSE '-' END || lpad((abs(off) / 3600)::text, 2, '0') || ':'
    || lpad((abs(off) / 60 % 60)::text, 2, '0')
    || CASE WHEN abs(off) % 60 = 0 THEN '' ELSE ':' || lpad((abs(off) % 60)::text, 2, '0') END
  END
$fn$;

CREATE FUNCTION kgmem_cypher._duration_text(r kgmem_cypher.tv) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE out text := 'P'; clock text := ''; sign text := ''; a numeric; h numeric; mi numeric;
        sec numeric; years bigint;
BEGIN
  years := trunc(r.months / 12.0);
  IF years <> 0 THEN out := out || years || 'Y'; END IF;
  IF r.months - years * 12 <> 0 THEN out := out || (r.months - years * 12) || 'M'; END IF;
  IF r.days <> 0 THEN out := out || r.days || 'D'; END IF;
  IF r.secs < 0 THEN sign := '-'; END IF;
  a := abs(r.secs);
  h := trunc(a / 3600); mi := trunc((a - h * 3600) / 60); sec := a - h * 3600 - mi * 60;
  IF h <> 0 THEN clock := clock || sign || h || 'H'; END IF;
  IF mi <> 0 THEN clock := clock || sign || mi || 'M'; END IF;
  IF sec <> 0 THEN
    clock := clock || sign || trunc(sec) || rtrim(kgmem_cypher._fraction(
      rpad(split_part(to_char(sec - trunc(sec), 'FM0.999999999'), '.', 2), 9, '0')), '0') || 'S';
  END IF;
  IF clock <> '' THEN out := out || 'T' || clock; END IF;
  RETURN CASE WHEN out = 'P' THEN 'PT0S' ELSE out END;
END
$fn$;

CREATE FUNCTION kgmem_cypher._text(r kgmem_cypher.tv) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE r.kind
    WHEN 'date' THEN to_char(r.ts, 'YYYY-MM-DD')
    WHEN 'localtime' THEN kgmem_cypher._clock_text(r.ts)
    WHEN 'time' THEN kgmem_cypher._clock_text(r.ts) || kgmem_cypher._offset_text(r.off)
    WHEN 'localdatetime' THEN to_char(r.ts, 'YYYY-MM-DD') || 'T' || kgmem_cypher._clock_text(r.ts)
    WHEN 'datetime' THEN to_char(r.ts, 'YYYY-MM-DD') || 'T' || kgmem_cypher._clock_text(r.ts)
      || kgmem_cypher._offset_text(r.off) || coalesce('[' || r.zone || ']', '')
    ELSE kgmem_cypher._duration_text(r) END
$fn$;

-- agtype in and out: a string's text, a number, or a map as jsonb.
CREATE FUNCTION kgmem_cypher._json(v ag_catalog.agtype) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT (ag_catalog.agtype_out(v)::text)::jsonb
$fn$;

CREATE FUNCTION kgmem_cypher._out(v text) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT (to_jsonb(v)::text)::ag_catalog.agtype
$fn$;

CREATE FUNCTION kgmem_cypher._value(v ag_catalog.agtype) RETURNS kgmem_cypher.tv
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE j jsonb := kgmem_cypher._json(v);
BEGIN
  IF jsonb_typeof(j) <> 'string' THEN
    RETURN kgmem_cypher._fail('expected a temporal value, got ' || left(j::text, 80));
  END IF;
  RETURN kgmem_cypher._parse(j #>> '{}');
END
$fn$;

-- A value of another temporal type as kind (date(datetime), localtime(datetime), ...).
CREATE FUNCTION kgmem_cypher._as(r kgmem_cypher.tv, kind text) RETURNS kgmem_cypher.tv
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE o kgmem_cypher.tv;
BEGIN
  IF r.kind = kind THEN RETURN r; END IF;
  o.kind := kind;
  IF kind = 'duration' OR r.kind = 'duration' THEN
    RETURN kgmem_cypher._fail('cannot make a ' || kind || ' from a ' || r.kind);
  END IF;
  IF kind IN ('date', 'localdatetime', 'datetime') AND r.kind IN ('time', 'localtime') THEN
    RETURN kgmem_cypher._fail('cannot make a ' || kind || ' from a ' || r.kind);
  END IF;
  IF kind = 'date' THEN o.ts := date_trunc('day', r.ts);
  ELSIF kind = 'localdatetime' THEN o.ts := r.ts;
  ELSIF kind = 'datetime' THEN o.ts := r.ts; o.off := coalesce(r.off, 0); o.zone := r.zone;
  ELSE
    IF r.kind = 'date' THEN
      RETURN kgmem_cypher._fail('cannot make a ' || kind || ' from a date');
    END IF;
    o.ts := '2000-01-01'::timestamp + (r.ts - date_trunc('day', r.ts));
    IF kind = 'time' THEN o.off := coalesce(r.off, 0); END IF;
  END IF;
  RETURN o;
END
$fn$;

CREATE FUNCTION kgmem_cypher._num(j jsonb, key text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN jsonb_typeof(j -> key) = 'number' THEN (j ->> key)::numeric
              WHEN j ? key AND jsonb_typeof(j -> key) <> 'null'
              THEN (kgmem_cypher._fail(key || ' must be a number')).secs END
$fn$;

CREATE FUNCTION kgmem_cypher._from_map(kind text, j jsonb) RETURNS kgmem_cypher.tv
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE r kgmem_cypher.tv; s numeric; zone text := j ->> 'timezone';
BEGIN
  IF kind = 'duration' THEN
    RETURN kgmem_cypher._duration(coalesce(kgmem_cypher._num(j, 'years'), 0),
      coalesce(kgmem_cypher._num(j, 'months'), 0), coalesce(kgmem_cypher._num(j, 'weeks'), 0),
      coalesce(kgmem_cypher._num(j, 'days'), 0), coalesce(kgmem_cypher._num(j, 'hours'), 0),
      coalesce(kgmem_cypher._num(j, 'minutes'), 0),
      coalesce(kgmem_cypher._num(j, 'seconds'), 0)
        + coalesce(kgmem_cypher._num(j, 'milliseconds'), 0) / 1000
        + coalesce(kgmem_cypher._num(j, 'microseconds'), 0) / 1000000
        + coalesce(kgmem_cypher._num(j, 'nanoseconds'), 0) / 1000000000);
  END IF;
  r.kind := kind;
  IF kind IN ('date', 'localdatetime', 'datetime') THEN
    IF kgmem_cypher._num(j, 'year') IS NULL THEN
      RETURN kgmem_cypher._fail(kind || '() needs a year');
    END IF;
    r.ts := make_date(kgmem_cypher._num(j, 'year')::int,
                      coalesce(kgmem_cypher._num(j, 'month'), 1)::int,
                      coalesce(kgmem_cypher._num(j, 'day'), 1)::int)::timestamp;
  ELSE
    r.ts := '2000-01-01'::timestamp;
  END IF;
  IF kind <> 'date' THEN
    s := coalesce(kgmem_cypher._num(j, 'second'), 0)
         + coalesce(kgmem_cypher._num(j, 'millisecond'), 0) / 1000
         + coalesce(kgmem_cypher._num(j, 'microsecond'), 0) / 1000000
         + coalesce(kgmem_cypher._num(j, 'nanosecond'), 0) / 1000000000;
    r.ts := r.ts + make_interval(hours => coalesce(kgmem_cypher._num(j, 'hour'), 0)::int,
                                 mins => coalesce(kgmem_cypher._num(j, 'minute'), 0)::int,
                                 secs => s::float8);
  END IF;
  IF kind IN ('time', 'datetime') THEN
    r.off := kgmem_cypher._zone_offset(r.ts, coalesce(zone, 'Z'));
    IF kind = 'datetime' AND kgmem_cypher._offset(coalesce(zone, 'Z')) IS NULL THEN
      r.zone := zone;
    END IF;
  END IF;
  RETURN r;
END
$fn$;

-- date(x), datetime(x), ..., duration(x) for x a temporal value's text or a map.
CREATE FUNCTION kgmem_cypher.construct(kind ag_catalog.agtype, v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE k text := kgmem_cypher._json(kind) #>> '{}'; j jsonb := kgmem_cypher._json(v);
BEGIN
  IF jsonb_typeof(j) = 'object' THEN
    RETURN kgmem_cypher._out(kgmem_cypher._text(kgmem_cypher._from_map(k, j)));
  END IF;
  RETURN kgmem_cypher._out(kgmem_cypher._text(kgmem_cypher._as(kgmem_cypher._value(v), k)));
END
$fn$;

CREATE FUNCTION kgmem_cypher._n(x numeric) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT (to_jsonb(x)::text)::ag_catalog.agtype
$fn$;

-- value.key: the components of a temporal value (d.year, dt.offset, dur.days, ...).
CREATE FUNCTION kgmem_cypher.part(v ag_catalog.agtype, key ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE r kgmem_cypher.tv := kgmem_cypher._value(v);
        k text := lower(kgmem_cypher._json(key) #>> '{}'); usec numeric; s numeric;
BEGIN
  IF r.kind = 'duration' THEN
    s := r.secs;
    RETURN kgmem_cypher._n(CASE k
      WHEN 'years' THEN trunc(r.months / 12.0) WHEN 'quarters' THEN trunc(r.months / 3.0)
      WHEN 'months' THEN r.months WHEN 'weeks' THEN trunc(r.days / 7.0) WHEN 'days' THEN r.days
      WHEN 'hours' THEN trunc(s / 3600) WHEN 'minutes' THEN trunc(s / 60)
      WHEN 'seconds' THEN floor(s) WHEN 'milliseconds' THEN trunc(s * 1000)
      WHEN 'microseconds' THEN trunc(s * 1000000) WHEN 'nanoseconds' THEN trunc(s * 1000000000)
      WHEN 'monthsofyear' THEN r.months - 12 * trunc(r.months / 12.0)
      WHEN 'monthsofquarter' THEN r.months - 3 * trunc(r.months / 3.0)
      WHEN 'daysofweek' THEN r.days - 7 * trunc(r.days / 7.0)
      WHEN 'minutesofhour' THEN trunc(s / 60) - 60 * trunc(s / 3600)
      WHEN 'secondsofminute' THEN trunc(s) - 60 * trunc(s / 60)
      WHEN 'millisecondsofsecond' THEN trunc((s - floor(s)) * 1000)
      WHEN 'microsecondsofsecond' THEN trunc((s - floor(s)) * 1000000)
      WHEN 'nanosecondsofsecond' THEN trunc((s - floor(s)) * 1000000000)
      ELSE (kgmem_cypher._fail('a duration has no component ' || k)).secs END);
  END IF;
  usec := extract(microseconds FROM r.ts) - 1000000 * trunc(extract(second FROM r.ts));
  IF r.kind IN ('date', 'localdatetime', 'datetime') AND k IN ('year', 'month', 'day', 'quarter',
      'week', 'weekyear', 'dayofweek', 'weekday', 'ordinalday', 'dayofquarter') THEN
    RETURN kgmem_cypher._n(CASE k
      WHEN 'year' THEN extract(year FROM r.ts) WHEN 'month' THEN extract(month FROM r.ts)
      WHEN 'day' THEN extract(day FROM r.ts) WHEN 'quarter' THEN extract(quarter FROM r.ts)
      WHEN 'week' THEN extract(week FROM r.ts) WHEN 'weekyear' THEN extract(isoyear FROM r.ts)
      WHEN 'ordinalday' THEN extract(doy FROM r.ts)
      WHEN 'dayofquarter' THEN (r.ts::date - date_trunc('quarter', r.ts)::date) + 1
      ELSE extract(isodow FROM r.ts) END);
  END IF;
  IF r.kind <> 'date' AND k IN ('hour', 'minute', 'second', 'millisecond', 'microsecond',
                                'nanosecond') THEN
    RETURN kgmem_cypher._n(CASE k
      WHEN 'hour' THEN extract(hour FROM r.ts) WHEN 'minute' THEN extract(minute FROM r.ts)
      WHEN 'second' THEN trunc(extract(second FROM r.ts))
      WHEN 'millisecond' THEN trunc(usec / 1000) WHEN 'microsecond' THEN usec
      ELSE usec * 1000 END);
  END IF;
  IF r.kind IN ('time', 'datetime') THEN
    IF k = 'timezone' THEN
      RETURN kgmem_cypher._out(coalesce(r.zone, kgmem_cypher._offset_text(r.off)));
    END IF;
    IF k = 'offset' THEN RETURN kgmem_cypher._out(kgmem_cypher._offset_text(r.off)); END IF;
    IF k = 'offsetminutes' THEN RETURN kgmem_cypher._n(floor(r.off / 60.0)); END IF;
    IF k = 'offsetseconds' THEN RETURN kgmem_cypher._n(r.off); END IF;
  END IF;
  IF r.kind = 'datetime' AND k IN ('epochseconds', 'epochmillis') THEN
    s := extract(epoch FROM r.ts) - r.off;
    RETURN kgmem_cypher._n(CASE k WHEN 'epochseconds' THEN floor(s) ELSE floor(s * 1000) END);
  END IF;
  PERFORM kgmem_cypher._fail('a ' || r.kind || ' value has no component ' || k);
  RETURN NULL;
END
$fn$;

CREATE FUNCTION kgmem_cypher._shift(r kgmem_cypher.tv, d kgmem_cypher.tv, sign integer)
RETURNS kgmem_cypher.tv
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE o kgmem_cypher.tv := r;
BEGIN
  IF r.kind = 'duration' THEN
    o.months := r.months + sign * d.months; o.days := r.days + sign * d.days;
    o.secs := r.secs + sign * d.secs;
    RETURN o;
  END IF;
  IF r.kind IN ('time', 'localtime') THEN
    o.ts := '2000-01-01'::timestamp + ((r.ts - '2000-01-01'::timestamp)
            + make_interval(secs => (sign * d.secs)::float8)) - make_interval(days => 0);
    o.ts := '2000-01-01'::timestamp + (o.ts - date_trunc('day', o.ts));
    RETURN o;
  END IF;
  o.ts := r.ts + make_interval(months => (sign * d.months)::int, days => (sign * d.days)::int);
  IF r.kind = 'date' THEN
    o.ts := o.ts + make_interval(days => trunc(sign * d.secs / 86400)::int);
    RETURN o;
  END IF;
  o.ts := o.ts + make_interval(secs => (sign * d.secs)::float8);
  IF r.kind = 'datetime' AND r.zone IS NOT NULL THEN
    o.off := kgmem_cypher._zone_offset(o.ts, r.zone);
  END IF;
  RETURN o;
END
$fn$;

-- a + b and a - b where one side is a temporal value and the other a duration.
CREATE FUNCTION kgmem_cypher.plus(a ag_catalog.agtype, b ag_catalog.agtype, sign ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE x kgmem_cypher.tv := kgmem_cypher._value(a); y kgmem_cypher.tv := kgmem_cypher._value(b);
        s integer := (kgmem_cypher._json(sign) #>> '{}')::int;
BEGIN
  IF y.kind <> 'duration' THEN
    IF x.kind <> 'duration' OR s < 0 THEN
      PERFORM kgmem_cypher._fail('a temporal value can only be moved by a duration');
    END IF;
    RETURN kgmem_cypher._out(kgmem_cypher._text(kgmem_cypher._shift(y, x, 1)));
  END IF;
  RETURN kgmem_cypher._out(kgmem_cypher._text(kgmem_cypher._shift(x, y, s)));
END
$fn$;

-- Ordering: -1, 0 or 1; null for values of different types (and for durations, which
-- only have equality).
CREATE FUNCTION kgmem_cypher.compare(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE x kgmem_cypher.tv; y kgmem_cypher.tv; kx numeric; ky numeric;
BEGIN
  IF jsonb_typeof(kgmem_cypher._json(a)) <> 'string'
     OR jsonb_typeof(kgmem_cypher._json(b)) <> 'string' THEN
    RETURN NULL;
  END IF;
  x := kgmem_cypher._value(a); y := kgmem_cypher._value(b);
  IF x.kind <> y.kind THEN RETURN NULL; END IF;
  IF x.kind = 'duration' THEN
    IF (x.months, x.days, x.secs) = (y.months, y.days, y.secs) THEN RETURN kgmem_cypher._n(0);
    END IF;
    RETURN NULL;
  END IF;
  kx := extract(epoch FROM x.ts) - coalesce(x.off, 0);
  ky := extract(epoch FROM y.ts) - coalesce(y.off, 0);
  RETURN kgmem_cypher._n(sign(kx - ky));
END
$fn$;

-- duration.between(a, b) and its inMonths / inDays / inSeconds forms.
CREATE FUNCTION kgmem_cypher.between(a ag_catalog.agtype, b ag_catalog.agtype,
                                     unit ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE x kgmem_cypher.tv := kgmem_cypher._value(a); y kgmem_cypher.tv := kgmem_cypher._value(b);
        u text := lower(kgmem_cypher._json(unit) #>> '{}'); months integer; rest numeric;
        days bigint; start timestamp; r kgmem_cypher.tv;
BEGIN
  IF x.kind = 'duration' OR y.kind = 'duration' THEN
    PERFORM kgmem_cypher._fail('duration.between() needs two temporal values, not durations');
  END IF;
  IF x.off IS NOT NULL AND y.off IS NOT NULL THEN
    y.ts := y.ts - make_interval(secs => y.off - x.off);
  END IF;
  IF x.kind IN ('time', 'localtime') OR y.kind IN ('time', 'localtime') THEN
    rest := extract(epoch FROM (y.ts - date_trunc('day', y.ts)) - (x.ts - date_trunc('day', x.ts)));
    IF u IN ('inmonths', 'indays') THEN rest := 0; END IF;
    r := kgmem_cypher._duration(0, 0, 0, 0, 0, 0, rest);
    RETURN kgmem_cypher._out(kgmem_cypher._text(r));
  END IF;
  rest := extract(epoch FROM y.ts - x.ts);
  IF u = 'inseconds' THEN r := kgmem_cypher._duration(0, 0, 0, 0, 0, 0, rest);
  ELSIF u = 'indays' THEN r := kgmem_cypher._duration(0, 0, 0, trunc(rest / 86400), 0, 0, 0);
  END IF;
  IF r.kind IS NOT NULL THEN RETURN kgmem_cypher._out(kgmem_cypher._text(r)); END IF;
  months := (extract(year FROM y.ts) - extract(year FROM x.ts)) * 12
            + extract(month FROM y.ts) - extract(month FROM x.ts);
  start := x.ts + make_interval(months => months);
  IF months > 0 AND start > y.ts THEN months := months - 1;
  ELSIF months < 0 AND start < y.ts THEN months := months + 1; END IF;
  IF u = 'inmonths' THEN
    RETURN kgmem_cypher._out(kgmem_cypher._text(kgmem_cypher._duration(0, months, 0, 0, 0, 0, 0)));
  END IF;
  rest := extract(epoch FROM y.ts - (x.ts + make_interval(months => months)));
  days := trunc(rest / 86400);
  r := kgmem_cypher._duration(0, months, 0, days, 0, 0, rest - days * 86400);
  RETURN kgmem_cypher._out(kgmem_cypher._text(r));
END
$fn$;

-- date.truncate(unit, v), datetime.truncate(unit, v), ... (without the map of overrides).
CREATE FUNCTION kgmem_cypher.truncate(kind ag_catalog.agtype, unit ag_catalog.agtype,
                                      v ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE k text := kgmem_cypher._json(kind) #>> '{}';
        u text := lower(kgmem_cypher._json(unit) #>> '{}');
        r kgmem_cypher.tv := kgmem_cypher._value(v); y integer;
BEGIN
  IF r.kind = 'duration' THEN
    PERFORM kgmem_cypher._fail('a duration cannot be truncated');
  END IF;
  IF u IN ('millennium', 'century') THEN
    y := extract(year FROM r.ts)::int;
    y := y - y % CASE u WHEN 'millennium' THEN 1000 ELSE 100 END;
    r.ts := make_date(y, 1, 1)::timestamp;
  ELSIF u IN ('decade', 'year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second') THEN
    r.ts := date_trunc(u, r.ts);
  ELSIF u = 'weekyear' THEN
    r.ts := to_date(extract(isoyear FROM r.ts)::int || '-1-1', 'IYYY-IW-ID')::timestamp;
  ELSIF u IN ('millisecond', 'microsecond') THEN
    r.ts := date_trunc(u || 's', r.ts);
  ELSE
    PERFORM kgmem_cypher._fail('unknown truncation unit ' || u);
  END IF;
  IF r.kind = 'datetime' AND r.zone IS NOT NULL THEN
    r.off := kgmem_cypher._zone_offset(r.ts, r.zone);
  END IF;
  RETURN kgmem_cypher._out(kgmem_cypher._text(kgmem_cypher._as(r, k)));
END
$fn$;

-- Three-valued comparison and null test for the predicates of rewritten list
-- quantifiers: AGE 1.7 compares a null list element (agtype null) as a value.
CREATE FUNCTION kgmem_cypher.isnull(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE WHEN v IS NULL OR ag_catalog.agtype_out(v)::text = 'null'
              THEN 'true'::ag_catalog.agtype ELSE 'false'::ag_catalog.agtype END
$fn$;

CREATE FUNCTION kgmem_cypher.compare3(a ag_catalog.agtype, op ag_catalog.agtype,
                                      b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE r boolean; o text := kgmem_cypher._json(op) #>> '{}';
BEGIN
  IF kgmem_cypher.isnull(a)::text = 'true' OR kgmem_cypher.isnull(b)::text = 'true' THEN
    RETURN NULL;
  END IF;
  r := CASE o WHEN '=' THEN a OPERATOR(ag_catalog.=) b
              WHEN '<>' THEN a OPERATOR(ag_catalog.<>) b
              WHEN '<' THEN a OPERATOR(ag_catalog.<) b
              WHEN '>' THEN a OPERATOR(ag_catalog.>) b
              WHEN '<=' THEN a OPERATOR(ag_catalog.<=) b
              WHEN '>=' THEN a OPERATOR(ag_catalog.>=) b END;
  IF r IS NULL THEN RETURN NULL; END IF;
  RETURN CASE WHEN r THEN 'true'::ag_catalog.agtype ELSE 'false'::ag_catalog.agtype END;
END
$fn$;

GRANT USAGE ON SCHEMA kgmem_cypher TO kgmem_cypher_reader;
"""

DOWNGRADE = r"""
DROP SCHEMA IF EXISTS kgmem_cypher CASCADE;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
