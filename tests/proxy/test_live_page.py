"""The live page's event stream, read as a browser's EventSource reads it, on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import re
import subprocess
from pathlib import Path

import aiohttp
import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, REPO
from ocpi_tap.live_page import LivePage
from ocpi_tap.peers.demo import free_ports
from ocpi_tap.replay.check import CaptureResult, check_capture

CAPTURE = REPO / "captures" / "fault-callback-sent-twice.jsonl"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")


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


ECHO_CAPTURE = REPO / "captures" / "fault-request-id-not-echoed.jsonl"  # 21 ENV104, each with its own request id


def test_each_finding_names_its_cause_which_leaves_out_the_exchange_particulars() -> None:
    result = check_capture(ECHO_CAPTURE)
    findings = [f for f in result.findings if f.code == "ENV104"]
    assert len(findings) == 21 and len({f.message for f in findings}) == 21  # a request id in each message

    async def run() -> list[tuple[str, dict[str, object]]]:
        async with serving() as (page, events):
            publish(page, result, finished=True)
            return await read_events(events)

    shown = [data for name, data in asyncio.run(run()) if name == "finding" and data["code"] == "ENV104"]
    assert len(shown) == 21
    assert len({data["cause"] for data in shown}) == 1  # one row on the page
    assert {data["group"] for data in shown} == {"X-Request-ID: not echoed in the response"}


@needs_chromium
def test_the_page_shows_one_row_per_cause_newest_first_and_filters(tmp_path: Path) -> None:
    result = check_capture(ECHO_CAPTURE)
    later = check_capture(REPO / "captures" / "fault-session-kwh-going-down.jsonl")  # SES203, a cause of its own
    ses203 = [f for f in later.findings if f.code == "SES203"]
    assert len(ses203) == 1

    async def run() -> str:
        [port] = free_ports(1)
        page = LivePage(str(ECHO_CAPTURE), lambda line: None)
        await page.start(port)
        try:
            for finding in [*result.findings, *ses203]:
                page.finding(finding)
            assert result.readiness is not None
            page.status(result.readiness, result.exchanges, result.exchanges, len(result.findings) + 1, finished=True)
            dumped = await asyncio.to_thread(dump, f"http://127.0.0.1:{port}/")
            filtered = await asyncio.to_thread(dump, f"http://127.0.0.1:{port}/?severity=warning")
            return dumped + "\n<!-- filtered -->\n" + filtered
        finally:
            await page.stop()

    dom, filtered = asyncio.run(run()).split("\n<!-- filtered -->\n")
    rows = re.findall(r'<tr[^>]*data-code="(\w+)"[^>]*>(.*?)</tr>', dom.split('id="findings"')[1])
    assert [code for code, _ in rows] == ["SES203", "ENV104"]  # newest first, one row for the 21 ENV104
    env104 = rows[1][1]
    assert "21×" in env104 and "X-Request-ID: not echoed in the response (partner's response)" in env104
    assert ">4</a>–<a" in env104 and ">53</a>" in env104  # first and last line
    assert env104.count("<li>") == 21  # every finding under the row
    assert 'id="count">22<' in dom
    # With the severity filter set to warning, no row is left (both causes are errors).
    assert 'id="count">0 of 22<' in filtered


def dump(url: str) -> str:
    """The page's DOM once its script has read the event stream (closed by the final status)."""
    assert CHROMIUM is not None
    done = subprocess.run([CHROMIUM, *CHROMIUM_ARGS, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
                           "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert [line for line in done.stderr.splitlines() if ":CONSOLE" in line] == []  # the script ran cleanly
    return done.stdout
