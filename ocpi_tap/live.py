"""`record --live`: the checking process beside the recorder.

The recorder's process only records: it starts this process, publishes the
watermark into a shared double (`proxy.live_feed.InFlight`), and says when
it has begun and when the capture is closed. This process tails the
capture file as it grows, reading complete lines only: the file is the
buffer, so the recorder never waits for checking, and a checker that falls
behind catches up from the file, losing nothing. Each line goes to a
`replay.live.LiveCheck`, which hands exchanges to the replay's engine in
the offline replay's order as soon as the watermark allows.

Findings print on stdout in the concise form as they happen, a cause found
many times once, then counted (`replay.grouping.LiveGrouping`; every one
with `--no-group`), and, with `--live-json`, one JSON finding per line to a
file (every one); once the capture is
closed the rest is checked, `finish` runs, and the readiness and the
summary print as `replay` prints them. With `--ui PORT` the live page
(`live_page`) is served from here too; unless released with the closing
(as `record` releases it), it stays up after the check until the parent is
interrupted (`demo --ui`: the day is over in seconds). Ctrl-C reaches both
processes; this one ignores it and finishes when the recorder says the
capture is closed and the page is released (or its parent is gone).
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import signal
import sys
import traceback
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final, TextIO

import click
import msgspec

from ocpi_tap.replay.capture import CaptureError
from ocpi_tap.replay.capture.reader import decode_header
from ocpi_tap.replay.formats import DEFAULT_FAIL_ON, FailOn
from ocpi_tap.rules.findings import Finding

POLL_SECONDS: Final = 0.05
EXIT_CRASHED: Final = 3  # not 1: a Python error in a child process exits 1, which would read as "findings"
DELAY_VARIABLE: Final = "OCPI_TAP_LIVE_DELAY"  # seconds of sleep per exchange: the tests' slow checker
STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class LiveOptions:
    capture: Path
    profile: str = "mobie"
    role: str | None = None  # CPO or EMSP; None: inferred, as replay does
    json_out: Path | None = None
    ui_port: int | None = None
    colour: bool = False
    select: tuple[str, ...] = ()  # rule code prefixes, as replay's --select
    ignore: tuple[str, ...] = ()
    fail_on: FailOn = DEFAULT_FAIL_ON  # as replay's --fail-on and --require-ready: the exit status (demo's)
    require_ready: tuple[str, ...] = ()
    group: bool = True  # a cause found GROUP_AT times or more: counted, printed once (replay's --no-group)


class LiveLink:
    """The recorder's end: starts the checking process and feeds it the watermark."""

    def __init__(self, options: LiveOptions) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of mitmproxy's state
        self._watermark: Any = context.RawValue("d", -math.inf)  # one aligned double: written whole
        self._warm = context.Event()
        self._begun = context.Event()
        self._closed = context.Event()
        self._released = context.Event()  # the live page may stop once the check is done
        self.process = context.Process(target=check_live, name="ocpi-tap live check",
                                       args=(options, self._watermark, self._warm, self._begun, self._closed,
                                             self._released))

    def start(self) -> None:
        # The child inherits SIGINT ignored, so a Ctrl-C while it starts cannot kill it either.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self.process.start()
        finally:
            signal.signal(signal.SIGINT, previous)

    def publish(self, watermark: float) -> None:
        self._watermark.value = watermark

    def wait_warm(self, timeout: float) -> None:
        """Waits (at most `timeout` s) until the checker has loaded the rules and is ready to read:
        the demo's day is shorter than an interpreter's start."""
        self._warm.wait(timeout)

    def begin(self) -> None:
        """The capture file exists with its header: checking may start."""
        self._begun.set()

    def close(self, keep_page: bool = False) -> int:
        """The capture is closed: waits for the checker to finish; its exit code:
        0 passed, 1 failed (findings, or a required module not ready), 2 the capture could not be read,
        anything else a crash.
        With `keep_page` the checker's live page stays up after the check until Ctrl-C (or SIGTERM)."""
        if not keep_page:
            self._released.set()  # before `closed`: the checker sees both at once
        self._closed.set()
        if keep_page:
            self._join_released_at_interrupt()
        else:
            try:
                self.process.join()
            except KeyboardInterrupt:  # a second Ctrl-C while the checker catches up: stop it now
                self.stop()
                raise
        assert self.process.exitcode is not None
        return self.process.exitcode

    def stop(self) -> None:
        """Ends the checker now, without its readiness (Ctrl-C before or while `close` waits for it)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()

    def _join_released_at_interrupt(self) -> None:
        """Waits for the checker, releasing its page at Ctrl-C or SIGTERM; it may end first (when its
        page could not start). Ctrl-C reaches the checker too: it ignores it."""
        previous = {signum: signal.signal(signum, _interrupt) for signum in STOP_SIGNALS}
        try:
            self.process.join()
        except _Interrupted:
            self._released.set()
            self.process.join()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


class _Interrupted(Exception):
    """Ctrl-C or SIGTERM while the live page stays up."""


def _interrupt(_signum: int, _frame: object) -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)  # one is enough: the checker's end is not to be cut short
    raise _Interrupted


def _parent_gone() -> bool:
    parent = multiprocessing.parent_process()
    return parent is not None and not parent.is_alive()


class _Tail:
    """The capture file as it grows: complete lines only, numbered from 1; with `offsets`, where each
    starts is kept for `line` (the live page's `/exchange/N`), 8 bytes a line."""

    def __init__(self, path: Path, offsets: bool = False) -> None:
        self._file: BinaryIO = path.open("rb")
        self._pending = b""
        self._offsets: array[int] | None = array("q") if offsets else None  # where line n starts, at n - 1
        self._end = 0  # where the next complete line starts
        self.lines = 0

    def complete_lines(self) -> list[tuple[int, bytes]]:
        data = self._file.read()
        if not data:
            return []
        *complete, self._pending = (self._pending + data).split(b"\n")
        read = []
        for raw in complete:
            if self._offsets is not None:
                self._offsets.append(self._end)
            self._end += len(raw) + 1
            self.lines += 1
            read.append((self.lines, raw + b"\n"))
        return read

    def last_line(self) -> tuple[int, bytes] | None:
        """What follows the last newline, once the file is complete: a last line cut short, or none."""
        self.complete_lines()
        return (self.lines + 1, self._pending) if self._pending else None

    def line(self, number: int) -> bytes | None:
        if self._offsets is None or not 1 <= number <= self.lines:
            return None
        start = self._offsets[number - 1]
        end = self._offsets[number] if number < self.lines else self._end
        return os.pread(self._file.fileno(), end - start, start)

    def close(self) -> None:
        self._file.close()


class _Output:
    """Where findings go as they happen: stdout, the JSON lines file, the page."""

    def __init__(self, options: LiveOptions, page: Any) -> None:
        from ocpi_tap.replay.grouping import LiveGrouping

        self._colour = options.colour
        self._grouping = LiveGrouping() if options.group else None
        self._json: TextIO | None = (options.json_out.open("w", encoding="utf-8")
                                     if options.json_out is not None else None)
        self._page = page

    def findings(self, found: list[Finding]) -> None:
        from ocpi_tap.replay.grouping import Group
        from ocpi_tap.replay.render import concise_line, group_line

        for finding in found:
            shown = finding if self._grouping is None else self._grouping.admit(finding)
            if isinstance(shown, Group):
                click.echo(f"{group_line(shown, self._colour)} so far; more of this cause are counted, not printed")
            elif shown is not None:
                click.echo(concise_line(shown, self._colour))
            if self._json is not None:
                self._json.write(msgspec.json.encode(finding).decode() + "\n")
                self._json.flush()
            if self._page is not None:
                self._page.finding(finding)

    def grouped(self) -> None:
        """Once the check is done, the causes whose findings were counted, not printed, with their counts."""
        from ocpi_tap.replay.render import group_line

        groups = self._grouping.groups() if self._grouping is not None else []
        if groups:
            click.echo("Found many times (one cause, one line; --no-group prints every finding):")
            for group in groups:
                click.echo(group_line(group, self._colour))

    def close(self) -> None:
        if self._json is not None:
            self._json.close()


def check_live(options: LiveOptions, watermark: Any, warm: Any, begun: Any, closed: Any, released: Any) -> None:
    """The checking process's main."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        delay = float(os.environ.get(DELAY_VARIABLE) or 0)
        code = asyncio.run(_check(options, watermark, warm, begun, closed, released, delay))
    except CaptureError as error:
        click.echo(f"error: live check: {error}", err=True)
        sys.exit(2)
    except Exception:
        traceback.print_exc()
        sys.exit(EXIT_CRASHED)
    sys.exit(code)  # as replay: 1 on findings at or above --fail-on, or a --require-ready module not ready


async def _serve_until_released(url: str, released: Any) -> None:
    """The live page stays up, complete, until the recorder releases it (or is gone)."""
    if released.is_set():
        return
    click.echo(f"Live page stays at {url} until Ctrl-C.")
    while not released.is_set() and not _parent_gone():
        await asyncio.sleep(POLL_SECONDS)


async def _check(options: LiveOptions, watermark: Any, warm: Any, begun: Any, closed: Any, released: Any,
                 delay: float) -> int:
    """The exit status, as replay's: 0 passed, 1 failed."""
    from ocpi_tap.replay.live import LiveCheck
    from ocpi_tap.replay.outcome import decide
    from ocpi_tap.replay.render import closing_lines
    from ocpi_tap.rules.profiles import PROFILES
    from ocpi_tap.rules.registry import Selection

    warm.set()

    while not begun.is_set():
        if closed.is_set() or _parent_gone():
            return 0  # the recorder never started
        await asyncio.sleep(POLL_SECONDS)
    name = str(options.capture)
    tail = _Tail(options.capture, offsets=options.ui_port is not None)
    selection = Selection(list(options.select) or None, list(options.ignore) or None)
    check = LiveCheck(name, selection, profile=PROFILES[options.profile], partner_role=options.role)
    page = None
    if options.ui_port is not None:
        from .live_page import LivePage

        page = LivePage(name, tail.line)
        try:
            await page.start(options.ui_port)
        except OSError as error:
            click.echo(f"error: the live page could not start on port {options.ui_port}: {error}", err=True)
            page = None
        else:
            click.echo(f"Live page: http://127.0.0.1:{options.ui_port}/")
    output = _Output(options, page)
    checked_at_stop: int | None = None  # how far checking had come when the recording stopped
    shown_checked = -1
    try:
        while True:
            final = closed.is_set() or _parent_gone()
            mark = watermark.value  # read before the file: lines written after it started after it
            lines = tail.complete_lines()
            if final and checked_at_stop is None:
                checked_at_stop = check.checked
            for number, raw in lines:
                if number == 1:
                    decode_header(raw, name)
                    continue
                if checked_at_stop is None and closed.is_set():
                    checked_at_stop = check.checked
                output.findings(check.line(number, raw))
                if delay:
                    await asyncio.sleep(delay)
            output.findings(check.advance(mark))
            if final:
                break
            if page is not None and check.checked != shown_checked:
                shown_checked = check.checked
                page.status(check.readiness(), check.result.exchanges, check.checked,
                            len(check.result.findings), finished=False)
            await asyncio.sleep(POLL_SECONDS)
        if tail.lines == 0:
            raise CaptureError(f"{name}: empty file, no capture header")
        output.findings(check.finish(tail.last_line()))
        assert checked_at_stop is not None  # the loop ends only once the recording has stopped
        behind = check.checked - checked_at_stop
        if behind:
            were = "exchange was" if behind == 1 else "exchanges were"
            click.echo(f"live check: {behind} {were} still to check when the recording stopped; all checked now",
                       err=True)
        result = check.result
        assert result.readiness is not None
        outcome = decide([result], options.fail_on, options.require_ready)
        output.grouped()
        click.echo("\n".join(closing_lines([result], colour=options.colour, outcome=outcome)))
        if check.order_broken:
            click.echo(f"note: {check.order_broken} exchanges were written later than the recorder's watermark "
                       f"promised, so the live order may differ from the replay's; `ocpi-tap replay {name}` "
                       f"is the reference", err=True)
        if page is not None:
            page.status(result.readiness, result.exchanges, check.checked, len(result.findings), finished=True)
            await _serve_until_released(f"http://127.0.0.1:{options.ui_port}/", released)
        return outcome.exit_code
    finally:
        output.close()
        tail.close()
        if page is not None:
            await page.stop()
