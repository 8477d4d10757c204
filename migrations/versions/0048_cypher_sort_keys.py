"""Sort keys of times and datetimes: ``kgmem_cypher.sort_key``.

kgmem's rewrite sorts ``ORDER BY t`` and ``ORDER BY n.at`` by ``kgmem_cypher.sort_key``
(``kgmem.cypher.temporal_order``). A string in the form kgmem writes a time or a
datetime with an offset or a zone name gets a key that sorts by its instant:

- a time: ``\\x04``, its seconds past midnight UTC (plus a day, so the key is never
  negative; openCypher does not wrap a time round midnight), its nanoseconds, then its
  text (equal instants sort by their local time);
- a datetime: ``\\x01``, its seconds since the epoch (plus 10^13), its nanoseconds,
  then its text.

PostgreSQL reads the local time (``time``, ``timestamp``; with a zone name and no
offset, ``timestamptz``), its fraction cut off first so it cannot round into the next
second, and the offset (up to 18 hours, past PostgreSQL's own range) is taken off;
``pg_input_is_valid`` keeps a string that only looks like one (``2020-02-30T10:00Z``,
an unknown zone) sorting as itself, without an error.

The control characters sort every such key before other strings, datetimes before
times, as openCypher sorts temporal values before strings. Any other value is its own
key; so is a string that does not parse as the value it looks like.

Orderings that kgmem writes as ``compare3`` (``RETURN a < b``, ``WHERE a.t < b.t``,
list predicates) compare the same keys, so a sort agrees with ``<``: ``_order3``
(migration 0046's is kept as ``_order3_0046``) orders ``sort_key(a)`` against
``sort_key(b)``, and answers null for two durations and for strings in the forms of two
different temporal types (``kgmem_cypher._temporal_kind``), as openCypher does for
values that have no order. ``_equal3`` (0046's kept as ``_equal3_0046``) finds two
datetimes equal when they name the same instant (``12:00+01:00`` and ``11:00Z`` of one
day), as kgmem does for constants.

Revision ID: 0048_cypher_sort_keys
Revises: 0047_cypher_conversions
"""

from alembic import op

revision = "0048_cypher_sort_keys"
down_revision = "0047_cypher_conversions"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._instant_key(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE local text := regexp_replace(t, '([.,]\d+)|(\[[^]]*\])', '', 'g');
        zone text := substring(t from '\[([^]]+)\]$');
        fraction text := rpad(coalesce(substring(t from ':\d{2}[.,](\d{1,9})'), ''), 9, '0');
        offset_text text := substring(local from '(Z|[+-]\d{2}:\d{2}(?::\d{2})?)$');
        clock text := left(local, length(local) - coalesce(length(offset_text), 0));
        seconds integer := 0;
BEGIN
  IF offset_text IS NOT NULL AND offset_text <> 'Z' THEN
    seconds := (substr(offset_text, 2, 2)::int * 3600 + substr(offset_text, 5, 2)::int * 60
                + coalesce(nullif(substr(offset_text, 8, 2), '')::int, 0))
               * CASE WHEN left(offset_text, 1) = '-' THEN -1 ELSE 1 END;
  END IF;
  IF clock ~ '^\d{2}:' THEN
    IF offset_text IS NULL OR NOT pg_input_is_valid(clock, 'time') THEN RETURN NULL; END IF;
    RETURN E'\x04' || lpad((extract(epoch FROM clock::time)::bigint - seconds + 86400)::text,
                           6, '0') || '.' || fraction || ' ' || t;
  ELSIF offset_text IS NOT NULL AND pg_input_is_valid(clock, 'timestamp') THEN
    RETURN E'\x01' || lpad((extract(epoch FROM clock::timestamp)::bigint - seconds
                            + 10000000000000)::text, 14, '0') || '.' || fraction || ' ' || t;
  ELSIF offset_text IS NULL AND zone IS NOT NULL
        AND pg_input_is_valid(clock || ' ' || zone, 'timestamptz') THEN
    RETURN E'\x01' || lpad((extract(epoch FROM (clock || ' ' || zone)::timestamptz)::bigint
                            + 10000000000000)::text, 14, '0') || '.' || fraction || ' ' || t;
  END IF;
  RETURN NULL;  -- not the value it looks like: the string sorts as itself
END
$fn$;

CREATE FUNCTION kgmem_cypher.sort_key(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text; k text;
BEGIN
  IF NOT (v OPERATOR(ag_catalog.>=) '""'::ag_catalog.agtype
          AND v OPERATOR(ag_catalog.<) 'false'::ag_catalog.agtype) THEN
    RETURN v;  -- not a string (agtype's order tells without writing the value out)
  END IF;
  t := ag_catalog.agtype_out(v)::text;
  IF t ~ '^"(\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T)[^"\\]*(Z|[+-]\d{2}(:?\d{2}){0,2}|\])"$' THEN
    k := kgmem_cypher._instant_key(substr(t, 2, length(t) - 2));
    IF k IS NOT NULL THEN
      RETURN to_jsonb(k)::text::ag_catalog.agtype;
    END IF;
  END IF;
  RETURN v;
END
$fn$;

-- A key back to its value: min(sort_key(x)) names the least x.
CREATE FUNCTION kgmem_cypher.unkey(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text;
BEGIN
  IF NOT (v OPERATOR(ag_catalog.>=) '""'::ag_catalog.agtype
          AND v OPERATOR(ag_catalog.<) 'false'::ag_catalog.agtype) THEN
    RETURN v;
  END IF;
  t := ag_catalog.agtype_to_text(v);
  IF left(t, 1) IN (E'\x01', E'\x04') THEN
    RETURN ag_catalog.text_to_agtype(substr(t, strpos(t, ' ') + 1));
  END IF;
  RETURN v;
END
$fn$;

CREATE FUNCTION kgmem_cypher._temporal_kind(v ag_catalog.agtype) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE
    WHEN t !~ '^"[-P0-9]' THEN NULL
    WHEN t ~ '^"-?P(?=[^"]*[0-9])[0-9YMWDTHS.,-]*"$' THEN 'duration'
    WHEN t ~ '^"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}"$' THEN 'date'
    WHEN t ~ '^"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"$'
      THEN 'localdatetime'
    WHEN t ~ ('^"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?'
              || '(Z|[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?(\[[^]"]+\])?"$') THEN 'datetime'
    WHEN t ~ '^"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?)"$'
      THEN 'time'
  END
  FROM (SELECT ag_catalog.agtype_out(v)::text AS t) AS written
$fn$;

ALTER FUNCTION kgmem_cypher._order3(ag_catalog.agtype, text, ag_catalog.agtype)
  RENAME TO _order3_0046;
ALTER FUNCTION kgmem_cypher._equal3(ag_catalog.agtype, ag_catalog.agtype)
  RENAME TO _equal3_0046;

CREATE FUNCTION kgmem_cypher._order3(a ag_catalog.agtype, o text, b ag_catalog.agtype)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE ka text := kgmem_cypher._temporal_kind(a); kb text := kgmem_cypher._temporal_kind(b);
BEGIN
  IF ka IS NOT NULL AND kb IS NOT NULL AND (ka <> kb OR ka = 'duration') THEN
    RETURN NULL;  -- durations, and values of two temporal types, have no order
  END IF;
  RETURN kgmem_cypher._order3_0046(kgmem_cypher.sort_key(a), o, kgmem_cypher.sort_key(b));
END
$fn$;

CREATE FUNCTION kgmem_cypher._equal3(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
BEGIN
  IF kgmem_cypher._temporal_kind(a) = 'datetime'
     AND kgmem_cypher._temporal_kind(b) = 'datetime' THEN
    RETURN split_part(ag_catalog.agtype_out(kgmem_cypher.sort_key(a))::text, ' ', 1)
         = split_part(ag_catalog.agtype_out(kgmem_cypher.sort_key(b))::text, ' ', 1);
  END IF;
  RETURN kgmem_cypher._equal3_0046(a, b);
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher._order3(ag_catalog.agtype, text, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._equal3(ag_catalog.agtype, ag_catalog.agtype);
ALTER FUNCTION kgmem_cypher._order3_0046(ag_catalog.agtype, text, ag_catalog.agtype)
  RENAME TO _order3;
ALTER FUNCTION kgmem_cypher._equal3_0046(ag_catalog.agtype, ag_catalog.agtype)
  RENAME TO _equal3;
DROP FUNCTION IF EXISTS kgmem_cypher._temporal_kind(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.unkey(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.sort_key(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._instant_key(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
