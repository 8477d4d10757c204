"""``apoc.merge.node`` and ``apoc.merge.relationship`` find their element by equality of
each identifying property, which a property index answers.

Both functions (migration 0035, as 0053 patched them) looked the element up with
``t.properties @> keys``: containment, which no property index answers (every call read
the label's table until it met the element, all of it for a new one, so a per-row
import, LangChain's ``UNWIND $rows AS row CALL apoc.merge.node([row.type], {id:
row.id}, ...)``, cost rows x nodes), and not Neo4j's
meaning: ``{id: 1}`` finds a node whose id is ``1.0``, and a list must equal the stored
list, where containment took a longer one. They now compare each key by AGE's ``=``
(``1 = 1.0``; lists element by element) on the expression a property index is built on
(``kgmem.storage.neo4j_schema.expression_indexes``), so a ``CREATE INDEX FOR (n:L) ON
(n.id)`` or a uniqueness constraint answers the lookup:

- ``_apoc_key_filter(keys, param)``: the condition, one equality per key of ``keys``
  (in the order of ``jsonb_object_keys``; ``true`` when there is none), comparing the
  property on ``t.properties`` with element i of the ``agtype[]`` parameter ``$param``;
  a key is quoted as a literal, whatever characters it holds.
- ``_apoc_key_values(keys)``: that parameter, the values of ``keys`` in the same order.

Everything else the functions do is unchanged; the downgrade restores their bodies as
0053 left them.

Revision ID: 0058_apoc_merge_equality
Revises: 0057_runtime_label_rule
"""

from alembic import op

from kgmem.storage.engine.migration_texts import created, earlier, edited, restored, upgraded

revision = "0058_apoc_merge_equality"
down_revision = "0057_runtime_label_rule"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_neo4j._apoc_key_filter(keys jsonb, param integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT coalesce(string_agg(format(
    'ag_catalog.agtype_access_operator(VARIADIC ARRAY[t.properties, %s::ag_catalog.agtype]) '
    'OPERATOR(ag_catalog.=) $%s[%s]', quote_literal(to_jsonb(k.key)::text), param, k.at),
    ' AND ' ORDER BY k.at), 'true')
  FROM jsonb_object_keys(keys) WITH ORDINALITY AS k(key, at)
$fn$;

CREATE FUNCTION kgmem_neo4j._apoc_key_values(keys jsonb) RETURNS ag_catalog.agtype[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT ARRAY(SELECT (keys -> k.key)::text::ag_catalog.agtype
               FROM jsonb_object_keys(keys) WITH ORDINALITY AS k(key, at) ORDER BY k.at)
$fn$;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_key_values(jsonb);
DROP FUNCTION IF EXISTS kgmem_neo4j._apoc_key_filter(jsonb, integer);
"""

# The lookups as 0053 left them, and as they become.
_NODE_BEFORE = """\
                 'WHERE t.properties @> $1::text::ag_catalog.agtype AND '
                 'kgmem_cypher._label_list(ag_catalog._label_name($2, t.id)::text) @> $3 '
                 'LIMIT 1 FOR UPDATE', graph, base)
    INTO found, props USING keys::text, graph_oid, wanted;
"""
_NODE_AFTER = """\
                 'WHERE %s AND '
                 'kgmem_cypher._label_list(ag_catalog._label_name($2, t.id)::text) @> $3 '
                 'LIMIT 1 FOR UPDATE', graph, base, kgmem_neo4j._apoc_key_filter(keys, 1))
    INTO found, props USING kgmem_neo4j._apoc_key_values(keys), graph_oid, wanted;
"""
_RELATIONSHIP_BEFORE = """\
                 'WHERE t.start_id = $1 AND t.end_id = $2 '
                 'AND t.properties @> $3::text::ag_catalog.agtype LIMIT 1 FOR UPDATE',
                 graph, kind)
    INTO found, props USING s, e, jsonb_strip_nulls(keys)::text;
"""
_RELATIONSHIP_AFTER = """\
                 'WHERE t.start_id = $1 AND t.end_id = $2 AND %s LIMIT 1 FOR UPDATE',
                 graph, kind, kgmem_neo4j._apoc_key_filter(jsonb_strip_nulls(keys), 3))
    INTO found, props
    USING s, e, kgmem_neo4j._apoc_key_values(jsonb_strip_nulls(keys));
"""

# (function, [(as 0053 left it, as it becomes)])
_PATCHES = (
    ("kgmem_neo4j.apoc_merge_node", [(_NODE_BEFORE, _NODE_AFTER)]),
    ("kgmem_neo4j.apoc_merge_relationship", [(_RELATIONSHIP_BEFORE, _RELATIONSHIP_AFTER)]),
)


def before(name: str) -> str:
    """The ``CREATE OR REPLACE FUNCTION`` of ``name`` as migration 0053 left it."""
    escaped = earlier("0053_escaped_label_names")
    edits = next(e for _, n, e in escaped._PATCHES if n == name)
    return edited(created("0035_apoc_writes", name), edits)


def upgrade() -> None:
    op.execute(UPGRADE)
    for statement in upgraded(_PATCHES, before):
        op.execute(statement)


def downgrade() -> None:
    for statement in restored(_PATCHES, before):
        op.execute(statement)
    op.execute(DOWNGRADE)
