from kgmem.embedding import entity_text, fact_text
from kgmem.embedding.text import predicate_words


def test_entity_text_joins_the_descriptive_properties() -> None:
    assert entity_text({"name": " Alice ", "summary": "CTO", "age": 4}) == "Alice\nCTO"
    assert entity_text({"name": "", "k": "v"}) is None
    assert entity_text({"text": "raw episode"}) == "raw episode"


def test_predicates_read_as_words() -> None:
    assert predicate_words("WORKS_AT") == "works at"
    assert predicate_words("bornIn") == "born in"
    assert fact_text("Alice", "LIVES_IN", "Paris") == "Alice lives in Paris"
