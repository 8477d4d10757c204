"""Truth discovery's storage: the claims read as arrays and the scores written back
(``claims``), a full run's columns by binary COPY (``score_columns``), an incremental
update's item (``item_scores``) and the values a predicate's kind is read from
(``value_samples``)."""
