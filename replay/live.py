"""Checking a capture while it is being written: the replay's engine, fed line by line.

`LiveCheck` is `check.check_capture` turned inside out, with no I/O: the
caller hands it each complete line of the capture as it appears, and the
recorder's watermark (see `live_order`) whenever it reads one; every call
returns the findings it produced. The exchanges reach the engine in exactly
the order the offline replay gives them, so once `finish` has run, the
findings, the exchange count and the readiness are those of
`check_capture` on the finished file.
"""

from __future__ import annotations

from ocpi_tap.rules.checks import capture as cap
from ocpi_tap.rules.exchange import ExchangeView
from ocpi_tap.rules.findings import Finding, Where
from ocpi_tap.rules.profiles import DEFAULT_PROFILE, PROFILES, Profile
from ocpi_tap.rules.registry import Selection, Violation

from .capture import LineProblem
from .capture.reader import decode_line
from .check import CaptureResult, SeqsSeen, _Collector
from .engine import Engine
from .live_order import LiveOrder
from .ordering import epoch
from .readiness import Readiness, ScenarioTracker, assess


class LiveCheck:
    def __init__(self, capture: str, selection: Selection | None = None, profile: Profile | None = None,
                 partner_role: str | None = None) -> None:
        profile = profile or PROFILES[DEFAULT_PROFILE]
        self.result = CaptureResult(capture=capture)
        self._collector = _Collector(capture, selection or Selection(), profile, self.result)
        self._scenarios = ScenarioTracker(profile.scenarios)
        self._engine = Engine(profile, self._collector.report, partner_role, observers=[self._scenarios.feed])
        self._order: LiveOrder[tuple[ExchangeView, Where]] = LiveOrder()
        self._seqs = SeqsSeen()
        self._role = partner_role
        self.checked = 0  # exchanges through the engine so far
        self.finished = False

    @property
    def held(self) -> int:
        """Exchanges read but not checked yet (waiting for an earlier-started one)."""
        return self._order.held

    @property
    def order_broken(self) -> int:
        """Lines that came in earlier than the recorder's watermark allowed (then the order may differ)."""
        return self._order.broken

    def line(self, number: int, raw: bytes) -> list[Finding]:
        """The capture's line `number` (2 onwards), complete with its newline (or the last one at `finish`)."""
        before = len(self.result.findings)
        item = decode_line(number, raw)
        if item is None:
            return []
        if isinstance(item, LineProblem):
            violation: Violation = (
                cap.TruncatedLastLine() if item.truncated else cap.MalformedExchangeLine(reason=item.message))
            self._collector.report(violation, Where(line=item.line))
            return self.result.findings[before:]
        _, exchange = item
        self.result.exchanges += 1
        where = Where(line=number, seq=exchange.seq, direction=exchange.direction)
        if not self._seqs.add(exchange.seq):
            self._collector.report(cap.DuplicateSeq(seq=exchange.seq), where)
            return self.result.findings[before:]
        started = epoch(exchange.started)
        ended = epoch(exchange.ended) if exchange.ended is not None else started
        for ready, ready_where in self._order.push(started, ended, (exchange, where)):
            self._feed(ready, ready_where)
        return self.result.findings[before:]

    def advance(self, watermark: float) -> list[Finding]:
        """Checks what started before `watermark`, the recorder's promise about lines still to come."""
        before = len(self.result.findings)
        for ready, ready_where in self._order.advance(watermark):
            self._feed(ready, ready_where)
        return self.result.findings[before:]

    def finish(self, last: tuple[int, bytes] | None = None) -> list[Finding]:
        """The capture is complete: `last` is a final line without its newline, if any. Checks what is
        held, reports what never happened, and settles the readiness."""
        before = len(self.result.findings)
        if last is not None:
            self.line(*last)
        for ready, ready_where in self._order.drain():
            self._feed(ready, ready_where)
        self._engine.finish()
        self.finished = True
        found = self.result.findings[before:]
        self.result.findings.sort(key=lambda f: (f.line or 0, f.code))  # as the offline replay leaves them
        self.result.readiness = self.readiness()
        return found

    def readiness(self) -> Readiness:
        """The readiness so far (final once `finish` has run)."""
        return assess(self._scenarios, self.result.findings, self._role)

    def _feed(self, exchange: ExchangeView, where: Where) -> None:
        self._engine.feed(exchange, where)
        self.checked += 1
