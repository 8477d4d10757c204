"""Labels and relationship types AGE cannot hold (``Works at``, ``Big Co``) are stored
under the one-part composite name ``__kgmem_L_`` + the escaped name
(``kgmem.cypher.label_sets.stored``), which ``_label_list`` already reads back.

- ``_age_name(label)``: the AGE label of one label or type, the name itself when AGE
  holds it (``ag_catalog.age_is_valid_label_name``, not starting with ``__kgmem_L_``
  or a space), else ``_composite(ARRAY[label])``; an empty name raises ``22023`` and a
  spelling past 63 bytes ``0A000``.
- ``_label_target(labels)``: the AGE label of a node carrying ``labels`` (the sorted
  distinct set): ``_ag_label_vertex`` for none, ``_age_name`` for one, the composite
  for several (``0A000`` past 63 bytes, ``22023`` for an empty label).
- ``label_name(name)``: the name a stored label or type stands for (the first label of
  a composite): kgmem's rewrite reads AGE's ``type(r)`` and ``label(n)`` through it
  (``kgmem.cypher.stored_names``, ``kgmem.cypher.labels``), so ``type(r)`` answers
  ``'Works at'``.
- ``relabel`` (migration 0024) and ``apoc_merge_node`` (0035) put a node with one
  such label in its table, and their ``KGL01`` names the AGE labels of the parents to
  make (``kgmem.storage.graph.relabels``); ``apoc_merge_relationship`` and
  ``apoc_create_relationship`` (0035) write a relationship of such a type to its table
  (``KGL02`` names it); the lookup of a uniqueness constraint (``_lookup``, 0028) reads
  the table of its label, which the constraint names as written. Their bodies are those
  migrations', taken from them and patched.

Revision ID: 0053_escaped_label_names
Revises: 0052_cypher_merge_created
"""

from alembic import op

from kgmem.storage.engine.migration_texts import created, edited

revision = "0053_escaped_label_names"
down_revision = "0052_cypher_merge_created"
branch_labels = None
depends_on = None

_HELPERS = r"""
CREATE FUNCTION kgmem_cypher._age_name(label text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE spelled text;
BEGIN
  IF label = '' THEN
    RAISE EXCEPTION 'a label or relationship type name cannot be empty' USING ERRCODE = '22023';
  END IF;
  IF left(label, 10) <> '__kgmem_L_' AND left(label, 1) <> ' '
     AND ag_catalog.age_is_valid_label_name(to_jsonb(label)::text::ag_catalog.agtype) THEN
    RETURN label;
  END IF;
  spelled := kgmem_cypher._composite(ARRAY[label]);
  IF octet_length(spelled) > 63 THEN
    RAISE EXCEPTION 'the label or relationship type ''%'' is too long: kgmem stores it as an '
      'AGE label of at most 63 bytes once every character outside A-Z, a-z and 0-9 is '
      'written as _u and four hex digits', label USING ERRCODE = '0A000';
  END IF;
  RETURN spelled;
END
$fn$;

CREATE FUNCTION kgmem_cypher._label_target(labels text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE target text;
BEGIN
  IF '' = ANY (labels) THEN
    RAISE EXCEPTION 'a label name cannot be empty' USING ERRCODE = '22023';
  ELSIF cardinality(labels) = 0 THEN
    RETURN '_ag_label_vertex';
  ELSIF cardinality(labels) = 1 THEN
    RETURN kgmem_cypher._age_name(labels[1]);
  END IF;
  target := kgmem_cypher._composite(labels);
  IF octet_length(target) > 63 THEN
    RAISE EXCEPTION 'the labels % are too long to be carried together: kgmem stores them '
      'as one AGE label of at most 63 bytes', array_to_string(labels, ', ')
      USING ERRCODE = '0A000';
  END IF;
  RETURN target;
END
$fn$;

-- The AGE labels of ``labels`` one by one, as JSON (the parents of a label set to make).
CREATE FUNCTION kgmem_cypher._age_names(labels text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
  SELECT to_jsonb(ARRAY(SELECT kgmem_cypher._age_name(l) FROM unnest(labels) AS l))::text
$fn$;

-- No SET clause: PostgreSQL inlines it in the query that reads type(r).
CREATE FUNCTION kgmem_cypher.label_name(t ag_catalog.agtype) RETURNS ag_catalog.agtype
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN left(ag_catalog.agtype_out(t)::text, 11) = '"__kgmem_L_'
              THEN (to_jsonb((kgmem_cypher._label_list(
                      kgmem_cypher._json(t) #>> '{}'))[1])::text)::ag_catalog.agtype
              ELSE t END
$fn$;
"""

_DROP_HELPERS = r"""
DROP FUNCTION IF EXISTS kgmem_cypher.label_name(ag_catalog.agtype);
DROP FUNCTION IF EXISTS kgmem_cypher._age_names(text[]);
DROP FUNCTION IF EXISTS kgmem_cypher._label_target(text[]);
DROP FUNCTION IF EXISTS kgmem_cypher._age_name(text);
"""

_TARGET = (
    "  target := CASE cardinality(wanted) WHEN 0 THEN '_ag_label_vertex' WHEN 1 THEN wanted[1]\n"
    "            ELSE kgmem_cypher._composite(wanted) END;\n"
)
_TOO_LONG = """  IF octet_length(target) > 63 THEN
    RAISE EXCEPTION 'the labels % are too long to be carried together: kgmem stores them '
      'as one AGE label of at most 63 bytes', array_to_string(wanted, ', ')
      USING ERRCODE = '0A000';
  END IF;
"""
_DETAIL = "DETAIL = to_jsonb(wanted)::text"
_KIND = "kind text := kgmem_neo4j._apoc_text(rel_type, what);"
_BASE = "base := CASE WHEN cardinality(wanted) = 0 THEN '_ag_label_vertex' ELSE wanted[1] END;"

_LOOKUP = "'WHERE id OPERATOR(ag_catalog.<>) $2%s LIMIT 1', stmt, schema_name, label, cond);"

# (migration, function, [(as written there, as it becomes)])
_PATCHES = (
    (
        "0028_neo4j_constraints",
        "kgmem_neo4j._lookup",
        [(_LOOKUP, _LOOKUP.replace(" label,", " kgmem_cypher._age_name(label),"))],
    ),
    (
        "0024_cypher_relabel",
        "kgmem_cypher.relabel",
        [
            (_TARGET + _TOO_LONG, "  target := kgmem_cypher._label_target(wanted);\n"),
            (_DETAIL, "DETAIL = kgmem_cypher._age_names(wanted)"),
        ],
    ),
    (
        "0035_apoc_writes",
        "kgmem_neo4j.apoc_merge_node",
        [
            (_TARGET, "  target := kgmem_cypher._label_target(wanted);\n"),
            (_DETAIL, "DETAIL = kgmem_cypher._age_names(wanted)"),
            (_BASE, "base := kgmem_cypher._label_target(wanted[1:1]);"),
        ],
    ),
    (
        "0035_apoc_writes",
        "kgmem_neo4j.apoc_merge_relationship",
        [(_KIND, "kind text := kgmem_cypher._age_name(kgmem_neo4j._apoc_text(rel_type, what));")],
    ),
    (
        "0035_apoc_writes",
        "kgmem_neo4j.apoc_create_relationship",
        [(_KIND, "kind text := kgmem_cypher._age_name(kgmem_neo4j._apoc_text(rel_type, what));")],
    ),
)


def _patched(migration: str, name: str, edits: list[tuple[str, str]]) -> str:
    return edited(created(migration, name), edits)


def upgrade() -> None:
    op.execute(_HELPERS)
    for migration, name, edits in _PATCHES:
        op.execute(_patched(migration, name, edits))


def downgrade() -> None:
    for migration, name, _ in _PATCHES:
        op.execute(created(migration, name))
    op.execute(_DROP_HELPERS)
