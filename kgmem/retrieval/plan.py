"""What a search will do, decided before it touches the database.

``plan`` is a pure function of the query and the few settings that shape a search
(``Tuning`` and the store's ``ef_search`` and keyword backend): which axes generate
candidates and in what order, how many each returns, whether a lone vector axis first
probes only its top k + 1, whether the other axes' candidates are judged while the
vector axis embeds and probes, and the lines ``explain`` prints. ``kgmem.retrieval.search``
runs a plan; a test can run a changed one (``dataclasses.replace``) to compare answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kgmem.model import ExpansionQuery, SearchQuery
from kgmem.retrieval import scope as scopes
from kgmem.retrieval.scope import Scope
from kgmem.storage.indexes.keyword_search import CANDIDATES

VECTOR = "vector"
KEYWORD = "keyword"
DEFAULT_EXPANSION = ExpansionQuery()


@dataclass(frozen=True, slots=True)
class Tuning:
    """How many candidates each ranked axis returns (4 k, kept between the bounds), and
    whether the other axes' candidates are judged while the vector axis embeds and
    probes (off: every candidate is judged in the filter stage; the answers are the same)."""

    min_candidates: int = 50
    max_candidates: int = 1000
    judge_ahead: bool = True


@dataclass(frozen=True, slots=True)
class Store:
    """What the plan needs to know of the store: the pool's ``hnsw.ef_search``,
    whether it can embed a query text, and how many rows a keyword search scores."""

    ef_search: int
    can_embed: bool
    keyword_candidates: int = CANDIDATES


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """One search, decided. ``axes`` are in the query's order (the order their scores
    are fused and explained in); ``vector_given`` is the query's own vector (None: the
    text is embedded when ``VECTOR`` is among the axes)."""

    query: SearchQuery
    scope: Scope
    text: str | None
    axes: tuple[str, ...]
    limit: int
    ef_search: int
    keyword_candidates: int
    # The "now" decay and time scores are measured from, the same for every candidate.
    now: datetime
    vector_given: Sequence[float] | None = None
    # A lone vector axis ranked by score first probes only its top ``short`` per kind,
    # and again with the full ``limit`` when that cannot decide the top k (0: never).
    short: int = 0
    # How many of its nearest vertices the vector probe loads as entities (a lone
    # vector axis: its order is then the hits' order).
    load: int = 0
    judge_ahead: bool = True
    expansion: ExpansionQuery = field(default=DEFAULT_EXPANSION)

    @property
    def lone_vector(self) -> bool:
        return self.axes == (VECTOR,)

    @property
    def splits_keyword(self) -> bool:
        """A lone keyword axis over both kinds: each kind's statement runs on its own
        connection, both at once."""
        return self.axes == (KEYWORD,) and self.scope.vertices and self.scope.facts

    @property
    def has_vector(self) -> bool:
        return VECTOR in self.axes

    @property
    def others(self) -> tuple[str, ...]:
        """The axes other than the vector axis, which run while the text is embedded."""
        return tuple(a for a in self.axes if a != VECTOR)

    @property
    def embeds(self) -> bool:
        return self.has_vector and self.vector_given is None

    @property
    def lines(self) -> tuple[str, ...]:
        """What ``explain`` says each axis does."""
        return tuple(_line(self, axis) for axis in self.axes)


def plan(
    q: SearchQuery,
    store: Store,
    tuning: Tuning,
    vector: list[float] | None = None,
    *,
    clock: datetime,
) -> SearchPlan:
    """The plan of ``q`` (already validated); ``vector`` is the query's own embedding
    checked against the store (``kgmem.graph.prepare.vector``); ``clock`` the time now,
    which the query's own "now" (``TimeQuery.now``) overrides."""
    text = q.text.strip() if q.text else None
    limit = min(max(4 * q.k, tuning.min_candidates), tuning.max_candidates)
    embeds = vector is None and bool(text) and store.can_embed
    wanted = {
        VECTOR: (vector is not None or embeds) and q.weights.vector > 0,
        "keyword": bool(text) and q.weights.keyword > 0,
        "temporal": q.time is not None,
        "spatial": q.place is not None,
        "causal": q.causal is not None,
        # Expansion runs only when asked for: on conversations, seeding it from the
        # names a text mentions did not help the ranking (``python -m bench locomo``).
        "graph": q.expansion is not None,
    }
    axes = tuple(name for name, used in wanted.items() if used)
    lone = axes == (VECTOR,)
    return SearchPlan(
        query=q,
        scope=scopes.of(q),
        text=text,
        axes=axes,
        limit=limit,
        ef_search=store.ef_search,
        keyword_candidates=store.keyword_candidates,
        now=q.time.now if q.time is not None and q.time.now is not None else clock,
        vector_given=vector,
        short=_short(q, limit, store.ef_search) if lone else 0,
        load=q.k if lone else 0,
        judge_ahead=tuning.judge_ahead,
        expansion=q.expansion or DEFAULT_EXPANSION,
    )


def _short(q: SearchQuery, limit: int, ef_search: int) -> int:
    """One more than k (the row after the k-th shows whether a tie is hidden), when the
    top k is ranked by score alone and the full probe needs no wider ef_search: both are
    then one HNSW scan, cut at different rows."""
    if q.order_by == "score" and q.min_trust is None and q.k + 1 < limit <= ef_search:
        return q.k + 1
    return 0


def _line(p: SearchPlan, axis: str) -> str:
    q = p.query
    if axis == VECTOR:
        line = f"vector: HNSW top {p.limit} (ef_search {max(p.ef_search, p.limit)})"
        return f"{line}; first its top {p.short} per kind" if p.short else line
    if axis == "keyword":
        return f"keyword: BM25 top {p.limit} of at most {p.keyword_candidates} rows per kind"
    if axis == "temporal":
        return "temporal: facts and timed vertices meeting the time constraint"
    if axis == "spatial":
        return "spatial: GiST box prefilter, exact haversine distance"
    if axis == "causal":
        c = q.causal
        assert c is not None
        return f"causal: {c.direction} from {c.anchor!r} to depth {c.depth}"
    e = p.expansion
    return f"graph: {e.hops}-hop neighbourhood, personalised PageRank"


REPROBED = "vector: probed again (the top k was not decided)"
