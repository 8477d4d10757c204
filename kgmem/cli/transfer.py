"""``kgmem import``, ``kgmem export`` and ``kgmem embed``: batch loads and dumps."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kgmem.cli import bolt_import
from kgmem.cli.open_store import run_with_memory
from kgmem.errors import KgmemError
from kgmem.io.formats import DEFAULT_EDGE_TYPE, EXPORT_FORMATS, FORMATS

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from kgmem.io.exporter import ExportOptions
    from kgmem.io.loader import ImportReport
    from kgmem.io.loader import Progress as LoadProgress
    from kgmem.memory import Memory

console = Console(stderr=True)


def _bar() -> Progress:
    from rich.progress import (  # here: only imports and exports draw a bar
        BarColumn,
        DownloadColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[records]:,} records, {task.fields[rate]:,.0f}/s"),
        DownloadColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _summary(report: ImportReport) -> str:
    return (
        f"{report.file}: read {report.records_read:,}, loaded {report.records_loaded:,}, "
        f"rejected {report.records_rejected:,}; vertices +{report.vertices_created:,} "
        f"~{report.vertices_updated:,}, edges +{report.edges_created:,} ~{report.edges_updated:,} "
        f"(updated = {report.vertices_updated + report.edges_updated:,}); "
        f"{report.batches_already_loaded} of {report.batches} batches were already loaded; "
        f"{report.seconds:.1f} s. Report: {report.report_file}"
        + (f"; rejects: {report.reject_file}" if report.reject_file else "")
    )


# One parameter per command-line option.
def import_command(  # noqa: PLR0913, PLR0917
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", help="Target namespace (created if missing).")
    ],
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Files to load (.gz accepted).", exists=True, dir_okay=False),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"One of {', '.join(FORMATS)}; default from the extension."),
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            help="stop: fail at the first bad record; skip: write it to the reject file and go on."
        ),
    ] = "stop",
    batch_size: Annotated[int, typer.Option(help="Records per committed batch.")] = 20_000,
    report_dir: Annotated[
        Path | None,
        typer.Option(help="Where the report and reject file go (default: beside each file)."),
    ] = None,
    base_iri: Annotated[
        str | None,
        typer.Option(help="Base IRI for relative IRIs in Turtle, TriG, JSON-LD and RDF/XML."),
    ] = None,
    defer_indexes: Annotated[
        str,
        typer.Option(
            help="auto (empty namespace, file >= 8 MiB), always or never: drop non-unique "
            "indexes during the load, build them after."
        ),
    ] = "auto",
    graph_names: Annotated[
        str,
        typer.Option(
            help="membership: keep each statement's named graphs (N-Quads, TriG, JSON-LD); "
            "sources: make each named graph the Source vertex that asserted its edges."
        ),
    ] = "membership",
    edge_type: Annotated[
        str,
        typer.Option(
            "--edge-type",
            help="The relationship type of edges that name none (GraphML and GML edges "
            f"without a label, CSV rows without :TYPE); default {DEFAULT_EDGE_TYPE}.",
        ),
    ] = DEFAULT_EDGE_TYPE,
    no_embed: Annotated[
        bool,
        typer.Option(
            "--no-embed", help="Do not embed imported entities now (run kgmem embed later)."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the reports as JSON on stdout.")
    ] = False,
    from_uri: Annotated[
        str | None,
        typer.Option("--from", help="Read a Neo4j database instead of files: bolt://host:7687."),
    ] = None,
    database: Annotated[
        str | None, typer.Option(help="With --from: the database (default: the server's).")
    ] = None,
    user: Annotated[str, typer.Option(help="With --from: the user name.")] = "neo4j",
    password: Annotated[
        str, typer.Option(envvar="NEO4J_PASSWORD", help="With --from: the password.")
    ] = "",
) -> None:
    """Bulk-load RDF (N-Triples, N-Quads, Turtle, TriG, JSON-LD, RDF/XML), neo4j-admin CSV,
    JSON Lines, GraphML or GML files, or a Neo4j database over Bolt (--from). Interrupted
    imports resume where they stopped. Edges that name no type (as networkx writes them)
    take --edge-type."""
    bolt_import.check_choice(files, from_uri)
    if on_error not in ("stop", "skip"):
        raise typer.BadParameter("--on-error must be stop or skip")
    if graph_names not in ("membership", "sources"):
        raise typer.BadParameter("--graph-names must be membership or sources")

    _check_edge_type(edge_type)

    async def work(memory: Memory) -> None:
        from kgmem.io.loader import ImportOptions

        if namespace not in {n.name for n in await memory.list_namespaces([namespace])}:
            await memory.create_namespace(namespace)
        reports = []
        paths, fmt_used = list(files or []), fmt
        if from_uri is not None:
            from kgmem.io.bolt_source import BoltSource

            source = BoltSource(from_uri, database, user, password)
            paths = [await bolt_import.dump_source(memory, source, namespace, batch_size, console)]
            fmt_used = "jsonl"
        for path in paths:
            options = ImportOptions(
                format=fmt_used, batch_size=batch_size, on_error=on_error,  # type: ignore[arg-type]
                report_dir=report_dir, base_iri=base_iri, defer_indexes=defer_indexes,  # type: ignore[arg-type]
                graph_names=graph_names, edge_type=edge_type,  # type: ignore[arg-type]
            )  # fmt: skip
            with _bar() as bar:
                task = bar.add_task(path.name, total=path.stat().st_size, records=0, rate=0.0)

                def show(p: LoadProgress, task: TaskID = task, bar: Progress = bar) -> None:
                    elapsed = bar.tasks[0].elapsed or 1e-9
                    bar.update(
                        task, completed=p.bytes_read, records=p.records, rate=p.records / elapsed
                    )

                report = await memory.import_file(namespace, path, options, show)
            reports.append(report)
            console.print(_summary(report), highlight=False)
        if not no_embed:
            await _embed(memory, namespace)
        if as_json:
            sys.stdout.write(json.dumps([r.as_json() for r in reports], indent=2) + "\n")

    run_with_memory(work)


def _check_edge_type(edge_type: str) -> None:
    """Refuse an edge type as every door does (``ImportOptions``)."""
    from kgmem.io.loader import ImportOptions

    try:
        ImportOptions(edge_type=edge_type)
    except KgmemError as exc:
        raise typer.BadParameter(exc.detail, param_hint="--edge-type") from None


async def _embed(memory: Memory, namespace: str) -> None:
    if memory.ctx.embedder is None:
        return
    with _bar() as bar:
        task = bar.add_task("embedding", total=None, records=0, rate=0.0)

        def show(done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 1e-9
            bar.update(task, total=total, completed=done, records=done, rate=done / elapsed)

        count = await memory.embed_pending(namespace, show)
    console.print(f"embedded {count:,} entities")


def embed_command(
    namespace: Annotated[str, typer.Option("--namespace", "-n", help="Namespace to embed.")],
) -> None:
    """Embed every entity that has text but no vector (after an import with --no-embed)."""

    async def work(memory: Memory) -> None:
        if memory.ctx.embedder is None:
            console.print("no embedding model is configured (KGMEM_EMBEDDING_PROVIDER=none)")
            return
        await _embed(memory, namespace)

    run_with_memory(work)


# One parameter per command-line option.
def export_command(  # noqa: PLR0913, PLR0917
    namespace: Annotated[str, typer.Option("--namespace", "-n", help="Namespace to export.")],
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(EXPORT_FORMATS)}.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="File to write (default stdout). "
            "CSV writes FILE.nodes.csv and FILE.relationships.csv.",
        ),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            "--query", help="Comma-separated entity uids: export the subgraph around them."
        ),
    ] = None,
    depth: Annotated[int, typer.Option(help="With --query: how many edges out to include.")] = 1,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d%z"],
            help="Only the facts true and believed at this time (ISO 8601 with a zone, "
            "e.g. 2024-05-01T00:00:00+00:00).",
        ),
    ] = None,
    current_only: Annotated[
        bool, typer.Option("--current-only", help="Only the facts true and believed now.")
    ] = False,
    plain: Annotated[
        bool,
        typer.Option(
            "--plain",
            help="GraphML and GML: only the graph's own attributes, as networkx writes "
            "them (no fact times, trust, locations or edge ids; labels only where not "
            "the default).",
        ),
    ] = False,
) -> None:
    """Write a namespace (or the subgraph around some entities) in one format. Graph-tool
    formats (GraphML, GEXF, Cytoscape.js) carry each fact's valid and recorded times,
    status and trust."""
    uids = tuple(u.strip() for u in query.split(",") if u.strip()) if query else ()

    async def work(memory: Memory) -> None:
        from kgmem.io.exporter import ExportOptions

        parts: list[tuple[ExportOptions, Path | None]]
        if fmt == "csv":
            if output is None:
                raise typer.BadParameter("CSV export needs -o (it writes two files)")
            stem = output.with_suffix("")
            parts = [
                (
                    ExportOptions(fmt, uids, depth, "nodes", as_of, current_only),
                    stem.with_suffix(".nodes.csv"),
                ),
                (
                    ExportOptions(fmt, uids, depth, "relationships", as_of, current_only),
                    stem.with_suffix(".relationships.csv"),
                ),
            ]
        else:
            parts = [
                (
                    ExportOptions(
                        fmt, uids, depth, as_of=as_of, current_only=current_only, plain=plain
                    ),
                    output,
                )
            ]
        for options, target in parts:
            sink = target.open("wb") if target else sys.stdout.buffer
            try:
                async for chunk in memory.export(namespace, options):
                    sink.write(chunk)
            finally:
                if target:
                    sink.close()
            if target:
                console.print(f"wrote {target}")
        lost = await memory.export_losses(namespace, fmt)
        if lost:
            console.print(
                f"{fmt} does not carry (an import of it will not restore): {', '.join(lost)}"
            )

    run_with_memory(work)
