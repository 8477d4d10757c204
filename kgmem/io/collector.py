"""The cyclic garbage collector while imports run: collected less often, per process."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

RELAXED_GEN0 = 100_000
_relaxing = 0
_saved_threshold: tuple[int, int, int] | None = None
_relax_lock = threading.Lock()


@contextlib.contextmanager
def relaxed_collection() -> Iterator[None]:
    """Run the cyclic garbage collector's youngest generation every ``RELAXED_GEN0``
    new containers instead of Python's default 700, while any import runs in this
    process (the setting is per process: the first import to start raises it, the last
    to end puts back what it was).

    A batch is tens of thousands of statements, each some dicts, tuples and operation
    objects that live until the batch is written. With the default threshold the
    collector runs every 700 of them and keeps traversing the batch built so far as it
    ages through the generations: reading and mapping took about twice as long with it
    as with the threshold at 100,000 (which is about as fast as the collector off).
    A load makes no reference cycles of its own (its objects are freed by reference
    counting when a batch is done), and cycles made meanwhile by anything else in the
    process are still collected, only less often."""
    global _relaxing, _saved_threshold  # noqa: PLW0603
    with _relax_lock:
        if _relaxing == 0:
            _saved_threshold = gc.get_threshold()
            gen0, *older = _saved_threshold
            gc.set_threshold(max(gen0, RELAXED_GEN0), *older)
        _relaxing += 1
    try:
        yield
    finally:
        with _relax_lock:
            _relaxing -= 1
            if _relaxing == 0 and _saved_threshold is not None:
                gc.set_threshold(*_saved_threshold)
                _saved_threshold = None
