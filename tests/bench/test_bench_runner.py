"""The shared bench runner: every scenario ``python -m bench --help`` lists is importable
and declares its command line under its own name, and docs/performance.md holds one
current table per benchmark, under the command that reproduces it, in under 600 lines."""

from __future__ import annotations

import asyncio
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import SCENARIOS
from bench.report import Figure, Report

ROOT = Path(__file__).resolve().parents[2]
PERFORMANCE = ROOT / "docs" / "performance.md"
BENCH = ROOT / "bench"
BENCHMARKS = list(SCENARIOS)


def listed() -> list[str]:
    """The scenario names ``python -m bench --help`` prints, one a line under a group."""
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return re.findall(r"^  ([a-z0-9-]+) {2,}\S", result.stdout, flags=re.MULTILINE)


def sections() -> list[list[str]]:
    """docs/performance.md cut at its ``## `` headings."""
    parts: list[list[str]] = []
    for line in PERFORMANCE.read_text().splitlines():
        if line.startswith("## ") or not parts:
            parts.append([])
        parts[-1].append(line)
    return parts


def command_of(name: str) -> re.Pattern[str]:
    return re.compile(rf"python -m bench {re.escape(name)}(?![\w-])")


def test_help_lists_every_scenario_once() -> None:
    names = listed()
    assert sorted(names) == sorted(SCENARIOS)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_imports_and_declares_its_command_line(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    module = importlib.import_module(SCENARIOS[name].module)
    assert asyncio.iscoroutinefunction(module.main)
    with pytest.raises(SystemExit) as exited:
        asyncio.run(module.main(["--help"]))
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: python -m bench {name} ")


def test_performance_page_stays_under_600_lines() -> None:
    assert len(PERFORMANCE.read_text().splitlines()) < 600


@pytest.mark.parametrize("name", BENCHMARKS)
def test_each_benchmark_has_one_table_under_its_command(name: str) -> None:
    command = command_of(name)
    mine = [
        part
        for part in sections()
        if any(line.startswith("Command") and command.search(line) for line in part)
    ]
    assert len(mine) == 1, f"{name}: {len(mine)} sections with its command"
    lines = mine[0]
    separators = [i for i, line in enumerate(lines) if re.match(r"^\|(\s*:?-+:?\s*\|)+$", line)]
    assert len(separators) == 1, f"{name}: {len(separators)} tables"
    said = next(i for i, line in enumerate(lines) if line.startswith("Command"))
    assert said < separators[0]
    assert any(line.startswith("Machine") for line in lines[: separators[0]])


def test_every_runnable_bench_module_is_a_scenario() -> None:
    # An exploration is summarised in docs/decisions.md and removed, not left runnable.
    registered = {scenario.module for scenario in SCENARIOS.values()}
    runnable = {
        f"bench.{path.stem}"
        for path in BENCH.glob("*.py")
        if re.search(r"^async def main\(", path.read_text(), re.M)
    }
    assert runnable <= registered, sorted(runnable - registered)


def test_a_report_prints_its_table_with_command_machine_and_baseline() -> None:
    report = Report("write", {"cpu": "2 cores"}, {"entities": 10})
    report.figures.append(Figure("facts/s, batched", 9000, "facts/s", 10, 1000, "AGE Cypher"))
    table = report.markdown().splitlines()
    assert table[0] == "Command: `python -m bench write` (entities 10)"
    assert table[1] == "Machine: cpu 2 cores."
    assert table[-1] == "| facts/s, batched | 9,000 facts/s | 1,000 AGE Cypher | 9.0x |"


def test_a_count_below_its_least_is_refused_by_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bench import constraints, namespaces

    refused = ((namespaces.parse, ["--runs", "0"]), (constraints.parse, ["--nodes", "-1"]))
    for parse, argv in refused:
        with pytest.raises(SystemExit):
            parse(argv)
        assert "must be at least 1" in capsys.readouterr().err
    assert namespaces.parse(["--runs", "2"]).runs == 2
