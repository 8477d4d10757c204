"""Importing a file: read, map, and write it in batches, each committed with its journal row.

The file's load key is its SHA-256 plus the format and batch size. A batch that is in
the journal under that key is not written again, so rerunning an interrupted import
(even one killed with ``kill -9``) writes exactly the batches that had not committed
and ends in the graph one clean run makes; rerunning a finished one writes nothing.
Reading and mapping the next batch runs in a thread while the current one is written,
or, for an N-Triples / N-Quads file of 64 MiB or more, in a second process
(``kgmem.io.batches``), so that it does not share this process's interpreter lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from kgmem.embedding import entity_text, fact_text, untitled_text
from kgmem.errors import ImportRejected, InvalidInput
from kgmem.graph import GraphContext, statements
from kgmem.io import rdf_names, type_pass
from kgmem.io.batches import PROCESS_FROM_BYTES, Batch, FileSource, ProcessSource
from kgmem.io.collector import relaxed_collection
from kgmem.io.formats import DEFAULT_EDGE_TYPE
from kgmem.io.rdf_mapping import RdfMapper, TermRegistry, short_name, text_view
from kgmem.io.readers import (
    detect_format,
)
from kgmem.io.rejects import Reject
from kgmem.process.taskgroup import task_group
from kgmem.schema.graph_schema import VERTEX_TEXT_PROPERTIES
from kgmem.schema.identifiers import validate_label
from kgmem.storage import Connection, NamespaceRef, bulk
from kgmem.storage.bulk import BatchContext, BatchCounts, Describers, ElementCounts, VertexOp
from kgmem.storage.graph import namespaces
from kgmem.storage.graph.vertices import OCCURRED_KEYS, occurred_time

OnError = Literal["stop", "skip"]
_MAX_LISTED_ERRORS = 1000


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to import: format (None: from the extension), records per batch, what to do
    with a bad record, where the report and reject file go (None: beside the file), and
    the base IRI that relative IRIs of Turtle, TriG, JSON-LD and RDF/XML resolve against
    (None: the file's own URI). ``defer_indexes``: drop the namespace's non-unique
    indexes during the load and build them once at the end; "auto" does so when the
    namespace is empty and the file is at least 8 MiB. ``reader_process``: read, parse
    and map an N-Triples / N-Quads file in a second process (``kgmem.io.batches``);
    "auto" does so from 64 MiB (starting it costs about a second of CPU).
    ``graph_names``: what a named graph of N-Quads, TriG or JSON-LD is: "membership"
    keeps each statement's graphs, so the dataset exports as it came; "sources" makes
    each graph the ``Source`` vertex that asserted the edges in it."""

    format: str | None = None
    batch_size: int = 20_000
    on_error: OnError = "stop"
    report_dir: Path | None = None
    write_report: bool = True
    base_iri: str | None = None
    defer_indexes: Literal["auto", "always", "never"] = "auto"
    reader_process: Literal["auto", "always", "never"] = "auto"
    graph_names: Literal["membership", "sources"] = "membership"
    edge_type: str = DEFAULT_EDGE_TYPE
    """The relationship type of an edge record that names none (GraphML, GML, CSV,
    JSON Lines); checked as every label is."""

    def __post_init__(self) -> None:
        try:
            validate_label(self.edge_type)
        except InvalidInput as exc:
            raise InvalidInput(f"edge type: {exc.detail}") from None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an import is: records read, bytes of the file read, its size."""

    records: int
    bytes_read: int
    bytes_total: int


@dataclass
class ImportReport(ElementCounts):
    """The summary of one file's import: the element counters of its batches, added up.
    ``records_loaded`` counts records written or found unchanged; rejected ones are
    listed in ``errors`` (the first thousand) and, with ``--on-error skip``, written to
    ``reject_file``."""

    file: str
    format: str
    load_key: str
    records_read: int = 0
    records_loaded: int = 0
    records_rejected: int = 0
    batches: int = 0
    batches_already_loaded: int = 0
    seconds: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)
    reject_file: str | None = None
    report_file: str | None = None

    def add(self, counts: dict[str, Any]) -> None:
        """Add a batch's counters."""
        for key, value in counts.items():
            if isinstance(value, int) and hasattr(self, key):
                setattr(self, key, getattr(self, key) + value)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)


def describers(fmt: str = "ntriples") -> Describers:
    """Side-row texts and times as the API writes them (value objects read as their
    text, so an RDF ``"2024-05-01T10:00:00Z"^^xsd:dateTime`` ``occurred_at`` times the
    vertex as the same string written through the API does). A node of a graph tool's
    file (GraphML, GML) without a name is told by its uid and other text
    (``untitled_text``), so that search finds it."""
    if fmt in _GRAPH_TOOL_FORMATS:
        return Describers(
            vertex_text=entity_text,
            fact_text=fact_text,
            fact_name=short_name,
            vertex_time=occurred_time,
            untitled=untitled_text,
        )
    return Describers(
        vertex_text=entity_text,
        fact_text=fact_text,
        fact_name=short_name,
        vertex_time=occurred_time,
        view=text_view,
        keys=frozenset({*VERTEX_TEXT_PROPERTIES, *OCCURRED_KEYS}),
        joined=rdf_names.joined,
    )


_GRAPH_TOOL_FORMATS = ("graphml", "gml")


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _Run:
    """One import in progress: what batches read and write."""

    ctx: GraphContext
    batch_ctx: BatchContext
    options: ImportOptions
    report: ImportReport
    done: dict[int, dict[str, Any]]
    rejects: list[tuple[Reject, str]] = field(default_factory=list)
    typed: bool = False
    deferring: bool = False


async def _type_pass(run: _Run, path: Path, fmt: str, mapper: RdfMapper) -> None:
    """Record each subject's label before the load (see ``kgmem.io.type_pass``)."""
    key, namespace = run.report.load_key, run.batch_ctx.ns.name
    chunks = type_pass.type_rows(path, fmt, mapper)
    found = 0
    async with run.ctx.db.acquire() as conn:
        await bulk.clear_types(conn, namespace, key)
        while (rows := await asyncio.to_thread(next, chunks, None)) is not None:
            await bulk.write_types(conn, namespace, key, rows)
            found += len(rows)
    run.typed = found > 0  # a file without types (WN18RR) needs no look-ups


async def import_file(
    ctx: GraphContext,
    namespace: str,
    path: Path,
    options: ImportOptions,
    progress: Callable[[Progress], None] | None = None,
) -> ImportReport:
    """Import one file into ``namespace`` (see the module docstring). With ``on_error``
    "stop" the first bad record raises ``ImportRejected`` naming file, line and reason
    (batches before it stay committed); with "skip" bad records are reported and kept
    out, and the rest loads."""
    if options.batch_size < 1:
        raise InvalidInput("batch size must be at least 1")
    with relaxed_collection():
        return await _import_file(ctx, namespace, path, options, progress)


async def _import_file(
    ctx: GraphContext,
    namespace: str,
    path: Path,
    options: ImportOptions,
    progress: Callable[[Progress], None] | None,
) -> ImportReport:
    fmt = detect_format(path, options.format)
    started = time.perf_counter()
    # Started first, so that its start-up runs while this process hashes the file.
    worker = ProcessSource() if _use_process(path, fmt, options) else None
    source: FileSource | ProcessSource | None = None
    try:
        run, mapper = await _prepare(ctx, namespace, path, fmt, options)
        report, ns = run.report, run.batch_ctx.ns
        if fmt in type_pass.STREAMED:
            await _type_pass(run, path, fmt, mapper)
        if worker is not None:
            source = worker.start(path, fmt, options.base_iri, mapper, options.batch_size)
        else:
            source = FileSource.open(
                path, fmt, options.base_iri, mapper, options.batch_size, options.edge_type
            )
        total = path.stat().st_size  # noqa: ASYNC240

        def tick() -> None:
            if progress and source is not None:
                progress(Progress(report.records_read, source.bytes_read(), total))

        try:
            wrote = await _load(run, source, tick)
            await _finish(ctx, ns, analyze=wrote)
            if run.typed:
                async with ctx.db.acquire() as conn:
                    await bulk.clear_types(conn, ns.name, report.load_key)
        finally:
            report.seconds = round(time.perf_counter() - started, 3)
            if options.write_report:
                _write_report(path, options, report, run.rejects)
    finally:
        if worker is not None:
            worker.close()
        elif source is not None:
            source.close()
    return report


async def _prepare(
    ctx: GraphContext, namespace: str, path: Path, fmt: str, options: ImportOptions
) -> tuple[_Run, RdfMapper]:
    """The import's run (its load key, journal, deferred indexes) and RDF mapper."""
    digest = await asyncio.to_thread(file_digest, path)
    mode = "" if options.graph_names == "membership" else ":sources"
    typed = "" if options.edge_type == DEFAULT_EDGE_TYPE else f":{options.edge_type}"
    key = f"{digest}:{fmt}:{options.batch_size}{mode}{typed}"
    report = ImportReport(file=str(path), format=fmt, load_key=key)
    async with ctx.db.acquire() as conn:
        ns = await namespaces.resolve(conn, namespace)
        done = await bulk.committed_batches(conn, namespace, report.load_key)
        terms = TermRegistry.of(
            await bulk.read_terms(conn, namespace), await bulk.label_kinds(conn, ns)
        )
    deferring = await _maybe_defer(ctx, ns, path, options)
    batch_ctx = BatchContext(
        ns=ns, labels=ctx.db.labels, schema=ctx.schema, describers=describers(fmt)
    )
    run = _Run(ctx, batch_ctx, options, report, done, deferring=deferring)
    return run, RdfMapper(terms, "b" + digest[:12] + "_", options.graph_names)


def _use_process(path: Path, fmt: str, options: ImportOptions) -> bool:
    if fmt not in type_pass.STREAMED or options.reader_process == "never":
        return False
    return options.reader_process == "always" or path.stat().st_size >= PROCESS_FROM_BYTES


async def _load(
    run: _Run, source: FileSource | ProcessSource, tick: Callable[[], None] | None
) -> bool:
    """Write every batch; the next one is read and mapped meanwhile (in a thread, or
    waited for from the reading process in one)."""
    wrote = False
    pending = asyncio.create_task(asyncio.to_thread(source.next_batch))
    while (batch := await pending) is not None:
        pending = asyncio.create_task(asyncio.to_thread(source.next_batch))
        try:
            wrote |= await _one_batch(run, batch)
        except BaseException as exc:
            # Waited for, not cancelled (no task group): the reading thread cannot be
            # interrupted, and the source is closed after this returns.
            await asyncio.gather(pending, return_exceptions=True)
            if isinstance(exc, ImportRejected):  # a clean stop leaves the indexes whole
                await _finish(run.ctx, run.batch_ctx.ns, analyze=True)
            raise
        if tick:
            tick()
    return wrote


_DEFER_FROM_BYTES = 8 << 20


CONNECTIONS = 2
"""Most pooled connections one import uses at once: its last step builds indexes and
takes statistics on two; everything before it uses one at a time."""


async def _finish(ctx: GraphContext, ns: NamespaceRef, *, analyze: bool) -> None:
    """Build deferred indexes again, then refresh planner statistics, on two
    connections at once so both cores work (PostgreSQL runs one statement per core).
    Each index is built in its own transaction with its journal row, except those of
    empty tables (the labels the load did not use), which are built together in one
    transaction, in one job. The jobs form one queue, costliest index builds first; a
    table's ANALYZE joins the queue once its own indexes are built (ANALYZE also samples
    the expressions of a table's expression indexes, such as the label tables' ``uid``
    index), so statistics of the small tables are taken while the long builds (the fact
    texts' keyword index) still run, instead of after a barrier. Empty tables are not
    analysed (see ``bulk.analyze_targets``)."""
    async with ctx.db.acquire() as conn:
        indexes = await bulk.deferred_indexes(conn, ns)
        empty = await bulk.empty_tables(conn, ns)
        tables = await bulk.analyze_targets(conn, ns) if analyze else []
    slots = asyncio.Semaphore(CONNECTIONS)

    async def build(names: list[str]) -> None:
        async with slots, ctx.db.transaction() as conn:
            await bulk.lift_timeout(conn)
            for name in names:
                await bulk.restore_index(conn, ns.name, name)

    async def stats(name: str, mine: set[asyncio.Task[None]]) -> None:
        if mine:
            await asyncio.gather(*mine)
        async with slots, ctx.db.transaction() as conn:
            await bulk.lift_timeout(conn)
            await bulk.analyze_table(conn, ns, name)

    # Tasks are created in queue order, and the semaphore wakes its waiters in order; a
    # failure cancels the rest.
    async with task_group() as tg:
        builds = {
            name: tg.create_task(build([name])) for name, target in indexes if target not in empty
        }
        if idle := [name for name, target in indexes if target in empty]:
            builds.update(dict.fromkeys(idle, tg.create_task(build(idle))))
        for table in tables:
            mine = {builds[index] for index, target in indexes if target == table}
            tg.create_task(stats(table, mine))


async def _maybe_defer(
    ctx: GraphContext, ns: NamespaceRef, path: Path, options: ImportOptions
) -> bool:
    """Drop the namespace's secondary indexes for the load if it should; whether the
    load runs with deferred indexes (also when a previous run of it dropped them)."""
    if options.defer_indexes == "never":
        return False
    async with ctx.db.transaction() as conn:
        await bulk.lift_timeout(conn)
        if await bulk.has_deferred_indexes(conn, ns.name):
            return True  # a previous run of this load dropped them: keep loading without
        big = path.stat().st_size >= _DEFER_FROM_BYTES  # noqa: ASYNC240
        if options.defer_indexes == "always" or (big and await bulk.is_empty(conn, ns)):
            await bulk.defer_indexes(conn, ns)
            return True
    return False


async def _one_batch(run: _Run, batch: Batch) -> bool:
    report = run.report
    report.batches += 1
    report.records_read += batch.items
    stored = run.done.get(batch.number)
    parse_rejects = batch.rejects
    if parse_rejects and run.options.on_error == "stop":
        _note(report, parse_rejects[:1], run.rejects)
        raise _rejected(report, parse_rejects[0])
    if stored is not None:
        report.batches_already_loaded += 1
        report.add(stored)
        late = [Reject(line, reason, "") for line, reason in stored.get("rejected_records", [])]
    else:
        late = await _write(run, batch)
    _note(report, [*parse_rejects, *late], run.rejects)
    report.records_loaded += batch.items - len(parse_rejects) - len(late)
    return stored is None


async def _write(run: _Run, batch: Batch) -> list[Reject]:
    """Write one batch with its journal row, all or nothing; returns refused edges."""
    counts = BatchCounts()
    ns = run.batch_ctx.ns
    async with run.ctx.db.transaction() as conn:
        await bulk.lift_timeout(conn)
        await bulk.commit_without_flush(conn)
        await bulk.write_terms(conn, ns.name, batch.terms)
        if run.typed:
            await _typed_in_advance(conn, run, batch.vertices)
        ids = await bulk.write_vertices(conn, run.batch_ctx, batch.vertices, counts)
        items = await bulk.write_edges(conn, run.batch_ctx, batch.edges, ids, counts)
        # A new value of a functional predicate closes the one in force, as every write
        # path does (kgmem.graph.statements).
        await statements.supersede_items(conn, ns, run.ctx.schema, items, datetime.now(UTC))
        await bulk.write_revisions(conn, ns, batch.revisions, counts)
        if batch.header is not None:
            rows = batch.header.rows(run.options.edge_type)
            await bulk.write_graph_attributes(conn, ns.name, rows)
        late = [Reject(line, reason, "") for line, reason in counts.rejected]
        if late and run.options.on_error == "stop":
            _note(run.report, late[:1], run.rejects)
            raise _rejected(run.report, late[0])
        if run.deferring:  # labels this batch created come with indexes: defer those too
            await bulk.defer_indexes(conn, ns)
        stored: dict[str, Any] = {**counts.as_json(), "rejected_records": counts.rejected}
        await bulk.record_batch(conn, ns.name, run.report.load_key, batch.number, stored)
    run.report.add(counts.as_json())
    return late


async def _typed_in_advance(conn: Connection, run: _Run, vertices: list[VertexOp]) -> None:
    """Give each vertex without a type in its batch the label the type pass found."""
    untyped = [op for op in vertices if op.label is None and op.merge]
    found = await bulk.first_types(
        conn, run.batch_ctx.ns.name, run.report.load_key, [op.uid for op in untyped]
    )
    for op in untyped:
        op.label = found.get(op.uid)


def _note(report: ImportReport, found: list[Reject], rejects: list[tuple[Reject, str]]) -> None:
    for r in found:
        report.records_rejected += 1
        if len(report.errors) < _MAX_LISTED_ERRORS:
            where = {"line": r.line, "column": r.column} if r.column else {"line": r.line}
            more = {"file_not_read_past_it": True} if r.ends_reading else {}
            report.errors.append({"file": report.file, **where, "reason": r.reason, **more})
        rejects.append((r, report.file))


def _rejected(report: ImportReport, first: Reject) -> ImportRejected:
    where = report.file
    if first.line:
        where += f", line {first.line}" + (f", column {first.column}" if first.column else "")
    return ImportRejected(
        f"{where}: {first.reason} ({_what_is_loaded(first)})",
        file=report.file,
        line=first.line,
        column=first.column,
        reason=first.reason,
    )


def _what_is_loaded(first: Reject) -> str:
    """What an import stopped at ``first`` has loaded, and what can be done."""
    loaded = "the batches before its batch are loaded, the records of its batch are not"
    if first.ends_reading:
        return f"{loaded}; the file cannot be read past it, so fix it and import again"
    return f"{loaded}; fix it, or use --on-error skip to load every other record"


def _write_report(
    path: Path, options: ImportOptions, report: ImportReport, rejects: list[tuple[Reject, str]]
) -> None:
    folder = options.report_dir or path.parent
    folder.mkdir(parents=True, exist_ok=True)
    report_file = folder / (path.name + ".import-report.json")
    if rejects and options.on_error == "skip":
        reject_file = folder / (path.name + ".rejects.jsonl")
        with reject_file.open("wb") as f:
            for r, name in rejects:
                f.write(
                    orjson.dumps(
                        {"file": name, "line": r.line, "reason": r.reason, "record": r.raw}
                    )
                    + b"\n"
                )
        report.reject_file = str(reject_file)
    report.report_file = str(report_file)
    report_file.write_bytes(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2))
