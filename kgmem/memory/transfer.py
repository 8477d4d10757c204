"""Bulk imports, embedding backfill and exports through ``Memory``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

from kgmem.graph import GraphContext
from kgmem.io import backfill, exporter, loader
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions, ImportReport, Progress
from kgmem.live import Live
from kgmem.settings.config import Settings


class Transfer:
    """Imports (announced on ``live``), embedding backfill and exports."""

    ctx: GraphContext
    settings: Settings
    live: Live

    # -- imports and exports ----------------------------------------------------

    async def import_file(
        self,
        namespace: str,
        path: Path,
        options: ImportOptions | None = None,
        progress: Callable[[Progress], None] | None = None,
    ) -> ImportReport:
        """Bulk-load a file (RDF, CSV, JSON Lines, GraphML; see kgmem.io.loader)."""
        try:
            report = await loader.import_file(
                self.ctx, namespace, path, options or ImportOptions(), progress
            )
        except BaseException:
            # Batches an import committed before failing are in the store.
            await self.live.changed(namespace, "import.failed", file=path.name)
            raise
        await self.live.changed(
            namespace,
            "import.completed",
            file=path.name,
            records_loaded=report.records_loaded,
            records_rejected=report.records_rejected,
        )
        return report

    async def embed_pending(
        self, namespace: str, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Embed every entity of ``namespace`` that has text but no vector; returns how
        many were embedded (0 without an embedding model)."""
        count = await backfill.embed_pending(self.ctx, namespace, progress)
        if count:
            await self.live.changed(namespace, "entity.embedded", count=count)
        return count

    async def export_losses(self, namespace: str, fmt: str) -> tuple[str, ...]:
        """What an export of ``namespace`` in ``fmt`` leaves out that the namespace has
        (an import of the file will not restore it)."""
        return await exporter.losses(self.ctx, namespace, fmt)

    def export(self, namespace: str, options: ExportOptions) -> AsyncIterator[bytes]:
        """The namespace (or a subgraph) serialised in ``options.format``, in chunks."""
        return exporter.export(self.ctx, namespace, options)
