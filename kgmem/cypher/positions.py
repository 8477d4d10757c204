"""Error positions in the query as the analyst wrote it.

kgmem sends AGE a rewritten text (``kgmem.cypher.rewrite``, ``kgmem.cypher.fold``,
procedure calls): most rewrites keep every position, some expand a span and shift what
follows. When AGE reports an error at a position of the rewritten text, ``placed``
moves it back to the text that was written, by aligning the two texts (their longest
common runs): a position inside a run that both share maps exactly, one inside a
rewritten span maps to where that span starts in the written text. The texts' common
start and end are set aside first; the alignment of what differs between them costs up
to the product of its lengths, so past ``MOST_ALIGNED`` it is not made and a position in
it maps to where the difference starts (an error raised for a long rewritten query
must not hold the event loop).
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterator

from kgmem.errors import CypherError

MOST_ALIGNED = 200_000
"""The largest product of the differing parts' lengths that is aligned character by
character (a few milliseconds)."""


def in_written(written: str, rewritten: str, position: int) -> int:
    """The position in ``written`` that ``position`` in ``rewritten`` came from."""
    if written == rewritten:
        return position
    head = _common_start(written, rewritten)
    if position < head:
        return position
    tail = _common_start(written[head:][::-1], rewritten[head:][::-1])
    if position >= len(rewritten) - tail:
        return len(written) - (len(rewritten) - position)
    old = written[head : len(written) - tail]
    new = rewritten[head : len(rewritten) - tail]
    if len(old) * len(new) > MOST_ALIGNED:
        return head
    return head + _aligned(old, new, position - head)


def _common_start(a: str, b: str) -> int:
    """The length of the longest common start of ``a`` and ``b``."""
    most = min(len(a), len(b))
    low, high = 0, most
    while low < high:  # halving: the slices compare in C
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _aligned(written: str, rewritten: str, position: int) -> int:
    """``in_written`` by aligning the two texts' longest common runs."""
    matcher = difflib.SequenceMatcher(None, written, rewritten, autojunk=False)
    before = 0
    for a, b, size in matcher.get_matching_blocks():
        if b <= position < b + size:
            return a + (position - b)
        if b + size <= position:
            before = a + size
    return min(before, len(written))


@contextlib.contextmanager
def placed(written: str, rewritten: str) -> Iterator[None]:
    """Errors raised inside with their positions in ``written`` (see the module)."""
    try:
        yield
    except CypherError as error:
        if error.position is not None and written != rewritten:
            error.position = in_written(written, rewritten, error.position)
            error.extra = {**error.extra, "position": error.position}
        raise
