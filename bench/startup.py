"""``python -m bench startup``: how long the ``kgmem`` command takes to start.

Runs each one-shot command (``--help``, ``keys --help``, ``settings``) ``--runs`` times
in a fresh interpreter and reports the median wall-clock and CPU time (user + system
of the child). CPU time is less distorted by other load on the machine. Also reports
the import of ``kgmem.memory`` (what a command that opens the store pays on top) and
the process's import of the whole server app, for comparison.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

from bench.machine import describe
from bench.report import Figure, Report

COMMANDS = {
    "kgmem --help": ["-m", "kgmem", "--help"],
    "kgmem keys --help": ["-m", "kgmem", "keys", "--help"],
    "kgmem settings": ["-m", "kgmem", "settings"],
    "import kgmem.memory": ["-c", "import kgmem.memory"],
    "import kgmem.server.app": ["-c", "import kgmem.server.app"],
}


def _run(args: list[str]) -> tuple[float, float]:
    """(wall ms, child CPU ms) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], check=True, stdout=subprocess.DEVNULL, env=dict(os.environ)
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench startup")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    report = Report("startup", describe(), {"runs": args.runs})
    for name, command in COMMANDS.items():
        _run(command)  # warm the page cache and the bytecode cache
        runs = [_run(command) for _ in range(args.runs)]
        report.add(Figure(f"{name} wall", statistics.median(w for w, _ in runs), "ms", args.runs))
        report.add(Figure(f"{name} cpu", statistics.median(c for _, c in runs), "ms", args.runs))
    report.print_summary()
    print(f"saved {report.save()}")
    return 0
