"""Every code a client can receive is listed in api/errors.md, including the ones the
HTTP layer itself raises."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from kgmem import errors
from kgmem.server import problems

ROOT = Path(__file__).resolve().parents[2]
LISTED = dict(
    re.findall(r"^\| `([a-z0-9_]+)` \| (\d+) \|", (ROOT / "api" / "errors.md").read_text(), re.M)
)


def test_every_error_class_and_http_code_is_listed_with_its_status() -> None:
    for cls in errors.all_error_classes():
        assert LISTED.get(cls.code) == str(problems.status_of(cls)), cls.code
    for status, (code, _) in problems.HTTP_CODES.items():
        assert LISTED.get(code) == str(status), code


@pytest.mark.parametrize("status", [400, 401, 404, 405, 406, 413, 415, 416, 418, 429, 501, 503])
async def test_the_http_layer_answers_only_listed_codes(status: int) -> None:
    app = FastAPI()
    problems.install(app)

    @app.get("/raise")
    async def _raise() -> None:
        raise HTTPException(status_code=status, detail="raised")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/raise")
    assert response.status_code == status
    assert response.headers["content-type"].startswith(problems.MEDIA_TYPE)
    assert response.json()["code"] in LISTED
