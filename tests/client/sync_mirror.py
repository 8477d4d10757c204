"""kgmem/client/synchronous.py is asynchronous.py with the asyncio taken out.

`python -m tests.client.sync_mirror` rewrites it; a test checks it is current, so the
two clients cannot drift apart.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "kgmem" / "client"

# Applied in order; each is (pattern, replacement) on the async source.
RULES: list[tuple[str, str]] = [
    (
        r'"""``AsyncClient``: the REST API from asyncio code."""',
        '"""``Client``: the REST API from synchronous code (generated from asynchronous.py by\n'
        '``python -m tests.client.sync_mirror``; edit that file, not this one)."""',
    ),
    (r"import asyncio\n", "import time\n"),
    (r"AsyncIterator", "Iterator"),
    (r"httpx\.AsyncBaseTransport", "httpx.BaseTransport"),
    (r"httpx\.AsyncClient", "httpx.Client"),
    (r"class AsyncClient:", "class Client:"),
    (r"``AsyncClient\(", "``Client("),
    (r"use it as ``async with`` or call ``aclose\(\)``", "use it as ``with`` or call ``close()``"),
    (r"async def __aenter__", "def __enter__"),
    (r"async def __aexit__", "def __exit__"),
    (r"aclose", "close"),
    (r"aiter_", "iter_"),
    (r"aread", "read"),
    (r"asyncio\.sleep", "time.sleep"),
    (r"retry\.async_attempts", "retry.attempts"),
    (r"async def ", "def "),
    (r"async with ", "with "),
    (r"async for ", "for "),
    (r"await ", ""),
    (r"for chunk in response\.iter_bytes\(\):\n\s+yield chunk", "yield from response.iter_bytes()"),
]


def render() -> str:
    """The synchronous client's source."""
    text = (CLIENT / "asynchronous.py").read_text()
    for pattern, replacement in RULES:
        text = re.sub(pattern, replacement, text)
    ruff = Path(sys.executable).with_name("ruff")
    formatted = subprocess.run(
        [str(ruff), "format", "--stdin-filename", str(CLIENT / "synchronous.py"), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return formatted.stdout


if __name__ == "__main__":
    (CLIENT / "synchronous.py").write_text(render())
