"""CMD205/CMD206/SES302: what commands promise about sessions (§13.3.5, §13.3.6).

Theory of operation: a START_SESSION whose CommandResult says ACCEPTED
promises a Session for its token at its location, started by COMMAND; a
STOP_SESSION whose result says ACCEPTED promises that the session reaches
COMPLETED. Fed after the sessions checker, whose states it reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from msgspec import UNSET

from ..findings import Where
from ..registry import Severity, Violation
from ..routes import UrlKey, url_key
from .sequencing import Observed, SeqReport, note, object_key
from .sessions import SessionsChecker


class SessionDoesNotMatchStart(Violation, frozen=True, kw_only=True):
    """## What it checks
    The session that follows an accepted START_SESSION matches it:
    auth_method COMMAND, the command's token, its location (and EVSE and
    connector where the command named them).

    ## Why it matters
    The eMSP ties the session to the driver who pressed start in the app;
    a session that does not match is billed to nobody, or to the wrong one.

    ## Example
    START_SESSION for token U1 at L1, then a Session with auth_method
    WHITELIST.

    ## Expected
    The Session with `"auth_method": "COMMAND"` and the command's token and
    location.
    """

    code = "SES302"
    severity = Severity.ERROR
    spec = "§13.3.5, §9.3.1"
    problem: str

    def message(self) -> str:
        return self.problem


class StartWithoutSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    A START_SESSION whose CommandResult was ACCEPTED is followed by a
    Session for its token and location.

    ## Why it matters
    The driver was told charging started; without a session the eMSP has
    nothing to show and nothing to bill.

    ## Example
    START_SESSION accepted, result ACCEPTED, and no Session pushed.

    ## Expected
    A Session PUT shortly after the result.
    """

    code = "CMD205"
    severity = Severity.WARNING
    spec = "§13.1"
    token: str
    location: str

    def message(self) -> str:
        return f"START_SESSION for token {self.token} at {self.location} succeeded but no session followed"


class StopWithoutCompletion(Violation, frozen=True, kw_only=True):
    """## What it checks
    A STOP_SESSION whose CommandResult was ACCEPTED is followed by its
    session reaching COMPLETED.

    ## Why it matters
    The driver was told charging stopped; a session left ACTIVE keeps the
    connector busy and the CDR never comes.

    ## Example
    STOP_SESSION accepted, result ACCEPTED, session still ACTIVE at the end.

    ## Expected
    The session PATCHed to COMPLETED after the stop.
    """

    code = "CMD206"
    severity = Severity.WARNING
    spec = "§13.3.6"
    session: str

    def message(self) -> str:
        return f"STOP_SESSION for {self.session} succeeded but the session never completed"


@dataclass
class _Start:
    token: str
    location: str
    evse: str | None
    where: Where
    succeeded: bool = False
    session_seen: bool = False


@dataclass
class _Stop:
    session_id: str
    where: Where
    succeeded: bool = False


@dataclass
class CommandSessionsChecker:
    sessions: SessionsChecker
    _starts: dict[UrlKey, _Start] = field(default_factory=dict)
    _stops: dict[UrlKey, _Stop] = field(default_factory=dict)

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module == "commands" and observed.operation == "command" and observed.request is not None:
            self._command(observed, observed.request)
        elif observed.module == "commands" and observed.operation == "command_result":
            self._result(observed)
        elif observed.module == "sessions" and observed.operation == "put" and observed.request is not None:
            yield from self._session(observed, observed.request)

    def _command(self, observed: Observed, body: Any) -> None:
        if not observed.accepted or observed.data is None or str(observed.data.result) != "ACCEPTED":
            return
        command = observed.key.command if observed.key is not None else None
        if command == "START_SESSION":
            self._starts[url_key(body.response_url)] = _Start(body.token.uid.upper(), body.location_id.upper(),
                                                             (body.evse_uid or "").upper() or None, observed.where)
        elif command == "STOP_SESSION":
            self._stops[url_key(body.response_url)] = _Stop(body.session_id.upper(), observed.where)

    def _result(self, observed: Observed) -> None:
        succeeded = observed.request is not None and str(observed.request.result) == "ACCEPTED"
        key = url_key(observed.exchange.request.url)
        for pending in (self._starts.get(key), self._stops.get(key)):
            if pending is not None and succeeded:
                pending.succeeded = True

    def _session(self, observed: Observed, session: Any) -> Iterator[SeqReport]:
        if str(session.auth_method) != "COMMAND":
            return
        token, location = session.cdr_token.uid.upper(), session.location_id.upper()
        for start in self._starts.values():
            if start.session_seen or start.token != token:
                continue
            start.session_seen = True
            problems = []
            if start.location != location:
                problems.append(f"location {session.location_id}, the command named {start.location}")
            if start.evse is not None and session.evse_uid.upper() != start.evse:
                problems.append(f"EVSE {session.evse_uid}, the command named {start.evse}")
            if problems:
                yield SeqReport(SessionDoesNotMatchStart(problem="the session after START_SESSION has "
                                                         + "; ".join(problems)),
                                observed.where, notes=(note("START_SESSION was accepted here", start.where),))
            return

    def finish(self) -> Iterator[SeqReport]:
        for start in self._starts.values():
            if start.succeeded and not start.session_seen:
                yield SeqReport(StartWithoutSession(token=start.token, location=start.location), start.where)
        for stop in self._stops.values():
            if not stop.succeeded:
                continue
            done = [state for key, state in self.sessions.sessions.items() if key[2] == stop.session_id]
            if done and all(state.status != "COMPLETED" for state in done):
                yield SeqReport(StopWithoutCompletion(session=stop.session_id), stop.where)
