"""What the recorder tells a live checker: a watermark, a time before which no exchange still to be written started.

`InFlight` is an addon placed after the `Recorder`. It notes the start of
every request when its headers are in (the `requestheaders` hook) and
forgets it once the Recorder has written the exchange (the `response` and
`error` hooks run after the Recorder's). The watermark is the start of the
oldest request still in flight, or, when none is, a moment up to which every
request has been noted. It only ever grows, and is handed to `publish`
(for `record --live` a double in shared memory, read by the checking
process); it costs the hot path a dict update and, now and then, a `min`.

Why a moment "up to which every request has been noted" needs care:
mitmproxy takes a request's start time when its headers are parsed, and
runs the hooks for it in a task it creates at that instant; a response of
another flow can be handled in between. So a clock reading `t` becomes
safe only once the tasks created before `t` have run: a ticker reads the
clock, then lets the event loop go round a few times (every task ready
before is run first, hooks of the embedded recorder being synchronous)
before adopting `t`, less a millisecond for the rounding of captured
timestamps to microseconds.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Final

from mitmproxy import http

TICK_SECONDS: Final = 0.05
LOOP_ROUNDS: Final = 3  # event loop turns between reading the clock and trusting it
MARGIN_SECONDS: Final = 0.001


class InFlight:
    def __init__(self, publish: Callable[[float], None], tick: float = TICK_SECONDS) -> None:
        self._publish = publish
        self._tick = tick
        self._starts: dict[str, float] = {}  # flow id -> request start, until written
        self._oldest = math.inf  # min of _starts, kept lazily
        self._seen_up_to = -math.inf  # every request that started before this has been noted
        self.watermark = -math.inf
        self._ticker: asyncio.Task[None] | None = None

    def running(self) -> None:
        self._ticker = asyncio.get_running_loop().create_task(self._ticking())

    def done(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        started = flow.request.timestamp_start
        self._starts[flow.id] = started
        self._oldest = min(self._oldest, started)

    def response(self, flow: http.HTTPFlow) -> None:
        self._written(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._written(flow)

    def _written(self, flow: http.HTTPFlow) -> None:
        started = self._starts.pop(flow.id, None)
        if started is not None and started <= self._oldest:
            self._oldest = min(self._starts.values(), default=math.inf)
            self._update()

    def _update(self) -> None:
        mark = min(self._oldest, self._seen_up_to)
        if mark > self.watermark:
            self.watermark = mark
            self._publish(mark)

    async def _ticking(self) -> None:
        while True:
            await asyncio.sleep(self._tick)
            now = time.time() - MARGIN_SECONDS
            for _ in range(LOOP_ROUNDS):
                await asyncio.sleep(0)
            self._seen_up_to = max(self._seen_up_to, now)
            self._update()
