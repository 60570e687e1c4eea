"""Replaying one capture through the checks: capture lines in, findings out."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from ocpi_tap.rules.checks import capture as cap
from ocpi_tap.rules.findings import Finding, Note, Where
from ocpi_tap.rules.profiles import DEFAULT_PROFILE, PROFILES, Profile
from ocpi_tap.rules.registry import Selection, Violation

from .capture import CaptureReader, LineProblem, decode_exchange
from .capture.model import ExchangeHead
from .capture.reader import LINE_ERRORS, agrees, line_problem
from .engine import Engine
from .ordering import TimeOrder, epoch
from .readiness import Readiness, ScenarioTracker, assess
from .stories import Story, StoryCollector


PROGRESS_EVERY = 20_000  # exchanges between progress reports
HEAD_REPEATED = "seq, direction, started or ended given twice, with different values"


class SeqsSeen:
    """The seqs read so far, one bit each for the usual 1..N (so millions cost a few hundred kB),
    a set for the rare seq beyond that."""

    BITMAP_LIMIT = 1 << 27  # 16 MiB of bits at most

    def __init__(self) -> None:
        self._bits = bytearray()
        self._large: set[int] = set()

    def add(self, seq: int) -> bool:
        """Whether `seq` is new (and now seen)."""
        if seq >= self.BITMAP_LIMIT:
            if seq in self._large:
                return False
            self._large.add(seq)
            return True
        index, bit = divmod(seq, 8)
        if index >= len(self._bits):
            self._bits.extend(bytes(max(index + 1 - len(self._bits), len(self._bits))))
        if self._bits[index] >> bit & 1:
            return False
        self._bits[index] |= 1 << bit
        return True


# What waits for time order: a line, its head, its number, and its start and end in seconds (end None if none).
_Due = tuple[bytes, ExchangeHead, int, float, float | None]


@dataclass
class CaptureResult:
    """What replaying one capture gave."""

    capture: str
    exchanges: int = 0
    findings: list[Finding] = field(default_factory=list)
    readiness: Readiness | None = None
    stories: list[Story] = field(default_factory=list)  # only when asked for (the HTML report)


class _Collector:
    def __init__(self, capture: str, selection: Selection, profile: Profile, result: CaptureResult) -> None:
        self._capture = capture
        self._selection = selection
        self._severities = profile.severities
        self._hub_warnings = profile.hub_warnings
        self._result = result

    def report(self, violation: Violation, where: Where, path: str | None = None,
               notes: Sequence[Note] = (), severity: str | None = None, about: str | None = None) -> None:
        """`severity` is the occurrence's own (a warning cell of a table); the profile's wins over it."""
        if violation.code in self._selection:
            severity = self._severities.get(violation.code, severity)
            finding = Finding.of(violation, self._capture, where, path, list(notes), severity=severity, about=about)
            if finding.culprit == "hub" and violation.code in self._hub_warnings:
                finding = msgspec.structs.replace(finding, severity="warning")
            self._result.findings.append(finding)


class CaptureCheck:
    """One capture checked as its lines come: the replay's core.

    `check_capture` feeds it a file; the live checker feeds it the lines of a
    capture still being written, plus the recorder's watermarks. Of each line
    only the head (seq, direction, times) is read at first; held back for time
    order is the line itself, decoded whole once, when it is due (less to hold,
    and each exchange parsed in full once).
    """

    def __init__(self, capture: str, selection: Selection | None = None, profile: Profile | None = None,
                 partner_role: str | None = None, stories: bool = False) -> None:
        profile = profile or PROFILES[DEFAULT_PROFILE]
        self.result = CaptureResult(capture=capture)
        self._collector = _Collector(capture, selection or Selection(), profile, self.result)
        self._scenarios = ScenarioTracker(profile.scenarios)
        self._stories = StoryCollector() if stories else None
        observers = [self._scenarios.feed] + ([self._stories.feed] if self._stories is not None else [])
        self._engine = Engine(profile, self._collector.report, partner_role, observers=observers)
        self._order: TimeOrder[_Due] = TimeOrder()
        self._seqs = SeqsSeen()
        self._role = partner_role
        self.checked = 0  # exchanges through the engine so far

    @property
    def held(self) -> int:
        """Exchanges read but not checked yet (waiting for an earlier-started one)."""
        return self._order.held

    @property
    def order_broken(self) -> int:
        """Lines that started before a watermark already acted on (then the order may differ from offline)."""
        return self._order.broken

    def problem(self, item: LineProblem) -> None:
        violation: Violation = (
            cap.TruncatedLastLine() if item.truncated else cap.MalformedExchangeLine(reason=item.message))
        self._collector.report(violation, Where(line=item.line))

    def exchange(self, line: int, head: ExchangeHead, text: bytes) -> None:
        """The exchange on capture line `line`, read from `text` as far as its `head`."""
        try:
            started = _seconds(head.started, "started")
            ended = _seconds(head.ended, "ended") if head.ended is not None else None
        except ValueError as error:
            self._collector.report(cap.MalformedExchangeLine(reason=str(error)), _where(line, head))
            return
        self.result.exchanges += 1
        if not self._seqs.add(head.seq):
            # Reported once; not checked again, so it cannot cascade into other findings.
            self._collector.report(cap.DuplicateSeq(seq=head.seq), _where(line, head))
            return
        self._check(self._order.push(started, started if ended is None else ended, (text, head, line, started, ended)))

    def advance(self, watermark: float) -> None:
        """The recorder's promise: no line still to come started before `watermark`."""
        self._check(self._order.advance(watermark))

    def finish(self) -> CaptureResult:
        """The capture is complete: `end`, then `settle`."""
        self.end()
        return self.settle()

    def end(self) -> None:
        """Checks what is held and reports what never happened."""
        self._check(self._order.drain())
        self._engine.finish()

    def settle(self) -> CaptureResult:
        """The result as the replay gives it: findings in line order, the readiness, the stories."""
        self.result.findings.sort(key=lambda f: (f.line or 0, f.code))
        self.result.readiness = self.readiness()
        if self._stories is not None:
            self.result.stories = list(self._stories.stories.values())
        return self.result

    def readiness(self) -> Readiness:
        """The readiness so far (final once `finish` has run)."""
        return assess(self._scenarios, self.result.findings, self._role)

    def _check(self, ready: Iterable[_Due]) -> None:
        for text, head, line, started, ended in ready:
            try:
                exchange = decode_exchange(text)
            except LINE_ERRORS as error:
                self.result.exchanges -= 1  # its head read as one, the rest of the line does not
                self.problem(line_problem(line, text, error))
                continue
            if not agrees(exchange, head):
                self.result.exchanges -= 1
                self._collector.report(cap.MalformedExchangeLine(reason=HEAD_REPEATED), _where(line, head))
                continue
            self._engine.feed(exchange, line, started, ended)  # it says where, once it has routed the exchange
            self.checked += 1


def _seconds(stamp: str, field: str) -> float:
    """`epoch(stamp)`, or why it is none: the format's pattern for times lets a 2026-02-30 or a 25 o'clock through."""
    try:
        return epoch(stamp)
    except ValueError as error:
        raise ValueError(f"{stamp} is no date and time ({error}) - at `$.{field}`") from None


def _where(line: int, head: ExchangeHead) -> Where:
    """Where a line the engine never sees is: its number and head."""
    return Where(line=line, seq=head.seq, direction=head.direction)


def check_capture(
    path: str | os.PathLike[str],
    selection: Selection | None = None,
    profile: Profile | None = None,
    partner_role: str | None = None,
    stories: bool = False,
    progress: Callable[[int, float | None], None] | None = None,
) -> CaptureResult:
    """Replay one capture. `CaptureError` (not a capture, too new) propagates."""
    check = CaptureCheck(str(path), selection, profile, partner_role, stories)
    with CaptureReader(Path(path)) as reader:
        for item in reader.with_lines():
            if isinstance(item, LineProblem):
                check.problem(item)
                continue
            check.exchange(*item)
            if progress is not None and check.result.exchanges % PROGRESS_EVERY == 0:
                progress(check.result.exchanges, reader.fraction_read())
    return check.finish()
