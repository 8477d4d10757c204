from datetime import UTC, datetime

import pytest

from kgmem.errors import InvalidIdentifier, InvalidNumber, InvalidProperty, LimitExceeded
from kgmem.schema import LabelSpec, PropertyLimits, PropertySpec, normalise_properties

LIMITS = PropertyLimits(max_properties=5, max_string_length=20)
PERSON = LabelSpec(
    name="Person",
    kind="vertex",
    properties={
        "age": PropertySpec("age", "integer"),
        "height": PropertySpec("height", "float"),
        "born": PropertySpec("born", "date"),
        "seen": PropertySpec("seen", "datetime"),
        "tags": PropertySpec("tags", "string[]"),
        "email": PropertySpec("email", "string", required=False),
    },
)
FACT = LabelSpec(name="KNOWS", kind="edge")


def test_declared_types_are_coerced_and_undeclared_pass_through() -> None:
    out = normalise_properties(
        PERSON,
        {
            "age": 41.0,
            "height": 180,
            "born": "1983-02-01",
            "seen": "2024-01-01T10:00:00Z",
            "free": {"nested": [1, "x", None]},
        },
        LIMITS,
    )
    assert out["age"] == 41 and isinstance(out["age"], int)
    assert out["height"] == 180.0 and isinstance(out["height"], float)
    assert out["seen"] == "2024-01-01T10:00:00+00:00"
    assert out["free"] == {"nested": [1, "x", None]}


def test_python_datetimes_become_iso_strings() -> None:
    out = normalise_properties(PERSON, {"seen": datetime(2024, 1, 1, tzinfo=UTC)}, LIMITS)
    assert out["seen"] == "2024-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("props", "error"),
    [
        ({"age": "forty"}, InvalidProperty),
        ({"age": True}, InvalidProperty),
        ({"age": 1.5}, InvalidProperty),
        ({"born": "01/02/1983"}, InvalidProperty),
        ({"seen": "2024-01-01T10:00:00"}, InvalidProperty),
        ({"tags": ["a", 1]}, InvalidProperty),
        ({"x": float("nan")}, InvalidNumber),
        ({"x": [1.0, float("inf")]}, InvalidNumber),
        ({"x": 2**64}, InvalidProperty),
        ({"x": "y" * 21}, LimitExceeded),
        ({"x": "a\x00b"}, InvalidProperty),
        ({"uid": "other"}, InvalidProperty),
        ({"bad key": 1}, InvalidIdentifier),
        ({"desc": 1}, InvalidIdentifier),
        ({str(i): i for i in range(6)}, LimitExceeded),
        ({"x": {1: "a"}}, InvalidProperty),
        ({"x": object()}, InvalidProperty),
        ({"x": datetime(2024, 1, 1)}, InvalidProperty),
    ],
)
def test_bad_property_values_are_refused(props: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        normalise_properties(PERSON, props, LIMITS)


def test_required_property_must_be_present() -> None:
    spec = LabelSpec("Drug", "vertex", properties={"dose": PropertySpec("dose", "float", True)})
    with pytest.raises(InvalidProperty, match="requires property 'dose'"):
        normalise_properties(spec, {}, LIMITS)
    assert normalise_properties(spec, {"dose": 5}, LIMITS) == {"dose": 5.0}


@pytest.mark.parametrize("key", ["valid_from", "expired_at", "confidence", "uid", "text"])
def test_edge_system_keys_are_reserved(key: str) -> None:
    with pytest.raises(InvalidProperty, match="set by kgmem"):
        normalise_properties(FACT, {key: 1}, LIMITS)
