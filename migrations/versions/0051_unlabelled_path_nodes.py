"""An unlabelled node inside a variable-length path has no labels.

AGE names the label of a vertex without one ``''``, except inside the paths and node
lists of a variable-length pattern, where it writes its default vertex label
``_ag_label_vertex``: ``[x IN nodes(p) | labels(x)]`` answered ``['_ag_label_vertex']``
for a node created without a label. ``kgmem_cypher._label_list`` (migration 0036),
which ``labels(x)`` and the label predicates ``x:L`` read, now reads that name as no
label, as it reads ``''``; the rest of its body is 0036's, taken from that migration.

Revision ID: 0051_unlabelled_path_nodes
Revises: 0050_cypher_trim
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0051_unlabelled_path_nodes"
down_revision = "0050_cypher_trim"
branch_labels = None
depends_on = None

_EMPTY = "WHEN name = '' THEN ARRAY[]::text[]"
_UNLABELLED = "WHEN name IN ('', '_ag_label_vertex') THEN ARRAY[]::text[]"


def _label_list_0036() -> str:
    """``_label_list`` as migration 0036_compact_label_sets made it."""
    path = Path(__file__).with_name("0036_compact_label_sets.py")
    spec = importlib.util.spec_from_file_location("kgmem_migration_0036", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = str(module._LIST)
    assert _EMPTY in text
    return text


def upgrade() -> None:
    op.execute(_label_list_0036().replace(_EMPTY, _UNLABELLED))


def downgrade() -> None:
    op.execute(_label_list_0036())
