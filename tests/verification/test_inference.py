"""Value kinds read from claimed values: each kind from values written in many forms,
with the evidence in words; the same values in any order give the same reading; a
declaration overrides it."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import truth_typed
from kgmem.schema.graph_schema import GraphSchema, LabelSpec, ValueType
from kgmem.verification import value_kinds
from kgmem.verification.canonical import key, missing
from kgmem.verification.inference import infer

SMALL = truth_typed.Shape(items=60, sources=20, claims_per_item=4, seed=3)


def values(kind: str, shape: truth_typed.Shape = SMALL) -> list[str]:
    return [c.value for c in truth_typed.generate(kind, shape).claims]


def test_each_generated_kind_is_read_as_itself() -> None:
    for kind in truth_typed.KINDS:
        texts = values(kind)
        found = infer(texts)
        assert found.kind == kind, (kind, found.evidence)
        marks = sum(missing(t) for t in texts)
        assert 0 < marks < 240 and found.values == 240 - marks and not found.declared
        assert found.evidence.endswith(f"; {marks} marks of a missing value left out")


def test_missing_value_marks_say_nothing_of_the_kind() -> None:
    lists = ["Han, J.; Kamber, M.", "Jiawei Han and Micheline Kamber", "by Jian Pei"]
    found = infer([*lists, "N/A", "Not Available", "-", "unknown"])
    assert found.kind == "names" and found.values == 3 and found.share == 1.0
    assert found.evidence.startswith("100% of 3 values read as lists of personal names")
    assert infer(["N/A", "?"]).kind == "auto"


def test_the_evidence_says_how_many_values_fit() -> None:
    found = infer(["Han, J.; Kamber, M.", "Jiawei Han and Micheline Kamber", "by Jian Pei", "42"])
    assert found.kind == "names" and found.vtype.kind == "names"
    assert found.share == 0.75
    assert found.evidence.startswith("75% of 4 values read as lists of personal names")
    units = infer(["72 F", "68 F", "70.5 F", "21 C"])
    assert units.kind == "number" and "(units: F, C)" in units.evidence


def test_names_need_the_marks_of_a_name_list() -> None:
    cities = ["New York", "San Jose", "Paris", "Berlin", "Los Angeles", "Oslo"] * 5
    assert infer(cities).kind == "category"
    places = ["Paris, France", "Paris, Texas", "Austin, Texas", "Lyon, France"] * 5
    assert infer(places).kind == "category"  # a comma alone is no mark of a name list
    assert infer([c.lower() for c in cities]).kind == "category"
    titles = ["The Art of Computer Programming", "A Discipline of Programming"] * 5
    assert infer(titles).kind == "text"


def test_bare_years_are_numbers_and_dates_with_months_are_dates() -> None:
    assert infer(["1999", "2004", "2011", "1987"]).kind == "number"
    assert infer(["1999", "May 2004", "2011-03-02", "3 June 1987"]).kind == "date"
    assert infer(["1013", "1021.5", "998"]).kind == "number"  # pressures are no years


def test_no_values_read_as_auto() -> None:
    found = infer(["", "  "])
    assert found.kind == "auto" and found.vtype == ValueType() and found.values == 0


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(truth_typed.KINDS), st.randoms(use_true_random=False))
def test_a_reading_does_not_depend_on_the_order_of_the_values(
    kind: str, rng: random.Random
) -> None:
    texts = values(kind)[:80]
    shuffled = rng.sample(texts, len(texts))
    assert infer(shuffled) == infer(texts)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=30),
    st.sampled_from(["{:,}", "{}", "{}.5", "{} km", "{} %"]),
)
def test_numbers_in_any_one_form_are_numbers(numbers: list[int], form: str) -> None:
    assert infer([form.format(n) for n in numbers]).kind == "number"


def test_a_declaration_overrides_the_reading() -> None:
    spec = LabelSpec("AUTHORS", "edge", value=ValueType(kind="string"))
    schema = GraphSchema(vertices={}, edges={"AUTHORS": spec})
    found = value_kinds.read(schema, "AUTHORS", values("names"))
    assert (found.kind, found.declared, found.vtype.kind) == ("text", True, "string")
    tolerant = LabelSpec("SIZE", "edge", value=ValueType(kind="auto", rel_tol=0.1))
    schema = GraphSchema(vertices={}, edges={"SIZE": tolerant})
    read = value_kinds.read(schema, "SIZE", ["12 km", "13 km"])
    assert read.vtype == ValueType(kind="number", rel_tol=0.1) and not read.declared


_STORE_FORMATS = [
    "{g} {m}{l}",
    "{l}, {g} {m}",
    "{l}, {i}",
    "{G} {M}{L}",
    "{g} {m}{l} (Author)",
    "{l}, {g} {m}, 1942-",
    "{l}, {g} (Contributor)",
    "by {g} {l}",
]


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Jeffrey", "Jennifer", "Hector"]),
            st.sampled_from(["Ullman", "Widom", "Molina"]),
        ),
        min_size=1,
        max_size=3,
    ),
    st.lists(st.integers(0, len(_STORE_FORMATS) - 1), min_size=20, max_size=40),
    st.sampled_from(["; ", " & ", " / ", " and ", ", "]),
)
def test_web_store_author_strings_are_read_as_names_and_keyed_as_declared(
    people: list[tuple[str, str]], forms: list[int], separator: str
) -> None:
    texts = []
    for k, form in enumerate(forms):
        shown = people[: 1 + k % len(people)]
        one = [
            _STORE_FORMATS[form].format(
                g=g,
                m="D. " if k % 2 else "",
                l=last,
                i=f"{g[0]}.",
                G=g.upper(),
                M="",
                L=last.upper(),
            )
            for g, last in shown
        ]
        texts.append((separator if separator != ", " or form in (0, 3, 4) else "; ").join(one))
    texts += ["Not Available", "N/A"]
    found = infer(texts)
    assert found.kind == "names", (found.evidence, texts)
    declared = ValueType(kind="names")
    assert [key(t, found.vtype) for t in texts] == [key(t, declared) for t in texts]


_SINGLE_NAMES = [
    "Jeffrey Ullman",
    "Thomas Connolly",
    "Donald Knuth",
    "Jennifer Widom",
    "Ada Lovelace",
]


@pytest.mark.parametrize(
    "predicate", ["AUTHORS", "author", "book_author", "hasEditor", "dc:creator"]
)
def test_a_predicate_named_for_authors_needs_no_list_mark(predicate: str) -> None:
    # Single authors written in full carry no separator, initial or "by"; under a
    # predicate named for the people who made a work they are still names.
    found = infer(_SINGLE_NAMES, predicate)
    assert found.kind == "names" and found.share == 1.0
    assert "the predicate's name names people" in found.evidence
    marked = infer([*_SINGLE_NAMES, "Han, J.; Kamber, M.", "J. Pei & J. Han"], predicate)
    assert marked.kind == "names" and "predicate's name" not in marked.evidence
    # The name never outweighs the values: numbers stay numbers, places stay labels.
    assert infer(["12", "13", "14"], predicate).kind == "number"
    assert infer(["red", "blue", "green"], predicate).kind == "category"


@pytest.mark.parametrize("predicate", ["ATTRIBUTE", "authority", "authorship", "creditors", ""])
def test_other_predicates_need_a_mark_to_read_single_names_as_names(predicate: str) -> None:
    assert infer(_SINGLE_NAMES, predicate).kind == "category"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=12), st.text(max_size=30))
def test_any_text_and_any_predicate_name_give_a_reading_and_keys(
    texts: list[str], predicate: str
) -> None:
    # Whatever a store writes (control characters, lone particles, ellipses, marks
    # only) and whatever the predicate is called, the reading and every key come
    # back without an error, and the reading's key of each value is a string.
    found = infer(texts, predicate)
    assert found.kind in ("auto", "number", "date", "names", "category", "text")
    assert 0 <= found.values <= len(texts) and 0.0 <= found.share <= 1.0
    names = ValueType(kind="names")
    assert all(isinstance(key(t, found.vtype), str) for t in texts)
    assert all(isinstance(key(f"{t} van ...", names), str) for t in texts)
