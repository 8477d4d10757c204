"""Translate driver exceptions into kgmem errors at the storage boundary.

Nothing above ``kgmem.storage`` catches asyncpg or psycopg exceptions; every query
runs inside ``translated()``, which re-raises them as ``KgmemError`` subclasses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from kgmem.errors import (
    DatabaseUnavailable,
    InvalidInput,
    InvalidText,
    KgmemError,
    LimitExceeded,
    QueryTimeout,
    StorageError,
    WriteConflict,
)
from kgmem.failover_errors import RETRY_AFTER_S, PrimaryUnavailable
from kgmem.neo4j_schema.errors import ConstraintViolation

_log = logging.getLogger("kgmem.storage")

UNAVAILABLE = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.InterfaceError,
    # Protocol-level failures, such as a connection that broke in the middle of a
    # message when the server died: the statement's fate is unknown, like a lost link.
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
    OSError,
    TimeoutError,
)


# Unique indexes of the catalogs that creating an AGE label inserts into (its table,
# type and sequence in PostgreSQL's, its row in AGE's): two transactions creating the
# same new label at once collide on one of them, or on the relation's name (42P07).
_LABEL_CATALOG_INDEXES = frozenset(
    {
        "pg_class_relname_nsp_index",
        "pg_type_typname_nsp_index",
        "ag_label_name_graph_index",
        "ag_label_graph_oid_index",
        "ag_label_relation_index",
        "ag_label_seq_name_graph_index",
    }
)


def label_race(exc: BaseException) -> bool:
    """Whether ``exc`` is a transaction losing the race to create a new label (AGE
    creates labels without a lock, for instance in a Cypher CREATE): run again, it finds
    the label the other one committed."""
    state = getattr(exc, "sqlstate", None)
    if state == "42P07":  # duplicate_table: "relation ... already exists"
        return True
    if state == "3F000" and "already exists" in str(exc):
        # AGE's create_vlabel/create_elabel finding the label another transaction
        # committed since this one looked ('label "X" already exists').
        return True
    return state == "23505" and getattr(exc, "constraint_name", None) in _LABEL_CATALOG_INDEXES


def translate(exc: BaseException) -> KgmemError:
    """The kgmem error that stands for driver exception ``exc``."""
    if isinstance(exc, KgmemError):
        return exc
    if isinstance(exc, asyncpg.exceptions.QueryCanceledError):
        return QueryTimeout(f"the database cancelled the query: {exc}")
    if isinstance(exc, UNAVAILABLE):
        # The driver's words name the server's address or socket path: logged, not sent.
        _log.warning("database unavailable: %s", exc)
        return DatabaseUnavailable(
            "the database is unavailable; try again shortly", retry_after_s=RETRY_AFTER_S
        )

    if isinstance(exc, asyncpg.exceptions.DataError):
        return InvalidInput(f"the database rejected a value: {exc}")
    if isinstance(exc, asyncpg.PostgresError):
        return _postgres_error(exc)
    _log.error("unexpected storage failure: %r", exc)
    return StorageError(
        "the database could not complete the request; the server's log has the details"
    )


# What kgmem_neo4j's constraint functions (migration 0028) raise: these SQLSTATEs with
# this DETAIL prefix, the constraint's name after it. kgmem's own unique indexes (uid)
# raise 23505 without it.
_CONSTRAINT_STATES = frozenset({"23505", "23502", "23514"})
CONSTRAINT_DETAIL = "kgmem_neo4j constraint "


def constraint_violation(exc: BaseException) -> ConstraintViolation | None:
    """``ConstraintViolation`` with Neo4j's message when ``exc`` is a declared
    constraint's function refusing a row, else None."""
    detail = str(getattr(exc, "detail", None) or "")
    if getattr(exc, "sqlstate", None) not in _CONSTRAINT_STATES:
        return None
    if not detail.startswith(CONSTRAINT_DETAIL):
        return None
    message = str(getattr(exc, "message", None) or exc).split("\n")[0]
    return ConstraintViolation(message, constraint=detail.removeprefix(CONSTRAINT_DETAIL))


def _postgres_error(exc: asyncpg.PostgresError) -> KgmemError:
    sqlstate = getattr(exc, "sqlstate", None)
    if demoted(exc):
        _log.warning("the database refused a write, it is read-only: %s", exc)
        return PrimaryUnavailable(
            "the database server is read-only (a primary demoted to a standby during a "
            "failover); nothing was written, try again shortly: the primary is being "
            "looked up again"
        )
    violation = constraint_violation(exc)
    if violation is not None:
        return violation
    if label_race(exc):
        return WriteConflict(
            f"a concurrent write created the same new label at the same moment ({exc}); "
            "nothing was written, send it again",
            sqlstate=sqlstate,
            label_race=True,
        )
    beyond = past_a_limit(exc)
    if beyond is not None:
        return beyond
    if sqlstate in _UNDONE_STATES:  # a transient conflict: drivers retry on it
        return WriteConflict(
            "the write met a concurrent one (a deadlock, or a serialization failure such as "
            "a uniqueness check that waited for another writer) and was undone; send it again",
            sqlstate=sqlstate,
        )
    # The database's own words may name its settings, paths or internals: they go to
    # the log, the caller gets the SQLSTATE. kgmem's own states (KG...) are signals its
    # callers act on (a label set to create, say), not faults.
    _log.log(
        logging.DEBUG if (sqlstate or "").startswith("KG") else logging.ERROR,
        "database error %s: %s", sqlstate, exc,
    )  # fmt: skip
    return StorageError(
        f"the database could not complete the request (SQLSTATE {sqlstate}); "
        "the server's log has the details",
        sqlstate=sqlstate,
    )


_UNDONE_STATES = frozenset({"40P01", "40001"})
"""Deadlock detected, serialization failure: PostgreSQL undid the transaction whole."""

# SQLSTATE classes and messages of a request past one of PostgreSQL's own limits.
_LIMIT_CLASSES = ("54",)  # program_limit_exceeded: stack depth, columns, list entries
# The SQLSTATE kgmem's SQL functions raise past one of kgmem's limits (migration 0031).
KGMEM_LIMIT_STATE = "54KG1"
_LIMIT_MESSAGES = ("invalid memory alloc request size", "out of memory")


def past_a_limit(exc: asyncpg.PostgresError) -> LimitExceeded | None:
    """``LimitExceeded`` in kgmem's words when ``exc`` says the request went past one of
    PostgreSQL's limits (nesting, columns, list entries, memory for one value)."""
    state = str(getattr(exc, "sqlstate", "") or "")
    message = str(exc)
    if not state.startswith(_LIMIT_CLASSES) and not any(m in message for m in _LIMIT_MESSAGES):
        return None
    if state == KGMEM_LIMIT_STATE:  # kgmem's own SQL names the limit in its words
        return LimitExceeded(message.split("\n", maxsplit=1)[0], sqlstate=state)
    return LimitExceeded(
        "the request goes past a limit of the database (it nests too deeply, returns too "
        "many columns or items, or needs too much memory for one value): simplify it",
        sqlstate=state,
    )


def breaks_link(exc: BaseException) -> bool:
    """Whether ``exc`` leaves a connection unusable (lost, broken mid-message, or
    interrupted with a statement in flight, or to a server found read-only): such a
    connection must be discarded."""
    return isinstance(exc, (DatabaseUnavailable, asyncio.CancelledError, *UNAVAILABLE)) or (
        demoted(exc)
    )


# What says the server itself went away (not a statement or a timeout): every pooled
# connection to it is suspect, and the pool must look the server up again.
_SERVER_GONE = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
)


def demoted(exc: BaseException) -> bool:
    """Whether ``exc`` is a write refused by a read-only server (SQLSTATE 25006: a
    primary demoted to a standby, or a server set read-only), translated or not."""
    return isinstance(exc, PrimaryUnavailable) or getattr(exc, "sqlstate", None) == "25006"


def read_only_server(conn: asyncpg.Connection) -> bool:
    """Whether the server of ``conn`` said it takes no writes (a standby, or
    default_transaction_read_only on): PostgreSQL reports both to the driver."""
    settings = conn.get_settings()
    return "on" in (
        getattr(settings, "in_hot_standby", "off"),
        getattr(settings, "default_transaction_read_only", "off"),
    )


def server_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the server went away or stopped taking writes: the pool's
    other connections to it are expired, so later acquires find the primary again."""
    if demoted(exc):
        return True
    cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) else exc
    return isinstance(cause, _SERVER_GONE)


@contextmanager
def translated() -> Iterator[None]:
    """Run the block, re-raising driver exceptions as kgmem errors."""
    try:
        yield
    except KgmemError:
        raise
    except (asyncpg.PostgresError, *UNAVAILABLE) as exc:
        raise translate(exc) from exc
    except UnicodeEncodeError as exc:  # the driver encodes every str as UTF-8
        raise unencodable(exc) from exc


def unencodable(exc: UnicodeEncodeError) -> InvalidText:
    """The error for text UTF-8 cannot encode (a lone surrogate), which no query or
    stored value can hold."""
    bad = exc.object[exc.start : exc.end].encode("ascii", "backslashreplace").decode()
    return InvalidText(f"text holds {bad}, which is not valid Unicode; send valid text")
