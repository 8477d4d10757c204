"""``apoc.merge.relationship`` refuses a null identifying value; ``apoc.merge.node``
updates a found node in its own table.

- APOC runs ``MERGE (start)-[r:TYPE {key: $identProps.key}]->(end)``, which Neo4j
  refuses when a value is null ("Cannot merge the following relationship because of
  null property value for 'key'"). kgmem's function dropped null keys instead, so
  ``{uuid: null}`` merged into any relationship of the type between the two nodes. It
  now raises Neo4j's message (SQLSTATE P0001, as MERGE's null keys: migration 0056).
- A found node was updated through ``_ag_label_vertex``, the parent of every label
  table, which PostgreSQL plans and probes table by table; it is now updated in the
  table of its label (``UPDATE ONLY``), read before the update.

The downgrade restores the bodies migration 0058 left.

Revision ID: 0059_apoc_merge_writes
Revises: 0058_apoc_merge_equality
"""

from alembic import op

from kgmem.storage.engine.migration_texts import earlier, edited, restored, upgraded

revision = "0059_apoc_merge_writes"
down_revision = "0058_apoc_merge_equality"
branch_labels = None
depends_on = None

_NODE_UPDATE_BEFORE = """\
    EXECUTE format('UPDATE %I._ag_label_vertex SET properties = $1::text::ag_catalog.agtype '
                   'WHERE id = $2', graph) USING props::text, found;
    named := ag_catalog._label_name(graph_oid, found)::text;
"""
_NODE_UPDATE_AFTER = """\
    named := ag_catalog._label_name(graph_oid, found)::text;
    EXECUTE format('UPDATE ONLY %I.%I SET properties = $1::text::ag_catalog.agtype '
                   'WHERE id = $2', graph, named) USING props::text, found;
"""
_RELATIONSHIP_START_BEFORE = """\
BEGIN
  PERFORM kgmem_neo4j._apoc_edge_label(graph, kind);
"""
_RELATIONSHIP_START_AFTER = """\
  null_key text := (SELECT e.key FROM jsonb_each(keys) e
                    WHERE jsonb_typeof(e.value) = 'null' ORDER BY e.key LIMIT 1);
BEGIN
  IF null_key IS NOT NULL THEN
    RAISE EXCEPTION 'Cannot merge the following relationship because of null property '
      'value for ''%''', null_key USING ERRCODE = 'P0001';
  END IF;
  PERFORM kgmem_neo4j._apoc_edge_label(graph, kind);
"""

# (function, [(as 0058 left it, as it becomes)])
_PATCHES = (
    ("kgmem_neo4j.apoc_merge_node", [(_NODE_UPDATE_BEFORE, _NODE_UPDATE_AFTER)]),
    (
        "kgmem_neo4j.apoc_merge_relationship",
        [(_RELATIONSHIP_START_BEFORE, _RELATIONSHIP_START_AFTER)],
    ),
)


def before(name: str) -> str:
    """The ``CREATE OR REPLACE FUNCTION`` of ``name`` as migration 0058 left it."""
    equality = earlier("0058_apoc_merge_equality")
    edits = next(e for n, e in equality._PATCHES if n == name)
    return edited(equality.before(name), edits)


def upgrade() -> None:
    for statement in upgraded(_PATCHES, before):
        op.execute(statement)


def downgrade() -> None:
    for statement in restored(_PATCHES, before):
        op.execute(statement)
