"""One Bolt connection's conversation: authentication, queries, results, transactions.

A session answers each request message with response messages, in Bolt's states:
after HELLO (and LOGON from 5.1) it is ready; RUN opens a result that PULL streams
and DISCARD drops; BEGIN ... COMMIT/ROLLBACK wrap queries in one database
transaction; after a FAILURE every message is IGNORED until RESET. The database a
client names is the kgmem namespace, one naming none gets its home database
(``kgmem.bolt.databases``); queries take kgmem's safe Cypher path
(``Memory.cypher``) with the key's scopes: a write needs a write-scoped key, a read
runs on the read-only role.

The key is checked again whenever the session's ``Hold`` is told it may have changed
(``kgmem.keys.key_watch``), between messages. A key a new connection would be refused with
refuses this one from its next message on (until LOGOFF and LOGON with another), with
the FAILURE a new connection gets; an open transaction is rolled back at once when the
key is refused, no longer reaches the transaction's namespace or scope, or the
namespace is about to be deleted, and the next message answers why.

The key's limits (``kgmem.keys.quotas``) apply: the connection counts among the key's open
connections from authentication on (one past the limit is refused and closed), each
RUN and BEGIN counts against its request rate, and each transaction among its open
transactions. A transaction left idle past ``transaction_idle_timeout_s`` is rolled
back (``end_idle_transaction``), and the next message answers why.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from kgmem import __version__
from kgmem.access import Principal, admit, as_seen_by, identify
from kgmem.bolt import plans
from kgmem.bolt import show_commands as procedures
from kgmem.bolt.databases import Databases, no_home, split_use
from kgmem.bolt.errors import neo4j_code
from kgmem.bolt.packstream import Structure
from kgmem.bolt.values import from_bolt, temporal_to_bolt, to_bolt
from kgmem.cypher import Mode
from kgmem.errors import (
    AuthError,
    Forbidden,
    InvalidRequest,
    KgmemError,
    NamespaceNotFound,
    TooManyConnections,
    TransactionTimedOut,
)
from kgmem.graph import callers
from kgmem.graph.cypher import CypherRequest
from kgmem.graph.cypher_transaction import Runner
from kgmem.keys.key_watch import Hold
from kgmem.keys.quotas import Held
from kgmem.memory import Memory
from kgmem.model import CypherResult
from kgmem.settings.bolt_settings import BoltSettings
from kgmem.storage.engine.driver_errors import translate

HELLO, GOODBYE, RESET, RUN, BEGIN, COMMIT, ROLLBACK = 0x01, 0x02, 0x0F, 0x10, 0x11, 0x12, 0x13
DISCARD, PULL, ROUTE, LOGON, LOGOFF, TELEMETRY = 0x2F, 0x3F, 0x66, 0x6A, 0x6B, 0x54
SUCCESS, RECORD, IGNORED, FAILURE = 0x70, 0x71, 0x7E, 0x7F
SERVER_AGENT = "Neo4j/5.26.0"
UNSENDABLE = "Neo.DatabaseError.Statement.ExecutionFailed"
"""The code of a result holding a value Bolt cannot carry (an integer past 64 bits)."""
SYSTEM = "system"  # Neo4j's administration database: only SHOW and procedures
_ids = itertools.count(1)
_log = logging.getLogger(__name__)


class Goodbye(Exception):
    """The client said GOODBYE: close the connection."""


@dataclass
class _Open:
    """A result being pulled: its columns, rows and where the next row is."""

    result: CypherResult
    at: int = 0
    query_type: str = "r"
    first_ms: int = 0
    summary: dict[str, Any] = field(default_factory=dict)  # ``plan`` / ``profile``


@dataclass
class _Transaction:
    """An open transaction; one BEGIN named no database is opened on one by its first
    query (its USE clause, else the home database)."""

    namespace: str | None
    mode: Mode
    stack: AsyncExitStack
    run: Runner | None
    results: dict[int, _Open] = field(default_factory=dict)


class Session:
    """The state of one connection speaking protocol ``version`` (major, minor);
    ``local`` tells whether the client is on this machine (``kgmem.access``); ``hold``
    is told when its key may have changed."""

    def __init__(
        self,
        memory: Memory,
        settings: BoltSettings,
        version: tuple[int, int],
        *,
        local: bool,
        address: str,
        hold: Hold,
    ) -> None:
        self.memory = memory
        self.address = address  # host:port given to routing drivers
        self.settings = settings
        self.version = version
        self.local = local
        self.connection_id = f"bolt-{next(_ids)}"
        self.who: Principal | None = None
        self.failed = False
        self.open: _Open | None = None
        self.tx: _Transaction | None = None
        self.hold = hold
        self.refused: KgmemError | None = None
        """Why the key no longer admits this session (answers every message)."""
        self.broken: KgmemError | None = None
        """Why the open transaction was rolled back (answers the next message)."""
        self.closing = False
        """The connection is to close once the replies are sent."""
        self._credentials: str | None = None
        self._present: set[str] = set()  # namespaces known to exist (or just created)
        self._held = Held()  # this connection, counted among its key's
        self._turn = asyncio.Lock()  # a message and a re-check of the key, one at a time

    async def handle(self, message: Structure) -> list[Structure]:
        """The responses to one request message."""
        async with self._turn:
            return await self._handle(message)

    async def _handle(self, message: Structure) -> list[Structure]:
        if message.tag == GOODBYE:
            await self.close()
            raise Goodbye
        if message.tag == RESET:
            await self._reset()
            return [_success({})]
        if self.failed:
            return [Structure(IGNORED, ())]
        if self.broken is not None:
            broken, self.broken = self.broken, None
            return self._failed(neo4j_code(broken), broken.detail)
        return await self._answered(message)

    async def _answered(self, message: Structure) -> list[Structure]:
        """``message`` dispatched; any error its FAILURE."""
        try:
            return await self._dispatch(message)
        except KgmemError as exc:
            seen = exc if self.who is None else as_seen_by(self.who, exc)
            return self._failed(neo4j_code(seen), seen.detail)
        except (TypeError, AttributeError):  # fields of the wrong number or kind
            return self._failed("Neo.ClientError.Request.Invalid", "malformed Bolt message")
        except Exception as exc:
            # The request fails and the connection stays: dropping it would have the
            # driver retry the same statement for its whole retry budget.
            unclassified = translate(exc)
            return self._failed(neo4j_code(unclassified), unclassified.detail)

    def unsendable(self, why: str) -> list[Structure]:
        """The FAILURE that replaces replies holding a value PackStream cannot carry
        (``why``), the session failed as for any other error: the connection stays."""
        return self._failed(UNSENDABLE, f"a value of the result cannot be sent over Bolt: {why}")

    def _failed(self, code: str, message: str) -> list[Structure]:
        self.failed = True
        self.open = None
        return [failure(code, message)]

    async def close(self) -> None:
        """Undo an open transaction (the connection is going away)."""
        await self._rollback()
        self._held.release()

    async def end_idle_transaction(self) -> None:
        """Roll back the open transaction, idle past ``transaction_idle_timeout_s``; the
        next message fails with ``TransactionTimedOut``."""
        async with self._turn:
            if self.tx is None:
                return
            seconds = self.settings.transaction_idle_timeout_s
            self.broken = TransactionTimedOut(
                f"the transaction waited more than {seconds:g} s for the client "
                "(KGMEM_BOLT_TRANSACTION_IDLE_TIMEOUT_S) and was rolled back"
            )
            _log.info("%s: an idle transaction was rolled back", self.connection_id)
            await self._rollback()

    async def _dispatch(self, message: Structure) -> list[Structure]:
        handlers: dict[int, Callable[..., Awaitable[list[Structure]]]] = {
            HELLO: self._hello, LOGON: self._logon, LOGOFF: self._logoff, RUN: self._run,
            PULL: self._pull, DISCARD: self._discard, BEGIN: self._begin, COMMIT: self._commit,
            ROLLBACK: self._rollback_message, ROUTE: self._route, TELEMETRY: self._telemetry,
        }  # fmt: skip
        handler = handlers.get(message.tag)
        if handler is None:  # Neo4j's code for a signature it does not know
            code = "Neo.ClientError.Request.InvalidFormat"
            return self._failed(code, f"unknown Bolt message 0x{message.tag:02X}")
        if message.tag not in (HELLO, LOGON) and self.who is None:
            raise Forbidden("authenticate first (HELLO, then LOGON from Bolt 5.1)")
        if message.tag not in (HELLO, LOGON, LOGOFF) and self.refused is not None:
            raise self.refused.with_traceback(None)  # raised again and again: keep it small
        return await handler(*message.fields)

    async def follow_key(self) -> None:
        """Re-check the key each time the hold is told, until cancelled."""
        while True:
            going = await self.hold.changed()
            async with self._turn:
                try:
                    await self._recheck(going)
                except KgmemError as exc:  # a rollback that failed: the connection is gone
                    _log.warning("%s: re-checking the key failed: %s", self.connection_id, exc)

    async def _recheck(self, going: frozenset[str]) -> None:
        """What a new connection presenting the same credentials may do, applied to this
        one; ``going``: namespaces about to be deleted."""
        if self.who is None or self.refused is not None:
            return
        try:
            who = await identify(self.memory, self._credentials, local=self.local)
        except AuthError as exc:
            self.refused = exc
            await self._rollback()
            return
        except KgmemError as exc:  # the database is down: the next re-check tries again
            _log.warning("%s: the key could not be checked again: %s", self.connection_id, exc)
            return
        self.who = who
        tx = self.tx
        if tx is None or tx.namespace in (None, SYSTEM):
            return
        try:
            if tx.namespace in going:
                raise NamespaceNotFound(
                    f"namespace {tx.namespace!r} is being deleted", namespace=tx.namespace
                )
            admit(who, "write" if tx.mode == "write" else "read", tx.namespace)
        except KgmemError as exc:
            self.broken = exc
            await self._rollback()

    # -- connection ---------------------------------------------------------------

    async def _hello(self, extra: dict[str, Any], *_: Any) -> list[Structure]:
        if self.version < (5, 1):
            await self._authenticate(extra)
        meta: dict[str, Any] = {"server": SERVER_AGENT, "connection_id": self.connection_id}
        if self.version >= (4, 4):
            meta["hints"] = {}
        return [_success(meta)]

    async def _logon(self, auth: dict[str, Any], *_: Any) -> list[Structure]:
        await self._authenticate(auth)
        return [_success({})]

    async def _logoff(self, *_: Any) -> list[Structure]:
        self.who = None
        self.refused = None
        self._held.release()
        return [_success({})]

    async def _authenticate(self, auth: dict[str, Any]) -> None:
        """The API key is the password (``credentials``); the user name is not used.
        While the store has no keys, a caller on this machine gets in with any user and
        password: Neo4j's tools send basic auth by habit (``auth=("neo4j", "password")``)."""
        key = auth.get("credentials") if auth.get("scheme", "basic") != "none" else None
        if key and self.local and await self.memory.active_key_count() == 0:
            key = None
        who = await identify(self.memory, key or None, local=self.local)
        self._held.release()
        try:
            self._held = self.memory.quotas.hold("connections", _key_id(who))
        except TooManyConnections:
            self.closing = True
            raise
        self.who = who
        self._credentials = key or None
        self.refused = None
        self.hold.key_id = self.who.key.id if self.who.key is not None else None

    async def _telemetry(self, *_: Any) -> list[Structure]:
        return [_success({})]

    async def _route(self, _context: Any, _bookmarks: Any, extra: Any = None) -> list[Structure]:
        named = extra.get("db") if isinstance(extra, dict) else extra
        database = named or self._databases().home
        if database is None:
            raise no_home(self.settings.default_database)
        table = {
            "ttl": 300,
            "db": database,
            "servers": [
                {"addresses": [self.address], "role": role} for role in ("ROUTE", "READ", "WRITE")
            ],
        }
        return [_success({"rt": table})]

    def _databases(self) -> Databases:
        assert self.who is not None
        return Databases(self.who, self.settings.default_database)

    # -- queries ------------------------------------------------------------------

    async def _run(self, query: str, params: dict[str, Any], extra: Any = None) -> list[Structure]:
        started = time.perf_counter()
        self._spend()
        values = {k: from_bolt(v) for k, v in (params or {}).items()}
        used, query = split_use(query)
        extra = extra if isinstance(extra, dict) else {}
        tx = self.tx
        mode = tx.mode if tx is not None else self._mode(extra)
        named = used if tx is not None else used or extra.get("db")
        prefix, body = plans.split_prefix(query)
        if prefix == "EXPLAIN":
            opened = await self._explained(body, values, named)
        else:
            result = await self._answer(body, values, named, mode)
            opened = _Open(result, query_type=result.query_type)
            opened.summary.update(_stats(result))
            if prefix == "PROFILE":
                lines = await self._plan_lines(body, values, named)
                ms = _ms(started)
                opened.summary["profile"] = plans.profile(
                    lines, result.columns, len(result.rows), ms
                )
        opened.first_ms = _ms(started)
        self.open = opened
        meta: dict[str, Any] = {"fields": opened.result.columns, "t_first": opened.first_ms}
        if tx is not None:
            meta["qid"] = len(tx.results)
            tx.results[meta["qid"]] = opened
        return [_success(meta)]

    async def _explained(self, query: str, params: dict[str, Any], named: str | None) -> _Open:
        """EXPLAIN ``query``: its columns, no rows, and its plan (``kgmem.bolt.plans``)."""
        lines = await self._plan_lines(query, params, named)
        columns = plans.columns_of(lines)
        result = CypherResult(columns=columns, rows=[], truncated=False, timings={})
        opened = _Open(result, query_type=plans.query_type(query, lines))
        opened.summary["plan"] = plans.plan(lines, columns)
        return opened

    async def _plan_lines(self, query: str, params: dict[str, Any], named: str | None) -> list[str]:
        """kgmem's and PostgreSQL's plan of ``query``, made apart from any transaction:
        as a write when the key may write (planning a write makes labels; undone)."""
        assert self.who is not None
        tx = self.tx
        namespace = self._databases().target(named or (tx.namespace if tx is not None else None))
        admit(self.who, "read", namespace)
        mode: Mode = "write" if "write" in self.who.scopes else "read"
        explained = await self.memory.cypher(namespace, "EXPLAIN " + query, params, mode=mode)
        return [str(row[0]) for row in explained.rows]

    async def _answer(
        self, query: str, params: dict[str, Any], named: str | None, mode: Mode
    ) -> CypherResult:
        """The result of ``query`` on database ``named`` (None: the caller's home)."""
        assert self.who is not None
        databases, tx = self._databases(), self.tx
        named = named or (tx.namespace if tx is not None else None)
        answered = await procedures.answer(
            self.memory, named, query, params, databases=databases, system=SYSTEM
        )
        if answered is not None:
            return answered
        namespace = databases.target(named)
        if self.who is not None:
            callers.identify(_key_id(self.who))
        if tx is not None:
            run = await self._bound(tx, namespace)
            return await run(CypherRequest(query=query, params=params, mode=mode))
        if namespace == SYSTEM:
            return await _system_query(CypherRequest(query=query, params=params))
        admit(self.who, "read", namespace)
        await self._ensure(databases, namespace)
        return await self.memory.cypher(namespace, query, params, mode=mode)

    async def _bound(self, tx: _Transaction, namespace: str) -> Runner:
        """The transaction's runner on ``namespace``, opened there by its first query
        when BEGIN named no database; a transaction stays on one database."""
        if tx.run is None:
            tx.run = await self._enter(tx.stack, namespace, tx.mode)
            tx.namespace = namespace
        elif namespace != tx.namespace:
            raise InvalidRequest(
                f"this transaction is on database {tx.namespace!r}: USE {namespace} "
                "needs a transaction of its own"
            )
        elif namespace != SYSTEM:
            assert self.who is not None
            admit(self.who, "read", namespace)
        return tx.run

    async def _ensure(self, databases: Databases, namespace: str) -> None:
        """Create the default database on its first use (``kgmem.bolt.databases``)."""
        if namespace not in self._present:
            await databases.ensure(self.memory, namespace)
            self._present.add(namespace)

    def _mode(self, extra: dict[str, Any]) -> Mode:
        """A write-scoped key writes unless the client asked for a read (``mode: "r"``);
        any other key reads."""
        assert self.who is not None
        wants_write = extra.get("mode", "w") != "r"
        return "write" if wants_write and "write" in self.who.scopes else "read"

    async def _pull(self, extra: dict[str, Any] | None = None, *_: Any) -> list[Structure]:
        return self._stream(extra or {}, keep=True)

    async def _discard(self, extra: dict[str, Any] | None = None, *_: Any) -> list[Structure]:
        return self._stream(extra or {}, keep=False)

    def _stream(self, extra: dict[str, Any], *, keep: bool) -> list[Structure]:
        opened = self._result_for(extra.get("qid", -1))
        rows = opened.result.rows
        n = extra.get("n", -1)
        end = len(rows) if n is None or n < 0 else min(len(rows), opened.at + n)
        major = self.version[0]
        result = opened.result
        out = [
            Structure(RECORD, (_record(row, result.temporal, result.read_back, major),))
            for row in rows[opened.at : end]
        ]
        out = out if keep else []
        opened.at = end
        if end < len(rows):
            return [*out, _success({"has_more": True})]
        if self.open is opened:
            self.open = None
        meta: dict[str, Any] = {"t_last": 0, "type": opened.query_type, **opened.summary}
        if self.tx is None:
            meta["bookmark"] = f"kgmem:{time.time_ns()}"
        return [*out, _success(meta)]

    def _result_for(self, qid: int) -> _Open:
        if self.tx is not None and qid >= 0 and qid in self.tx.results:
            return self.tx.results[qid]
        if self.open is None:
            raise InvalidRequest("there is no result to pull or discard: send RUN first")
        return self.open

    # -- transactions -------------------------------------------------------------

    async def _begin(self, extra: dict[str, Any] | None = None, *_: Any) -> list[Structure]:
        if self.tx is not None:
            raise InvalidRequest("a transaction is already open: COMMIT or ROLLBACK it first")
        assert self.who is not None
        namespace = (extra or {}).get("db")  # None: the first query names it
        mode = self._mode(extra or {})
        self._spend()
        stack = AsyncExitStack()
        stack.callback(self.memory.quotas.hold("transactions", _key_id(self.who)).release)
        try:
            run = await self._enter(stack, namespace, mode) if namespace else None
        except BaseException:
            await stack.aclose()
            raise
        self.tx = _Transaction(namespace, mode, stack, run)
        return [_success({})]

    async def _enter(self, stack: AsyncExitStack, namespace: str, mode: Mode) -> Runner:
        if namespace == SYSTEM:
            return _system_query
        assert self.who is not None
        admit(self.who, "read", namespace)
        await self._ensure(self._databases(), namespace)
        return await stack.enter_async_context(self.memory.cypher_transaction(namespace, mode))

    def _spend(self) -> None:
        """Count a request against the key's rate."""
        assert self.who is not None
        self.memory.quotas.spend(_key_id(self.who))

    async def _commit(self, *_: Any) -> list[Structure]:
        if self.tx is None:
            raise InvalidRequest("there is no transaction to commit")
        tx, self.tx, self.open = self.tx, None, None
        await tx.stack.aclose()
        return [_success({"bookmark": f"kgmem:{time.time_ns()}"})]

    async def _rollback_message(self, *_: Any) -> list[Structure]:
        await self._rollback()
        return [_success({})]

    async def _rollback(self) -> None:
        tx, self.tx, self.open = self.tx, None, None
        if tx is not None:
            undo = _Rollback()
            await tx.stack.__aexit__(type(undo), undo, None)

    async def _reset(self) -> None:
        await self._rollback()
        self.failed = False
        self.broken = None


async def _system_query(request: CypherRequest) -> CypherResult:
    raise InvalidRequest(
        "the system database answers only SHOW DATABASES and the procedures tools call"
    )


class _Rollback(Exception):
    """Raised into an open transaction to undo it."""


def _success(meta: dict[str, Any]) -> Structure:
    return Structure(SUCCESS, (meta,))


def failure(code: str, message: str) -> Structure:
    """A FAILURE reply with Neo4j status ``code``."""
    return Structure(FAILURE, ({"code": code, "message": message},))


def _stats(result: CypherResult) -> dict[str, Any]:
    """The ``stats`` entry of a result's summary, when the query changed anything."""
    stats = plans.stats(result.counters)
    return {"stats": stats} if stats else {}


def _key_id(who: Principal) -> str | None:
    return who.key.id if who.key is not None else None


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def server_info() -> dict[str, str]:
    """What dbms.components() names: kgmem behind a Neo4j-compatible door."""
    return {"name": "kgmem", "version": __version__}


def _record(
    row: list[Any], kinds: tuple[str | None, ...], read_back: tuple[bool, ...], major: int
) -> list[Any]:
    """One row's values for Bolt: temporal columns as temporal structures; text in a
    temporal value's form as one only in a column that reads a stored value back (and
    in the properties of nodes and relationships anywhere)."""
    out = []
    for at, value in enumerate(row):
        kind = kinds[at] if at < len(kinds) else None
        stored = read_back[at] if at < len(read_back) else True
        out.append(temporal_to_bolt(kind, value, major) if kind else to_bolt(value, major, stored))
    return out
