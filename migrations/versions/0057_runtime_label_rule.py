"""A label or relationship type named while a statement runs is refused for a control
character, as every door refuses it (``kgmem.schema.label_names.refusal``).

``kgmem_cypher._age_name(label)`` (migration 0053) spells a name known only at run time
(``apoc.create.addLabels(n, row.labels)``, ``apoc.merge.relationship(a, row.type, ...)``,
``SET n:$(x)``) as AGE stores it. It took any non-empty name; it now refuses a name
holding a control character (U+0001-U+001F, U+007F-U+009F), as REST, MCP, the client,
the file imports and a name written in the query are refused, with ``22023`` as for the
empty name. (A name beginning with ``__kgmem_``, which the doors keep for kgmem, is
still spelled here as before: ``__kgmem_L_x`` becomes its own one-part composite.)

Revision ID: 0057_runtime_label_rule
Revises: 0056_merge_keys
"""

from alembic import op

revision = "0057_runtime_label_rule"
down_revision = "0056_merge_keys"
branch_labels = None
depends_on = None

_BODY = r"""
CREATE OR REPLACE FUNCTION kgmem_cypher._age_name(label text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $fn$
DECLARE spelled text;
BEGIN
  IF label = '' THEN
    RAISE EXCEPTION 'a label or relationship type name cannot be empty' USING ERRCODE = '22023';
  END IF;
--checks
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
"""

_CHECKS = r"""  IF label ~ '[\x01-\x1f\x7f-\x9f]' THEN
    RAISE EXCEPTION 'the label or relationship type % has control characters; a label or '
      'relationship type may hold any other character', to_jsonb(left(label, 80))::text
      USING ERRCODE = '22023';
  END IF;
"""


def upgrade() -> None:
    op.execute(_BODY.replace("--checks\n", _CHECKS))


def downgrade() -> None:
    op.execute(_BODY.replace("--checks\n", ""))
