"""Sort keys of times and datetimes: ``kgmem_cypher.sort_key``.

kgmem's rewrite sorts ``ORDER BY t`` and ``ORDER BY n.at`` by ``kgmem_cypher.sort_key``
(``kgmem.cypher.temporal_order``). A string in the form kgmem writes a time or a
datetime with an offset or a zone name gets a key that sorts by its instant:

- a time: ``\\x04``, its seconds past midnight UTC (plus a day, so the key is never
  negative; openCypher does not wrap a time round midnight), its nanoseconds, then its
  text (equal instants sort by their local time);
- a datetime: ``\\x01``, its seconds since the epoch (plus 10^13), its nanoseconds,
  then its text.

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
DECLARE r kgmem_cypher.tv; whole numeric; fraction text;
BEGIN
  r := kgmem_cypher._parse(t);
  fraction := rpad(coalesce(substring(t from '^[^.,]*[.,](\d{1,9})'), ''), 9, '0');
  IF r.kind = 'time' THEN
    whole := floor(extract(epoch FROM r.ts - '2000-01-01'::timestamp)) - r.off + 86400;
    RETURN E'\x04' || lpad(whole::text, 6, '0') || '.' || fraction || ' ' || t;
  ELSIF r.kind = 'datetime' THEN
    whole := floor(extract(epoch FROM r.ts)) - r.off + 10000000000000;
    RETURN E'\x01' || lpad(whole::text, 14, '0') || '.' || fraction || ' ' || t;
  END IF;
  RETURN NULL;
EXCEPTION WHEN others THEN
  RETURN NULL;  -- not the value it looks like: the string sorts as itself
END
$fn$;

CREATE FUNCTION kgmem_cypher.sort_key(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE t text := ag_catalog.agtype_out(v)::text; k text;
BEGIN
  IF t ~ '^"(\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T)[^"\\]*(Z|[+-]\d{2}(:?\d{2}){0,2}|\])"$' THEN
    k := kgmem_cypher._instant_key(substr(t, 2, length(t) - 2));
    IF k IS NOT NULL THEN
      RETURN to_jsonb(k)::text::ag_catalog.agtype;
    END IF;
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
DROP FUNCTION IF EXISTS kgmem_cypher.sort_key(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._instant_key(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
