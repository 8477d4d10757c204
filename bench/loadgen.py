"""An HTTP/1.1 load generator for ``bench search``, run as its own process so the
client's CPU is not the server's:

    python -m bench.loadgen HOST PORT PATH BODIES CLIENTS
    python -m bench.loadgen HOST PORT PATH --get COUNT CLIENTS

BODIES is a file with one JSON request body per line, each POSTed once; ``--get COUNT``
sends COUNT GET requests instead. CLIENTS keep-alive connections (raw asyncio streams on
uvloop, requests encoded once up front) each send their share one after
another. Prints one JSON object: per-request latencies in milliseconds, the wall time,
the non-200 statuses, and this process's CPU seconds over the run (it shares the
machine with the server, so its cost is part of what a rate needs).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import uvloop


def _posts(host: str, port: int, path: str, bodies: list[bytes]) -> list[bytes]:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        "Connection: keep-alive\r\n"
    )
    return [f"{head}Content-Length: {len(b)}\r\n\r\n".encode() + b for b in bodies]


def _gets(host: str, port: int, path: str, count: int) -> list[bytes]:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n\r\n"
    return [request.encode()] * count


async def _client(
    host: str, port: int, requests: list[bytes], latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for request in requests:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - start) * 1000)
            status = int(head.split(b" ", 2)[1])
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def run(host: str, port: int, requests: list[bytes], clients: int) -> dict[str, object]:
    """Send ``requests`` over ``clients`` connections; latencies, wall and CPU time."""
    latencies: list[float] = []
    errors: list[int] = []
    cpu = time.process_time()
    start = time.perf_counter()
    await asyncio.gather(
        *(_client(host, port, requests[c::clients], latencies, errors) for c in range(clients))
    )
    wall = time.perf_counter() - start
    return {
        "latencies_ms": latencies,
        "wall_s": wall,
        "errors": errors,
        "cpu_s": time.process_time() - cpu,
    }


def main() -> None:
    host, port, path = sys.argv[1:4]
    if sys.argv[4] == "--get":
        requests = _gets(host, int(port), path, int(sys.argv[5]))
        clients = int(sys.argv[6])
    else:
        with open(sys.argv[4], "rb") as f:
            bodies = [line.rstrip(b"\n") for line in f if line.strip()]
        requests = _posts(host, int(port), path, bodies)
        clients = int(sys.argv[5])
    result = uvloop.run(run(host, int(port), requests, clients))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
