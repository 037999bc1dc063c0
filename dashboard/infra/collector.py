"""Python's cyclic garbage collector held off during bulk work that builds millions of short-lived
objects (a feed's source rows and their cells): each full collection walks every live object, so
with a few hundred thousand rows held it ran many times per batch and cost more than the work."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (reference counting still frees everything without
    cycles, which is all such work makes); the collector runs as before after it, also when the
    block raises. Nested blocks leave it off until the outermost ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
