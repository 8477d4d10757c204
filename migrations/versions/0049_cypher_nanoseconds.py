"""Temporal values read from the graph keep their nanoseconds.

Migration 0017's functions compute with PostgreSQL's timestamps, which stop at the
microsecond, so ``x + d.dur`` of a time with nanoseconds lost the last three digits
(``04:44:24.000000003`` came back ``04:44:24``) and a ``nanosecond`` component in a map
was rounded to the nearest microsecond. kgmem's temporal record
(``kgmem_cypher.tv``) now carries ``ns``, the nanoseconds past its timestamp's
microsecond (0 to 999), and each function that reads or makes a time of day keeps it,
each by a wrapper around 0017's function (kept under its name with ``_0017``):

- ``_parse`` reads it from the text's fraction, ``_text`` writes all nine digits when
  it is not 0, ``_as`` carries it to a value of another type (not to a date);
- ``_from_map`` takes a map's ``nanosecond`` past the microsecond as ``ns``;
- ``_shift`` (``+`` and ``-`` of a duration) adds the duration's nanoseconds past the
  microsecond to ``ns`` and carries whole microseconds into the timestamp;
- ``compare`` orders two values equal to the microsecond by ``ns``; ``between`` adds
  the difference of the two ``ns`` to the seconds it answers (borrowing a day where
  the sign of the seconds would differ from the days'); ``truncate`` drops ``ns``
  (every unit it knows is a microsecond or longer).

Revision ID: 0049_cypher_nanoseconds
Revises: 0048_cypher_sort_keys
"""

from alembic import op

revision = "0049_cypher_nanoseconds"
down_revision = "0048_cypher_sort_keys"
branch_labels = None
depends_on = None

_WRAPPED = {
    "_parse": "s text",
    "_text": "r kgmem_cypher.tv",
    "_as": "r kgmem_cypher.tv, kind text",
    "_from_map": "kind text, j jsonb",
    "_shift": "r kgmem_cypher.tv, d kgmem_cypher.tv, sign integer",
    "compare": "a ag_catalog.agtype, b ag_catalog.agtype",
    "between": "a ag_catalog.agtype, b ag_catalog.agtype, unit ag_catalog.agtype",
    "truncate": "kind ag_catalog.agtype, unit ag_catalog.agtype, v ag_catalog.agtype",
}
"""Each function wrapped, with its arguments (names and types)."""

_HEADER = "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS"

UPGRADE = rf"""
ALTER TYPE kgmem_cypher.tv ADD ATTRIBUTE ns integer;

CREATE FUNCTION kgmem_cypher._parse(s text) RETURNS kgmem_cypher.tv
{_HEADER} $fn$
DECLARE r kgmem_cypher.tv := kgmem_cypher._parse_0017(s);
        digits text := substring(s from ':\d{{2}}[.,](\d{{1,9}})');
BEGIN
  IF r.kind NOT IN ('date', 'duration') THEN
    r.ns := coalesce(substr(rpad(digits, 9, '0'), 7, 3)::int, 0);
  END IF;
  RETURN r;
END
$fn$;

CREATE FUNCTION kgmem_cypher._text(r kgmem_cypher.tv) RETURNS text
{_HEADER} $fn$
DECLARE t text := kgmem_cypher._text_0017(r);
BEGIN
  IF coalesce(r.ns, 0) = 0 OR r.kind IN ('date', 'duration') THEN
    RETURN t;
  END IF;
  RETURN regexp_replace(t, '^((?:-?\d+-\d{{2}}-\d{{2}}T)?\d{{2}}:\d{{2}})(?::\d{{2}}(?:\.\d+)?)?',
    '\1:' || to_char(r.ts, 'SS') || '.' || to_char(r.ts, 'US') || lpad(r.ns::text, 3, '0'));
END
$fn$;

CREATE FUNCTION kgmem_cypher._as(r kgmem_cypher.tv, kind text) RETURNS kgmem_cypher.tv
{_HEADER} $fn$
DECLARE o kgmem_cypher.tv := kgmem_cypher._as_0017(r, kind);
BEGIN
  o.ns := CASE WHEN o.kind = 'date' THEN NULL ELSE r.ns END;
  RETURN o;
END
$fn$;

CREATE FUNCTION kgmem_cypher._from_map(kind text, j jsonb) RETURNS kgmem_cypher.tv
{_HEADER} $fn$
DECLARE r kgmem_cypher.tv; past integer := 0;
BEGIN
  IF kind NOT IN ('date', 'duration') AND jsonb_typeof(j -> 'nanosecond') = 'number' THEN
    past := trunc((j ->> 'nanosecond')::numeric) % 1000;
    j := jsonb_set(j, '{{nanosecond}}', to_jsonb((j ->> 'nanosecond')::numeric - past));
  END IF;
  r := kgmem_cypher._from_map_0017(kind, j);
  IF kind NOT IN ('date', 'duration') THEN r.ns := past; END IF;
  RETURN r;
END
$fn$;

CREATE FUNCTION kgmem_cypher._shift(r kgmem_cypher.tv, d kgmem_cypher.tv, sign integer)
RETURNS kgmem_cypher.tv
{_HEADER} $fn$
DECLARE step numeric; total numeric; carry numeric; moved kgmem_cypher.tv := d; o kgmem_cypher.tv;
BEGIN
  IF r.kind IN ('date', 'duration') THEN
    RETURN kgmem_cypher._shift_0017(r, d, sign);
  END IF;
  step := sign * d.secs * 1000000000;
  total := coalesce(r.ns, 0) + mod(step, 1000);
  carry := floor(total / 1000);
  moved.months := sign * d.months;
  moved.days := sign * d.days;
  moved.secs := (step - mod(step, 1000) + carry * 1000) / 1000000000;
  o := kgmem_cypher._shift_0017(r, moved, 1);
  o.ns := total - carry * 1000;
  RETURN o;
END
$fn$;

CREATE FUNCTION kgmem_cypher.compare(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS ag_catalog.agtype
{_HEADER} $fn$
DECLARE c ag_catalog.agtype := kgmem_cypher._compare_0017(a, b);
BEGIN
  IF c IS NULL OR ag_catalog.agtype_out(c)::text <> '0' THEN
    RETURN c;
  END IF;
  RETURN kgmem_cypher._n(sign(coalesce((kgmem_cypher._value(a)).ns, 0)
                              - coalesce((kgmem_cypher._value(b)).ns, 0))::numeric);
END
$fn$;

CREATE FUNCTION kgmem_cypher.between(a ag_catalog.agtype, b ag_catalog.agtype,
                                     unit ag_catalog.agtype)
RETURNS ag_catalog.agtype
{_HEADER} $fn$
DECLARE res ag_catalog.agtype := kgmem_cypher._between_0017(a, b, unit);
        delta integer; r kgmem_cypher.tv;
BEGIN
  IF lower(kgmem_cypher._json(unit) #>> '{{}}') NOT IN ('between', 'inseconds') THEN
    RETURN res;
  END IF;
  delta := coalesce((kgmem_cypher._value(b)).ns, 0) - coalesce((kgmem_cypher._value(a)).ns, 0);
  IF delta = 0 THEN RETURN res; END IF;
  r := kgmem_cypher._value(res);
  r.secs := r.secs + delta / 1000000000.0;
  IF r.days > 0 AND r.secs < 0 THEN r.days := r.days - 1; r.secs := r.secs + 86400;
  ELSIF r.days < 0 AND r.secs > 0 THEN r.days := r.days + 1; r.secs := r.secs - 86400;
  END IF;
  RETURN kgmem_cypher._out(kgmem_cypher._text(r));
END
$fn$;

CREATE FUNCTION kgmem_cypher.truncate(kind ag_catalog.agtype, unit ag_catalog.agtype,
                                      v ag_catalog.agtype)
RETURNS ag_catalog.agtype
{_HEADER} $fn$
DECLARE r kgmem_cypher.tv := kgmem_cypher._value(v);
BEGIN
  IF coalesce(r.ns, 0) <> 0 THEN
    r.ns := 0;
    v := kgmem_cypher._out(kgmem_cypher._text(r));
  END IF;
  RETURN kgmem_cypher._truncate_0017(kind, unit, v);
END
$fn$;
"""


def _types(args: str) -> str:
    return ", ".join(part.split(" ", 1)[1] for part in args.split(", "))


def _private(name: str) -> str:
    """0017's function kept under a private name (``compare`` -> ``_compare_0017``)."""
    return f"{name if name.startswith('_') else '_' + name}_0017"


def upgrade() -> None:
    for name, args in _WRAPPED.items():
        op.execute(f"ALTER FUNCTION kgmem_cypher.{name}({_types(args)}) RENAME TO {_private(name)}")
    op.execute(UPGRADE)


def downgrade() -> None:
    for name, args in _WRAPPED.items():
        op.execute(f"DROP FUNCTION kgmem_cypher.{name}({_types(args)})")
        op.execute(f"ALTER FUNCTION kgmem_cypher.{_private(name)}({_types(args)}) RENAME TO {name}")
    op.execute("ALTER TYPE kgmem_cypher.tv DROP ATTRIBUTE ns")
