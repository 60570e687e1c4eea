"""`ocpi-tap record --live` for real: a recorder process between the mock hub and partner, checking as it records."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from conftest import BIN, CHROMIUM, CHROMIUM_ARGS, REPO
from ocpi_tap.peers.demo import MockDay, free_ports
from ocpi_tap.replay.capture import CaptureReader, LineProblem

FAULTS = ["session-kwh-going-down", "cdr-without-total-cost", "callback-never-sent", "request-id-not-echoed"]


async def eventually(probe: Callable[[], Awaitable[Any]], what: str, seconds: float = 30.0) -> Any:
    """Polls `probe` until it returns something true (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what} after {seconds} s")


async def listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


class LiveRecord:
    """`ocpi-tap record --live` between a mock day's peers."""

    def __init__(self, tmp_path: Path, faults: list[str], *extra: str, env: dict[str, str] | None = None) -> None:
        self.to_hub, self.to_partner, hub_port, partner_port = free_ports(4)
        self.day = MockDay("cpo", faults, "mobie", self.to_hub, self.to_partner, (hub_port, partner_port))
        self.capture = tmp_path / "live.jsonl"
        self.live_json = tmp_path / "live-findings.jsonl"
        self.argv = [str(BIN / "ocpi-tap"), "record", "--hub", self.day.hub_url, "--partner", self.day.partner_url,
                     "--hub-port", str(self.to_hub), "--partner-port", str(self.to_partner),
                     "-o", str(self.capture), "--live-json", str(self.live_json), *extra]
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[str] | None = None

    async def start(self) -> None:
        self.process = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        cwd=REPO, env=self.env)
        for port in (self.to_hub, self.to_partner):
            await eventually(lambda port=port: self._listening(port), f"the recorder on port {port}")  # type: ignore[misc]

    async def _listening(self, port: int) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"record exited {self.process.returncode}: {self.process.communicate()}")
        return await listening(port)

    def live_findings(self) -> list[dict[str, Any]]:
        text = self.live_json.read_text() if self.live_json.exists() else ""
        return [json.loads(line) for line in text.splitlines()]

    def stop(self) -> tuple[int, str, str]:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=90)
        return self.process.returncode, out, err

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.communicate(timeout=30)

    def record_day(self, meanwhile: Callable[[], Awaitable[Any]] | None = None) -> tuple[int, str, str]:
        """The mock day played through the recorder (then `meanwhile`, while it still runs), and Ctrl-C."""
        async def day() -> None:
            async with self.day:
                await self.start()
                await self.day.play()
                if meanwhile is not None:
                    await meanwhile()

        try:
            asyncio.run(day())
            return self.stop()
        finally:
            self.kill()


def replay(capture: Path, output_format: str, *extra: str) -> str:
    done = subprocess.run([str(BIN / "ocpi-tap"), "replay", "--format", output_format, str(capture), *extra],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def identity(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (finding["code"], finding["seq"], finding["line"], finding["path"], finding["message"])


def exchanges_in(capture: Path) -> int:
    with CaptureReader(capture) as reader:
        items = list(reader)
    assert not any(isinstance(item, LineProblem) for item in items)
    return len(items)


def test_live_findings_are_the_offline_replays(tmp_path: Path) -> None:
    live = LiveRecord(tmp_path, FAULTS)
    # Found while the recorder still runs: a finding of the day, not one of the end.
    code, out, err = live.record_day(lambda: eventually(
        lambda: asyncio.sleep(0, {"SES203", "CDR001"} <= {f["code"] for f in live.live_findings()}),
        "the day's findings printed live"))
    assert code == 0, err
    offline = json.loads(replay(live.capture, "json"))
    assert sorted(map(identity, live.live_findings())) == sorted(map(identity, offline["findings"]))
    assert {f["code"] for f in offline["findings"]} >= {"SES203", "CDR001", "CMD202", "ENV104"}
    # The terminal: the same finding lines (in the order found), a cause found many times (ENV104: every
    # response of the partner) printed at its first findings, then counted and summed up as replay groups
    # it, then the readiness and summary replay prints.
    prefix = f"{live.capture}:"
    concise = replay(live.capture, "concise").splitlines()
    every = [line for line in replay(live.capture, "concise", "--no-group").splitlines() if line.startswith(prefix)]
    grouped = [line for line in concise if line.startswith(prefix) and line not in every]
    assert len(grouped) == 1 and ": ENV104 X-Request-ID: not echoed in the response: " in grouped[0]
    printed = out.splitlines()
    heading = printed.index("Found many times (one cause, one line; --no-group prints every finding):")
    assert printed[heading + 1:heading + 1 + len(grouped)] == grouped
    live_lines = [line for line in printed[:heading] if line.startswith(prefix)]
    so_far = [line for line in live_lines if line.endswith("so far; more of this cause are counted, not printed")]
    assert len(so_far) == 1 and ": ENV104 X-Request-ID: not echoed in the response: 3 exchanges, " in so_far[0]
    singles = [line for line in live_lines if line not in so_far]
    assert set(singles) <= set(every)
    counted = int(re.search(r": (\d+) exchanges, lines", grouped[0])[1])  # type: ignore[index]
    assert len(singles) + counted - 2 == len(every)  # each finding printed or counted, once
    tail = [line for line in concise if not line.startswith(prefix)]
    assert printed[-len(tail) - 1:-1] == tail
    assert printed[-1] == f"Capture complete: {live.capture}"
    assert f"in {exchanges_in(live.capture)} exchanges of 1 capture; not ready: " in tail[-1]
    assert "recorded " in err and "note:" not in err  # the progress line stays on stderr; the order held


def test_select_and_ignore_filter_the_live_findings_as_they_filter_replay(tmp_path: Path) -> None:
    chosen = ("--select", "SES", "--select", "CMD", "--ignore", "SES2")
    live = LiveRecord(tmp_path, FAULTS, *chosen)
    code, _, err = live.record_day()
    assert code == 0, err
    offline = json.loads(replay(live.capture, "json", *chosen))
    codes = {f["code"] for f in live.live_findings()}
    assert "CMD202" in codes and not {"SES203", "CDR001", "ENV104"} & codes  # all four faults happened
    assert sorted(map(identity, live.live_findings())) == sorted(map(identity, offline["findings"]))


def test_a_crashed_checker_is_an_error_not_findings_and_the_recording_stands(tmp_path: Path) -> None:
    live = LiveRecord(tmp_path, [], env={"OCPI_TAP_LIVE_DELAY": "not-a-number"})  # the checker fails at once
    code, out, err = live.record_day()
    assert code == 0, err  # the exit status stays the recording's
    assert "ValueError" in err and "live checking failed (exit status 3)" in err
    assert out.splitlines()[-1] == f"Capture complete: {live.capture}"
    assert exchanges_in(live.capture) > 40


@pytest.mark.parametrize(("options", "named"), [
    (["--select", "SES"], "--select"),
    (["--ignore", "LOC", "--select", "SES"], "--select, --ignore"),
    (["--profile", "ocpi-2.2.1"], "--profile"),
    (["--profile", "mobie", "--role", "cpo"], "--profile, --role"),  # the default, but said: still refused
    (["--no-group"], "--no-group"),
])
def test_live_check_options_without_live_are_a_usage_error(tmp_path: Path, options: list[str], named: str) -> None:
    done = subprocess.run([str(BIN / "ocpi-tap"), "record", "--hub", "http://127.0.0.1:9/ocpi", "--partner",
                           "http://127.0.0.1:9/ocpi", "-o", str(tmp_path / "c.jsonl"), *options],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"{named}: for the live check only; add --live" in done.stderr
    assert not (tmp_path / "c.jsonl").exists()


def test_a_slow_checker_loses_nothing_and_does_not_hold_the_traffic(tmp_path: Path) -> None:
    live = LiveRecord(tmp_path, FAULTS, env={"OCPI_TAP_LIVE_DELAY": "0.1"})  # a tenth of a second per exchange
    code, out, err = live.record_day()  # stopped right after the traffic: the checker is far behind
    assert code == 0, err
    exchanges = exchanges_in(live.capture)
    assert re.search(rf"recorded {exchanges} exchanges: .* 0 failed", err)  # the capture is complete
    behind = re.search(r"live check: (\d+) exchanges? w(as|ere) still to check when the recording stopped", err)
    assert behind and 0 < int(behind[1]) <= exchanges
    assert f"in {exchanges} exchanges of 1 capture; not ready: " in out
    offline = json.loads(replay(live.capture, "json"))
    assert sorted(map(identity, live.live_findings())) == sorted(map(identity, offline["findings"]))


def test_a_second_ctrl_c_stops_the_checker_catching_up(tmp_path: Path) -> None:
    # Half a second per exchange: the check would take half a minute, however slow the day on a loaded machine.
    live = LiveRecord(tmp_path, FAULTS, env={"OCPI_TAP_LIVE_DELAY": "0.5"})

    async def day() -> None:
        async with live.day:
            await live.start()
            await live.day.play()

    try:
        asyncio.run(day())
        assert live.process is not None and live.process.stderr is not None
        live.process.send_signal(signal.SIGINT)  # the recording stops; the checker is far behind
        said = []
        while not re.match(r"recorded \d+ exchanges", said[-1] if said else ""):  # the recorder's last count
            line = live.process.stderr.readline()
            assert line, f"record ended before saying what it recorded: {said}"
            said.append(line)
        live.process.send_signal(signal.SIGINT)  # while the recorder waits for the checker
        out, err = live.process.communicate(timeout=30)  # the pipes close once the checker is gone too
    finally:
        live.kill()
    assert live.process.returncode == 130, out + err
    assert err.splitlines()[-1] == "interrupted"
    assert "exchanges of 1 capture" not in out  # the checker did not go on to its summary
    assert exchanges_in(live.capture) > 0  # the capture was complete before the second Ctrl-C


class Cdp:
    """Just enough of the Chrome DevTools protocol: calls, and the events that came meanwhile."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._next = 0
        self.events: list[dict[str, Any]] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        await self._socket.send_json({"id": ident, "method": method, "params": params})
        async with asyncio.timeout(30):  # events may keep coming: the answer must, too
            while True:
                message = await self._socket.receive_json()
                if message.get("id") == ident:
                    assert "error" not in message, message
                    return message["result"]  # type: ignore[no-any-return]
                self.events.append(message)

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")


def devtools_port(log: Path, browser: subprocess.Popen[bytes]) -> int | None:
    if browser.poll() is not None:
        raise AssertionError(f"chromium exited {browser.returncode}: {log.read_text()}")
    found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", log.read_text())
    return int(found.group(1)) if found else None


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_the_live_page_shows_a_finding_as_it_happens(tmp_path: Path) -> None:
    [ui_port] = free_ports(1)
    live = LiveRecord(tmp_path, ["session-kwh-going-down"], "--ui", str(ui_port))
    page = f"http://127.0.0.1:{ui_port}/"
    log = tmp_path / "chromium.log"
    assert CHROMIUM is not None
    browser = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_ARGS, "--remote-debugging-port=0",
         f"--user-data-dir={tmp_path / 'profile'}", "about:blank"], stdout=subprocess.DEVNULL, stderr=log.open("wb"))

    async def session() -> None:
        async with live.day, aiohttp.ClientSession() as http:
            await live.start()
            await eventually(lambda: listening(ui_port), "the live page")
            async with http.get(page) as answer:
                text = await answer.text()
            assert " src=" not in text and 'rel="stylesheet"' not in text  # self-contained
            port = await eventually(lambda: asyncio.sleep(0, devtools_port(log, browser)), "chromium's DevTools")
            async with http.get(f"http://127.0.0.1:{port}/json/list") as answer:
                targets = await answer.json()
            target = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as socket:
                cdp = Cdp(socket)
                await cdp.call("Runtime.enable")
                await cdp.call("Log.enable")
                await cdp.call("Page.navigate", url=page)
                await eventually(lambda: cdp.evaluate("document.readyState === 'complete' && "
                                                      "document.querySelectorAll('#readiness tbody tr').length > 0"),
                                 "the page with its readiness matrix")
                assert await cdp.evaluate("document.querySelectorAll('#findings tbody tr').length") == 0

                await live.day.play()  # only now does traffic flow

                codes = "Array.from(document.querySelectorAll('#findings tbody tr')).map(r => r.dataset.code)"
                found = await eventually(
                    lambda: cdp.evaluate(f"{codes}.includes('SES203') && {codes}"), "SES203 on the page")
                assert found == ["SES203"]
                verdict = ("document.querySelector('#readiness tr[data-module=sessions]').children[1].textContent")
                assert await eventually(lambda: cdp.evaluate(f"{verdict} === 'failing'"), "Sessions failing")
                link = await cdp.evaluate("document.querySelector('#findings tr[data-code=SES203] a').href")
                async with http.get(link) as answer:
                    assert answer.status == 200
                    shown = await answer.json()
                [finding] = [f for f in live.live_findings() if f["code"] == "SES203"]
                assert shown["seq"] == finding["seq"]
                assert "Token redacted:" in json.dumps(shown["request"]["headers"])
                await cdp.call("Page.navigate", url="about:blank")  # leave before the page's server stops
                problems = [e for e in cdp.events if e.get("method") == "Runtime.exceptionThrown"
                            or (e.get("method") == "Runtime.consoleAPICalled"
                                and e["params"]["type"] in ("error", "warning", "assert"))
                            or (e.get("method") == "Log.entryAdded"
                                and e["params"]["entry"]["level"] in ("error", "warning"))]
                assert problems == []
                # And the check would see one: a page whose script fails.
                await cdp.call("Page.navigate", url="data:text/html,<script>notDefined()</script>")

                async def thrown() -> bool:
                    await cdp.evaluate("1")  # takes in the events that came meanwhile
                    return any(e.get("method") == "Runtime.exceptionThrown" for e in cdp.events)

                assert await eventually(thrown, "the broken script's exception")

    try:
        asyncio.run(session())
        code, out, err = live.stop()
    finally:
        browser.terminate()
        browser.wait(timeout=30)
        live.kill()
    assert code == 0, err
    assert f"Live page: {page}" in out
