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

from kgmem.storage.engine.migration_texts import created, edited

revision = "0057_runtime_label_rule"
down_revision = "0056_merge_keys"
branch_labels = None
depends_on = None

# The end of the empty-name check, after which the control characters are checked.
_EMPTY_CHECKED = (
    "    RAISE EXCEPTION 'a label or relationship type name cannot be empty' "
    "USING ERRCODE = '22023';\n  END IF;\n"
)
_CHECKS = r"""  IF label ~ '[\x01-\x1f\x7f-\x9f]' THEN
    RAISE EXCEPTION 'the label or relationship type % has control characters; a label or '
      'relationship type may hold any other character', to_jsonb(left(label, 80))::text
      USING ERRCODE = '22023';
  END IF;
"""


def _before() -> str:
    """``_age_name`` as migration 0053 created it."""
    return created("0053_escaped_label_names", "kgmem_cypher._age_name", text_name="_HELPERS")


def upgrade() -> None:
    op.execute(edited(_before(), [(_EMPTY_CHECKED, _EMPTY_CHECKED + _CHECKS)]))


def downgrade() -> None:
    op.execute(_before())
