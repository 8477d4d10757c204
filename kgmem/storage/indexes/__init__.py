"""The indexes search reads: keyword (full-text with BM25 statistics, its upkeep and the
text each row is indexed with), vector (pgvector), geographic, and the candidate rows
they hand to retrieval (``candidates``)."""
