"""The current time in Cypher: ``datetime()``, ``date()``, ``time()``, ``timestamp()``...

Neo4j reads the clock once per statement: every ``datetime()`` (``datetime.statement()``)
of one statement answers the same instant, ``datetime.transaction()`` the instant the
transaction started, and ``datetime.realtime()`` the clock as the statement runs. The
same goes for ``date``, ``localdatetime``, ``time`` and ``localtime``, each with an
optional time zone (``date('Europe/Paris')``, ``datetime({timezone: '+01:00'})``) and
for ``timestamp()`` (milliseconds since the epoch, rewritten by ``rewrite``: AGE's own
reads the real time at each call).

A plan is cached by its text, so the time cannot be folded into it. The temporal
rewrite (``kgmem.cypher.fold`` / ``temporal_sql``) writes each reading of the clock as a
parameter whose name says what it reads, ``$__kgmem_clock_<clock>_<kind>[_<zone hex>]``
(``PREFIX``; ``_p<name hex>`` when the analyst's parameter names the zone), and
``bind`` gives those parameters their values when the statement runs.
The plan lists them apart (``CypherPlan.clocks``), so the analyst never passes them.

The instants live in context variables: ``statement()`` opens one per Cypher request
(a request's nested reads keep it), ``transaction()`` gives each request of an explicit
transaction the instant the transaction started.
The values are the ISO 8601 text kgmem stores temporal values as, in UTC unless a zone
is named, with microseconds; an instant whose fraction would print with fewer than
six digits is moved by a microsecond, so clock values of one offset always have the
same width and sort as text in time order (``ORDER BY n.createdAt``).
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from kgmem.cypher import temporal as t
from kgmem.cypher.functions import called
from kgmem.cypher.lexer import Token
from kgmem.errors import CypherSemanticError, CypherTypeError

PREFIX = "__kgmem_clock_"
CLOCKS = ("statement", "transaction", "realtime")
KINDS = ("date", "localtime", "time", "localdatetime", "datetime", "timestamp")

_STATEMENT: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "kgmem_statement_clock", default=None
)
_TRANSACTION: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "kgmem_transaction_clock", default=None
)


def parameter(clock: str, kind: str, zone: str | None = None, zone_parameter: str = "") -> str:
    """The parameter name standing for ``kind`` read from ``clock`` in ``zone``, or in
    the zone the analyst's parameter ``zone_parameter`` names when the statement runs.

    Raises ``CypherSemanticError`` for a zone that is neither an offset nor an IANA
    name, so a bad constant zone fails when the query is planned."""
    assert clock in CLOCKS
    assert kind in KINDS
    if zone_parameter:
        return f"{PREFIX}{clock}_{kind}_p{zone_parameter.encode().hex()}"
    if zone is None:
        return f"{PREFIX}{clock}_{kind}"
    _check_zone(zone)
    return f"{PREFIX}{clock}_{kind}_{zone.encode().hex()}"


def _check_zone(zone: str) -> None:
    if t.parse_offset(zone) is None:
        t.zone_info(zone)


def zone_parameter(name: str) -> str | None:
    """The analyst's parameter naming the zone of the clock parameter ``name``."""
    return _parse(name)[3]


def _now_us() -> int:
    """Microseconds since the epoch, never a whole millisecond (see the docstring)."""
    micros = time.time_ns() // 1000
    return micros + 1 if micros % 1000 == 0 else micros


@contextlib.contextmanager
def statement() -> Iterator[None]:
    """Read the statement clock once for the block (an enclosing block's reading is
    kept: a request's procedure calls and parts are one statement)."""
    if _STATEMENT.get() is not None:
        yield
        return
    token = _STATEMENT.set(_now_us())
    try:
        yield
    finally:
        _STATEMENT.reset(token)


def now() -> int:
    """The clock now, in microseconds since the epoch: what ``transaction`` takes."""
    return _now_us()


@contextlib.contextmanager
def transaction(started: int) -> Iterator[None]:
    """Run the block in the transaction that started at ``started`` (``now()``)."""
    token = _TRANSACTION.set(started)
    try:
        yield
    finally:
        _TRANSACTION.reset(token)


def _instant(clock: str) -> int:
    if clock == "realtime":
        return _now_us()
    read = _STATEMENT.get()
    if clock == "transaction":
        read = _TRANSACTION.get() or read
    return read if read is not None else _now_us()


def bind(names: Iterable[str], params: Mapping[str, Any]) -> Mapping[str, Any]:
    """``params`` with each clock parameter of ``names`` given its value."""
    names = tuple(names)
    if not names:
        return params
    bound = dict(params)
    for name in names:
        bound[name] = value(name, params)
    return bound


def value(name: str, params: Mapping[str, Any] | None = None) -> Any:
    """The value of the clock parameter ``name`` now (see ``parameter``), a zone named
    by a parameter read from ``params`` (null for a null zone)."""
    clock, kind, zone, named_by = _parse(name)
    if named_by is not None:
        zone = (params or {}).get(named_by)
        if zone is None:
            return None
        if not isinstance(zone, str):
            raise CypherTypeError(f"the time zone ${named_by} must be a string, not {zone!r}")
        _check_zone(zone)
    micros = _instant(clock)
    if kind == "timestamp":
        return micros // 1000
    at = t.from_epoch(micros * 1000, zone)
    if kind == "datetime":
        return t.to_string(at)
    forms: dict[str, t.Temporal] = {
        "date": t.Date(at.day),
        "localtime": t.LocalTime(at.ns),
        "time": t.Time(at.ns, at.offset),
        "localdatetime": t.LocalDateTime(at.day, at.ns),
    }
    local = forms[kind]
    return t.to_string(local)


def _parse(name: str) -> tuple[str, str, str | None, str | None]:
    """(clock, kind, constant zone, parameter naming the zone) of a clock parameter."""
    clock, _, rest = name.removeprefix(PREFIX).partition("_")
    kind, _, zone_hex = rest.partition("_")
    if clock not in CLOCKS or kind not in KINDS:
        raise CypherSemanticError(f"unknown clock parameter ${name}")
    if zone_hex.startswith("p"):
        return clock, kind, None, bytes.fromhex(zone_hex[1:]).decode()
    return clock, kind, bytes.fromhex(zone_hex).decode() if zone_hex else None, None


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """``timestamp()`` as the statement clock's reading (AGE's reads the real time)."""
    if "timestamp" not in text.lower():
        return []
    return [
        (token.start, code[index + 2].end, "$" + parameter("statement", "timestamp"))
        for index, token in enumerate(code)
        if (called(code, index) or "").lower() == "timestamp"
        and index + 2 < len(code)
        and code[index + 2].text == ")"
    ]
