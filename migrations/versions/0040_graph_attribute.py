"""``kgmem.graph_attribute``: what an import said of a namespace's graph as a whole, so
that an export writes it back: the graph-level attributes of a GraphML or GML file
(kind ``attribute``), whether its edges are directed and which relationship type its
unlabelled edges took (kind ``shape``: names ``directed`` and ``edge_type``), and the
prefixes of a Turtle or TriG file (kind ``prefix``: the prefix and its namespace IRI).
The rows go with their namespace (``ON DELETE CASCADE``) and with its backups.

Revision ID: 0040_graph_attribute
Revises: 0039_point_distance_underflow
"""

from alembic import op

revision = "0040_graph_attribute"
down_revision = "0039_point_distance_underflow"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE kgmem.graph_attribute (
  namespace text NOT NULL REFERENCES kgmem.namespace (name) ON DELETE CASCADE,
  kind      text NOT NULL CHECK (kind IN ('attribute', 'shape', 'prefix')),
  name      text NOT NULL,
  value     jsonb NOT NULL,
  PRIMARY KEY (namespace, kind, name)
);
"""

DOWNGRADE = r"""
DROP TABLE kgmem.graph_attribute;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
