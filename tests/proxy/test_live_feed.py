"""InFlight: the watermark the recorder publishes for the live checker, read from the Recorder's open flows."""

from __future__ import annotations

import asyncio
import time

from mitmproxy.test import taddons, tflow

from ocpi_tap.proxy.addon import Recorder
from ocpi_tap.proxy.live_feed import MARGIN_SECONDS, InFlight


def started_at(moment: float) -> tflow.HTTPFlow:
    flow = tflow.tflow(resp=True)
    flow.request.timestamp_start = moment
    return flow


def test_the_watermark_is_the_oldest_request_in_flight_and_never_goes_back() -> None:
    published: list[float] = []

    async def scenario() -> None:
        recorder, feed = Recorder(), InFlight(published.append, tick=0.01)
        with taddons.context(recorder, feed):
            feed.running()
            now = time.time()
            old, older = started_at(now - 50), started_at(now - 100)
            recorder.requestheaders(old)
            recorder.requestheaders(older)

            async def published_is(value: float) -> None:
                for _ in range(500):  # bounded: the ticker runs every 10 ms
                    if published and published[-1] == value:
                        return
                    await asyncio.sleep(0.01)
                raise AssertionError(f"published {published[-3:]}, never {value}")

            await published_is(older.request.timestamp_start)  # held at the oldest in flight, whatever the clock
            recorder.response(old)  # a younger one written: the oldest is still in flight
            await asyncio.sleep(0.05)
            assert published[-1] == older.request.timestamp_start
            recorder.error(older)  # written (as failed): now the clock, once the loop went round, is the bound
            for _ in range(500):
                if published[-1] >= now - MARGIN_SECONDS:  # a clock reading taken after `now`
                    break
                await asyncio.sleep(0.01)
            assert now - MARGIN_SECONDS <= published[-1] <= time.time()
            feed.done()

    asyncio.run(scenario())
    assert published == sorted(published) and len(set(published)) == len(published)
