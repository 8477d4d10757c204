"""Everything a namespace owns, in one list: what backups copy, restores bring back
(under its own name or another), deletes remove and checksums cover.

A namespace is

- its graph schema (named after it): AGE's label tables, kgmem's side tables and the
  indexes and constraints declared by Neo4j's schema statements (``_kg_declared``, with
  the PostgreSQL indexes and CHECKs on the label tables that back them), copied whole
  by ``pg_dump -n`` and dropped whole with the graph;
- its graph's rows in AGE's catalog (``ag_graph``, ``ag_label``), which the backup
  records and the restore enters again;
- its rows in the store-wide tables of schema ``kgmem``: ``PARTS``, parents before
  children, each with how its rows are selected, which columns hold the namespace's
  name and which column an identity sequence fills.

Every other table of schema ``kgmem`` is in ``STORE_WIDE`` with the reason it holds no
namespace's data. ``tests/storage/test_namespace_parts.py`` reads the catalogue after
migrating and fails on a table in neither list, or on one whose foreign key reaches a
part without being one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from psycopg import sql


class Holds(Enum):
    """How a column holds the namespace's name."""

    VALUE = "value"  # the column is the name
    JSON_KEY = "json_key"  # a JSON object whose "namespace" key is the name
    SCHEMA_SQL = "schema_sql"  # SQL text naming tables of the graph schema (schema.table)


@dataclass(frozen=True, slots=True)
class Naming:
    """A column holding the namespace's name, rewritten when a restore renames it."""

    column: str
    holds: Holds = Holds.VALUE


@dataclass(frozen=True, slots=True)
class Part:
    """A store-wide table's share of a namespace.

    ``rows`` is a condition on the table's columns with ``{namespace}`` where the name
    goes. ``identity`` names a column filled from a sequence (identity or serial): its
    ids are store-wide, so a restore into a store that uses some of them shifts the
    restored ones past its own (keeping their order), and ``refers`` names the columns
    of a child holding a parent part's ids, as (column, parent table), shifted alike.
    Checksums count such ids from the namespace's lowest, so a shift keeps them.
    ``cascaded``: the table refuses direct deletes; its rows go with their parent's
    (``ON DELETE CASCADE``). ``kept_on_delete``: deleting the namespace leaves the rows
    (``reason`` says why).
    ``copied`` False: backups leave the rows out and checksums do not cover them
    (``reason`` says why); deletes remove them.
    """

    table: str
    rows: str = "namespace = {namespace}"
    names: tuple[Naming, ...] = (Naming("namespace"),)
    identity: str | None = None
    refers: tuple[tuple[str, str], ...] = ()
    cascaded: bool = False
    kept_on_delete: bool = False
    copied: bool = True
    reason: str = ""


_OF_TRANSACTION = (
    "transaction_id IN (SELECT id FROM kgmem.ledger_transaction WHERE namespace = {namespace})"
)
_OF_DECISION = "decision_id IN (SELECT id FROM kgmem.decision WHERE namespace = {namespace})"
_EVENTS_OUTLIVE = (
    "a namespace deleted and created again keeps its event sequence growing, so that a "
    "client's Last-Event-ID never names a different event (migration 0007)"
)

PARTS: tuple[Part, ...] = (
    Part("namespace", rows="name = {namespace}", names=(Naming("name"),)),
    Part("llm_usage"),
    Part("entity_merge", identity="id"),
    Part("import_batch"),
    Part("rdf_term"),
    Part("graph_attribute"),
    Part("deferred_index", names=(Naming("namespace"), Naming("definition", Holds.SCHEMA_SQL))),
    Part(
        "import_type",
        copied=False,
        reason="scratch of a running import, written again by every run of it",
    ),
    Part(
        "import_job",
        copied=False,
        reason="the state of REST import jobs of the server that ran them: a restored "
        "namespace holds the data they loaded, not jobs that would read as still running",
    ),
    Part("event_head", kept_on_delete=True, reason=_EVENTS_OUTLIVE),
    Part(
        "event",
        names=(Naming("namespace"), Naming("body", Holds.JSON_KEY)),
        kept_on_delete=True,
        reason=_EVENTS_OUTLIVE,
    ),
    Part("agent_state"),
    Part("agent_state_version"),
    Part("agent_scratch"),
    Part("budget"),
    Part("ledger_transaction", identity="id", cascaded=True),
    Part(
        "ledger_entry",
        rows=_OF_TRANSACTION,
        names=(),
        refers=(("transaction_id", "ledger_transaction"),),
        cascaded=True,
    ),
    Part("ledger_balance"),
    Part("decision", identity="id"),
    Part(
        "decision_basis",
        rows=_OF_DECISION,
        names=(),
        refers=(("decision_id", "decision"),),
    ),
    Part("tier_policy"),
    Part("memory_tier"),
)

STORE_WIDE: dict[str, str] = {
    "store_meta": "the store's own settings (the embedding model its vectors were made with)",
    "api_key": (
        "keys belong to the store that issued them, with their secrets; a key's grant on "
        "namespaces is its ``namespaces`` array of names, so it applies to a namespace "
        "restored under the same name in that store and to none in another store"
    ),
}
"""Tables of schema ``kgmem`` that hold no namespace's data, each with the reason.
(Alembic's version table is ``public.kgmem_alembic_version``.)"""


def part(table: str) -> Part:
    """The part kept in ``table`` (``KeyError`` if no namespace owns rows there)."""
    return next(p for p in PARTS if p.table == table)


def copied() -> tuple[Part, ...]:
    """The parts a backup copies and a checksum covers, parents first."""
    return tuple(p for p in PARTS if p.copied)


def condition(p: Part, namespace: sql.Composable) -> sql.Composed:
    """SQL: the condition selecting ``p``'s rows of ``namespace`` (a literal or a
    placeholder)."""
    return sql.SQL(p.rows).format(namespace=namespace)


def deletes(namespace: str) -> list[str]:
    """SQL statements deleting a namespace's rows, children first, with ``namespace``
    (a driver's placeholder such as ``$1``) where the name goes; parts kept on delete
    are left alone, cascaded ones go with their parents."""
    return [
        f"DELETE FROM kgmem.{p.table} WHERE {p.rows.format(namespace=namespace)}"
        for p in reversed(PARTS)
        if not (p.kept_on_delete or p.cascaded)
    ]


def ids(p: Part) -> tuple[tuple[str, str], ...]:
    """(column, part table) for each column of ``p`` holding ids of a part's sequence."""
    own = ((p.identity, p.table),) if p.identity is not None else ()
    return own + p.refers


def renamed(p: Part, row: sql.Composable, source: str, target: str) -> sql.Composed:
    """SQL: the jsonb ``row`` of ``p`` (as ``to_jsonb`` gives it) with every name of
    namespace ``source`` in it made ``target``."""
    return _changed(row, _renames(p, row, source, target))


def restored(p: Part, row: sql.Composable, source: str, target: str) -> sql.Composed:
    """SQL: ``renamed``, with every id shifted as ``shift`` decided for its table."""
    shifts: list[sql.Composable] = []
    for column, table in ids(p):
        shift = sql.SQL("(SELECT shift FROM pg_temp.kgmem_shift WHERE tab = {})").format(
            sql.Literal(table)
        )
        shifts += [sql.Literal(column), _id_plus(row, column, shift)]
    return _changed(row, _renames(p, row, source, target) + shifts)


def neutral(p: Part, row: sql.Composable, name: str) -> sql.Composed:
    """SQL: the jsonb ``row`` of namespace ``name`` as checksums see it: names blanked,
    ids counted from the lowest id of the namespace in their table."""
    lows: list[sql.Composable] = []
    for column, table in ids(p):
        owner = part(table)
        assert owner.identity is not None
        low = sql.SQL("(SELECT -min({}) FROM kgmem.{} WHERE {})").format(
            sql.Identifier(owner.identity),
            sql.Identifier(table),
            condition(owner, sql.Literal(name)),
        )
        lows += [sql.Literal(column), _id_plus(row, column, low)]
    return _changed(row, _renames(p, row, name, "") + lows)


def shift(p: Part, low: int, high: int) -> list[sql.Composable]:
    """SQL: decide how far restored ids ``low``..``high`` of ``p``'s table move: not at
    all when no row of the store has one of them, else past the store's highest
    (the table is locked against inserts until the restore commits). Creates the
    transaction's ``pg_temp.kgmem_shift`` table on first use."""
    assert p.identity is not None
    column, table = sql.Identifier(p.identity), sql.Identifier(p.table)
    return [
        sql.SQL(
            "CREATE TEMP TABLE IF NOT EXISTS kgmem_shift (tab text PRIMARY KEY, shift bigint) "
            "ON COMMIT DROP"
        ),
        sql.SQL("LOCK TABLE kgmem.{} IN SHARE ROW EXCLUSIVE MODE").format(table),
        sql.SQL(
            "INSERT INTO pg_temp.kgmem_shift SELECT {tab}, CASE WHEN EXISTS (SELECT 1 "
            "FROM kgmem.{t} WHERE {c} BETWEEN {low} AND {high}) THEN greatest((SELECT max({c}) "
            "FROM kgmem.{t}), pg_sequence_last_value(pg_get_serial_sequence({q}, {col}))) "
            "- {low} + 1 ELSE 0 END"
        ).format(
            tab=sql.Literal(p.table),
            t=table,
            c=column,
            low=sql.Literal(low),
            high=sql.Literal(high),
            q=sql.Literal(f"kgmem.{p.table}"),
            col=sql.Literal(p.identity),
        ),
    ]


def _id_plus(row: sql.Composable, column: str, amount: sql.Composable) -> sql.Composed:
    return sql.SQL("to_jsonb(({} ->> {})::bigint + {})").format(row, sql.Literal(column), amount)


def _renames(p: Part, row: sql.Composable, source: str, target: str) -> list[sql.Composable]:
    changes: list[sql.Composable] = []
    for naming in p.names:
        changes += [sql.Literal(naming.column), _renamed_value(naming, row, source, target)]
    return changes


def _changed(row: sql.Composable, changes: list[sql.Composable]) -> sql.Composed:
    if not changes:
        return sql.Composed([row])
    return sql.SQL("({} || jsonb_build_object({}))").format(row, sql.SQL(", ").join(changes))


def _renamed_value(naming: Naming, row: sql.Composable, source: str, target: str) -> sql.Composed:
    value = sql.SQL("{}->{}").format(row, sql.Literal(naming.column))
    to = sql.Literal(target)
    if naming.holds is Holds.VALUE:
        return sql.SQL("to_jsonb({}::text)").format(to)
    if naming.holds is Holds.JSON_KEY:
        return sql.SQL(
            "CASE WHEN jsonb_typeof({v}) = 'object' AND {v} ? 'namespace' "
            "THEN jsonb_set({v}, '{{namespace}}', to_jsonb({to}::text)) ELSE {v} END"
        ).format(v=value, to=to)
    # pg_get_indexdef names a table as schema.table, quoting only where needed.
    return sql.SQL(
        "to_jsonb(replace({v} #>> '{{}}', ' ' || quote_ident({src}) || '.', "
        "' ' || quote_ident({to}) || '.'))"
    ).format(v=value, src=sql.Literal(source), to=to)


def identity_reset(p: Part) -> sql.Composed:
    """SQL: move the sequence filling ``p.identity`` past its table's rows (a restore
    inserts them with their own ids), never back."""
    assert p.identity is not None
    table = sql.Literal(f"kgmem.{p.table}")
    return sql.SQL(
        "SELECT setval(pg_get_serial_sequence({t}, {c}), greatest("
        "(SELECT max({col}) FROM kgmem.{tab}), "
        "pg_sequence_last_value(pg_get_serial_sequence({t}, {c})::regclass), 1))"
    ).format(
        t=table,
        c=sql.Literal(p.identity),
        col=sql.Identifier(p.identity),
        tab=sql.Identifier(p.table),
    )
