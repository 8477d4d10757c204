"""A failover test outside tests/ha stops the collection (tests/fixtures/suite.py): the
second phase of `./run test` collects tests/ha only, so such a test would run nowhere."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def collect(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-p", "tests.fixtures.suite", "-c", os.devnull, "--rootdir", str(folder), str(folder)],
        cwd=folder, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_a_failover_test_outside_tests_ha_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "test_astray.py").write_text(
        "import pytest\n\n@pytest.mark.failover\ndef test_astray():\n    pass\n"
        "\ndef test_plain():\n    pass\n"
    )
    done = collect(tmp_path)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "test_astray.py::test_astray" in done.stderr
    assert "test_plain" not in done.stderr


def test_unmarked_tests_anywhere_are_collected(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    pass\n")
    done = collect(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_plain.py::test_plain" in done.stdout
