"""Restatement and supersession are the same through every write path: one fact, a
batch, an episode's structured facts (``kgmem.graph.statements``)."""

from datetime import UTC, datetime

import asyncpg
import httpx

from kgmem import BatchWrite, EntityWrite, FactQuery, FactWrite, Memory
from kgmem.graph.statements import overlaps, succession_plan, successions
from kgmem.ingest import EpisodeWrite, FactMention
from kgmem.storage.backups import dump
from kgmem.storage.graph import facts_in_force as statement_store
from kgmem.storage.graph import namespaces
from kgmem.storage.graph.facts_in_force import StatedFact
from kgmem.storage.refs import NamespaceRef

Y2020 = datetime(2020, 1, 1, tzinfo=UTC)
Y2024 = datetime(2024, 1, 1, tzinfo=UTC)


async def _people(memory: Memory, namespace: str) -> None:
    await memory.write_batch(
        namespace,
        BatchWrite(
            entities=[
                EntityWrite("dana", "Person", {"name": "Dana"}),
                EntityWrite("berlin", "Place", {"name": "Berlin"}),
                EntityWrite("lisbon", "Place", {"name": "Lisbon"}),
            ]
        ),
    )


async def _lives_in(memory: Memory, namespace: str) -> dict[str, list]:
    query = FactQuery(predicate="LIVES_IN", include_closed=True)
    out: dict[str, list] = {}
    for f in (await memory.list_facts(namespace, query)).items:
        out.setdefault(f.object, []).append(f)
    return out


def _assert_lisbon_supersedes_berlin(facts: dict[str, list]) -> None:
    [berlin] = next(v for k, v in facts.items() if "berlin" in k)
    [lisbon] = next(v for k, v in facts.items() if "lisbon" in k)
    assert berlin.is_closed and berlin.valid_to == Y2024
    assert not lisbon.is_closed and lisbon.valid_from == Y2024


async def test_two_values_in_one_episode_leave_one_current(memory: Memory, namespace: str) -> None:
    [out] = await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text="Dana lived in Berlin, then moved to Lisbon.",
                uid="e1",
                reference_time=datetime(2024, 6, 1, tzinfo=UTC),
                facts=(
                    FactMention("Dana", "LIVES_IN", "Lisbon", valid_from="2024-01-01T00:00:00Z"),
                    FactMention("Dana", "LIVES_IN", "Berlin", valid_from="2020-01-01T00:00:00Z"),
                ),
            )
        ],
    )
    facts = await _lives_in(memory, namespace)
    _assert_lisbon_supersedes_berlin(facts)
    assert out.closed == (facts[next(k for k in facts if "berlin" in k)][0].uid,)


async def test_one_batch_orders_by_valid_time(memory: Memory, namespace: str) -> None:
    await _people(memory, namespace)
    result = await memory.write_batch(
        namespace,
        BatchWrite(
            facts=[
                FactWrite("dana", "LIVES_IN", "lisbon", valid_from=Y2024),
                FactWrite("dana", "LIVES_IN", "berlin", valid_from=Y2020),
            ]
        ),
    )
    facts = await _lives_in(memory, namespace)
    _assert_lisbon_supersedes_berlin(facts)
    assert result.closed == (facts["berlin"][0].uid,)


async def test_an_older_single_fact_is_closed_by_the_newer_one_in_force(
    memory: Memory, namespace: str
) -> None:
    await _people(memory, namespace)
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "lisbon", valid_from=Y2024))
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", valid_from=Y2020))
    _assert_lisbon_supersedes_berlin(await _lives_in(memory, namespace))


async def test_restated_fact_from_another_source_is_one_edge_over_http(
    client: httpx.AsyncClient, memory: Memory, namespace: str
) -> None:
    await _people(memory, namespace)
    url = f"/v1/namespaces/{namespace}/facts"
    body = {"subject": "dana", "predicate": "KNOWS", "object": "berlin"}
    first = (await client.post(url, json={**body, "source": "a"})).json()
    second = await client.post(url, json={**body, "source": "b"})
    assert second.status_code == 201, second.text
    assert second.json()["uid"] == first["uid"]
    assert second.json()["sources"] == ["a", "b"]
    listed = (await client.get(f"{url}?predicate=KNOWS&include_closed=true")).json()["items"]
    assert [f["uid"] for f in listed] == [first["uid"]]


async def test_restated_facts_in_a_batch_and_an_episode_add_claims_only(
    memory: Memory, namespace: str
) -> None:
    await _people(memory, namespace)
    stated = await memory.add_fact(namespace, FactWrite("dana", "KNOWS", "berlin", source="a"))
    result = await memory.write_batch(
        namespace,
        BatchWrite(
            facts=[
                FactWrite("dana", "KNOWS", "lisbon", source="b"),
                FactWrite("dana", "KNOWS", "berlin", source="c"),
                FactWrite("dana", "KNOWS", "lisbon", source="d"),
            ]
        ),
    )
    assert result.facts[1].uid == stated.uid and not result.facts[1].created
    assert result.facts[0].uid == result.facts[2].uid
    await memory.add_episodes(
        namespace,
        [
            EpisodeWrite(
                text="Dana knows Berlin",
                uid="ep",
                facts=(FactMention("dana", "KNOWS", "berlin"),),
                reference_time=Y2024,
            )
        ],
    )
    knows = (await memory.list_facts(namespace, FactQuery(predicate="KNOWS"))).items
    by_object = {f.object: f for f in knows}
    assert len(knows) == 2
    assert by_object["berlin"].sources == ("a", "c") and by_object["berlin"].episodes == ("ep",)
    assert by_object["lisbon"].sources == ("b", "d")


async def test_same_statement_over_disjoint_times_is_two_facts(
    memory: Memory, namespace: str
) -> None:
    await _people(memory, namespace)
    await memory.add_fact(
        namespace,
        FactWrite("dana", "VISITED", "berlin", valid_from=Y2020, valid_to=Y2020.replace(month=3)),
    )
    await memory.add_fact(namespace, FactWrite("dana", "VISITED", "berlin", valid_from=Y2024))
    assert len((await memory.list_facts(namespace, FactQuery(predicate="VISITED"))).items) == 2


def _stated(
    uid: str, obj: int, start: datetime | None, end: datetime | None = None, *sources: int
) -> StatedFact:
    return StatedFact(uid, int(uid[1:]), 1, "LIVES_IN", obj, start, end, Y2024, frozenset(sources))


def test_successions_close_each_value_at_the_next_start() -> None:
    facts = [
        _stated("f3", 3, Y2024),
        _stated("f1", 1, None),
        _stated("f2", 2, Y2020),
        _stated("f4", 3, Y2024.replace(month=6)),  # the same value again: not a change
    ]
    assert successions(facts) == [("f1", Y2020), ("f2", Y2024)]


def test_same_start_is_an_update_by_one_source_and_a_conflict_between_two() -> None:
    # f1 and f2 both said by source 7 (f2 later): an update. f3 by source 8: a competing
    # claim, kept for consensus scoring; it does not close f2, nor f2 it.
    facts = [_stated("f1", 1, None, None, 7), _stated("f2", 2, None, None, 7)]
    facts.append(_stated("f3", 3, None, None, 8))
    assert successions(facts) == [("f1", None)]
    assert successions([_stated("f1", 1, None), _stated("f2", 2, None)]) == [("f1", None)]
    # A claim without a source is no competitor: the later value is an update.
    assert successions([_stated("f1", 1, None), _stated("f2", 2, None, None, 8)]) == [("f1", None)]


def test_a_source_that_moves_on_withdraws_only_its_own_claim() -> None:
    # f1 said by sources 7 and 8; 7 then says f2 from the same start: 7's claim on f1
    # goes, f1 stays in force for 8. When 8 moves on as well, f1 is closed.
    shared = [_stated("f1", 1, None, None, 7, 8), _stated("f2", 2, None, None, 7)]
    assert succession_plan(shared) == ([], [(1, frozenset({7}))])
    both = [*shared, _stated("f3", 2, None, None, 8)]
    assert succession_plan(both) == ([("f1", None)], [(1, frozenset({7}))])
    # A source that said the former value again, after the later one, keeps it.
    said = {(1, 7): Y2024, (2, 7): Y2020}
    assert succession_plan(shared, said) == ([("f2", None)], [])
    # A later start still closes the former value for everyone.
    later = [_stated("f1", 1, None, None, 7, 8), _stated("f2", 2, Y2020, None, 7)]
    assert succession_plan(later) == ([("f1", Y2020)], [])


async def test_a_source_changing_its_value_keeps_the_others_claims(
    memory: Memory, namespace: str
) -> None:
    await _people(memory, namespace)
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", source="census"))
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", source="atlas"))
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "lisbon", source="census"))
    facts = await _lives_in(memory, namespace)
    in_force = {
        place: sorted(s for f in fs if f.expired_at is None for s in f.sources)
        for place, fs in facts.items()
    }
    assert {("berlin" in p, tuple(v)) for p, v in in_force.items()} == {
        (True, ("atlas",)),
        (False, ("census",)),
    }
    # census goes back to Berlin: its claim moves back, Lisbon has no source left.
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", source="census"))
    facts = await _lives_in(memory, namespace)
    in_force = {
        place: sorted(s for f in fs if f.expired_at is None for s in f.sources)
        for place, fs in facts.items()
    }
    assert {("berlin" in p, tuple(v)) for p, v in in_force.items()} == {
        (True, ("atlas", "census")),
        (False, ()),
    }


def test_successions_leave_a_value_that_ended_before_the_next() -> None:
    ended = _stated("f1", 1, Y2020, Y2020.replace(month=2))
    assert successions([ended, _stated("f2", 2, Y2024)]) == []


def test_intervals_overlap_unless_one_ends_before_the_other_starts() -> None:
    assert overlaps((None, None), (Y2020, Y2024))
    assert overlaps((Y2020, None), (None, Y2024))
    assert not overlaps((Y2020, Y2024), (Y2024, None))
    assert not overlaps((Y2024, None), (Y2020, Y2024))


async def test_the_facts_in_force_are_read_by_index_whatever_the_statistics_say(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    """The statement of ``statements.in_force`` (run by every write of a functional
    predicate) finds the subjects' edges and each edge's fact row by index, also when
    the planner believes the side table holds a few rows and it holds thousands (the
    state right after a bulk load): a plan that scans the open facts costs each write
    time in proportion to the namespace."""
    people = [EntityWrite(f"p{k}", "Person", {"name": f"P{k}"}) for k in range(400)]
    places = [EntityWrite(f"c{k}", "Place", {"name": f"C{k}"}) for k in range(5)]
    await memory.write_batch(namespace, BatchWrite(entities=people + places))
    await memory.write_batch(
        namespace, BatchWrite(facts=[FactWrite("p0", "LIVES_IN", "c0", source="s0")])
    )
    await raw_conn.execute(f'ANALYZE "{namespace}"._kg_fact')  # statistics of one fact
    await memory.write_batch(
        namespace,
        BatchWrite(
            facts=[
                FactWrite(f"p{k}", "LIVES_IN", f"c{k % 5}", source=f"s{k % 7}")
                for k in range(1, 400)
            ]
        ),
    )
    ref = NamespaceRef(name=namespace, graph_oid=0)
    subject = await raw_conn.fetchval(f"SELECT id FROM \"{namespace}\"._kg_vertex WHERE uid = 'p7'")
    # A table this small is cheapest to scan: leave the planner only the plan shapes.
    await raw_conn.execute("SET enable_seqscan = off")
    plan = "\n".join(
        r[0]
        for r in await raw_conn.fetch(
            f"EXPLAIN {statement_store.in_force_sql(ref)}", [subject], ["LIVES_IN"], False
        )
    )
    assert "_kg_fact_pkey" in plan, plan
    assert "Seq Scan on _kg_fact " not in plan and "Heap Scan on _kg_fact " not in plan, plan
    async with memory.database.acquire() as conn:
        [found] = await statement_store.in_force(conn, ref, [int(subject)], ["LIVES_IN"])
    assert found.subject_id == int(subject) and found.predicate == "LIVES_IN"


async def test_a_withdrawn_claim_is_kept_as_history_and_seen_as_of_before(
    memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    """A source that moves to another value leaves the current consensus but not the
    record: its former claim is kept, closed, and an "as of" read from before the move
    still names it among the former value's sources."""
    await _people(memory, namespace)
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", source="census"))
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "berlin", source="atlas"))
    before = await raw_conn.fetchval("SELECT clock_timestamp()")
    await memory.add_fact(namespace, FactWrite("dana", "LIVES_IN", "lisbon", source="census"))
    history = await raw_conn.fetch(
        "SELECT x.uid, h.withdrawn_at, h.observed_at "
        f'FROM "{namespace}"._kg_claim_history h '
        f'JOIN "{namespace}"._kg_vertex x ON x.id = h.source_id'
    )
    assert [r["uid"] for r in history] == ["census"]
    assert history[0]["observed_at"] <= before < history[0]["withdrawn_at"]
    # The current consensus counts the claims in force only: atlas on Berlin.
    counted = await raw_conn.fetch(
        f'SELECT o.uid AS value, x.uid AS source FROM "{namespace}"._kg_claim c '
        f'JOIN "{namespace}"._kg_fact f ON f.id = c.fact_id '
        f'JOIN "{namespace}"._kg_vertex o ON o.id = f.object_id '
        f'JOIN "{namespace}"._kg_vertex x ON x.id = c.source_id'
    )
    assert sorted((r["value"], r["source"]) for r in counted) == [
        ("berlin", "atlas"),
        ("lisbon", "census"),
    ]

    async def sources_as_of(at: datetime | None) -> dict[str, list[str]]:
        async with memory.database.transaction(readonly=True) as conn:
            ref = await namespaces.resolve(conn, namespace)
            out: dict[str, list[str]] = {}
            async for batch in dump.edges(conn, ref, None, keep=dump.EdgeFilter(as_of=at)):
                out.update({e.end: list(e.sources) for e in batch if e.label == "LIVES_IN"})
            return out

    assert await sources_as_of(before) == {"berlin": ["atlas", "census"]}
    now = await raw_conn.fetchval("SELECT clock_timestamp()")
    assert await sources_as_of(now) == {"berlin": ["atlas"], "lisbon": ["census"]}
    # Deleting the fact erases its history too.
    [berlin] = (await _lives_in(memory, namespace))["berlin"]
    await memory.delete_fact(namespace, berlin.uid)
    assert await raw_conn.fetchval(f'SELECT count(*) FROM "{namespace}"._kg_claim_history') == 0
    assert not any((await memory.check_namespace(namespace)).values())
