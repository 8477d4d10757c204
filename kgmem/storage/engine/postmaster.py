"""The embedded PostgreSQL's processes: is the postmaster alive, is it ready, stopping it in time.

Every process of a PostgreSQL server (the postmaster, its backends and helpers) runs
with the data directory as its working directory, and keeps doing so after a dead
postmaster left it orphaned. That is how these functions find them, without relying
on a pid file that a killed postmaster leaves behind.

PostgreSQL's own shutdown modes are signals to the postmaster: SIGINT is a fast
shutdown (backends terminated, a checkpoint written), SIGQUIT an immediate one (every
process quits at once; the next start replays the WAL). Neither loses a committed
transaction.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

import psutil

_log = logging.getLogger("kgmem.embedded")

IMMEDIATE_S = 10.0
"""How long an immediate shutdown may take before what is left is killed. PostgreSQL
itself sends SIGKILL to children that have not quit five seconds after SIGQUIT."""

_POLL_S = 0.05


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the postmaster running in ``pgdata``, or None when none runs."""
    try:
        first = (pgdata / "postmaster.pid").read_text(encoding="utf-8").split("\n", 1)[0]
        pid = int(first)
    except (OSError, ValueError):
        return None
    return pid if _runs_in(pid, pgdata) else None


def status(pgdata: Path) -> str | None:
    """What the postmaster running in ``pgdata`` says of itself in its lock file
    (``starting``, ``ready``, ``standby``, ``stopping``), or None when none runs. A lock
    file not yet written to the end reads as ``starting``."""
    if postmaster_pid(pgdata) is None:
        return None
    try:
        lines = (pgdata / "postmaster.pid").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return lines[7].strip() if len(lines) > 7 and lines[7].strip() else "starting"


def wait_ready(pgdata: Path, *, timeout_s: float) -> bool:
    """Wait while the postmaster in ``pgdata`` is starting (after a crash it first syncs
    the data directory and replays the WAL); True once it is ready, False when none runs
    or it is still starting after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while (state := status(pgdata)) == "starting" and time.monotonic() < deadline:
        time.sleep(_POLL_S)
    return state == "ready"


def processes(pgdata: Path) -> list[psutil.Process]:
    """Every PostgreSQL process whose working directory is ``pgdata``."""
    found = []
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] == "postgres" and _runs_in(proc.pid, pgdata):
            found.append(proc)
    return found


def kill_leftovers(pgdata: Path) -> int:
    """SIGKILL every process still running in ``pgdata``; how many there were.

    Only for processes whose postmaster is gone: their shared memory keeps a new
    postmaster from starting, and without a postmaster they can do nothing useful."""
    left = processes(pgdata)
    for proc in left:
        try:
            proc.kill()
        except psutil.Error:
            continue
    # Not psutil.wait_procs: a killed process lingers as a zombie until init reaps it.
    deadline = time.monotonic() + 5
    while any(_runs_in(p.pid, pgdata) for p in left) and time.monotonic() < deadline:
        time.sleep(_POLL_S)
    return len(left)


def remove_stale_lock_files(pgdata: Path) -> None:
    """Remove the lock files of a dead postmaster (postmaster.pid and its socket's
    ``.lock``), once no process runs in ``pgdata``.

    A killed postmaster can linger as a zombie until its parent (init) reaps it; the
    pid in its lock files then still looks alive, both to PostgreSQL, which refuses to
    start, and to pgserver, which takes it for a running server."""
    pid_file = pgdata / "postmaster.pid"
    if postmaster_pid(pgdata) is not None or processes(pgdata):
        return
    try:
        lines = pid_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    if len(lines) > 4 and lines[3].strip() and lines[4].strip():
        Path(lines[4].strip(), f".s.PGSQL.{lines[3].strip()}.lock").unlink(missing_ok=True)
    pid_file.unlink(missing_ok=True)


def stop(pgdata: Path, *, timeout_s: float, hard: threading.Event | None = None) -> str:
    """Stop the server in ``pgdata`` and say how, in a few words.

    A fast shutdown first, for up to ``timeout_s`` (skipped when ``hard`` is set, and
    cut short when it becomes set); then an immediate one for up to ``IMMEDIATE_S``;
    then SIGKILL of whatever still runs there.
    """
    started = time.monotonic()
    pid = postmaster_pid(pgdata)
    if pid is None:
        killed = kill_leftovers(pgdata)
        return "was not running" + (f"; killed {killed} leftover process(es)" if killed else "")
    if hard is None or not hard.is_set():
        if _signal_and_wait(pid, pgdata, signal.SIGINT, timeout_s=timeout_s, hard=hard):
            return f"stopped (fast shutdown) in {time.monotonic() - started:.1f} s"
        reason = "a second signal" if hard and hard.is_set() else f"{timeout_s:g} s passed"
        _log.warning("shutdown: PostgreSQL fast shutdown cut short (%s); going immediate", reason)
    if _signal_and_wait(pid, pgdata, signal.SIGQUIT, timeout_s=IMMEDIATE_S, hard=None):
        kill_leftovers(pgdata)
        return f"stopped (immediate shutdown) in {time.monotonic() - started:.1f} s"
    killed = kill_leftovers(pgdata)
    return (
        f"did not finish an immediate shutdown within {IMMEDIATE_S:g} s; "
        f"killed {killed} process(es) (SIGKILL)"
    )


def _signal_and_wait(
    pid: int, pgdata: Path, sig: signal.Signals, *, timeout_s: float, hard: threading.Event | None
) -> bool:
    """Send ``sig`` to the postmaster; True once it has exited within ``timeout_s``."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _runs_in(pid, pgdata):
            return True
        if hard is not None and hard.is_set():
            return False
        time.sleep(_POLL_S)
    return not _runs_in(pid, pgdata)


def _runs_in(pid: int, pgdata: Path) -> bool:
    try:
        proc = psutil.Process(pid)
        return bool(proc.status() != psutil.STATUS_ZOMBIE and proc.cwd() == str(pgdata))
    except psutil.Error:
        return False
