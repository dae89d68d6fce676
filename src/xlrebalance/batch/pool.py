"""Run one task per item in worker processes, each task within a time and memory budget.

``run_budgeted(items, task, ...)`` keeps ``processes`` workers; each takes one item at a
time, so the parent always knows which item a worker is on and since when.  The parent
watches every busy worker ten times a second: past ``Budget.seconds`` it is killed and the
item reported ``too_slow``; its resident memory grown past ``Budget.memory_mb`` (read from
/proc) and it is killed and reported ``too_large``; a worker that dies by itself (an
allocation refused by its address-space limit, a crash in a native library) is reported
``too_large`` too.  A killed worker is replaced and the other items go on.

Workers are forked where the platform allows (fast: the parent's modules are already
loaded), so memory is measured as growth over the worker's resident size when idle.  An
address-space limit of that size plus twice the budget backs the watch up against a
single huge allocation between two looks.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Optional, Sequence

#: Seconds between two looks at the busy workers.
TICK_S = 0.1


@dataclass(frozen=True)
class Budget:
    """What one item may cost: wall seconds, and megabytes of memory grown while on it."""

    seconds: float = 120.0
    memory_mb: float = 2048.0


@dataclass(frozen=True)
class Overrun:
    """An item stopped for its cost: ``kind`` is "too_slow" or "too_large"."""

    kind: str
    seconds: float
    memory_mb: float
    died: bool = False       # the worker ended by itself (not killed by the watch)


def _rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (0 where /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as stream:
            return int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker(tasks: Connection, results: Connection, task: Callable[[Any], Any], memory_mb: float) -> None:
    try:
        import resource

        size = _vm_bytes()
        if size:
            limit = size + int(2 * memory_mb * 2**20)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    while True:
        try:
            job = tasks.recv()
        except EOFError:
            return
        if job is None:
            return
        index, item = job
        try:
            results.send((index, "ok", task(item)))
        except MemoryError:
            results.send((index, "memory", None))
        except BaseException as error:   # handed to the parent, which decides
            results.send((index, "error", error))


@dataclass
class _Slot:
    process: Any
    tasks: Connection
    results: Connection
    index: Optional[int] = None
    started: float = 0.0
    idle_mb: float = 0.0


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_budgeted(items: Sequence[Any], task: Callable[[Any], Any], *, processes: int = 2,
                 budget: Budget = Budget(), on_result: Callable[[int, Any], None],
                 on_overrun: Callable[[int, Overrun], None]) -> None:
    """Run ``task(item)`` for every item; report each through ``on_result(index, value)`` or
    ``on_overrun(index, Overrun)``.  An exception raised by ``task`` is raised here."""
    context = _context()
    pending = list(range(len(items)))
    pending.reverse()
    slots: list[_Slot] = []

    def start() -> _Slot:
        task_read, task_write = context.Pipe(duplex=False)
        result_read, result_write = context.Pipe(duplex=False)
        process = context.Process(target=_worker, args=(task_read, result_write, task, budget.memory_mb),
                                  daemon=True)
        process.start()
        task_read.close()
        result_write.close()
        return _Slot(process, task_write, result_read)

    def give(slot: _Slot) -> None:
        if not pending:
            return
        slot.index = pending.pop()
        slot.idle_mb = _rss_mb(slot.process.pid)
        slot.started = time.monotonic()
        slot.tasks.send((slot.index, items[slot.index]))

    def stop(slot: _Slot) -> None:
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join(5)
        slot.tasks.close()
        slot.results.close()

    try:
        for _ in range(max(1, min(processes, len(items)))):
            slot = start()
            slots.append(slot)
            give(slot)
        while any(s.index is not None for s in slots):
            ready = wait([s.results for s in slots if s.index is not None] +
                         [s.process.sentinel for s in slots if s.index is not None], timeout=TICK_S)
            now = time.monotonic()
            for position, slot in enumerate(slots):
                if slot.index is None:
                    continue
                index, elapsed = slot.index, now - slot.started
                if slot.results in ready or slot.results.poll():
                    try:
                        _, status, value = slot.results.recv()
                    except (EOFError, OSError):
                        status, value = "died", None
                    if status == "error":
                        raise value
                    slot.index = None
                    if status == "ok":
                        on_result(index, value)
                        give(slot)
                        continue
                    on_overrun(index, Overrun("too_large", elapsed, _grown(slot), died=status == "died"))
                elif not slot.process.is_alive():
                    slot.index = None
                    on_overrun(index, Overrun("too_large", elapsed, 0.0, died=True))
                elif elapsed > budget.seconds:
                    slot.index = None
                    on_overrun(index, Overrun("too_slow", elapsed, _grown(slot)))
                elif _grown(slot) > budget.memory_mb:
                    slot.index = None
                    on_overrun(index, Overrun("too_large", elapsed, _grown(slot)))
                else:
                    continue
                stop(slot)                       # a stopped or dead worker is replaced
                slots[position] = replacement = start()
                give(replacement)
    finally:
        for slot in slots:
            try:
                slot.tasks.send(None)
            except (OSError, ValueError):
                pass
        for slot in slots:
            slot.process.join(2)
            stop(slot)


def _grown(slot: _Slot) -> float:
    return max(0.0, _rss_mb(slot.process.pid) - slot.idle_mb)
