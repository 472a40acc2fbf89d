"""Python's cycle collector, held back while millions of small objects are made.

Cells, rows, offers and limits hold no reference cycles and are freed by reference counting;
the collector would walk all of them again and again as they are made (about half the time of
reading, validating or modelling 200,000 offers)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(collect: bool = False) -> Iterator[None]:
    """No cycle collection inside the block; with `collect`, one collection at its end of the
    youngest generation only: every object made in the block is there (nothing was collected
    meanwhile), and the older ones, the modules' among them, are not walked again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        if collect:
            gc.collect(0)
