"""CAP: problems of the capture file itself, reported before any OCPI check."""

from __future__ import annotations

from ..registry import Severity, Violation


class MalformedExchangeLine(Violation, frozen=True, kw_only=True):
    """## What it checks
    A line of the capture that is not a valid exchange record: not JSON, or
    JSON that does not have the fields and types of capture format 1.

    ## Why it matters
    Whatever the line held is missing from every other check, so sequencing
    findings around it may be wrong. The rest of the capture is still read.

    ## Example
    `{"seq": "one", "direction": "to_hub", ...}` (seq must be an integer).

    ## Expected
    Every line after the header is one exchange as `shared/capture-format.md`
    describes it.
    """

    code = "CAP001"
    severity = Severity.ERROR
    spec = "capture format 1"
    about = "capture"
    reason: str

    def message(self) -> str:
        return f"not a valid exchange: {self.reason}"


class TruncatedLastLine(Violation, frozen=True, kw_only=True):
    """## What it checks
    The last line of the capture is cut short.

    ## Why it matters
    A recorder stopped mid-write (killed, power lost) leaves a partial last
    line; the exchange it held is lost, every earlier one is complete.

    ## Example
    A capture whose last line ends in the middle of a JSON object.

    ## Expected
    Captures closed cleanly (Ctrl-C on `ocpi-tap record`) end with a newline.
    """

    code = "CAP002"
    severity = Severity.WARNING
    spec = "capture format 1"
    about = "capture"

    def message(self) -> str:
        return "the last line is cut short (recorder stopped mid-write); it is skipped"


class DuplicateSeq(Violation, frozen=True, kw_only=True):
    """## What it checks
    Two exchanges of one capture carry the same `seq`.

    ## Why it matters
    `seq` identifies an exchange in findings and notes; a duplicate means the
    capture was edited or concatenated, and references become ambiguous.

    ## Example
    Two captures appended into one file with `cat`.

    ## Expected
    `seq` is unique within a capture.
    """

    code = "CAP003"
    severity = Severity.ERROR
    spec = "capture format 1"
    about = "capture"
    seq: int

    def message(self) -> str:
        return f"seq {self.seq} was already used earlier in this capture"


class CheckerFailed(Violation, frozen=True, kw_only=True):
    """## What it checks
    Nothing about the traffic: it reports that one of ocpi-tap's own
    checkers failed on an exchange, so that the replay can go on.

    ## Why it matters
    A bug in one check must not hide the findings of every other one; the
    exchange named is the one to attach to a bug report.

    ## Example
    `checker SessionsChecker failed: AttributeError: ...`.

    ## Expected
    Never: please report it with the exchange.
    """

    code = "CAP004"
    severity = Severity.ERROR
    spec = "ocpi-tap"
    about = "capture"
    checker: str
    error: str

    def message(self) -> str:
        return f"internal error: checker {self.checker} failed ({self.error}); the replay went on without it"
