"""What every client program shares: the stub embedder, the documents it searches, and
the step recorder that prints one JSON report.

A program is run as ``python <program>.py '<config json>' <scenario>``; the config holds
``uri``, ``key`` and ``database``. It prints, as its last stdout line, ``{"steps": [...],
"results": {...}, "failure": null | {"step", "error", "code", "message"}}``. The first
failing step stops the scenario: later steps need what it would have made.

This module is imported both by those programs (any Python, no kgmem) and by the tests
(to compute what the answers must be), so it uses only the standard library.
"""

import asyncio
import collections
import contextlib
import inspect
import json
import logging
import math
import re
import sys
import traceback
from collections.abc import Callable
from typing import Any

VOCABULARY = ("apple", "banana", "cherry", "grape", "lemon", "mango", "peach", "plum")
DIMENSION = len(VOCABULARY)
# Every dimension gets a little weight, so no text embeds as the zero vector.
BASELINE = 0.05

DOCUMENTS = (
    "apple apple banana",
    "apple cherry",
    "banana grape grape",
    "lemon mango",
    "peach plum quartz",
    "cherry cherry lemon",
)
QUERY = "apple banana"


def embed(text: str) -> list[float]:
    """The stub embedding: how often each vocabulary word occurs, plus a baseline."""
    words = re.findall(r"[a-z]+", text.lower())
    return [BASELINE + words.count(word) for word in VOCABULARY]


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def neo4j_cosine_score(query: str, text: str) -> float:
    """The score Neo4j's cosine vector index gives: (1 + cosine) / 2."""
    return (1 + cosine(embed(query), embed(text))) / 2


def ranked(query: str, texts: tuple[str, ...] = DOCUMENTS) -> list[tuple[str, float]]:
    """``texts`` by the stub embedder's similarity to ``query``, best first, with the
    scores a Neo4j cosine index answers."""
    scored = [(text, neo4j_cosine_score(query, text)) for text in texts]
    return sorted(scored, key=lambda pair: -pair[1])


class SentStatements(logging.Handler):
    """The last statements the neo4j driver sent (its debug log of each RUN), so a
    failure names the statement the server refused."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: collections.deque[str] = collections.deque(maxlen=3)

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and "C: RUN" in record.msg:
            self.sent.append(record.getMessage().split("C: RUN ", 1)[1][:2000])


SENT = SentStatements()


class Stopped(Exception):
    """A step failed; the report says which and why."""


class Report:
    """The steps a scenario went through, what it found, and its first failure."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.results: dict[str, Any] = {}
        self.failure: dict[str, Any] | None = None

    def step(self, name: str, call: Callable[[], Any]) -> Any:
        """Run ``call`` as the step ``name``; on an error record it and stop."""
        try:
            value = call()
        except Exception as error:
            self.failure = describe(name, error)
            raise Stopped from error
        self.steps.append(name)
        return value

    async def astep(self, name: str, call: Callable[[], Any]) -> Any:
        """``step`` for a coroutine function."""
        try:
            value = await call()
        except Exception as error:
            self.failure = describe(name, error)
            raise Stopped from error
        self.steps.append(name)
        return value

    def json(self) -> str:
        return json.dumps(
            {"steps": self.steps, "results": self.results, "failure": self.failure},
            default=str,
        )


def describe(step: str, error: BaseException) -> dict[str, Any]:
    """The error as the report shows it; a Neo4j code found on it or on its causes."""
    code, cause = None, error
    while cause is not None and code is None:
        code = getattr(cause, "code", None)
        cause = cause.__cause__
    return {
        "step": step,
        "error": f"{type(error).__module__}.{type(error).__qualname__}",
        "code": code,
        "message": str(getattr(error, "message", None) or error)[:1500],
        "statements": list(SENT.sent),
        "traceback": traceback.format_exc(limit=-4)[-3000:],
    }


def main(scenarios: dict[str, Callable[[Report, dict[str, str]], Any]]) -> None:
    """Run the scenario named on the command line and print its report."""
    config, name = json.loads(sys.argv[1]), sys.argv[2]
    driver_log = logging.getLogger("neo4j.io")
    driver_log.setLevel(logging.DEBUG)
    driver_log.addHandler(SENT)
    report = Report()
    with contextlib.suppress(Stopped):
        outcome = scenarios[name](report, config)
        if inspect.iscoroutine(outcome):
            asyncio.run(outcome)
    print(report.json())


def rows(driver: Any, query: str, database: str) -> list[dict[str, Any]]:
    """The rows of a read query through a synchronous neo4j driver, as dicts."""
    records, _, _ = driver.execute_query(query, database_=database)
    return [record.data() for record in records]


def schema(driver: Any, database: str) -> dict[str, Any]:
    """``SHOW INDEXES`` and ``SHOW CONSTRAINTS`` as the scenario leaves them."""
    columns = "name, type, entityType, labelsOrTypes, properties"
    return {
        "indexes": rows(driver, f"SHOW INDEXES YIELD {columns}", database),
        "constraints": rows(driver, f"SHOW CONSTRAINTS YIELD {columns}", database),
    }
