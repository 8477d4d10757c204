"""``kgmem verify --namespace NS``: re-score every claim of a namespace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kgmem.cli.open_store import run_with_memory

if TYPE_CHECKING:
    from kgmem.memory import Memory

console = Console()


def verify(
    namespace: Annotated[str, typer.Option("--namespace", "-n", help="The namespace to score.")],
) -> None:
    """Recompute trust for every fact and reliability for every source of a namespace,
    and say how each predicate's values were compared."""

    async def work(memory: Memory) -> None:
        run = await memory.verify_namespace(namespace)
        console.print(
            f"scored {run.facts} facts in {run.items} data items from {run.claims} claims by "
            f"{run.sources} sources ({run.dependent_pairs} dependent source pairs, "
            f"{run.iterations} iterations) in {run.seconds:.2f} s"
        )
        for kind in run.value_kinds:
            how = "declared" if kind.declared else "read from its values"
            console.print(f"{kind.predicate} compared as {kind.kind} ({how}: {kind.evidence})")
        for state in run.calibration:
            word = "calibrated" if state.calibrated else "UNCALIBRATED"
            console.print(f"{state.predicate} trust {word}: {state.reason}")

    run_with_memory(work)
