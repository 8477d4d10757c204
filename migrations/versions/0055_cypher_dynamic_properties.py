"""``SET n[key] = value`` and ``REMOVE n[key]``: a property whose key a query computes;
and one helper for where a node or relationship is now.

AGE 1.7 takes only ``n.name`` on the left of a SET item, but it takes any map inside
``properties()`` on the right of ``SET n += ...``, and removes the keys a null value
names there. kgmem's rewrite (``kgmem.cypher.dynamic_properties``) writes ``SET n[k] =
v`` as ``SET n += properties(kgmem_cypher.property_entry(k, v))`` and ``REMOVE n[k]``
with a null value.

- ``property_entry(key, value)`` is the map ``{key: value}`` (value null: ``{key:
  null}``). A key that is not a string (null included) raises ``22023`` in Neo4j's
  words, ``Expected the value 1 to be of type STRING, but was of type INTEGER.``, which
  kgmem reports as a Cypher type error. IMMUTABLE, reading no table.
- ``_entity_now(entity, caller)`` answers the graph's oid (from the transaction's
  ``kgmem.cypher_graph`` setting; without it, an error naming ``caller``) and the
  entity's graph id now, following the moves ``relabel`` recorded in
  ``kgmem_relabelled``. ``relabel`` (migration 0024, as 0053 patched it) and
  ``stored`` (0052) each wrote this preamble out; they call it now, and do what they
  did. The downgrade puts their previous bodies back.

Revision ID: 0055_cypher_dynamic_properties
Revises: 0054_cypher_value_type
"""

from alembic import op

from kgmem.storage.engine.migration_texts import created, earlier, edited, restored, upgraded

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

CREATE FUNCTION kgmem_cypher._entity_now(
  entity ag_catalog.agtype, caller text, OUT graph_oid oid, OUT id ag_catalog.graphid
)
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE moved ag_catalog.graphid;
BEGIN
  SELECT g.graphid INTO graph_oid FROM ag_catalog.ag_graph g
  WHERE g.name = current_setting('kgmem.cypher_graph', true)::name;
  IF graph_oid IS NULL THEN
    RAISE EXCEPTION '% needs the setting kgmem.cypher_graph', caller;
  END IF;
  id := ag_catalog.agtype_to_graphid(ag_catalog.age_id(entity));
  IF to_regclass('pg_temp.kgmem_relabelled') IS NOT NULL THEN
    SELECT r.new_id INTO moved FROM pg_temp.kgmem_relabelled r WHERE r.old_id = id;
    id := coalesce(moved, id);
  END IF;
END
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher._entity_now(ag_catalog.agtype, text);
DROP FUNCTION IF EXISTS kgmem_cypher.property_entry(ag_catalog.agtype, ag_catalog.agtype);
"""

# The preamble as relabel and stored wrote it: the graph's oid, then the id now.
_GRAPH = """  SELECT g.graphid INTO graph_oid FROM ag_catalog.ag_graph g WHERE g.name = graph::name;
  IF graph_oid IS NULL THEN
    RAISE EXCEPTION '{caller} needs the setting kgmem.cypher_graph';
  END IF;
"""
_TABLE = """  IF to_regclass('pg_temp.kgmem_relabelled') IS NULL THEN
    CREATE TEMP TABLE kgmem_relabelled (
      old_id ag_catalog.graphid PRIMARY KEY, new_id ag_catalog.graphid NOT NULL
    ) ON COMMIT DROP;
  END IF;
"""
_ID = "  id := ag_catalog.agtype_to_graphid(ag_catalog.age_id({entity}));\n"
_MOVED = """  SELECT r.new_id INTO moved FROM pg_temp.kgmem_relabelled r WHERE r.old_id = id;
  id := coalesce(moved, id);
"""
_IF_MOVED = (
    "  IF to_regclass('pg_temp.kgmem_relabelled') IS NOT NULL THEN\n"
    + "".join("  " + line for line in _MOVED.splitlines(keepends=True))
    + "  END IF;\n"
)
_DECLARED = "  moved ag_catalog.graphid;\n"
_SETTING = "  graph text := current_setting('kgmem.cypher_graph', true);\n"
_NOW = "  SELECT * INTO graph_oid, id FROM kgmem_cypher._entity_now({entity}, '{caller}');\n"
_RELABEL = "kgmem_cypher.relabel"
_STORED = "kgmem_cypher.stored"

# (function, [(as written before, as it becomes)])
_PATCHES = (
    (
        _RELABEL,
        [
            (_DECLARED, ""),
            (
                _GRAPH.format(caller=_RELABEL) + _TABLE + _ID.format(entity="node") + _MOVED,
                _NOW.format(entity="node", caller=_RELABEL) + _TABLE,
            ),
        ],
    ),
    (
        _STORED,
        [
            (_SETTING, ""),
            (_DECLARED, ""),
            (
                _GRAPH.format(caller=_STORED) + _ID.format(entity="entity") + _IF_MOVED,
                _NOW.format(entity="entity", caller=_STORED),
            ),
        ],
    ),
)


def _before(name: str) -> str:
    """The ``CREATE OR REPLACE FUNCTION`` of ``name`` as the migrations before this one
    left it: ``relabel`` as 0053 patched it, ``stored`` as 0052 made it."""
    if name == _RELABEL:
        escaped = earlier("0053_escaped_label_names")
        edits = next(e for _, n, e in escaped._PATCHES if n == _RELABEL)
        return edited(created("0024_cypher_relabel", _RELABEL), edits)
    return created("0052_cypher_merge_created", name)


def upgrade() -> None:
    op.execute(UPGRADE)
    for statement in upgraded(_PATCHES, _before):
        op.execute(statement)


def downgrade() -> None:
    for statement in restored(_PATCHES, _before):
        op.execute(statement)
    op.execute(DOWNGRADE)
