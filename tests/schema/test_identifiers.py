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


@pytest.mark.parametrize("label", ["Person", "WORKS_AT", "X", "a1_b2", "Order", "Match"])
def test_valid_labels_pass(label: str) -> None:
    assert validate_label(label) == label


@pytest.mark.parametrize(
    "label", ["", "1Person", "_x", "Per son", "Per-son", 'x"y', "a" * 64, "UNWIND", "unwind"]
)
def test_bad_labels_are_refused(label: str) -> None:
    with pytest.raises(InvalidIdentifier):
        validate_label(label)


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
