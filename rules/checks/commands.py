"""CMD2xx/4xx: every accepted command gets exactly one result, in time (§13.1, §13.3.2).

Theory of operation: a command POST carries a `response_url`; its answer
(CommandResponse) says whether a CommandResult will follow and within how
many seconds. An ACCEPTED command is pending until a result is POSTed to
its `response_url`; a result later than the answer's end plus `timeout`
plus the profile's grace is late (CMD401); a command still without a
result at the end of the capture never got one (CMD202), reported at the
end because a late result, had it come, is CMD401 instead. The command's
own answer should come at once (CMD402: slower than the profile's
`command_response_slow_seconds`).
Results to a URL no command gave, to a rejected command, or twice, are
reported as they come.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar
from dataclasses import dataclass


from ..decoding import loose_strings
from ..findings import Where
from ..recent import Recent
from ..registry import Severity, Violation
from ..routes import UrlKey, url_key
from .sequencing import Observed, SeqReport, Watched, note


class ResultForUnacceptedCommand(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CommandResult is sent only for a command whose CommandResponse was
    ACCEPTED.

    ## Why it matters
    REJECTED, NOT_SUPPORTED and UNKNOWN_SESSION close the command at once;
    a result after them contradicts the answer the eMSP already acted on.

    ## Example
    START_SESSION answered REJECTED, then a CommandResult ACCEPTED.

    ## Expected
    No CommandResult after a command that was not ACCEPTED.
    """

    code = "CMD201"
    severity = Severity.ERROR
    spec = "§13.2.1.1"
    about = "request"
    command: str
    answer: str

    def message(self) -> str:
        return f"CommandResult for {self.command}, which was answered {self.answer}"


class CommandResultNeverSent(Violation, frozen=True, kw_only=True):
    """## What it checks
    An ACCEPTED command receives its CommandResult at its `response_url`
    before the announced timeout (plus the profile's grace) runs out.

    ## Why it matters
    The eMSP's app waits for it to tell the driver that charging started or
    stopped; a certification test fails on a missing callback.

    ## Example
    START_SESSION answered ACCEPTED with timeout 30, and no POST to its
    response_url afterwards.

    ## Expected
    `POST {response_url}` with `{"result": "ACCEPTED"}` within the timeout.
    """

    code = "CMD202"
    severity = Severity.ERROR
    spec = "§13.3.2"
    about = "response"
    command: str
    timeout: int

    def message(self) -> str:
        return f"{self.command} was ACCEPTED (timeout {self.timeout} s) but no CommandResult came"


class ResultToUnknownUrl(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CommandResult is POSTed to a URL that a command gave as its
    `response_url`.

    ## Why it matters
    The eMSP matches results to commands by that URL; a result elsewhere
    is lost.

    ## Example
    A result POSTed to `.../commands/START_SESSION` without the id the
    command's response_url carried.

    ## Expected
    The response_url exactly as the command gave it.
    """

    code = "CMD203"
    severity = Severity.ERROR
    spec = "§13.2.2.1"
    about = "request"
    url: str

    def message(self) -> str:
        return f"CommandResult POSTed to {self.url}, which no command gave as response_url"


class SecondCommandResult(Violation, frozen=True, kw_only=True):
    """## What it checks
    A response_url receives one CommandResult (a reservation may later get
    CANCELED_RESERVATION).

    ## Why it matters
    The first result already closed the command; a second one is either a
    retry the eMSP processes twice or a contradiction.

    ## Example
    Two results for one START_SESSION.

    ## Expected
    One CommandResult per command.
    """

    code = "CMD204"
    severity = Severity.WARNING
    spec = "§13.1"
    about = "request"
    command: str

    def message(self) -> str:
        return f"a second CommandResult for {self.command}"


class LateCommandResult(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CommandResult arrives within the timeout its CommandResponse announced.

    ## Why it matters
    After the timeout the eMSP has told the driver the command failed; a
    late success leaves app and charger disagreeing.

    ## Example
    timeout 30, result after 75 s.

    ## Expected
    The result before the timeout.
    """

    code = "CMD401"
    severity = Severity.WARNING
    spec = "§13.3.2"
    about = "request"
    command: str
    seconds: float
    timeout: int

    def message(self) -> str:
        return f"CommandResult for {self.command} came after {self.seconds:.0f} s; the timeout was {self.timeout} s"


class SlowCommandResponse(Violation, frozen=True, kw_only=True):
    """## What it checks
    The CPO answers a command (its CommandResponse) within the profile's
    `command_response_slow_seconds` (5 s by default).

    ## Why it matters
    The commands module is asynchronous so that nobody waits on the Charge
    Point: the CPO is to answer at once whether it will forward the
    command, and report the outcome later to the `response_url`. A CPO
    that answers only after talking to the Charge Point keeps the eMSP's
    request (and the driver's app) hanging, and runs into HTTP timeouts.

    ## Example
    START_SESSION POSTed at 09:00:00.0, answered ACCEPTED at 09:00:12.4.

    ## Expected
    The CommandResponse within a second or two; the CommandResult later.
    """

    code = "CMD402"
    severity = Severity.WARNING
    spec = "§13.1"
    about = "response"
    command: str
    seconds: float
    limit: float

    def message(self) -> str:
        return f"{self.command} was answered after {self.seconds:.1f} s (more than {self.limit:.0f} s)"


@dataclass
class Pending:
    command: str
    where: Where
    answered_at: float
    timeout: int
    deadline: float
    results: int = 0
    last_result: str | None = None
    unknown: bool = False  # the answer could not be read


class CommandsChecker:
    watches: ClassVar[Watched] = frozenset({"commands"})

    def __init__(self, grace_seconds: float, slow_seconds: float) -> None:
        self._grace = grace_seconds
        self._slow = slow_seconds
        self._accepted: Recent[UrlKey, Pending] = Recent()
        self._closed: Recent[UrlKey, tuple[str, str, Where]] = Recent()  # not accepted: (command, answer, where)

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "commands":
            return
        if observed.operation == "command":
            yield from self._answer_time(observed)
            self._command(observed)
        elif observed.operation == "command_result":
            yield from self._result(observed, observed.started_at)

    def _answer_time(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.ended_at is None or observed.exchange.response is None:
            return
        seconds = observed.ended_at - observed.started_at
        if seconds > self._slow:
            command = str(observed.key.command) if observed.key is not None else "a command"
            yield SeqReport(SlowCommandResponse(command=command, seconds=seconds, limit=self._slow), observed.where)

    def _command(self, observed: Observed) -> None:
        if observed.request is not None:
            response_url = getattr(observed.request, "response_url", None)
        else:  # a malformed command (reported) still tells where its result goes
            response_url = loose_strings(observed.exchange.request.body, "response_url").get("response_url")
        if response_url is None or observed.key is None or observed.ended_at is None:
            return
        command = str(observed.key.command)
        key = url_key(response_url)
        response = observed.data
        if response is None and observed.status_code is None or observed.accepted and response is None:
            # The answer could not be read (its own rule reported it): a result may or may not follow,
            # and nothing about it is held against the command.
            self._accepted[key] = Pending(command, observed.where, 0.0, 0, float("inf"), unknown=True)
            return
        if response is None or not observed.accepted:
            self._closed[key] = (command, f"OCPI {observed.status_code}", observed.where)
            return
        if str(response.result) != "ACCEPTED":
            self._closed[key] = (command, str(response.result), observed.where)
            return
        answered = observed.ended_at
        self._accepted[key] = Pending(command, observed.where, answered, response.timeout,
                                      answered + max(response.timeout, 0) + self._grace)

    def _result(self, observed: Observed, now: float) -> Iterator[SeqReport]:
        key = url_key(observed.exchange.request.url)
        pending = self._accepted.get(key)
        if pending is None:
            closed = self._closed.get(key)
            if closed is not None:
                command, answer, where = closed
                yield SeqReport(ResultForUnacceptedCommand(command=command, answer=answer), observed.where,
                                notes=(note(f"the command was answered {answer} here", where),))
            else:
                yield SeqReport(ResultToUnknownUrl(url=observed.exchange.request.url), observed.where)
            return
        notes = (note("the command was accepted here", pending.where),)
        result = getattr(observed.request, "result", None)
        pending.results += 1
        if pending.results > 1:
            canceled = str(result) == "CANCELED_RESERVATION" and pending.command == "RESERVE_NOW"
            if not canceled:
                yield SeqReport(SecondCommandResult(command=pending.command), observed.where, notes=notes)
        elif now > pending.deadline:
            yield SeqReport(LateCommandResult(command=pending.command, seconds=now - pending.answered_at,
                                              timeout=pending.timeout), observed.where, notes=notes)
        pending.last_result = str(result) if result is not None else None

    def finish(self) -> Iterator[SeqReport]:
        for pending in self._accepted.values():
            if pending.results == 0 and not pending.unknown:
                yield SeqReport(CommandResultNeverSent(command=pending.command, timeout=pending.timeout), pending.where)
