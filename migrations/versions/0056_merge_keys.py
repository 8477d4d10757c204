"""``kgmem_cypher.merge_key(v, what)``: a MERGE pattern's property value, or Neo4j's
error when it is null.

kgmem binds each value a MERGE pattern's map takes from the statement through
``merge_key`` on its row, before the MERGE (``kgmem.cypher.merge_keys``): a null is
Neo4j's error, "Cannot merge the following node because of null property value for
'id'" (``what``: ``node 'id'`` or ``relationship 'w'``), raised as ``P0001``, which
kgmem reports as a ``SemanticError``; any other value comes back as it is. AGE made a
node without the property, and with ``age.enable_containment`` off (kgmem's plan when an
index answers the map) a MERGE that starts a statement ended the server process on it.
VOLATILE, though it reads no table: PostgreSQL then keeps the WITH that binds the
checked value as a step of its own rather than copying the call into the MERGE's
comparison, where it would run once per node compared (``bench row-writes`` measures
the import without an index).

Revision ID: 0056_merge_keys
Revises: 0055_cypher_dynamic_properties
"""

from alembic import op

revision = "0056_merge_keys"
down_revision = "0055_cypher_dynamic_properties"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher.merge_key(v ag_catalog.agtype, what ag_catalog.agtype)
RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE w text;
BEGIN
  IF v IS NULL OR v OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype THEN
    w := ag_catalog.agtype_out(what)::text::jsonb #>> '{}';
    RAISE EXCEPTION 'Cannot merge the following % because of null property value for %',
      split_part(w, ' ', 1), substr(w, position(' ' IN w) + 1) USING ERRCODE = 'P0001';
  END IF;
  RETURN v;
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.merge_key(ag_catalog.agtype, ag_catalog.agtype);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
