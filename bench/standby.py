"""A streaming replica of an embedded primary on a loopback port, for benchmarks: made
with ``pg_basebackup -R`` by the embedded server's own PostgreSQL, started in a
directory of its own, stopped (fast shutdown) at the end."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from kgmem.storage.backups.backup import pg_tool

# PostgreSQL refuses to run as root; pgserver runs it as this user then.
OS_USER = "pgserver" if os.getuid() == 0 else None


@dataclass(frozen=True)
class Standby:
    url: str
    pid: int


@contextmanager
def standby(primary_url: str, directory: Path, *, timeout_s: float = 120) -> Iterator[Standby]:
    """A hot standby of the server at ``primary_url`` with its data in ``directory``
    (created), replaying its WAL by streaming replication."""
    directory.mkdir(parents=True)
    if OS_USER is not None:
        shutil.chown(directory, OS_USER, OS_USER)
    directory.chmod(0o700)
    subprocess.run(
        [pg_tool("pg_basebackup"), "-D", str(directory), "-R", "-X", "stream", "-c", "fast",
         "-d", primary_url],
        user=OS_USER,
        check=True,
        capture_output=True,
        timeout=timeout_s,
    )  # fmt: skip
    port = _free_port()
    server = subprocess.Popen(
        [pg_tool("postgres"), "-D", str(directory), "-p", str(port), "-k", str(directory),
         "-c", "listen_addresses=127.0.0.1"],
        user=OS_USER,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"postgresql://postgres@127.0.0.1:{port}/kgmem"
    try:
        _wait_ready(url, timeout_s)
        yield Standby(url, server.pid)
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)  # fast shutdown
            server.wait(timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row and row[0]:
                    return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the standby at {url} did not accept reads in {timeout_s} s")
        time.sleep(0.2)
