"""Run one benchmark scenario: ``python -m bench write [--entities N] ...``."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys

SCENARIOS = {"write": "bench.write"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    args, rest = parser.parse_known_args()
    module = importlib.import_module(SCENARIOS[args.scenario])
    sys.exit(asyncio.run(module.main(rest)))


if __name__ == "__main__":
    main()
