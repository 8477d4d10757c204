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

The stored texts of episodes with a context are laid out anew (their own text, the
separator, their ``preceding`` property, read from the ``Episode`` label table), then
every namespace's ``tsv`` is computed again under the new function and its statistics
from the rows (``kgmem.add_text_index``, as migration 0018 made them). A namespace whose
episodes cannot be read so keeps their former texts (a warning says which): all of
their words then count twice, as a text without context does. Archived episodes
(``kgmem.storage.tiers``) keep the layout they were archived with.

Revision ID: 0043_keyword_own_words
Revises: 0042_edge_end_indexes
"""

from alembic import op

revision = "0043_keyword_own_words"
down_revision = "0042_edge_end_indexes"
branch_labels = None
depends_on = None

# Per namespace: its episodes' texts with the context after the separator (a property
# read as kgmem.embedding.entity_text reads it: stripped, blank as absent). Only rows
# whose text holds the context are rewritten, so a text kgmem did not lay out is left.
_RELAY = r"""
CREATE FUNCTION kgmem.own_words_text(props ag_catalog.agtype, key text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT nullif(btrim(ag_catalog.agtype_access_operator(
    props, to_json(key)::text::ag_catalog.agtype)::text, E' \t\n\r\f\v'), '')
$$;

DO $relay$
DECLARE
  ns text;
  path text := current_setting('search_path');
BEGIN
  -- AGE's graphid comparison (the join below, the statistics trigger) is in ag_catalog.
  PERFORM set_config('search_path', 'ag_catalog, ' || path, true);
  FOR ns IN SELECT name FROM kgmem.namespace LOOP
    CONTINUE WHEN to_regclass(format('%I.%I', ns, 'Episode')) IS NULL;
    BEGIN
      EXECUTE format($q$
        UPDATE %1$I._kg_vertex s
        SET text = concat_ws(E'\n', kgmem.own_words_text(e.properties, 'name'),
                             kgmem.own_words_text(e.properties, 'summary'),
                             kgmem.own_words_text(e.properties, 'description'),
                             kgmem.own_words_text(e.properties, 'text'))
                   || E'\x1e' || kgmem.own_words_text(e.properties, 'preceding')
        FROM %1$I."Episode" e
        WHERE e.id = s.id AND s.text <> '' AND position(E'\x1e' IN s.text) = 0
          AND kgmem.own_words_text(e.properties, 'preceding') IS NOT NULL
          AND position(kgmem.own_words_text(e.properties, 'preceding') IN s.text) > 0
      $q$, ns);
    EXCEPTION WHEN others THEN
      RAISE WARNING 'kgmem: the episode texts of namespace % keep their former layout: %',
        ns, SQLERRM;
    END;
  END LOOP;
  PERFORM set_config('search_path', path, true);
END
$relay$;

DROP FUNCTION kgmem.own_words_text(ag_catalog.agtype, text);
"""

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
    + _RELAY
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
