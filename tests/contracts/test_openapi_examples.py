"""Every operation has a stable readable id, a tag, and examples that match its schema."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from kgmem.server.openapi import document

SPEC = document()
OPERATIONS = [
    (f"{method.upper()} {path}", op)
    for path, ops in SPEC["paths"].items()
    for method, op in ops.items()
]


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for ``schema`` whose $refs resolve inside the OpenAPI document."""
    return Draft202012Validator({**schema, "components": SPEC["components"]})


def test_operation_ids_are_unique_readable_snake_case() -> None:
    ids = [op["operationId"] for _, op in OPERATIONS]
    assert len(ids) == len(set(ids))
    for op_id in ids:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", op_id), op_id
        assert "v1" not in op_id and not op_id.endswith(("_get", "_post", "_put", "_delete"))


@pytest.mark.parametrize(("name", "op"), OPERATIONS, ids=[n for n, _ in OPERATIONS])
def test_operation_is_tagged_described_and_exemplified(name: str, op: dict[str, Any]) -> None:
    assert op.get("tags"), name
    assert op.get("description") or op.get("summary"), name
    for media, body in op.get("requestBody", {}).get("content", {}).items():
        assert "example" in body, f"{name}: no request example ({media})"
        if media == "application/json":
            validator(body["schema"]).validate(body["example"])
    for status, response in op["responses"].items():
        content = response.get("content", {})
        if not status.startswith("2") or not content:
            continue
        examples = {m: c["example"] for m, c in content.items() if "example" in c}
        assert examples, f"{name}: no example for response {status}"
        if "application/json" in examples and "schema" in content["application/json"]:
            validator(content["application/json"]["schema"]).validate(examples["application/json"])
    for parameter in op.get("parameters", []):
        if parameter["in"] == "path":
            assert "example" in parameter, f"{name}: path parameter {parameter['name']}"


def test_tags_are_declared_with_descriptions() -> None:
    declared = {t["name"] for t in SPEC["tags"]}
    used = {tag for _, op in OPERATIONS for tag in op["tags"]}
    assert used <= declared
    assert all(t["description"] for t in SPEC["tags"])
