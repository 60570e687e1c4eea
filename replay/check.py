"""Replaying one capture through the checks: capture lines in, findings out."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ocpi_tap.rules.checks import capture as cap
from ocpi_tap.rules.findings import Finding, Note, Where
from ocpi_tap.rules.profiles import DEFAULT_PROFILE, PROFILES, Profile
from ocpi_tap.rules.registry import Selection, Violation

from .capture import CaptureReader, LineProblem, decode_exchange
from .engine import Engine
from .ordering import TimeOrder, epoch
from .readiness import Readiness, ScenarioTracker, assess
from .stories import Story, StoryCollector


PROGRESS_EVERY = 20_000  # exchanges between progress reports


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
        self._result = result

    def report(self, violation: Violation, where: Where, path: str | None = None,
               notes: Sequence[Note] = (), severity: str | None = None) -> None:
        """`severity` is the occurrence's own (a warning cell of a table); the profile's wins over it."""
        if violation.code in self._selection:
            severity = self._severities.get(violation.code, severity)
            self._result.findings.append(
                Finding.of(violation, self._capture, where, path, list(notes), severity=severity))


def check_capture(
    path: str | os.PathLike[str],
    selection: Selection | None = None,
    profile: Profile | None = None,
    partner_role: str | None = None,
    stories: bool = False,
    progress: Callable[[int, float | None], None] | None = None,
) -> CaptureResult:
    """Replay one capture. `CaptureError` (not a capture, too new) propagates."""
    name = str(path)
    profile = profile or PROFILES[DEFAULT_PROFILE]
    result = CaptureResult(capture=name)
    collector = _Collector(name, selection or Selection(), profile, result)
    scenarios = ScenarioTracker(profile.scenarios)
    storyteller = StoryCollector() if stories else None
    engine = Engine(profile, collector.report, partner_role,
                    observers=[scenarios.feed] + ([storyteller.feed] if storyteller is not None else []))
    # Held back for time order: the line, decoded again when due (less to hold, fresh when checked).
    order: TimeOrder[tuple[bytes, Where]] = TimeOrder()
    seqs = SeqsSeen()
    with CaptureReader(Path(path)) as reader:
        for item in reader.with_lines():
            if isinstance(item, LineProblem):
                violation: Violation = (
                    cap.TruncatedLastLine() if item.truncated else cap.MalformedExchangeLine(reason=item.message)
                )
                collector.report(violation, Where(line=item.line))
                continue
            line, exchange, text = item
            result.exchanges += 1
            if progress is not None and result.exchanges % PROGRESS_EVERY == 0:
                progress(result.exchanges, reader.fraction_read())
            where = Where(line=line, seq=exchange.seq, direction=exchange.direction)
            if not seqs.add(exchange.seq):
                # Reported once; not checked again, so it cannot cascade into other findings.
                collector.report(cap.DuplicateSeq(seq=exchange.seq), where)
                continue
            started = epoch(exchange.started)
            ended = epoch(exchange.ended) if exchange.ended is not None else started
            for ready, ready_where in order.push(started, ended, (text, where)):
                engine.feed(decode_exchange(ready), ready_where)
        for ready, ready_where in order.drain():
            engine.feed(decode_exchange(ready), ready_where)
        engine.finish()
    result.findings.sort(key=lambda f: (f.line or 0, f.code))
    result.readiness = assess(scenarios, result.findings, partner_role)
    if storyteller is not None:
        result.stories = list(storyteller.stories.values())
    return result
