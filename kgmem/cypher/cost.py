"""What a query may cost, bounded on its tokens before anything plans or runs it.

Every check here is one pass over the tokens, so refusing a hostile query costs no more
than reading it. Past a bound the answer is ``LimitExceeded`` (422 ``limit_exceeded``
over REST, ``Neo.ClientError.Request.Invalid`` over Bolt) naming the bound:

- ``MAX_TOKENS`` tokens in all;
- ``MAX_NESTING`` levels of brackets and ``CASE ... END`` inside each other (deeper
  expressions would exhaust Python's and PostgreSQL's stacks), of which at most
  ``MAX_NESTED_COMPREHENSIONS`` comprehensions inside each other (each level adds to
  what kgmem's rewrites read again);
- ``MAX_COMPREHENSIONS`` list and pattern comprehensions, quantifiers (``any``, ``all``,
  ``none``, ``single``), ``reduce`` and subqueries (``EXISTS {``, ``COUNT {``,
  ``COLLECT {``), of which at most ``MAX_PATTERN_COMPREHENSIONS`` pattern comprehensions
  (``[(a)-->(b) | b]``, each rewritten into a subquery);
- ``MAX_CALLS`` procedure calls, ``MAX_UNION_PARTS`` parts of a UNION and
  ``MAX_CLAUSES`` clauses;
- ``MAX_EXPANSION``: the size of the query once expanded. kgmem writes a quantifier's
  list up to ``QUANTIFIER_COPIES`` times (to give it openCypher's three-valued answer)
  and AGE writes the middle operand of a chained comparison (``a < b < c``, a bracketed
  expression or a CASE expression) twice, so
  nesting either multiplies what is planned: each token counts the product of the copies
  of the constructs around it. ``XOR``, which AGE would also expand, kgmem rewrites
  itself without copying (``kgmem.cypher.xor``).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token, each_token
from kgmem.cypher.structure import is_keyword_at
from kgmem.errors import LimitExceeded

MAX_TOKENS = 10_000
MAX_NESTING = 256
MAX_NESTED_COMPREHENSIONS = 24
MAX_COMPREHENSIONS = 256
MAX_PATTERN_COMPREHENSIONS = 48
MAX_CALLS = 16
MAX_UNION_PARTS = 64
MAX_CLAUSES = 512
MAX_EXPANSION = 60_000
QUANTIFIER_COPIES = 5
CHAIN_COPIES = 2

_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")
_QUANTIFIERS = ("ANY", "ALL", "NONE", "SINGLE")
_SUBQUERIES = ("EXISTS", "COUNT", "COLLECT")
_CLAUSES = (
    "MATCH", "WITH", "UNWIND", "RETURN", "CREATE", "MERGE", "SET", "DELETE", "REMOVE",
    "CALL", "FOREACH",
)  # fmt: skip
_COMPARISONS = frozenset({"=", "<>", "<", ">", "<=", ">="})
# What ends an operand of a comparison: a chain of comparisons stops at these.
_SEPARATORS = frozenset({"AND", "OR", "XOR", "NOT", "WHERE", "WHEN", "THEN", "ELSE"})


def check_text(query: str) -> None:
    """``check`` on the tokens of ``query`` (a syntax error the lexer finds is raised as
    it would be when planning); reading stops once there are too many tokens."""
    tokens: list[Token] = []
    for token in each_token(query):
        if token.kind in (Kind.SPACE, Kind.COMMENT) or token.text == ";":
            continue
        tokens.append(token)
        if len(tokens) > MAX_TOKENS:
            _bound("tokens (and more)", len(tokens), MAX_TOKENS, "shorten the query")
    check(tokens)


def check(tokens: Sequence[Token]) -> None:
    """Raise ``LimitExceeded`` when ``tokens`` (space and comments dropped) pass a bound
    of the module docstring."""
    _bound("tokens", len(tokens), MAX_TOKENS, "shorten the query")
    nesting, nested_comprehensions = _nesting(tokens)
    _bound(
        "levels of nesting (brackets and CASE)",
        nesting,
        MAX_NESTING,
        "nest expressions less deeply",
    )
    _bound(
        "comprehensions nested in each other",
        nested_comprehensions,
        MAX_NESTED_COMPREHENSIONS,
        "nest comprehensions, quantifiers and reduce() less deeply",
    )
    counts = _counts(tokens)
    _bound(
        "comprehensions, quantifiers, reduce() and subqueries",
        counts["comprehensions"],
        MAX_COMPREHENSIONS,
        "use fewer of them",
    )
    _bound(
        "pattern comprehensions",
        counts["patterns"],
        MAX_PATTERN_COMPREHENSIONS,
        "use fewer of them, or MATCH the pattern",
    )
    _bound("procedure calls", counts["calls"], MAX_CALLS, "call fewer procedures")
    _bound("UNION parts", counts["unions"] + 1, MAX_UNION_PARTS, "use fewer UNION parts")
    _bound("clauses", counts["clauses"], MAX_CLAUSES, "split the query")
    _bound(
        "tokens once expanded (nested quantifiers and chained comparisons)",
        expansion(tokens),
        MAX_EXPANSION,
        "nest any()/all()/none()/single() and chained comparisons less deeply",
    )


def _bound(what: str, found: int, most: int, advice: str) -> None:
    if found > most:
        raise LimitExceeded(
            f"the query has {found} {what}, more than kgmem's limit of {most}: {advice}",
            bound=what,
            limit=most,
        )


def _nesting(tokens: Sequence[Token]) -> tuple[int, int]:
    """The deepest nesting of brackets and ``CASE ... END`` in ``tokens``, and of
    comprehensions (their brackets) in each other."""
    opened: list[bool] = []  # per open bracket or CASE: whether it opens a comprehension
    deepest = comprehensions = deepest_comprehensions = 0
    starts = {_bracket_of(tokens, i) for i in range(len(tokens)) if _comprehension_at(tokens, i)}
    for index, token in enumerate(tokens):
        if (token.kind is Kind.PUNCT and token.text in _OPEN) or _case_at(tokens, index, "CASE"):
            opened.append(index in starts)
            comprehensions += index in starts
            deepest = max(deepest, len(opened))
            deepest_comprehensions = max(deepest_comprehensions, comprehensions)
        elif opened and (
            (token.kind is Kind.PUNCT and token.text in _CLOSE) or _case_at(tokens, index, "END")
        ):
            comprehensions -= opened.pop()
    return deepest, deepest_comprehensions


def _bracket_of(tokens: Sequence[Token], index: int) -> int:
    """The index of the bracket that opens the comprehension starting at ``index``."""
    return index if tokens[index].text == "[" else index + 1


def _case_at(tokens: Sequence[Token], index: int, word: str) -> bool:
    return tokens[index].kind is Kind.NAME and is_keyword_at(tokens, index, word)


def _counts(tokens: Sequence[Token]) -> dict[str, int]:
    """How many comprehensions, procedure calls, UNIONs and clauses ``tokens`` hold."""
    counts = {"comprehensions": 0, "patterns": 0, "calls": 0, "unions": 0, "clauses": 0}
    for index, token in enumerate(tokens):
        if _comprehension_at(tokens, index):
            counts["comprehensions"] += 1
            counts["patterns"] += _pattern_comprehension_at(tokens, index)
        if token.kind is not Kind.NAME or not is_keyword_at(tokens, index, *_CLAUSES, "UNION"):
            continue
        if token.upper == "UNION":
            counts["unions"] += 1
        else:
            counts["clauses"] += 1
            counts["calls"] += token.upper == "CALL"
    return counts


def _comprehension_at(tokens: Sequence[Token], index: int) -> bool:
    """``[x IN``, ``[(`` / ``[p = (`` (a pattern comprehension), a quantifier or
    ``reduce(``, or ``EXISTS {`` and its peers, starting at ``tokens[index]``."""
    token = tokens[index]
    after = tokens[index + 1 : index + 4]
    if token.text == "[" and after:
        if _pattern_comprehension_at(tokens, index):
            return True
        return len(after) > 1 and after[1].is_keyword("IN")
    if token.kind is not Kind.NAME or not after or (index and tokens[index - 1].text == "."):
        return False
    if token.is_keyword(*_SUBQUERIES):
        return after[0].text == "{"
    return token.is_keyword(*_QUANTIFIERS, "REDUCE") and after[0].text == "("


def _pattern_comprehension_at(tokens: Sequence[Token], index: int) -> bool:
    """``[(`` or ``[p = (`` at ``tokens[index]``."""
    after = tokens[index + 1 : index + 4]
    if tokens[index].text != "[" or not after:
        return False
    return after[0].text == "(" or (
        len(after) > 2 and after[1].text == "=" and after[2].text == "("
    )


def expansion(tokens: Sequence[Token]) -> int:
    """The number of tokens once every quantifier and chained comparison is expanded:
    each token counts the product of the copies of the groups around it."""
    chained = _chained_groups(tokens)
    factors = [1]
    total = 0
    for index, token in enumerate(tokens):
        total += factors[-1]
        if _opens(token):
            copies = QUANTIFIER_COPIES if _quantifier_group(tokens, index) else 1
            copies *= CHAIN_COPIES if index in chained else 1
            factors.append(min(factors[-1] * copies, MAX_EXPANSION + 1))
        elif _closes(token) and len(factors) > 1:
            factors.pop()
    return total


def _opens(token: Token) -> bool:
    """A bracket, or the ``CASE`` of a CASE expression (an operand AGE may copy whole)."""
    return (token.kind is Kind.PUNCT and token.text in _OPEN) or token.is_keyword("CASE")


def _closes(token: Token) -> bool:
    return (token.kind is Kind.PUNCT and token.text in _CLOSE) or token.is_keyword("END")


def _quantifier_group(tokens: Sequence[Token], index: int) -> bool:
    """``tokens[index]`` is the ``(`` of ``any(``, ``all(``, ``none(`` or ``single(``."""
    if tokens[index].text != "(" or index == 0:
        return False
    before = tokens[index - 1]
    return before.is_keyword(*_QUANTIFIERS) and (index < 2 or tokens[index - 2].text != ".")


def _chained_groups(tokens: Sequence[Token]) -> set[int]:
    """The indexes of the opening brackets (and CASE keywords) that stand in a run of two
    or more comparisons at their own level (an operand AGE may write twice)."""
    chained: set[int] = set()
    # Per open level: the comparisons of the current run and the groups opened in it.
    runs: list[tuple[int, list[int]]] = [(0, [])]
    for index, token in enumerate(tokens):
        if _opens(token):
            runs[-1][1].append(index)
            runs.append((0, []))
        elif _closes(token):
            _close_run(runs.pop(), chained)
            if not runs:
                runs.append((0, []))
        elif token.kind is Kind.PUNCT and token.text in _COMPARISONS:
            compared, groups = runs[-1]
            runs[-1] = (compared + 1, groups)
        elif token.text == "," or token.is_keyword(*_SEPARATORS):
            _close_run(runs[-1], chained)
            runs[-1] = (0, [])
    for run in runs:
        _close_run(run, chained)
    return chained


def _close_run(run: tuple[int, list[int]], chained: set[int]) -> None:
    compared, groups = run
    if compared >= 2:
        chained.update(groups)
