"""``MERGE ... ON CREATE SET ... ON MATCH SET ...`` for AGE 1.7, which has neither.

AGE numbers the entities of each label table from one increasing sequence (the
table's own number in the id's high bits), and a statement sees the graph as it was
when it started. So an entity a MERGE created has a larger id than every entity of its
table the statement could see at its start. The rewrite reads the largest id of each
table of the label once, before the query (the label's own table and the tables of
the label sets that hold it, ``kgmem.cypher.label_sets``, whose ids are larger
whatever their age), and carries the list through the query's ``WITH`` clauses.

Right after the MERGE, a WITH binds the test "this row's MERGE created the entity" and
reads the entity again (SQL functions of migration 0052). The test holds for an id
above the largest of the entity's own table, and only on the first row that meets it:
AGE hands a later row that meets the entity an earlier row created (``UNWIND ['a',
'a'] AS k MERGE (n:L {id: k})``, ``MATCH () MERGE (c:City)``) that same entity, which
Neo4j counts as matched. The second read gives that row the entity as the earlier rows
left it, where AGE's copy would lose their writes. The ``ON CREATE`` / ``ON MATCH``
items become unconditional ``SET`` clauses (one per property) whose value depends on
the test::

    MERGE (a:Person {name: 'x'}) ON CREATE SET a.n = 1 ON MATCH SET a.seen = true
    OPTIONAL MATCH (__kgmem_t0:Person) WITH label(__kgmem_t0) AS __kgmem_l0,
    max(id(__kgmem_t0)) AS __kgmem_m0 WITH collect([__kgmem_l0, __kgmem_m0]) AS __kgmem_c0
    MERGE (a:Person {name: 'x'})
    WITH __kgmem_c0, kgmem_cypher.merge_created(a, <largest of a's table>) AS __kgmem_new0,
    kgmem_cypher.stored(a) AS a
    SET a.n = CASE WHEN __kgmem_new0 THEN (1) ELSE a.n END
    SET a.seen = CASE WHEN __kgmem_new0 THEN a.seen ELSE (true) END

The entity tested is the pattern's first relationship, or its node when the pattern
is one node (unnamed ones get a name). Items that set labels (``ON CREATE SET a:L``) become one
relabelling WITH per node after those SETs (``kgmem.cypher.label_writes``), adding
``CASE WHEN <created> THEN [on create labels] ELSE [on match labels] END``. Limit: a
MERGE that matches an entity a CREATE earlier in the same statement made takes the
``ON CREATE`` branch. A literal map
added (``SET a += {k: v, ...}``) is its property items; other items that set whole maps
(``SET a = $props``, ``SET a += row.map``) become a SET of ``properties(CASE WHEN
<created> THEN map ELSE a END)`` (``{}`` for ``+=``), in their place among the items.
ON CREATE/ON MATCH in a query with UNION is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kgmem.cypher import label_writes
from kgmem.cypher.columns import pattern_variables, scope
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.property_keys import KEYWORDS, quoted
from kgmem.cypher.spans import Edit
from kgmem.cypher.structure import (
    Clause,
    clauses,
    closing,
    depths,
    split_top_level,
    union_parts,
)
from kgmem.errors import CypherSemanticError

_PREFIX = "__kgmem_"
CREATED = "kgmem_cypher.merge_created"  # SQL functions of migration 0052
STORED = "kgmem_cypher.stored"


def rewrite(text: str, code: Sequence[Token]) -> list[Edit]:
    """The edits that express every MERGE's ON CREATE / ON MATCH as plain SET."""
    if not any(t.is_keyword("ON") for t in code):
        return []
    parts = union_parts(code)
    found = [c for c in clauses(parts[0]) if c.keyword == "MERGE" and _has_on(c)]
    if not found:
        return []
    if len(parts) > 1:
        raise CypherSemanticError("MERGE with ON CREATE/ON MATCH cannot be used with UNION")
    all_clauses = clauses(parts[0])
    edits: list[Edit] = []
    prefix: list[str] = []
    names: list[str] = []
    last_merge = max(all_clauses.index(c) for c in found)
    thresholds = {f"{label_writes.THRESHOLD}{number}" for number in range(len(found))}
    for number, clause in enumerate(found):
        threshold = f"{label_writes.THRESHOLD}{number}"
        probe, entity, naming = _key(text, clause, number, threshold)
        carried = ", ".join(names) + ", " if names else ""
        table, largest = f"{_PREFIX}l{number}", f"{_PREFIX}m{number}"
        prefix.append(
            f"OPTIONAL MATCH {probe} WITH {carried}label({_PREFIX}t{number}) AS {table}, "
            f"max(id({_PREFIX}t{number})) AS {largest} "
            f"WITH {carried}collect([{table}, {largest}]) AS {threshold} "
        )
        names.append(threshold)
        edits.extend(naming)
        at = all_clauses.index(clause)
        bound = scope(text, all_clauses[:at]) | pattern_variables(merge_pattern(clause))
        flag = f"{_PREFIX}new{number}"
        after = _After(bound | thresholds | {flag}, at == len(all_clauses) - 1)
        relabelled = _sets(text, clause, _reread(entity, threshold, flag, after), after)
        if relabelled[1]:
            label_writes.check_later(text, all_clauses, at, relabelled[1])
        edits.append(relabelled[0])
    for clause in all_clauses[:last_merge]:
        if clause.keyword == "WITH" and not _is_star(clause):
            end = clause.tokens[-1].end
            edits.append((end, end, ", " + ", ".join(names)))
    edits.append((0, 0, "".join(prefix)))
    return edits


def _has_on(clause: Clause) -> bool:
    return any(depth == 0 and t.is_keyword("ON") for depth, t in depths(clause.body))


def _is_star(clause: Clause) -> bool:
    body = [t for t in clause.body if not t.is_keyword("DISTINCT")]
    return bool(body) and body[0].text == "*"


def merge_pattern(clause: Clause) -> list[Token]:
    """A MERGE's pattern: its tokens before ``ON CREATE`` / ``ON MATCH``."""
    out = []
    for depth, token in depths(clause.body):
        if depth == 0 and token.is_keyword("ON"):
            break
        out.append(token)
    return out


def _key(
    text: str, clause: Clause, number: int, threshold: str
) -> tuple[str, Token | str, list[Edit]]:
    """(the probe pattern, the tested entity's variable, edits naming an unnamed entity)."""
    pattern = merge_pattern(clause)
    probe_name = f"{_PREFIX}t{number}"
    opening = next((i for i, t in enumerate(pattern) if t.text == "["), None)
    if opening is None:
        opening = next(i for i, t in enumerate(pattern) if t.text == "(")
    variable, label, naming = _entity(pattern, opening, number)
    if pattern[opening].text == "[":
        if label is None:
            raise CypherSemanticError("MERGE needs a relationship type")
        probe = f"()-[{probe_name}:{label}]->()"
    elif label is None:
        probe = f"({probe_name}) WHERE label({probe_name}) = ''"
    else:
        probe = f"({probe_name}:{label})"
    return probe, variable, naming


def _reread(entity: Token | str, threshold: str, flag: str, after: _After) -> _Reread:
    """The WITH after a MERGE that binds ``flag`` to "this row's MERGE created the
    entity" and rebinds the entity to its stored state, carrying ``after.carried``.

    ``merge_created`` (migration 0052) holds for an id above the largest of the
    entity's table when the statement started, and only on the first row that meets
    it: a later row of the same statement meeting the entity a former row created
    matched it, as in Neo4j. ``stored`` reads the entity again, so that row's SETs
    start from what the former rows wrote, not from AGE's copy of the new entity."""
    name = entity.name if isinstance(entity, Token) else entity
    variable = entity.text if isinstance(entity, Token) else entity
    largest = (
        f"[{_PREFIX}p IN {threshold} WHERE {_PREFIX}p[0] = label({variable}) | {_PREFIX}p[1]][0]"
    )
    kept = [label_writes.quote(n) for n in sorted(after.carried) if n not in (name, flag)]
    clause = "WITH " + ", ".join(
        [
            *kept,
            f"{CREATED}({variable}, {largest}) AS {flag}",
            f"{STORED}({variable}) AS {variable}",
        ]
    )
    return _Reread(clause, flag)


@dataclass(frozen=True, slots=True)
class _Reread:
    """The WITH ``_reread`` makes, and the name of its ``created`` test."""

    clause: str
    test: str


def _entity(
    pattern: list[Token], opening: int, number: int
) -> tuple[Token | str, str | None, list[Edit]]:
    after = pattern[opening + 1] if opening + 1 < len(pattern) else None
    naming: list[Edit] = []
    variable: Token | str
    if after is not None and after.kind in (Kind.NAME, Kind.QUOTED_NAME):
        variable = after
        label_at = opening + 2
    else:
        variable = f"{_PREFIX}e{number}"
        where = pattern[opening].end
        naming.append((where, where, variable))
        label_at = opening + 1
    label = None
    if label_at + 1 < len(pattern) and pattern[label_at].text == ":":
        label_token = pattern[label_at + 1]
        label = label_token.text
        if label_at + 2 < len(pattern) and pattern[label_at + 2].text in (":", "|"):
            raise CypherSemanticError("MERGE with more than one label is not supported by AGE")
    return variable, label, naming


@dataclass(frozen=True, slots=True)
class _After:
    """What the relabelling WITH after a MERGE carries, and whether it ends the query."""

    carried: set[str]
    last: bool


@dataclass(slots=True)
class _Actions:
    """The ON CREATE / ON MATCH items of one MERGE, gathered in their order."""

    text: str
    test: str
    chosen: dict[str, list[str | None]] = field(default_factory=dict)
    """Each ``x.key`` target: [its on create value, its on match value]."""
    order: list[str] = field(default_factory=list)
    """Each SET in order: a target of ``chosen`` or a whole-map SET's own text."""
    labelled: dict[str, tuple[Token, list[str], list[str]]] = field(default_factory=dict)
    """Each node whose labels are set: its token, on create labels, on match labels."""

    def add(self, item: list[Token], on_create: bool) -> None:
        found = label_writes.label_item(item)
        if found is not None:
            _, created, matched = self.labelled.setdefault(found[0].name, (found[0], [], []))
            (created if on_create else matched).extend(found[1])
            return
        whole = _whole_map(self.text, item, self.test if on_create else f"NOT ({self.test})")
        if whole is not None:
            self.order.append(whole)
            return
        for target, value in _map_items(self.text, item) or [_property_item(self.text, item)]:
            if target not in self.chosen:
                self.order.append(target)
            self.chosen.setdefault(target, [None, None])[0 if on_create else 1] = value

    def sets(self) -> list[str]:
        """The SET clauses of the items, in their order."""
        sets = []
        for target in self.order:
            if target not in self.chosen:
                sets.append(target)
                continue
            created, matched = self.chosen[target]
            sets.append(
                f"SET {target} = CASE WHEN {self.test} THEN {created or target} "
                f"ELSE {matched or target} END"
            )
        return sets


def _sets(text: str, clause: Clause, reread: _Reread, after: _After) -> tuple[Edit, list[str]]:
    """``reread``'s WITH and one SET replacing the ON CREATE / ON MATCH parts of
    ``clause``, then a relabelling WITH per node whose labels they set
    (``kgmem.cypher.label_writes``); and the names of those nodes."""
    test = reread.test
    body = list(clause.body)
    start = next(i for i, (d, t) in enumerate(depths(body)) if d == 0 and t.is_keyword("ON"))
    actions = _Actions(text, test)
    index = start
    while index < len(body):
        on_create = _on_create(body, index)
        end = _next_on(body, index + 3)
        for item in split_top_level(body[index + 3 : end]):
            actions.add(item, on_create)
        index = end
    sets = [reread.clause, *actions.sets()]
    labelled = actions.labelled
    # After the SETs, as kgmem.cypher.label_writes places label items: a move gives a new id.
    for number, (variable, created_labels, matched_labels) in enumerate(labelled.values()):
        added = (
            f"CASE WHEN {test} THEN {label_writes.listed(created_labels)} "
            f"ELSE {label_writes.listed(matched_labels)} END"
        )
        ends = after.last and number == len(labelled) - 1
        sets.append(label_writes.projection(after.carried, variable, (added, "[]"), ends))
    edit: Edit = (body[start].start, body[-1].end, " ".join(sets))
    return edit, list(labelled)


def _on_create(body: list[Token], index: int) -> bool:
    """Whether ``body[index:]`` starts ON CREATE SET (True) or ON MATCH SET (False)."""
    words = [t.upper for t in body[index : index + 3]] if index + 2 < len(body) else []
    if words not in (["ON", "CREATE", "SET"], ["ON", "MATCH", "SET"]):
        raise CypherSemanticError(
            "expected ON CREATE SET or ON MATCH SET", position=body[index].start
        )
    return words[1] == "CREATE"


def _next_on(body: list[Token], index: int) -> int:
    for offset, (depth, token) in enumerate(depths(body[index:])):
        if depth == 0 and token.is_keyword("ON"):
            return index + offset
    return len(body)


def _map_items(text: str, item: list[Token]) -> list[tuple[str, str]] | None:
    """The ``x.key`` items a ``x += {key: value, ...}`` item with a literal map stands
    for, or None for any other item."""
    plus = len(item) >= 4 and item[1].text == "+=" and item[2].text == "{"
    if not plus or item[0].kind not in (Kind.NAME, Kind.QUOTED_NAME):
        return None
    if closing(item).get(2) != len(item) - 1:
        return None  # the map is not the whole value ({a: 1} + {b: 2})
    variable = text[item[0].start : item[0].end]
    found = []
    for entry in split_top_level(item[3:-1]):
        if not entry:
            continue
        if (
            len(entry) < 3
            or entry[1].text != ":"
            or entry[0].kind not in (Kind.NAME, Kind.QUOTED_NAME)
        ):
            return None
        value = "(" + quoted(text, entry[2:]) + ")"
        key = entry[0]
        written = f"`{key.text}`" if key.kind is Kind.NAME and key.upper in KEYWORDS else key.text
        found.append((f"{variable}.{written}", value))
    return found


def _whole_map(text: str, item: list[Token], when: str) -> str | None:
    """The SET of a ``x = expr`` or ``x += expr`` item (``expr`` not a literal map added,
    which ``_map_items`` splits) that applies only when ``when`` holds, or None for any
    other item. AGE takes any map inside ``properties()`` (``kgmem.cypher.map_updates``)."""
    whole = (
        len(item) >= 3 and item[1].text in ("=", "+=")
        and item[0].kind in (Kind.NAME, Kind.QUOTED_NAME)
    )  # fmt: skip
    if not whole or _map_items(text, item) is not None:
        return None
    variable = text[item[0].start : item[0].end]
    value = quoted(text, item[2:])
    kept = "{}" if item[1].text == "+=" else variable
    replace = "false" if item[1].text == "+=" else "true"
    checked = f"kgmem_cypher.settable(({value}), {replace})"  # null: migration 0066
    return (
        f"SET {variable} {item[1].text} properties(CASE WHEN {when} THEN {checked} ELSE {kept} END)"
    )


def _property_item(text: str, item: list[Token]) -> tuple[str, str]:
    """(``x.key``, the value's text) of a ``x.key = value`` item, or (``x[key]``, the
    value's text) of a dynamic ``x[key] = value`` (``kgmem.cypher.dynamic_properties``)."""
    if not item:
        raise CypherSemanticError("empty SET item after ON CREATE/ON MATCH")
    named = item[0].kind in (Kind.NAME, Kind.QUOTED_NAME)
    is_property = named and len(item) >= 5 and item[1].text == "." and item[3].text == "="
    if is_property:
        return quoted(text, item[:3]), "(" + quoted(text, item[4:]) + ")"
    close = closing(item).get(1, 0) if named and len(item) >= 6 and item[1].text == "[" else 0
    if close > 2 and close + 2 < len(item) and item[close + 1].text == "=":
        return quoted(text, item[: close + 1]), "(" + quoted(text, item[close + 2 :]) + ")"
    raise CypherSemanticError(
        "ON CREATE/ON MATCH SET takes property items (x.key = value, x[key] = value), maps "
        "(x = map, x += map) and labels (x:Label)",
        position=item[0].start,
    )


def self_loops(text: str, code: Sequence[Token]) -> str:
    """``text`` as it is, or ``CypherSemanticError`` when a MERGE pattern names one node
    variable twice (``MERGE (n)-[:R]->(n)``, also after a WITH named it twice): AGE 1.7
    refuses such a pattern with a message about labels."""
    if "merge" not in text.lower():
        return text
    for part in union_parts(code):
        for clause in clauses(part):
            if clause.keyword != "MERGE":
                continue
            pattern = merge_pattern(clause)
            named = [
                pattern[i + 1].name
                for i in range(len(pattern) - 1)
                if pattern[i].text == "(" and pattern[i + 1].kind in (Kind.NAME, Kind.QUOTED_NAME)
            ]
            if len(named) != len(set(named)):
                raise CypherSemanticError(
                    "MERGE of a relationship whose two ends are the same node is not "
                    "supported by AGE; MATCH the node and CREATE the relationship when "
                    "it is missing"
                )
    return text
