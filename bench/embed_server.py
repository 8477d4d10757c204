"""A fake OpenAI-compatible embedding server for ``python -m bench build``.

``python -m bench.embed_server --dimension 384`` serves ``POST /v1/embeddings``
(``{model, input: [texts]}`` answered with ``{object: list, data: [{object: embedding,
index, embedding}], model, usage}``, the real protocol) on a free loopback port and
prints its URL on the first line of stdout. It stands in for an embedding server on
other hardware (a GPU box running the same model): the vectors are NOT model output
but deterministic pseudo-random unit vectors seeded by a hash of each text (the same
text always gets the same vector), computed in microseconds. What building with it
measures is therefore kgmem's own cost of embedding through a remote service (HTTP
calls, JSON, vectors stored and indexed), with the model's cost taken away.

It runs in its own process, so its work does not take the client's interpreter lock
(it still shares this machine's cores).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import orjson


def vector(text: str, dimension: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """A deterministic unit vector for ``text``."""
    seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    row = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return row / np.linalg.norm(row)


def serve(dimension: int, port: int = 0) -> ThreadingHTTPServer:
    """The server, bound (port 0: a free one), not yet serving."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers
        # Headers and body go out as two writes: without TCP_NODELAY, Nagle's algorithm
        # holds the body until the client's delayed ACK (about 40 ms per call).
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = orjson.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            if self.path != "/v1/embeddings":
                self._answer(404, {"error": {"message": f"no route {self.path}"}})
                return
            texts = body.get("input")
            if isinstance(texts, str):
                texts = [texts]
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                self._answer(400, {"error": {"message": "input must be a string or strings"}})
                return
            data = [
                {"object": "embedding", "index": i, "embedding": vector(t, dimension)}
                for i, t in enumerate(texts)
            ]
            tokens = sum(len(t.split()) for t in texts)
            self._answer(
                200,
                {
                    "object": "list",
                    "data": data,
                    "model": body.get("model", ""),
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                },
            )

        def _answer(self, status: int, payload: Any) -> None:
            raw = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.embed_server")
    p.add_argument("--dimension", type=int, default=384)
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args(argv)
    server = serve(args.dimension, args.port)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
