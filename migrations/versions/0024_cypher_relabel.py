"""``SET n:L`` and ``REMOVE n:L``: ``kgmem_cypher.relabel`` moves a node to the AGE
label of its new label set.

AGE keeps a vertex in one label table and writes that label into its graph id
(``label_id << 48 | entry``), so a node whose labels change moves: its row goes to the
table of the new label set (the label itself, a composite ``__kgmem_L_...`` as
``kgmem.cypher.label_sets`` names it, or AGE's ``_ag_label_vertex`` when none is
left) under a new graph id, and the relationships at it are re-pointed, in the same
statement. ``relabel(node, added, removed)`` does that and returns the moved node;
kgmem's rewrite (``kgmem.cypher.label_writes``) calls it where the query sets or
removes labels, so later clauses see the new node.

- It reads the graph from the transaction's ``kgmem.cypher_graph`` setting, which
  ``kgmem.storage.graph.relabels`` sets before the statement.
- It records each move (old id, new id) in the transaction's temporary table
  ``kgmem_relabelled``, which finds the node again when another row of the same
  statement still holds its old id, and from which ``relabels.settle`` re-points
  kgmem's side rows after the statement.
- A label set with no AGE label yet raises SQLSTATE ``KGL01`` (message: its name,
  detail: its labels as JSON): the caller creates the label with kgmem's schema
  indexes and runs the statement again.
- A node another transaction moved or deleted meanwhile raises ``40001``
  (serialization failure), which kgmem's writers retry.

``_composite(labels)`` names a label set as ``kgmem.cypher.label_sets.composite``
does. ``relabel`` writes, so only the owner may run it: EXECUTE is revoked from
PUBLIC (the Cypher reader role cannot call it; its transactions are read-only too).

Revision ID: 0024_cypher_relabel
Revises: 0023_predicate_scores
"""

from alembic import op

revision = "0024_cypher_relabel"
down_revision = "0023_predicate_scores"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION kgmem_cypher._composite(labels text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT '__kgmem_L_' || string_agg(
    (SELECT string_agg(CASE WHEN c ~ '^[A-Za-z0-9]$' THEN c
                            WHEN ascii(c) <= 65535 THEN '_u' || lpad(to_hex(ascii(c)), 4, '0')
                            ELSE '_U' || lpad(to_hex(ascii(c)), 6, '0') END, '' ORDER BY k)
     FROM unnest(string_to_array(l, NULL)) WITH ORDINALITY AS ch(c, k)),
    '_s' ORDER BY l COLLATE "C")
  FROM (SELECT DISTINCT l FROM unnest(labels) AS l) AS u
$fn$;

CREATE FUNCTION kgmem_cypher._texts(v ag_catalog.agtype) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT coalesce(ARRAY(SELECT jsonb_array_elements_text(j)), ARRAY[]::text[])
  FROM (SELECT kgmem_cypher._json(v) AS j) AS s WHERE jsonb_typeof(j) = 'array'
$fn$;

CREATE FUNCTION kgmem_cypher.relabel(
  node ag_catalog.agtype, added ag_catalog.agtype, removed ag_catalog.agtype
) RETURNS ag_catalog.agtype
LANGUAGE plpgsql VOLATILE SET search_path = ag_catalog, pg_catalog AS $fn$
DECLARE
  graph text := current_setting('kgmem.cypher_graph', true);
  graph_oid oid;
  id ag_catalog.graphid;
  moved ag_catalog.graphid;
  now_named text;
  now_labels text[];
  wanted text[];
  target text;
  kind "char";
  fresh ag_catalog.graphid;
  props ag_catalog.agtype;
BEGIN
  IF node IS NULL OR node OPERATOR(ag_catalog.=) 'null'::ag_catalog.agtype THEN
    RETURN NULL;
  END IF;
  SELECT g.graphid INTO graph_oid FROM ag_catalog.ag_graph g WHERE g.name = graph::name;
  IF graph_oid IS NULL THEN
    RAISE EXCEPTION 'kgmem_cypher.relabel needs the setting kgmem.cypher_graph';
  END IF;
  IF to_regclass('pg_temp.kgmem_relabelled') IS NULL THEN
    CREATE TEMP TABLE kgmem_relabelled (
      old_id ag_catalog.graphid PRIMARY KEY, new_id ag_catalog.graphid NOT NULL
    ) ON COMMIT DROP;
  END IF;
  id := ag_catalog.agtype_to_graphid(ag_catalog.age_id(node));
  SELECT r.new_id INTO moved FROM pg_temp.kgmem_relabelled r WHERE r.old_id = id;
  id := coalesce(moved, id);
  now_named := ag_catalog._label_name(graph_oid, id)::text;
  IF now_named = '_ag_label_vertex' THEN
    now_named := '';
  END IF;
  now_labels := ARRAY(SELECT l FROM unnest(kgmem_cypher._label_list(now_named)) AS l
    ORDER BY l COLLATE "C");
  wanted := ARRAY(SELECT DISTINCT l COLLATE "C" FROM unnest(now_labels
    || kgmem_cypher._texts(added)) AS l
    WHERE l <> ALL (kgmem_cypher._texts(removed)) ORDER BY 1);
  IF wanted = now_labels THEN
    EXECUTE format('SELECT properties FROM %I._ag_label_vertex WHERE id = $1', graph)
      INTO props USING id;
    IF props IS NULL THEN
      RAISE EXCEPTION 'the node was deleted before its labels were set'
        USING ERRCODE = '40001';
    END IF;
    RETURN ag_catalog._agtype_build_vertex(id, now_named::cstring, props);
  END IF;
  target := CASE cardinality(wanted) WHEN 0 THEN '_ag_label_vertex' WHEN 1 THEN wanted[1]
            ELSE kgmem_cypher._composite(wanted) END;
  IF octet_length(target) > 63 THEN
    RAISE EXCEPTION 'the labels % are too long to be carried together: kgmem stores them '
      'as one AGE label of at most 63 bytes', array_to_string(wanted, ', ')
      USING ERRCODE = '0A000';
  END IF;
  SELECT l.kind INTO kind FROM ag_catalog.ag_label l
  WHERE l.graph = graph_oid AND l.name = target::name;
  IF kind IS DISTINCT FROM 'v' THEN
    RAISE EXCEPTION '%', target USING ERRCODE = 'KGL01', DETAIL = to_jsonb(wanted)::text;
  END IF;
  EXECUTE format($q$
    WITH gone AS (DELETE FROM %1$I._ag_label_vertex WHERE id = $1 RETURNING properties),
    made AS (INSERT INTO %1$I.%2$I (properties) SELECT properties FROM gone
             RETURNING id, properties),
    ends AS (UPDATE %1$I._ag_label_edge AS e
             SET start_id = CASE WHEN e.start_id = $1 THEN m.id ELSE e.start_id END,
                 end_id = CASE WHEN e.end_id = $1 THEN m.id ELSE e.end_id END
             FROM made m WHERE e.start_id = $1 OR e.end_id = $1)
    SELECT id, properties FROM made$q$, graph, target) INTO fresh, props USING id;
  IF fresh IS NULL THEN
    RAISE EXCEPTION 'the node was deleted or moved by another transaction'
      USING ERRCODE = '40001';
  END IF;
  UPDATE pg_temp.kgmem_relabelled SET new_id = fresh WHERE new_id = id;
  INSERT INTO pg_temp.kgmem_relabelled VALUES (id, fresh);
  RETURN ag_catalog._agtype_build_vertex(
    fresh, (CASE WHEN target = '_ag_label_vertex' THEN '' ELSE target END)::cstring, props);
END
$fn$;

REVOKE EXECUTE ON FUNCTION kgmem_cypher.relabel(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype) FROM PUBLIC;
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.relabel(
  ag_catalog.agtype, ag_catalog.agtype, ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._texts(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._composite(text[]);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
