"""What the recorder tells a live checker: a watermark, a time before which no exchange still to be written started.

`InFlight` is an addon beside the `Recorder`. Every tick it asks the
Recorder when its oldest request not yet written started; the watermark is
that start, or, when nothing is in flight, a moment up to which every
request has been noted. It only ever grows, and is handed to `publish` (for
`record --live` a double in shared memory, read by the checking process).
It has no hook on the request path: the Recorder's own table of open flows
is the record of what is in flight.

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

from mitmproxy import ctx

from .addon import Recorder

TICK_SECONDS: Final = 0.05
LOOP_ROUNDS: Final = 3  # event loop turns between reading the clock and trusting it
MARGIN_SECONDS: Final = 0.001


class InFlight:
    def __init__(self, publish: Callable[[float], None], tick: float = TICK_SECONDS) -> None:
        self._publish = publish
        self._tick = tick
        self._watermark = -math.inf
        self._ticker: asyncio.Task[None] | None = None

    def running(self) -> None:
        recorder = ctx.master.addons.get("recorder")
        if recorder is None:
            raise RuntimeError("InFlight needs the Recorder addon")
        self._ticker = asyncio.get_running_loop().create_task(self._ticking(recorder))

    def done(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()

    async def _ticking(self, recorder: Recorder) -> None:
        while True:
            await asyncio.sleep(self._tick)
            now = time.time() - MARGIN_SECONDS
            for _ in range(LOOP_ROUNDS):
                await asyncio.sleep(0)
            # Every request that started before `now` is now noted by the Recorder: in flight, or written.
            mark = min(recorder.oldest_in_flight(), now)
            if mark > self._watermark:
                self._watermark = mark
                self._publish(mark)
