"""``SET n[key] = value`` and ``REMOVE n[key]``: a property whose key a query computes.

AGE 1.7 takes only ``n.name`` on the left of a SET item, but it takes any map inside
``properties()`` on the right of ``SET n += ...``, and removes the keys a null value
names there. kgmem's rewrite (``kgmem.cypher.dynamic_properties``) writes ``SET n[k] =
v`` as ``SET n += properties(kgmem_cypher.property_entry(k, v))`` and ``REMOVE n[k]``
with a null value.

- ``property_entry(key, value)`` is the map ``{key: value}`` (value null: ``{key:
  null}``). A key that is not a string (null included) raises ``22023`` in Neo4j's
  words, ``Expected the value 1 to be of type STRING, but was of type INTEGER.``, which
  kgmem reports as a Cypher type error. IMMUTABLE, reading no table.

Revision ID: 0055_cypher_dynamic_properties
Revises: 0054_cypher_value_type
"""

from alembic import op

revision = "0055_cypher_dynamic_properties"
down_revision = "0054_cypher_value_type"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher.property_entry(key ag_catalog.agtype, value ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE kind text;
BEGIN
  IF key IS NOT NULL AND left(ag_catalog.agtype_out(key)::text, 1) = '"' THEN
    RETURN ag_catalog.agtype_build_map(key, value);
  END IF;
  kind := coalesce(ag_catalog.agtype_to_text(kgmem_cypher.value_type(key)), 'NULL');
  RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format(
    'Expected the value %s to be of type STRING, but was of type %s.',
    CASE kind WHEN 'NULL' THEN 'NULL' ELSE ag_catalog.agtype_out(key)::text END,
    replace(kind, ' NOT NULL', ''));
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.property_entry(ag_catalog.agtype, ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
