"""Putting exchanges into time order, streaming, with memory bounded by a window.

A capture is written in completion order; checkers want the order in which
requests happened (`started`), across both directions. A line that ended at
time E can only be followed by lines whose requests started after E minus
the longest exchange; so an exchange is released once the capture has moved
more than `window` seconds past its start. Memory holds only what started
within the window. An exchange that arrives after later ones were released
(it took longer than the window) is released at once and counted as late.

While a capture is still being written (live checking), the recorder knows
more: it publishes a watermark, a time before which no exchange still to be
written can have started. `advance(watermark)` releases at once what started
before it, without waiting out the window, and the order stays exactly the
offline one: a later line starts at or after the watermark, so it would
neither have come before those in the heap nor counted as late while they
were held. `broken` counts lines that started before a watermark already
acted on (the recorder's promise broken: the order may then differ).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Generic, TypeVar

from ocpi_tap.rules.exchange import capture_time

T = TypeVar("T")
DEFAULT_WINDOW_SECONDS = 300.0


def epoch(stamp: str) -> float:
    """Seconds since the epoch of a capture timestamp (`...ffffffZ`, as the reader has checked)."""
    return capture_time(stamp).timestamp()


class TimeOrder(Generic[T]):
    def __init__(self, window: float = DEFAULT_WINDOW_SECONDS) -> None:
        self._window = window
        self._heap: list[tuple[float, int, T]] = []
        self._counter = 0  # ties keep file order
        self._released_up_to = float("-inf")
        self._watermark = float("-inf")
        self.late = 0
        self.broken = 0

    @property
    def held(self) -> int:
        return len(self._heap)

    def push(self, started: float, ended: float, item: T) -> list[T]:
        """Add an exchange; returns those now safe to release, in start order (a list: called per exchange)."""
        if started < self._released_up_to:
            self.late += 1
        if started < self._watermark:
            self.broken += 1
        heap = self._heap
        heapq.heappush(heap, (started, self._counter, item))
        self._counter += 1
        cutoff = ended - self._window
        ready: list[T] = []
        while heap and (heap[0][0] <= cutoff or heap[0][0] < self._released_up_to):
            released, _, item = heapq.heappop(heap)
            if released > self._released_up_to:
                self._released_up_to = released
            ready.append(item)
        return ready

    def advance(self, watermark: float) -> list[T]:
        """No exchange still to come started before `watermark`: returns, in start order, what did."""
        self._watermark = max(self._watermark, watermark)
        heap = self._heap
        ready: list[T] = []
        while heap and heap[0][0] < self._watermark:
            released, _, item = heapq.heappop(heap)
            self._released_up_to = max(self._released_up_to, released)
            ready.append(item)
        return ready

    def drain(self) -> Iterator[T]:
        """Everything still held, in start order (the end of the capture)."""
        while self._heap:
            released, _, ready = heapq.heappop(self._heap)
            self._released_up_to = max(self._released_up_to, released)
            yield ready
