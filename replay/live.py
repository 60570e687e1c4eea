"""Checking a capture while it is being written: the replay's core, fed line by line.

`LiveCheck` hands each complete line of a growing capture, and the
recorder's watermark whenever it reads one, to the same `CaptureCheck` that
`check_capture` feeds from a file; every call returns the findings it
produced. The exchanges reach the engine in exactly the offline order (see
`ordering`), so once `finish` has run, the findings, the exchange count and
the readiness are those of `check_capture` on the finished file.
"""

from __future__ import annotations

from ocpi_tap.rules.findings import Finding
from ocpi_tap.rules.profiles import Profile
from ocpi_tap.rules.registry import Selection

from .capture import LineProblem
from .capture.reader import decode_head
from .check import CaptureCheck, CaptureResult
from .readiness import Readiness


class LiveCheck:
    def __init__(self, capture: str, selection: Selection | None = None, profile: Profile | None = None,
                 partner_role: str | None = None) -> None:
        self._check = CaptureCheck(capture, selection, profile, partner_role)
        self.result: CaptureResult = self._check.result

    @property
    def checked(self) -> int:
        """Exchanges through the engine so far."""
        return self._check.checked

    @property
    def held(self) -> int:
        """Exchanges read but not checked yet (waiting for an earlier-started one)."""
        return self._check.held

    @property
    def order_broken(self) -> int:
        """Lines that came in earlier than the recorder's watermark allowed (then the order may differ)."""
        return self._check.order_broken

    def line(self, number: int, raw: bytes) -> list[Finding]:
        """The capture's line `number` (2 onwards), complete with its newline (or the last one at `finish`)."""
        before = len(self.result.findings)
        item = decode_head(number, raw)
        if isinstance(item, LineProblem):
            self._check.problem(item)
        elif item is not None:
            self._check.exchange(item[0], item[1], raw)
        return self.result.findings[before:]

    def advance(self, watermark: float) -> list[Finding]:
        """Checks what started before `watermark`, the recorder's promise about lines still to come."""
        before = len(self.result.findings)
        self._check.advance(watermark)
        return self.result.findings[before:]

    def finish(self, last: tuple[int, bytes] | None = None) -> list[Finding]:
        """The capture is complete: `last` is a final line without its newline, if any. Checks what is
        held, reports what never happened, and settles the readiness."""
        if last is not None:
            self.line(*last)
        before = len(self.result.findings)
        self._check.end()
        found = self.result.findings[before:]
        self._check.settle()  # sorts the findings, as the offline replay leaves them
        return found

    def readiness(self) -> Readiness:
        """The readiness so far (final once `finish` has run)."""
        return self._check.readiness()
