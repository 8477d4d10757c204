import pytest

from kgmem.errors import InvalidIdentifier, InvalidNamespaceName, InvalidUid
from kgmem.schema import (
    validate_label,
    validate_namespace_name,
    validate_property_key,
    validate_uid,
)
from kgmem.storage.sql import index_name


@pytest.mark.parametrize("name", ["abc", "team_42", "a" * 63, "x_y"])
def test_valid_namespace_names_pass(name: str) -> None:
    assert validate_namespace_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "Abc",
        "1abc",
        "_abc",
        "ab-c",
        "ab c",
        "",
        "public",
        "kgmem",
        "ag_catalog",
        "pg_stuff",
        "abc;drop",
        "ünï",
    ],
)
def test_bad_namespace_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidNamespaceName):
        validate_namespace_name(name)


@pytest.mark.parametrize(
    "label",
    [
        "Person", "WORKS_AT", "X", "a1_b2", "Order", "Match", "UNWIND", "unwind",
        "1Person", "_x", "Per son", "Per-son", 'x"y', "a" * 63, "Straße", "日本", "é e",
        " padded ", "\U0001f600", "__Entity__", "`tick`",
    ],
)  # fmt: skip
def test_labels_the_cypher_door_takes_pass(label: str) -> None:
    assert validate_label(label) == label


@pytest.mark.parametrize(
    ("label", "says"),
    [
        ("", "non-empty"),
        ("a" * 64, "too long"),
        ("a b" * 20, "too long"),
        ("é" * 32, "too long"),
        ("a\nb", "control characters"),
        ("a\x00b", "control characters"),
        ("a\x85b", "control characters"),
        ("__kgmem_L_Big_u0020Co", "__kgmem_"),
        ("__kgmem_x", "__kgmem_"),
    ],
)
def test_bad_labels_are_refused_with_the_field_named(label: str, says: str) -> None:
    with pytest.raises(InvalidIdentifier, match=says) as refused:
        validate_label(label, "predicate")
    assert refused.value.extra["field"] == "predicate"


@pytest.mark.parametrize(
    "key", ["name", "_private", "birth_date", "x1", "größe", "名前", "Ωmega_2"]
)
def test_valid_property_keys_pass(key: str) -> None:
    assert validate_property_key(key) == key


@pytest.mark.parametrize(
    "key",
    ["", "1a", "a-b", "a b", "desc", "ORDER", "match", "a" * 129, "\u0661x", "a·b", "x€", 'a"b'],
)
def test_bad_property_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidIdentifier):
        validate_property_key(key)


@pytest.mark.parametrize("uid", ["alice", "http://example.org/a#b", "urn:isbn:123", "ä/ö 1"])
def test_valid_uids_pass(uid: str) -> None:
    assert validate_uid(uid, 512) == uid


@pytest.mark.parametrize("uid", ["", " alice", "alice ", "a\nb", "a\x00b", "x" * 513])
def test_bad_uids_are_refused(uid: str) -> None:
    with pytest.raises(InvalidUid):
        validate_uid(uid, 512)


@pytest.mark.parametrize("prop", ["name", "größe" * 25, "名前" * 60, "a" * 128])
def test_an_index_name_fits_postgres_for_any_property_name(prop: str) -> None:
    name = index_name("L" * 63, validate_property_key(prop))
    assert len(name.encode()) <= 63 and name.isascii()
    assert index_name("L", prop) != index_name("L", prop + "x")
