"""api/openapi.json is the contract: the app must not drift from it unnoticed."""

import json
from pathlib import Path

from kgmem.server.openapi import document

SNAPSHOT = Path(__file__).resolve().parents[2] / "api" / "openapi.json"


def test_app_matches_the_openapi_snapshot() -> None:
    current = json.loads(json.dumps(document(), sort_keys=True))
    stored = json.loads(SNAPSHOT.read_text())
    assert current == stored, (
        "the API changed: review the change, then refresh the snapshot with "
        "`kgmem openapi -o api/openapi.json`"
    )


def test_every_error_response_is_problem_json() -> None:
    spec = document()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for status, response in op["responses"].items():
                if status[0] in "45":
                    assert set(response.get("content", {})) == {"application/problem+json"}, (
                        path,
                        method,
                        status,
                    )
