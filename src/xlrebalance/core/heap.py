"""Bulk building without the cyclic garbage collector's repeated scans.

Parsing 100,000 lots or replaying 20,000 sales allocates one value per row and frees
almost nothing; the collector would walk the growing heap over and over (about 40% of a
large parse).  ``collector_paused()`` holds it off for the duration and restores it after.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_new, _set = object.__new__, object.__setattr__


def build(cls, **fields):
    """``cls(**fields)`` for a frozen dataclass given every one of its fields, without the
    generated ``__init__`` (one ``object.__setattr__`` per field, about twice the cost): a
    large household's parse, replay and harvest make tens of thousands of values.  Only for
    classes without ``__post_init__``; a field left out would read the class default, so the
    tests check that values built here equal the dataclass's own."""
    instance = _new(cls)
    _set(instance, "__dict__", fields)
    return instance
