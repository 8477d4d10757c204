"""The keyword index counts a text's own words twice and its session context once.

An episode of a conversation is keyword-indexed with its session's previous turns
(``kgmem.ingest.session_context``), so a turn is found by the words said just before
it. Those words are weaker evidence than the turn's own: an equal count ranked the turn
after an answer (which holds the question's words in its context) level with the
answer. The indexed text (``kgmem.embedding.entity_text``) now puts the context after
a record separator (U+001E); ``kgmem.text_vector`` counts what comes before it twice
(the whole text when there is none), so in BM25 a word of the vertex's own text weighs
as two of its context. A document's length, its distinct lexemes, does not change.
The choice was made by nested leave-one-conversation-out cross-validation on LoCoMo
(docs/decisions.md, "Own words and context").

Every namespace's ``tsv`` is computed again under the new function and its statistics
from the rows (``kgmem.add_text_index``, as migration 0018 made them). Texts stored
before this revision have no separator: all of their words count twice, as a text
without context now does.

Revision ID: 0043_keyword_own_words
Revises: 0042_edge_end_indexes
"""

from alembic import op

revision = "0043_keyword_own_words"
down_revision = "0042_edge_end_indexes"
branch_labels = None
depends_on = None

_REINDEX = r"""
DO $re$
DECLARE
  ns text;
BEGIN
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    PERFORM kgmem.add_text_index(ns, coalesce(
      (SELECT config->>'text_config' FROM kgmem.namespace WHERE name = ns), 'english')::regconfig);
  END LOOP;
END
$re$;
"""

UPGRADE = (
    r"""
-- The indexed lexemes of a text: those before its first record separator (U+001E), or
-- of the whole text without one, counted twice; those after it once. Texts are cut at
-- 200,000 characters: a tsvector holds at most 1 MB.
CREATE OR REPLACE FUNCTION kgmem.text_vector(cfg regconfig, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector(cfg, replace(b, E'\x1e', E'\n')) || to_tsvector(cfg, split_part(b, E'\x1e', 1))
  FROM (SELECT left(coalesce(body, ''), 200000) AS b) t
$$;
"""
    + _REINDEX
)

DOWNGRADE = (
    r"""
CREATE OR REPLACE FUNCTION kgmem.text_vector(cfg regconfig, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector(cfg, left(coalesce(body, ''), 200000))
$$;
"""
    + _REINDEX
)


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
