"""A call's arguments as its procedure receives them: counted, evaluated, type-checked.

Each argument is evaluated once per query: literals, parameters, lists and maps of them
in Python (``kgmem.procedures.constants``), other constant expressions (``1 + 2``,
``toUpper($name)``) by PostgreSQL through ``evaluate`` (a read-only ``RETURN``).
An argument that reads the query's variables is refused. A call without parentheses
takes its arguments from the parameters of the same names, when it is the whole query.
Errors follow openCypher: a wrong count, an aggregation, a literal of the wrong type
are semantic errors; a parameter of the wrong type a type error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from kgmem.cypher.calls import Argument, Call
from kgmem.cypher.functions import AGGREGATES, called
from kgmem.cypher.lexer import Kind
from kgmem.errors import (
    CypherError,
    CypherPermissionDenied,
    CypherSemanticError,
    CypherTypeError,
)
from kgmem.procedures import constants
from kgmem.procedures.registry import Procedure
from kgmem.procedures.signature import Field
from kgmem.procedures.types import Mismatch, coerce

Evaluate = Callable[[str], Awaitable[Sequence[Any]]]
"""Runs a read-only ``RETURN a, b, ...`` query and returns its one row."""


async def bind(
    call: Call, procedure: Procedure, params: Mapping[str, Any], evaluate: Evaluate
) -> dict[str, Any]:
    """The arguments of ``call`` by name (defaults filled in)."""
    if call.arguments is None:
        return _implicit(call, procedure, params)
    check(call, procedure)
    values = await _values(call, call.arguments, params, evaluate)
    return typed(call, procedure, values, literal=[_is_literal(a) for a in call.arguments])


def check(call: Call, procedure: Procedure) -> None:
    """What the arguments as written must satisfy: their count, no aggregation."""
    _check_count(call, procedure, call.arguments or ())
    for argument in call.arguments or ():
        _check_no_aggregation(call, argument)


def per_row(call: Call) -> bool:
    """True when an argument of ``call`` reads the query's variables (``CALL p(n.name)``
    after ``MATCH (n)``): its values are then found for each row."""
    return not call.first and any(constants.reads_variables(a.tokens) for a in call.arguments or ())


def typed(
    call: Call, procedure: Procedure, values: Sequence[Any], *, literal: Sequence[bool]
) -> dict[str, Any]:
    """``values`` (one per argument written) by name, type-checked, defaults filled in;
    ``literal`` says which were written out (a mismatch is then a semantic error)."""
    bound: dict[str, Any] = {}
    given = procedure.arguments[: len(values)]
    for declared, value, written in zip(given, values, literal, strict=True):
        bound[declared.name] = _typed(call, declared, value, literal=written)
    for declared in procedure.arguments[len(values) :]:
        bound[declared.name] = declared.default
    return bound


def _implicit(call: Call, procedure: Procedure, params: Mapping[str, Any]) -> dict[str, Any]:
    if procedure.arguments and not call.standalone:
        raise CypherSemanticError(
            f"CALL {call.name} inside a query passes its arguments in parentheses",
            position=call.start,
        )
    bound: dict[str, Any] = {}
    for declared in procedure.arguments:
        if declared.name in params:
            bound[declared.name] = _typed(call, declared, params[declared.name], literal=False)
        elif declared.optional:
            bound[declared.name] = declared.default
        else:
            raise CypherSemanticError(
                f"missing parameter(s): ${declared.name} (CALL {call.name} without "
                "parentheses takes its arguments from the parameters)",
                position=call.start,
                missing=[declared.name],
            )
    return bound


def _check_count(call: Call, procedure: Procedure, given: Sequence[Argument]) -> None:
    least = sum(not a.optional for a in procedure.arguments)
    most = len(procedure.arguments)
    if least <= len(given) <= most:
        return
    wanted = str(most) if least == most else f"{least} to {most}"
    raise CypherSemanticError(
        f"procedure {procedure.signature} takes {wanted} argument(s), not {len(given)}",
        position=call.start,
    )


def _check_no_aggregation(call: Call, argument: Argument) -> None:
    for index, token in enumerate(argument.tokens):
        name = called(argument.tokens, index)
        if name is not None and name.lower() in AGGREGATES:
            raise CypherSemanticError(
                f"an argument of CALL {call.name} cannot aggregate ({name}())",
                position=token.start,
            )


async def _values(
    call: Call, arguments: Sequence[Argument], params: Mapping[str, Any], evaluate: Evaluate
) -> list[Any]:
    values: list[Any] = []
    pending: list[int] = []  # the arguments PostgreSQL evaluates
    for index, argument in enumerate(arguments):
        try:
            values.append(constants.evaluate(argument.tokens, params))
        except constants.Variable as found:
            raise CypherSemanticError(
                f"an argument of CALL {call.name} reads the variable `{found.args[0]}`: kgmem "
                "evaluates arguments once per query, from literals and parameters",
                position=argument.start,
            ) from None
        except constants.NeedsDatabase:
            values.append(None)
            pending.append(index)
    if pending:
        row = await _evaluated([arguments[i] for i in pending], evaluate)
        for index, value in zip(pending, row, strict=True):
            values[index] = value
    return values


async def _evaluated(arguments: Sequence[Argument], evaluate: Evaluate) -> Sequence[Any]:
    """The values of ``arguments`` from one ``RETURN``; an error's position is moved to
    where it stands in the call as written."""
    query, starts = "RETURN ", []  # (offset in the query, the argument)
    for number, argument in enumerate(arguments):
        query += ", (" if number else "("
        starts.append((len(query), argument))
        query += f"{argument.text}) AS a{number}"
    try:
        return await evaluate(query)
    except (CypherError, CypherPermissionDenied) as error:
        if error.position is not None:
            offset, argument = max(
                (s for s in starts if s[0] <= error.position), default=starts[0], key=lambda s: s[0]
            )
            error.position = argument.start + max(0, error.position - offset)
            error.extra = {**error.extra, "position": error.position}
        raise


def _is_literal(argument: Argument) -> bool:
    """Written out in the query (a mismatch is then found before running anything)."""
    return not any(token.kind is Kind.PARAMETER for token in argument.tokens)


def _typed(call: Call, declared: Field, value: Any, *, literal: bool) -> Any:
    try:
        return coerce(declared.type, value)
    except Mismatch as exc:
        error = CypherSemanticError if literal else CypherTypeError
        raise error(
            f"argument {declared.name} of CALL {call.name}: {exc}", position=call.start
        ) from None
