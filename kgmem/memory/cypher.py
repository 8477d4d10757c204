"""Analyst Cypher and named queries through ``Memory``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kgmem.cypher import Mode, collect_subqueries, subquery_split, unit_subqueries
from kgmem.cypher.named import NamedQuery
from kgmem.cypher.plan import explained
from kgmem.errors import CypherError
from kgmem.graph import GraphContext, cypher_transaction, schema_statements
from kgmem.graph import cypher as cypher_ops
from kgmem.graph import named as named_ops
from kgmem.graph.cypher import CypherRequest
from kgmem.graph.read_routing import ReadRouter
from kgmem.live import Live
from kgmem.memory import procedures, subquery_rows, subquery_steps
from kgmem.model import CypherResult, Namespace, NamespaceStats
from kgmem.procedures import Registry, system
from kgmem.settings.config import Settings


class CypherMethods:
    """Cypher requests and transactions, EXPLAIN, reader roles, named queries."""

    ctx: GraphContext
    settings: Settings
    live: Live
    reads: ReadRouter
    procedures: Registry

    if TYPE_CHECKING:  # from GraphContent, read by the procedures

        async def get_namespace(self, name: str) -> Namespace: ...

        async def namespace_stats(self, name: str) -> NamespaceStats: ...

    # -- Cypher -----------------------------------------------------------------

    async def cypher(
        self,
        namespace: str,
        query: str,
        params: Mapping[str, Any] | None = None,
        *,
        mode: Mode = "read",
        limit: int | None = None,
    ) -> CypherResult:
        """Run analyst Cypher on ``namespace`` (``kgmem.graph.cypher``): read mode in a
        READ ONLY transaction as the namespace's reader role (on a replica when there are
        some), write mode as the service. Procedure calls are answered first
        (``kgmem.memory.procedures``), alone or with further clauses; ``SHOW INDEXES`` /
        ``SHOW CONSTRAINTS`` are such calls, ``CREATE`` / ``DROP`` of an index or
        constraint run in ``kgmem.graph.schema_statements``."""
        settings = self.settings.cypher
        async with cypher_ops.bounded(query, settings):
            query = schema_statements.shown(system.shown(query), params)
            query = unit_subqueries.inline(query, explicit=False)
            steps_plan = _explained_steps(query, params)
            if steps_plan is not None:
                return steps_plan
            query = _steps_text(query, params)
            split = _split(query)
            if split is not None:
                return await self._steps(namespace, split, params or {}, mode)
            scope = procedures.Scope.of(self.procedures, settings, mode)
            prepared = await procedures.prepare(self, namespace, query, params, scope=scope)
            if prepared.answer is not None:
                return prepared.answer
            request = CypherRequest(
                query=prepared.query, params=prepared.params, mode=mode, limit=limit
            )
            try:
                if mode == "read":
                    return await self.reads.run(
                        lambda ctx: cypher_ops.run(ctx, namespace, request, settings)
                    )
                result = await cypher_ops.run(self.ctx, namespace, request, settings)
            except CypherError as error:
                raise prepared.placed(error) from None
        await self.live.changed(namespace, "cypher.written")
        return result

    async def _steps(
        self, namespace: str, split: subquery_split.Split, params: Mapping[str, Any], mode: Mode
    ) -> CypherResult:
        """A query cut at a subquery, FOREACH or dynamic label, run as steps
        (``kgmem.memory.subquery_steps``): in one transaction, or with IN TRANSACTIONS
        each batch in its own."""

        async def alone(text: str, given: Mapping[str, Any]) -> CypherResult:
            return await self.cypher(namespace, text, given, mode=mode)

        if split.batches is not None:
            steps = subquery_steps.Steps(run=alone, alone=alone)
            return await subquery_steps.run(split, params, steps)
        async with self.cypher_transaction(namespace, mode) as run:

            async def step(text: str, given: Mapping[str, Any]) -> CypherResult:
                return await run(CypherRequest(text, given, mode))

            return await subquery_steps.run(split, params, subquery_steps.Steps(step, alone))

    async def read_sql(self, namespace: str, query: str, args: Sequence[Any], /) -> list[Any]:
        """kgmem's own read-only SQL on ``namespace`` for procedure bodies
        (``kgmem.graph.cypher.read_sql``), on a replica when there are some."""
        settings = self.settings.cypher
        return await self.reads.run(
            lambda ctx: cypher_ops.read_sql(ctx, namespace, query, args, settings)
        )

    @contextlib.asynccontextmanager
    async def cypher_transaction(
        self, namespace: str, mode: Mode = "read"
    ) -> AsyncIterator[cypher_transaction.Runner]:
        """Several Cypher requests in one transaction (committed when the block ends,
        undone when it raises); a write transaction announces a change once committed."""
        settings = self.settings.cypher
        scope = procedures.Scope.of(self.procedures, settings, mode)
        async with cypher_transaction.transaction(self.ctx, namespace, mode, settings) as run:

            async def with_procedures(request: CypherRequest) -> CypherResult:
                async with cypher_ops.bounded(request.query, settings):
                    shown = schema_statements.shown(system.shown(request.query), request.params)
                    request = replace(request, query=unit_subqueries.inline(shown, explicit=True))
                    steps_plan = _explained_steps(request.query, request.params)
                    if steps_plan is not None:
                        return steps_plan
                    request = replace(request, query=_steps_text(request.query, request.params))
                    split = _split(request.query)
                    if split is not None:

                        async def step(text: str, given: Mapping[str, Any]) -> CypherResult:
                            return await with_procedures(CypherRequest(text, given, mode))

                        steps = subquery_steps.Steps(run=step, alone=None)
                        return await subquery_steps.run(split, request.params, steps)
                    prepared = await procedures.prepare(
                        self, namespace, request.query, request.params, scope=scope, known=True
                    )
                    if prepared.answer is not None:
                        return prepared.answer
                    try:
                        ready = replace(request, query=prepared.query, params=prepared.params)
                        return await run(ready)
                    except CypherError as error:
                        raise prepared.placed(error) from None

            yield with_procedures
        if mode == "write":
            await self.live.changed(namespace, "cypher.written")

    async def explain_cypher(
        self, namespace: str, query: str, params: Mapping[str, Any] | None = None
    ) -> list[str]:
        """How kgmem and PostgreSQL would run ``query`` (nothing is executed)."""
        request = CypherRequest(query=query, params=params or {}, mode="write")
        return await cypher_ops.explain(self.ctx, namespace, request, self.settings.cypher)

    async def cypher_reader_role(self, namespace: str) -> str:
        """The PostgreSQL role that can only read ``namespace``'s graph (created if
        missing); grant it to a login role for psql or AGE Viewer."""
        return await cypher_ops.reader_role(self.ctx, namespace)

    def named_queries(self) -> list[NamedQuery]:
        """The named queries of ``cypher/``, by name."""
        return sorted(named_ops.catalogue().values(), key=lambda q: q.name)

    def named_query(self, name: str) -> NamedQuery:
        """One named query, or ``NamedQueryNotFound``."""
        return named_ops.find(named_ops.catalogue(), name)

    async def run_named(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        limit: int | None = None,
    ) -> CypherResult:
        """Run the named query ``name`` with ``params`` (checked against its header)."""
        query = self.named_query(name)
        query.check_params(params or {})
        return await self.cypher(namespace, query.text, params, mode=query.mode, limit=limit)


def _steps_text(query: str, params: Mapping[str, Any] | None) -> str:
    """``query`` with FOREACH written as a subquery and dynamic labels from parameters
    written as labels (``kgmem.cypher.subquery_split``)."""
    query = subquery_split.foreach(subquery_split.static_labels(query, params or {}))
    return collect_subqueries.rewrite(query)


def _split(query: str) -> subquery_split.Split | None:
    """Where ``query`` is cut into steps; None also for a leading returning subquery,
    which stands in as a procedure's rows (``kgmem.memory.subquery_rows``), and for an
    EXPLAIN (``_explained_steps``)."""
    if explained(query) is not None:
        return None
    found = subquery_split.find(query)
    if found is None or (not found.head and found.returns and subquery_rows.leading(query)):
        return None
    return found


def _explained_steps(query: str, params: Mapping[str, Any] | None) -> CypherResult | None:
    """The plan of ``EXPLAIN q`` when ``q`` runs as steps: the steps (each planned only
    when it runs, on the rows before it)."""
    inner = explained(query)
    if inner is None:
        return None
    split = _split(_steps_text(inner, params))
    return None if split is None else subquery_steps.explain(split)
