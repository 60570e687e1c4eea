"""The live page's event stream, read as a browser's EventSource reads it, on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from conftest import REPO
from ocpi_tap.live_page import LivePage
from ocpi_tap.peers.demo import free_ports
from ocpi_tap.replay.check import CaptureResult, check_capture

CAPTURE = REPO / "captures" / "fault-callback-sent-twice.jsonl"


async def read_events(url: str, first_status: asyncio.Event | None = None) -> list[tuple[str, dict[str, object]]]:
    """(event, data) as they come, up to the status that says the capture is complete;
    `first_status` is set once a status has come."""
    events: list[tuple[str, dict[str, object]]] = []
    async with aiohttp.ClientSession() as http, http.get(url) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        name = ""
        async with asyncio.timeout(30):
            async for raw in stream.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    events.append((name, json.loads(line.removeprefix("data: "))))
                    if name == "status" and first_status is not None:
                        first_status.set()
                    if name == "status" and events[-1][1]["finished"]:
                        return events
    raise AssertionError(f"the stream ended before the capture was complete: {events}")


def publish(page: LivePage, result: CaptureResult, finished: bool) -> None:
    for finding in result.findings:
        page.finding(finding)
    assert result.readiness is not None
    page.status(result.readiness, result.exchanges, result.exchanges, len(result.findings), finished=finished)


@asynccontextmanager
async def serving() -> AsyncIterator[tuple[LivePage, str]]:
    """A live page on a free loopback port, and the URL of its event stream."""
    [port] = free_ports(1)
    page = LivePage(str(CAPTURE), lambda line: None)
    await page.start(port)
    try:
        yield page, f"http://127.0.0.1:{port}/events"
    finally:
        await page.stop()


def test_a_late_client_gets_the_findings_then_the_final_status() -> None:
    result = check_capture(CAPTURE)
    assert result.findings

    async def run() -> list[tuple[str, dict[str, object]]]:
        async with serving() as (page, events):
            publish(page, result, finished=False)
            publish(page, result, finished=True)  # a status per batch: only the latest is replayed
            return await read_events(events)

    events = asyncio.run(run())
    names = [name for name, _ in events]
    assert names == ["finding"] * 2 * len(result.findings) + ["status"]
    assert [data["code"] for _, data in events[:len(result.findings)]] == [f.code for f in result.findings]
    assert events[-1][1]["findings"] == len(result.findings)


def test_a_client_following_sees_each_event_as_it_is_published() -> None:
    result = check_capture(CAPTURE)

    async def run() -> list[tuple[str, dict[str, object]]]:
        async with serving() as (page, events):
            publish(page, result, finished=False)
            caught_up = asyncio.Event()
            following = asyncio.create_task(read_events(events, caught_up))
            await asyncio.wait_for(caught_up.wait(), 30)
            publish(page, result, finished=True)  # now following: this batch comes live
            return await following

    events = asyncio.run(run())
    per_batch = ["finding"] * len(result.findings) + ["status"]
    assert [name for name, _ in events] == per_batch * 2
    assert [data["finished"] for name, data in events if name == "status"] == [False, True]
