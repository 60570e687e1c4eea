"""Several captures at once, one process each (`-j N`): replay is CPU-bound Python, so threads would not help.

Each worker replays whole captures; results come back in the order the
captures were given, whatever order they finish in. With one worker (or
one capture) everything runs in this process, with no pool to start.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def worker_count(jobs: int) -> int:
    """`-j 0` means one per CPU."""
    return jobs if jobs > 0 else os.cpu_count() or 1


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
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures: list[Future[Result]] = [pool.submit(work, item) for item in items]
        finished = 0
        if done is not None:
            for _ in as_completed(futures):
                finished += 1
                done(finished, len(items))
        return [future.result() for future in futures]

