"""Author-list readings that went wrong on bookstore listings: publisher or imprint names
in the author field, role words between names, hyphenated surnames, catalogue pairs run
together with no separator between people, listings written surname first."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.truth_books import word
from kgmem.schema.graph_schema import ValueType
from kgmem.verification.canonical import key, parse

NAMES = ValueType(kind="names")

_PEOPLE = [
    ("Jeffrey", "D.", "Ullman"),
    ("Jennifer", "", "Widom"),
    ("Hector", "", "Garcia-Molina"),
    ("William", "H.", "Press"),
    ("Saul", "A.", "Teukolsky"),
    ("Ursula", "K.", "Le Guin"),
    ("Mary", "", "Lloyd-Jones"),
]
_FIRMS = [
    "Morgan Kaufmann Publishers",
    "Oxford University Press",
    "The MIT Press",
    "No Starch Press",
    "John Wiley & Sons",
    "John Wiley and Sons, Inc.",
    "W. W. Norton & Company",
    "O'Reilly Media",
    "Sams Publishing",
    "Springer-Verlag GmbH",
    "Penguin Books Ltd",
    "Dorling Kindersley Limited",
    "Prentice Hall",
    "Prentice Hall PTR",
    "Addison-Wesley Professional",
    "McGraw-Hill",
    "Springer",
    "Jones & Bartlett",
    "Cengage Learning",
]
_ROLES = ["By (author) ", "Edited by ", "edited by ", "By ", "(Editor) ", "Editor: ", "(EDT) "]


def _want(people: list[tuple[str, str, str]]) -> str:
    return "; ".join(sorted(last.split()[-1].replace("'", "").lower() for *_, last in people))


def _catalogue(person: tuple[str, str, str]) -> str:
    given_name, middle, last = person
    return f"{last}, {' '.join(w for w in (given_name, middle) if w)}"


def _plain(person: tuple[str, str, str]) -> str:
    return " ".join(w for w in person if w)


@settings(max_examples=150)
@given(st.lists(st.sampled_from(_PEOPLE), min_size=1, max_size=4, unique=True), st.data())
def test_a_publisher_in_the_author_field_is_no_author(
    people: list[tuple[str, str, str]], data: st.DataObject
) -> None:
    write = data.draw(st.sampled_from([_catalogue, _plain]))
    texts = [write(p) for p in people]
    where = data.draw(st.integers(0, len(texts)))
    texts.insert(where, data.draw(st.sampled_from(_FIRMS)))
    separator = data.draw(st.sampled_from(["; ", " / ", ", "]))
    text = separator.join(texts)
    assert key(text, NAMES) == _want(people), text


@pytest.mark.parametrize("firm", _FIRMS)
def test_a_publisher_alone_is_no_list_of_names(firm: str) -> None:
    assert parse(firm, NAMES).kind == "string", firm


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Springer, Mark", "springer"),  # an imprint's name as a surname, given names after
        ("Springer, Mark J.", "springer"),
        ("Springer, J. R.", "springer"),
        ("McGraw-Hill, Jeffrey D. Ullman", "ullman"),  # the firm, then a whole name
        ("Mary Hall; Prentice Hall", "hall"),
        ("Hall, Mary, Prentice Hall", "hall"),
        ("Jones, Anna & Bartlett, Bob", "bartlett; jones"),  # two people, not the firm
        ("Anna Jones and Bob Bartlett", "bartlett; jones"),
    ],
)
def test_a_person_named_like_an_imprint_stays_a_person(text: str, want: str) -> None:
    assert key(text, NAMES) == want, text


@settings(max_examples=150)
@given(st.lists(st.sampled_from(_PEOPLE), min_size=2, max_size=4, unique=True), st.data())
def test_role_words_between_names_separate_people(
    people: list[tuple[str, str, str]], data: st.DataObject
) -> None:
    """ "Widom, Jennifer By (author) Ullman, Jeffrey": the role word is where one person
    ends, so no given name is read as a surname, with or without a separator."""
    write = data.draw(st.sampled_from([_catalogue, _plain]))
    text = ""
    for person in people:
        role = data.draw(st.sampled_from(_ROLES))
        joint = data.draw(st.sampled_from([" ", ", ", "; "])) if text else ""
        text += joint + role + write(person)
    assert key(text, NAMES) == _want(people), text


_HELPERS = ["(Translator)", "(Illustrator)", "[Translator]", "(Trans.)", "(Foreword)"]
_HELPER_PEOPLE = [("Jay", "", "Rubin"), ("Eric", "", "Carle"), ("Anthea", "", "Bell")]


@settings(max_examples=150)
@given(st.lists(st.sampled_from(_PEOPLE), min_size=1, max_size=3, unique=True), st.data())
def test_a_person_whose_role_is_no_authors_is_no_author(
    people: list[tuple[str, str, str]], data: st.DataObject
) -> None:
    """ "Haruki Murakami, Jay Rubin (Translator)": the translator, illustrator or writer
    of a foreword is dropped, as after "Translated by", wherever the listing names them."""
    write = data.draw(st.sampled_from([_catalogue, _plain]))
    texts = [write(p) for p in people]
    role = data.draw(st.sampled_from(_HELPERS))
    helper = f"{write(data.draw(st.sampled_from(_HELPER_PEOPLE)))} {role}"
    texts.insert(data.draw(st.integers(0, len(texts))), helper)
    text = data.draw(st.sampled_from(["; ", " / ", ", "])).join(texts)
    assert key(text, NAMES) == _want(people), text


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Ullman, Jeffrey D.; Widom, Jennifer, joint author", "ullman; widom"),
        ("Ullman, Jeffrey D., jt. author", "ullman"),
        ("Murakami, Haruki, Rubin, Jay (Translator)", "murakami"),
        ("Jeffrey D. Ullman (Author), Jennifer Widom (Author)", "ullman; widom"),
    ],
)
def test_catalogue_roles_of_authors_and_helpers(text: str, want: str) -> None:
    assert key(text, NAMES) == want, text


def test_a_hyphenated_surname_is_keyed_whole() -> None:
    assert key("Hector Garcia-Molina", NAMES) == "garcia-molina"
    assert key("Garcia-Molina, Hector; Ullman, Jeffrey D.", NAMES) == "garcia-molina; ullman"
    # Another person whose surname is the hyphenated one's last part stays another.
    assert key("Hector Garcia-Molina; Ana Molina", NAMES) == "garcia-molina; molina"
    assert key("GARCIA-MOLINA H", NAMES) == key("H. Garcia\u2010Molina", NAMES)
    # A hyphenated given name is no surname.
    assert key("Jean-Pierre Serre", NAMES) == key("Serre, Jean-Pierre", NAMES) == "serre"


def test_the_people_a_publisher_clause_names_are_no_authors() -> None:
    assert key("Jeffrey D. Ullman; Published by Pearson", NAMES) == "ullman"


def test_a_surname_that_is_also_a_firm_word_is_kept_with_an_initial() -> None:
    assert key("William H. Press, Saul A. Teukolsky", NAMES) == "press; teukolsky"
    assert key("Press, William H.; Teukolsky, Saul A.", NAMES) == "press; teukolsky"


_CLRS = "cormen; leiserson; rivest; stein"


def _chain(people: list[tuple[str, str, str]]) -> str:
    """ "Last, First Last, First": catalogue pairs run together with no separator."""
    return " ".join(_catalogue(p) for p in people)


@settings(max_examples=150)
@given(st.lists(st.sampled_from(_PEOPLE), min_size=2, max_size=4, unique=True))
def test_catalogue_pairs_run_together_are_read_as_pairs(people: list[tuple[str, str, str]]) -> None:
    text = _chain(people)
    assert key(text, NAMES) == _want(people), text


@settings(max_examples=100)
@given(st.randoms(use_true_random=False), st.integers(2, 4))
def test_generated_names_run_together_key_as_their_list(rng: random.Random, count: int) -> None:
    people = [
        (word(rng, 2), rng.choice(["", "J."]), word(rng, rng.choice((2, 3)))) for _ in range(count)
    ]
    assert key(_chain(people), NAMES) == key("; ".join(_plain(p) for p in people), NAMES)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Cormen, Thomas H. Leiserson, Charles E. Rivest, Ronald L.", "cormen; leiserson; rivest"),
        ("WENDELL, JESSAMYN HOLTZBLATT, KAREN WOOD, SHELLEY", "holtzblatt; wendell; wood"),
        ("Ullman, J. D. Widom, J.", "ullman; widom"),
        # A comma list whose pieces are not pairs run together keeps every piece a person.
        ("Knuth, Jeffrey Ullman, Jennifer Widom", "knuth; ullman; widom"),
        ("Rosenberg, Stephens, Smith", "rosenberg; smith; stephens"),
        ("Doug Rosenberg, Matt Stephens, Kendall Scott", "rosenberg; scott; stephens"),
        # An initial is no surname: one pair, then the publisher ("D" is Ullman's initial).
        ("Ullman, Jeffrey D., McGraw-Hill", "ullman"),
        ("ULLMAN, JEFFREY D, SPRINGER", "ullman"),
        # A publisher among pairs run together is no author and breaks no pair.
        ("Rosenberg, Doug Stephens, Matt, McGraw-Hill", "rosenberg; stephens"),
        ("Prentice Hall, Rosenberg, Doug Stephens, Matt", "rosenberg; stephens"),
        # In capitals a three-letter word is a surname, not initials.
        ("SMITH, JOHN LEE, ANN", "lee; smith"),
    ],
)
def test_pairs_run_together_and_plain_comma_lists(text: str, want: str) -> None:
    assert key(text, NAMES) == want, text


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # Surname first, so the author with no middle initial is too.
        ("Cormen Thomas H, Leiserson Charles E, Rivest Ronald L, Stein Clifford", _CLRS),
        ("CORMEN THOMAS H; LEISERSON CHARLES E; RIVEST RONALD L; STEIN CLIFFORD", _CLRS),
        ("Ullman Jeffrey D; Widom Jennifer", "ullman; widom"),
        ("van der Linden Peter J; Le Guin Ursula", "guin; linden"),
        # Given names first: an initial inside a name, or none at the end.
        ("Thomas H. Cormen, Charles E. Leiserson, Ronald L. Rivest, Clifford Stein", _CLRS),
        ("Jiawei Han; van der Linden P", "han; linden"),  # a surname and initials
        ("Han J; Kamber M", "han; kamber"),
    ],
)
def test_a_listing_written_surname_first_is_read_so_throughout(text: str, want: str) -> None:
    assert key(text, NAMES) == want, text
