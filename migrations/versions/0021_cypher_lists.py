"""Null list elements as openCypher's null (``kgmem_cypher.unnull``) and ``reduce()``
(``kgmem_cypher.fold``).

AGE 1.7 binds a null element of an unwound list to the agtype value ``null`` rather
than to SQL's NULL, so comparisons and boolean operators read it as a value
(``UNWIND [null] AS x RETURN x = 1`` is false, ``x OR false`` fails). kgmem's rewrite
(``kgmem.cypher.unwind``) passes each unwound value through ``unnull``, which gives
SQL's NULL for agtype ``null`` and the value itself otherwise.

``fold(op, init, terms)`` is ``reduce()`` for an accumulator the expression adds to or
multiplies (``kgmem.cypher.reduce``): AGE's ``+`` or ``*`` applied left to right from
``init`` over the list ``terms``; a null term gives null.

Both are IMMUTABLE, PARALLEL SAFE and read no table; ``unnull`` is plain SQL with
schema-qualified names, so PostgreSQL can inline it into the query.

Revision ID: 0021_cypher_lists
Revises: 0020_forget_undoes
"""

from alembic import op

revision = "0021_cypher_lists"
down_revision = "0020_forget_undoes"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher.unnull(v ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN v OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype THEN NULL ELSE v END
$fn$;

-- reduce(acc = init, x IN l | acc + e) as fold('+', init, [x IN l | e]) (and '*').
CREATE FUNCTION kgmem_cypher.fold(op ag_catalog.agtype, acc ag_catalog.agtype,
                                  terms ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE o text := kgmem_cypher._json(op) #>> '{}'; term ag_catalog.agtype;
BEGIN
  IF terms IS NULL OR kgmem_cypher.unnull(terms) IS NULL THEN RETURN NULL; END IF;
  FOR term IN SELECT t FROM ag_catalog.age_unnest(terms) AS t LOOP
    term := kgmem_cypher.unnull(term);
    acc := kgmem_cypher.unnull(acc);
    IF term IS NULL OR acc IS NULL THEN RETURN NULL; END IF;
    acc := CASE o WHEN '+' THEN acc OPERATOR(ag_catalog.+) term
                  ELSE acc OPERATOR(ag_catalog.*) term END;
  END LOOP;
  RETURN acc;
END
$fn$;
-- openCypher's comparison, used by kgmem.cypher.nulls and kgmem.cypher.comparisons:
-- null for a null operand; = and <> element by element for lists and maps (a null
-- element makes an otherwise equal pair null); false for = across types (numbers
-- compare by value); <, >, <=, >= only between numbers, strings, booleans or lists
-- (lexicographically), null otherwise.
CREATE FUNCTION kgmem_cypher._kind(v ag_catalog.agtype) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT CASE
    WHEN t IS NULL OR t = 'null' THEN 'null'
    WHEN t IN ('true', 'false') THEN 'boolean'
    WHEN left(t, 1) = '"' THEN 'string'
    WHEN right(t, 8) = '::vertex' THEN 'vertex'
    WHEN right(t, 6) = '::edge' THEN 'edge'
    WHEN right(t, 6) = '::path' THEN 'path'
    WHEN left(t, 1) = '[' THEN 'list'
    WHEN left(t, 1) = '{' THEN 'map'
    ELSE 'number' END
  FROM (SELECT ag_catalog.agtype_out(v)::text AS t) AS s
$fn$;

CREATE FUNCTION kgmem_cypher._at(v ag_catalog.agtype, k ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT ag_catalog.agtype_access_operator(VARIADIC ARRAY[v, k])
$fn$;

CREATE FUNCTION kgmem_cypher._size(v ag_catalog.agtype) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT (ag_catalog.agtype_out(ag_catalog.age_size(v))::text)::integer
$fn$;

CREATE FUNCTION kgmem_cypher._equal3(a ag_catalog.agtype, b ag_catalog.agtype)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE ka text := kgmem_cypher._kind(a); kb text := kgmem_cypher._kind(b);
        n integer; i integer; e boolean; unknown boolean := false;
        keys ag_catalog.agtype; k ag_catalog.agtype;
BEGIN
  IF ka = 'null' OR kb = 'null' THEN RETURN NULL; END IF;
  IF ka <> kb THEN RETURN false; END IF;
  IF ka = 'map' THEN
    keys := ag_catalog.age_keys(a);
    IF NOT keys OPERATOR(ag_catalog.=) ag_catalog.age_keys(b) THEN RETURN false; END IF;
    n := kgmem_cypher._size(keys);
    FOR i IN 0 .. n - 1 LOOP
      k := kgmem_cypher._at(keys, i::text::ag_catalog.agtype);
      e := kgmem_cypher._equal3(kgmem_cypher._at(a, k), kgmem_cypher._at(b, k));
      IF e IS NULL THEN unknown := true; ELSIF NOT e THEN RETURN false; END IF;
    END LOOP;
    RETURN CASE WHEN unknown THEN NULL ELSE true END;
  END IF;
  IF ka = 'list' THEN
    n := kgmem_cypher._size(a);
    IF n <> kgmem_cypher._size(b) THEN RETURN false; END IF;
    FOR i IN 0 .. n - 1 LOOP
      e := kgmem_cypher._equal3(kgmem_cypher._at(a, i::text::ag_catalog.agtype),
                                kgmem_cypher._at(b, i::text::ag_catalog.agtype));
      IF e IS NULL THEN unknown := true; ELSIF NOT e THEN RETURN false; END IF;
    END LOOP;
    RETURN CASE WHEN unknown THEN NULL ELSE true END;
  END IF;
  RETURN a OPERATOR(ag_catalog.=) b;
END
$fn$;

CREATE FUNCTION kgmem_cypher._order3(a ag_catalog.agtype, o text, b ag_catalog.agtype)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE ka text := kgmem_cypher._kind(a); kb text := kgmem_cypher._kind(b);
        na integer; nb integer; i integer; ea ag_catalog.agtype; eb ag_catalog.agtype;
BEGIN
  IF ka = 'null' OR kb = 'null' OR ka <> kb OR ka NOT IN ('number', 'string', 'boolean', 'list')
  THEN
    RETURN NULL;
  END IF;
  IF ka = 'list' THEN
    na := kgmem_cypher._size(a);
    nb := kgmem_cypher._size(b);
    FOR i IN 0 .. least(na, nb) - 1 LOOP
      ea := kgmem_cypher._at(a, i::text::ag_catalog.agtype);
      eb := kgmem_cypher._at(b, i::text::ag_catalog.agtype);
      IF kgmem_cypher._equal3(ea, eb) IS DISTINCT FROM true THEN
        RETURN kgmem_cypher._order3(ea, o, eb);
      END IF;
    END LOOP;
    RETURN CASE o WHEN '<' THEN na < nb WHEN '>' THEN na > nb
                  WHEN '<=' THEN na <= nb ELSE na >= nb END;
  END IF;
  RETURN CASE o WHEN '<' THEN a OPERATOR(ag_catalog.<) b
                WHEN '>' THEN a OPERATOR(ag_catalog.>) b
                WHEN '<=' THEN a OPERATOR(ag_catalog.<=) b
                ELSE a OPERATOR(ag_catalog.>=) b END;
END
$fn$;

CREATE OR REPLACE FUNCTION kgmem_cypher.compare3(a ag_catalog.agtype, op ag_catalog.agtype,
                                                 b ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE r boolean; o text := kgmem_cypher._json(op) #>> '{}';
BEGIN
  IF o IN ('=', '<>') THEN
    r := kgmem_cypher._equal3(a, b);
    IF o = '<>' THEN r := NOT r; END IF;
  ELSE
    r := kgmem_cypher._order3(a, o, b);
  END IF;
  IF r IS NULL THEN RETURN NULL; END IF;
  RETURN CASE WHEN r THEN 'true'::ag_catalog.agtype ELSE 'false'::ag_catalog.agtype END;
END
$fn$;
"""

DOWNGRADE = r"""
CREATE OR REPLACE FUNCTION kgmem_cypher.compare3(a ag_catalog.agtype, op ag_catalog.agtype,
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
DROP FUNCTION IF EXISTS kgmem_cypher._order3(ag_catalog.agtype, text, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._equal3(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._size(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._at(ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._kind(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.fold(ag_catalog.agtype, ag_catalog.agtype,
                                          ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher.unnull(ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
