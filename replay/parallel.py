"""Several captures at once, one process each (`-j N`): replay is CPU-bound Python, so threads would not help.

Each worker replays whole captures; results come back in the order the
captures were given, whatever order they finish in. With one worker (or
one capture) everything runs in this process, with no pool to start.

Ctrl-C in a terminal reaches the whole process group. The workers ignore it
(an idle one would otherwise print a traceback); the parent gets it, ends
the workers at once, captures in flight included, and passes it on.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Sequence
from multiprocessing.pool import AsyncResult
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def worker_count(jobs: int) -> int:
    """`-j 0` means one per CPU."""
    return jobs if jobs > 0 else os.cpu_count() or 1


def _ignore_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_all(work: Callable[[Item], Result], items: Sequence[Item], jobs: int,
            done: Callable[[int, int], None] | None = None) -> list[Result]:
    """`work(item)` for every item, in up to `jobs` processes; `done(finished, total)` after each.

    `work` must be a module-level function (it is pickled to the workers). An
    exception in a worker is raised here, for the first item (in order) that failed.
    """
    workers = min(worker_count(jobs), len(items))
    if workers <= 1:
        results = []
        for index, item in enumerate(items):
            results.append(work(item))
            if done is not None:
                done(index + 1, len(items))
        return results
    finished: queue.SimpleQueue[object] = queue.SimpleQueue()  # filled by the pool's result thread
    pool = multiprocessing.get_context().Pool(workers, initializer=_ignore_ctrl_c)
    try:
        pending: list[AsyncResult[Result]] = [
            pool.apply_async(work, (item,), callback=finished.put, error_callback=finished.put) for item in items
        ]
        for count in range(1, len(items) + 1):
            finished.get()
            if done is not None:
                done(count, len(items))
        results = [result.get() for result in pending]
    except BaseException:
        pool.terminate()  # Ctrl-C, or a failure: nothing left running behind us
        raise
    pool.close()
    pool.join()
    return results
