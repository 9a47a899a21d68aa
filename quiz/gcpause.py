"""Pausing Python's cycle collector while quiz builds many objects at once.

Reading a deck, building a session's queue or summing up a history makes
tens of thousands of objects and almost no reference cycles (15 garbage
objects for a 100,000-card deck), so each pass of the cycle collector over
them is pure cost: 29% of a first load of 100,000 cards, and about a quarter
of the time to the first question with 50,000 cards (bench/deck_load.py,
bench/startup.py). Reference counting still frees everything else at once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cycle collection inside the block; as it was afterwards (nested
    blocks and callers that turned it off themselves are left alone)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
