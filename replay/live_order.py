"""Start order while the capture is still being written: `TimeOrder`'s order, without its wait.

Offline, `ordering.TimeOrder` holds an exchange until the capture has moved
a whole window (300 s) past its start, because an exchange that started
earlier may still be written later. Live, the recorder knows more: it
publishes a watermark, a time before which no exchange still to be written
can have started (the start of the oldest request in flight, or, with none
in flight, a moment up to which every request has been seen). So every held
exchange that started before the watermark can go at once.

That gives exactly the offline order. An exchange held here that started
before the watermark is, offline, released before anything written later:
a later line starts at or after the watermark, so it neither comes before
it in the heap nor counts as late while it is held. Releasing it earlier
changes nothing that follows, since the only other state, the start of the
latest exchange released, stays below the start of every later line.

Everything else is `TimeOrder` as it is: the same heap keyed by (start,
file order), the same window rule for lines pushed, the same handling of an
exchange that took longer than the window (released at once, counted as
late). `broken` counts lines that started before a watermark already acted
on: the recorder's promise broken, so the order may differ from offline.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Generic, TypeVar

from .ordering import DEFAULT_WINDOW_SECONDS

T = TypeVar("T")


class LiveOrder(Generic[T]):
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

    def push(self, started: float, ended: float, item: T) -> Iterator[T]:
        """Add the next line of the capture; yields what the window rule releases (as `TimeOrder` does)."""
        if started < self._watermark:
            self.broken += 1
        if started < self._released_up_to:
            self.late += 1
        heapq.heappush(self._heap, (started, self._counter, item))
        self._counter += 1
        cutoff = ended - self._window
        while self._heap and (self._heap[0][0] <= cutoff or self._heap[0][0] < self._released_up_to):
            yield self._pop()

    def advance(self, watermark: float) -> Iterator[T]:
        """The recorder promises that no line still to come started before `watermark`:
        yields, in start order, what started before it."""
        self._watermark = max(self._watermark, watermark)
        while self._heap and self._heap[0][0] < self._watermark:
            yield self._pop()

    def drain(self) -> Iterator[T]:
        """Everything still held, in start order (the capture is complete)."""
        while self._heap:
            yield self._pop()

    def _pop(self) -> T:
        started, _, item = heapq.heappop(self._heap)
        self._released_up_to = max(self._released_up_to, started)
        return item
