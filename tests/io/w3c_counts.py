"""``python -m tests.io.w3c_counts``: the W3C cases per suite and kind, and how many of
them ``test_w3c_round_trip`` expects to pass (all but KNOWN_FAILURES; a passing run of
that test confirms the figures)."""

from collections import Counter

from tests.io.test_w3c_round_trip import KNOWN_EXPORT_FAILURES, KNOWN_FAILURES
from tests.io.w3c_suites import cases


def main() -> None:
    """Print one line per suite and kind: total, expected to pass, known failures."""
    total: Counter[tuple[str, str]] = Counter()
    known: Counter[tuple[str, str]] = Counter()
    for case in cases():
        total[(case.suite, case.kind)] += 1
        if case.name in KNOWN_FAILURES:
            known[(case.suite, case.kind)] += 1
    print("| suite | kind | tests | pass | known failures |")
    print("|---|---|---|---|---|")
    for key in sorted(total):
        n, k = total[key], known[key]
        print(f"| {key[0]} | {key[1]} | {n} | {n - k} | {k} |")
    print(f"export-only known failures: {sorted(KNOWN_EXPORT_FAILURES)}")


if __name__ == "__main__":
    main()
