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
