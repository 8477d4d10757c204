"""Error positions in the query as the analyst wrote it.

kgmem sends AGE a rewritten text (``kgmem.cypher.rewrite``, ``kgmem.cypher.fold``,
procedure calls): most rewrites keep every position, some expand a span and shift what
follows. When AGE reports an error at a position of the rewritten text, ``placed``
moves it back to the text that was written, by aligning the two texts (their longest
common runs): a position inside a run that both share maps exactly, one inside a
rewritten span maps to where that span starts in the written text.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterator

from kgmem.errors import CypherError


def in_written(written: str, rewritten: str, position: int) -> int:
    """The position in ``written`` that ``position`` in ``rewritten`` came from."""
    if written == rewritten:
        return position
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
