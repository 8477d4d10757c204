"""An HTTP/1.1 load generator for ``bench search``, run as its own process so the
client's CPU is not the server's: ``python -m bench.loadgen HOST PORT PATH BODIES CLIENTS``.

BODIES is a file with one JSON request body per line. CLIENTS keep-alive connections
(raw asyncio streams, requests encoded once up front) each send their share of the
bodies one after another. Prints one JSON object: per-request latencies in
milliseconds, the wall time, and the count of non-200 answers.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


def _requests(host: str, port: int, path: str, bodies: list[bytes]) -> list[bytes]:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        "Connection: keep-alive\r\n"
    )
    return [f"{head}Content-Length: {len(b)}\r\n\r\n".encode() + b for b in bodies]


async def _client(
    host: str, port: int, requests: list[bytes], latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for request in requests:
            start = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - start) * 1000)
            if status_line.split()[1] != b"200":
                errors.append(int(status_line.split()[1]))
    finally:
        writer.close()


async def run(
    host: str, port: int, path: str, bodies: list[bytes], clients: int
) -> dict[str, object]:
    requests = _requests(host, port, path, bodies)
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    await asyncio.gather(
        *(_client(host, port, requests[c::clients], latencies, errors) for c in range(clients))
    )
    wall = time.perf_counter() - start
    return {"latencies_ms": latencies, "wall_s": wall, "errors": errors}


def main() -> None:
    host, port, path, file, clients = sys.argv[1:6]
    with open(file, "rb") as f:
        bodies = [line.rstrip(b"\n") for line in f if line.strip()]
    result = asyncio.run(run(host, int(port), path, bodies, int(clients)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
