"""The TCK runner on a fixed, fast subset of ../shared/data/opencypher-tck, and on small
feature files written here to show that it notices wrong results, side effects and
errors."""

from pathlib import Path

import pytest

from bench import tck, tck_engines
from kgmem import Memory

SUBSET = (
    "clauses/match/Match2.feature",
    "clauses/union/Union1.feature",
    "clauses/return/Return4.feature",
    "expressions/quantifier/Quantifier1.feature",
    "expressions/boolean/Boolean3.feature",
)

pytestmark = pytest.mark.shared_data


def subset() -> list[tck.Scenario]:
    if not tck.TCK.is_dir():
        pytest.skip("../shared/data/opencypher-tck is not here")
    scenarios = [s for s in tck.load(tck.TCK / "features") if s.feature in SUBSET]
    assert {s.feature for s in scenarios} == set(SUBSET)
    return scenarios


async def test_kgmem_passes_more_of_the_subset_than_raw_age(pg_url: str, memory: Memory) -> None:
    scenarios = subset()  # ``memory``: the database is migrated (kgmem's SQL functions)
    tallies = await tck.run_all(
        pg_url, scenarios, [tck_engines.KgmemEngine(), tck_engines.RawAgeEngine()], 5
    )
    kgmem, age = (sum(tallies[name].passed.values()) for name in ("kgmem", "age"))
    total = len(scenarios)
    assert sum(tallies["kgmem"].total.values()) == total
    # the quantifier rewrite and the compile-time type check are what raw AGE lacks
    assert (
        tallies["kgmem"].passed["expressions/quantifier"]
        > tallies["age"].passed["expressions/quantifier"]
    )
    assert (
        tallies["kgmem"].passed["expressions/boolean"]
        > tallies["age"].passed["expressions/boolean"]
    )
    assert kgmem >= age + 0.1 * total, (kgmem, age, total)
    assert tallies["kgmem"].passed["clauses/match"] >= tallies["age"].passed["clauses/match"]


FEATURE = """Feature: Runner self-check

  Scenario: right result
    Given an empty graph
    And having executed:
      \"\"\"
      CREATE (:A {name: 'a'})-[:T {w: 1}]->(:B)
      \"\"\"
    When executing query:
      \"\"\"
      MATCH (a:A)-[r]->(b) RETURN a, r, b.name AS name, [1, 2.5] AS l
      \"\"\"
    Then the result should be, in any order:
      | a                | r           | name | l        |
      | (:A {name: 'a'}) | [:T {w: 1}] | null | [1, 2.5] |
    And no side effects

  Scenario: wrong result
    Given an empty graph
    When executing query:
      \"\"\"
      RETURN 1 AS x
      \"\"\"
    Then the result should be, in any order:
      | x |
      | 2 |

  Scenario: float is not an integer
    Given an empty graph
    When executing query:
      \"\"\"
      RETURN 1.0 AS x
      \"\"\"
    Then the result should be, in any order:
      | x |
      | 1 |

  Scenario: side effects are counted
    Given an empty graph
    When executing query:
      \"\"\"
      CREATE (:A {x: 1, y: 2}), (:B)
      \"\"\"
    Then the result should be empty
    And the side effects should be:
      | +nodes      | 2 |
      | +labels     | 2 |
      | +properties | 2 |

  Scenario: a node whose labels change is the same node
    Given an empty graph
    And having executed:
      \"\"\"
      CREATE (:A {x: 1})-[:R]->()
      \"\"\"
    When executing query:
      \"\"\"
      MATCH (n:A) SET n:B REMOVE n:A
      \"\"\"
    Then the result should be empty
    And the side effects should be:
      | +labels | 1 |
      | -labels | 1 |

  Scenario: side effects are missed
    Given an empty graph
    When executing query:
      \"\"\"
      CREATE (:A)
      \"\"\"
    Then the result should be empty
    And no side effects

  Scenario: expected error
    Given any graph
    When executing query:
      \"\"\"
      MATCH (n) RETURN m
      \"\"\"
    Then a SyntaxError should be raised at compile time: UndefinedVariable

  Scenario: parameters
    Given an empty graph
    And parameters are:
      | p | [1, 'two'] |
    When executing query:
      \"\"\"
      RETURN $p AS p
      \"\"\"
    Then the result should be, in order:
      | p          |
      | [1, 'two'] |

  Scenario: a declared procedure
    Given an empty graph
    And there exists a procedure test.my.proc(in :: INTEGER?) :: (out :: STRING?):
      | in | out   |
      | 1  | 'one' |
      | 2  | 'two' |
    When executing query:
      \"\"\"
      UNWIND [1, 2] AS x CALL test.my.proc(2) YIELD out RETURN x, out
      \"\"\"
    Then the result should be, in order:
      | x | out   |
      | 1 | 'two' |
      | 2 | 'two' |

  Scenario: a wrong row from a declared procedure
    Given an empty graph
    And there exists a procedure test.my.proc(in :: INTEGER?) :: (out :: STRING?):
      | in | out   |
      | 1  | 'one' |
    When executing query:
      \"\"\"
      CALL test.my.proc(1)
      \"\"\"
    Then the result should be, in order:
      | out   |
      | 'two' |

  Scenario: a procedure no step declared
    Given an empty graph
    When executing query:
      \"\"\"
      CALL test.my.proc(1)
      \"\"\"
    Then a ProcedureError should be raised at compile time: ProcedureNotFound
"""


async def test_the_runner_tells_passing_from_failing(
    pg_url: str, tmp_path: Path, memory: Memory
) -> None:
    # memory: the database is migrated, so kgmem's SQL functions exist (as bench tck does)
    (tmp_path / "self").mkdir()
    (tmp_path / "self" / "Self.feature").write_text(FEATURE)
    scenarios = tck.load(tmp_path)
    session = tck.Session(pg_url, 5)
    outcomes = {}
    engine = tck_engines.KgmemEngine()  # one engine: what a scenario declares ends with it
    try:
        for scenario in scenarios:
            ok, why = await tck._one(session, engine, scenario, "tck_self_check")
            outcomes[scenario.name] = (ok, why)
    finally:
        await session.close()
    verdicts = {name: ok for name, (ok, _) in outcomes.items()}
    assert verdicts == {
        "right result": True,
        "wrong result": False,
        "float is not an integer": False,
        "side effects are counted": True,
        "a node whose labels change is the same node": True,
        "side effects are missed": False,
        "expected error": True,
        "parameters": True,
        "a declared procedure": True,
        "a wrong row from a declared procedure": False,
        "a procedure no step declared": True,  # the previous scenario's is gone
    }, outcomes
    assert "rows differ" in outcomes["wrong result"][1]
    assert "+nodes" in outcomes["side effects are missed"][1]
