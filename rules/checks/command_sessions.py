"""CMD205/CMD206/CMD209/CMD210/CMD304/SES302: what START_SESSION and STOP_SESSION say about sessions (§13.3.5, §13.3.6).

Theory of operation: a START_SESSION whose CommandResult says ACCEPTED
promises a Session for its token at its location, started by COMMAND; a
STOP_SESSION whose result says ACCEPTED promises that the session reaches
COMPLETED. A session is held against the START_SESSION its
authorization_reference names, else the first waiting for its token, else
the first waiting at its location, EVSE and connector (a session first
pushed after the command), so that one billing the wrong token is still
found. A STOP_SESSION is also judged when it is answered: the session it
names is looked up among those the CPO (the OCPI-to party) pushed; one of
another eMSP (its token's party is not the OCPI-from party, itself known
as an eMSP from the tokens of sessions) is to be REJECTED (CMD209), one
still open is not UNKNOWN_SESSION (CMD210), and one never pushed is worth
a warning unless the CPO answered UNKNOWN_SESSION (CMD304). Open
START_SESSIONs are indexed by token, reference and location, so a session
push costs a few dict look-ups. Fed after the sessions checker, whose
states it reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar


from ..findings import Where
from ..recent import Recent, RecentSet
from ..registry import Severity, Violation
from ..routes import UrlKey, url_key
from .parties import routed_party
from .sequencing import Observed, SeqReport, Watched, note, object_key
from .sessions import FINAL, SessionKey, SessionsChecker


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
    about = "object"
    session: str
    problem: str

    def message(self) -> str:
        return f"session {self.session}, after START_SESSION, has {self.problem}"


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
    about = "response"
    token: str
    location: str

    def message(self) -> str:
        return f"START_SESSION for token {self.token} at {self.location} succeeded but no session followed"


class StopOfAnotherEmspsSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    A STOP_SESSION for a session whose token belongs to another eMSP than
    the one sending the command is answered REJECTED.

    ## Why it matters
    An eMSP may only stop its own customers' sessions; a CPO that accepts
    the stop lets one eMSP end another's charge.

    ## Example
    eMSP PT/EMS sends STOP_SESSION for a session started with a PT/OTH
    token, and the CPO answers ACCEPTED.

    ## Expected
    `{"result": "REJECTED"}`.
    """

    code = "CMD209"
    severity = Severity.WARNING
    spec = "§13.4.1"
    about = "response"
    session: str
    owner: str
    sender: str
    answer: str

    def message(self) -> str:
        return (f"STOP_SESSION from {self.sender} for session {self.session} of {self.owner} "
                f"was answered {self.answer}, not REJECTED")


class OpenSessionCalledUnknown(Violation, frozen=True, kw_only=True):
    """## What it checks
    A STOP_SESSION is not answered UNKNOWN_SESSION for a session the CPO
    pushed in the capture and has not reported COMPLETED or INVALID.

    ## Why it matters
    The eMSP's driver cannot stop a charge the CPO itself reported running;
    the CPO's command handling and its session pushes disagree.

    ## Example
    Session S1 PATCHed to ACTIVE, then STOP_SESSION for S1 answered
    UNKNOWN_SESSION.

    ## Expected
    ACCEPTED (or REJECTED with a reason), and the session COMPLETED later.
    """

    code = "CMD210"
    severity = Severity.WARNING
    spec = "§13.4.1, §13.3.6"
    about = "response"
    session: str
    status: str

    def message(self) -> str:
        return f"STOP_SESSION for session {self.session} was answered UNKNOWN_SESSION while it is {self.status}"


class StopOfUnknownSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    A STOP_SESSION names a session the Sessions traffic of the capture has
    shown. A stop the CPO answers UNKNOWN_SESSION is the expected outcome
    for an unknown id (certification tests probe it) and is not reported.

    ## Why it matters
    The eMSP stops sessions it learned from the CPO's pushes; a stop for a
    session never pushed means the CPO did not push it, or the eMSP stops
    by a made-up or mistyped id. Sessions that began before the capture
    are unknown through no fault: a warning.

    ## Example
    STOP_SESSION for S7, answered ACCEPTED, and no Session S7 anywhere.

    ## Expected
    The Session pushed when it started, and the stop naming its id.
    """

    code = "CMD304"
    severity = Severity.WARNING
    spec = "§13.3.6"
    about = "response"
    session: str

    def message(self) -> str:
        return f"STOP_SESSION names session {self.session}, which no Sessions traffic showed"


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
    about = "response"
    session: str

    def message(self) -> str:
        return f"STOP_SESSION for {self.session} succeeded but the session never completed"


@dataclass
class _Start:
    token: str  # the token's uid
    token_party: tuple[str, str]
    location: str
    evse: str | None
    connector: str | None
    reference: str | None  # the command's authorization_reference
    where: Where
    succeeded: bool = False
    session_seen: bool = False


@dataclass
class _Stop:
    session_id: str
    party: tuple[str, str] | None  # the CPO the stop went to
    where: Where
    succeeded: bool = False


@dataclass
class CommandSessionsChecker:
    watches: ClassVar[Watched] = frozenset({"commands", "sessions"})
    sessions: SessionsChecker
    _starts: Recent[UrlKey, _Start] = field(default_factory=Recent)
    # Accepted starts without a session yet, by token uid, by authorization_reference and by location id.
    _waiting: Recent[str, list[_Start]] = field(default_factory=Recent)
    _by_reference: Recent[str, _Start] = field(default_factory=Recent)
    _by_location: Recent[str, list[_Start]] = field(default_factory=Recent)
    _matched: RecentSet[SessionKey] = field(default_factory=RecentSet)  # sessions already tied to their start
    _stops: Recent[UrlKey, _Stop] = field(default_factory=Recent)

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module == "commands" and observed.operation == "command" and observed.request is not None:
            yield from self._command(observed, observed.request)
        elif observed.module == "commands" and observed.operation == "command_result":
            self._result(observed)
        elif observed.module == "sessions" and observed.operation == "put" and observed.request is not None:
            yield from self._session(observed, observed.request)

    def _command(self, observed: Observed, body: Any) -> Iterator[SeqReport]:
        command = observed.key.command if observed.key is not None else None
        answer = str(observed.data.result) if observed.accepted and observed.data is not None else None
        if command == "STOP_SESSION":
            yield from self._stop_answered(observed, body.session_id, answer)
        if answer != "ACCEPTED":
            return
        if command == "START_SESSION":
            start = _Start(body.token.uid.upper(), (body.token.country_code.upper(), body.token.party_id.upper()),
                           body.location_id.upper(), (body.evse_uid or "").upper() or None,
                           (body.connector_id or "").upper() or None,
                           (body.authorization_reference or "").upper() or None, observed.where)
            self._starts[url_key(body.response_url)] = start
            self._waiting.setdefault(start.token, []).append(start)
            self._by_location.setdefault(start.location, []).append(start)
            if start.reference is not None:
                self._by_reference[start.reference] = start
        elif command == "STOP_SESSION":
            self._stops[url_key(body.response_url)] = _Stop(body.session_id.upper(),
                                                            routed_party(observed.exchange.request, "to"),
                                                            observed.where)

    def _stop_answered(self, observed: Observed, session_id: str, answer: str | None) -> Iterator[SeqReport]:
        request = observed.exchange.request
        found = self.sessions.find(session_id, routed_party(request, "to")) or self.sessions.find(session_id)
        if found is None:
            if answer is not None and answer != "UNKNOWN_SESSION":  # an unreadable answer tells nothing
                yield SeqReport(StopOfUnknownSession(session=session_id), observed.where, "$.session_id")
            return
        key, state = found
        label, sender = "/".join(key), routed_party(request, "from")
        notes = (note(f"last update of the session ({state.status})", state.where),)
        owner = state.token_party
        # The sender is judged only when known as an eMSP (a token of some session is its own): a hub
        # forwarding in its own name is not "another eMSP".
        if sender is not None and owner is not None and owner != sender and sender in self.sessions.emsps:
            if answer is not None and answer != "REJECTED":
                yield SeqReport(StopOfAnotherEmspsSession(session=label, owner="/".join(owner), sender="/".join(sender),
                                                          answer=answer), observed.where, "$.session_id", notes)
        elif answer == "UNKNOWN_SESSION" and state.status not in FINAL:
            yield SeqReport(OpenSessionCalledUnknown(session=label, status=state.status), observed.where,
                            "$.session_id", notes)

    def _result(self, observed: Observed) -> None:
        succeeded = observed.request is not None and str(observed.request.result) == "ACCEPTED"
        key = url_key(observed.exchange.request.url)
        for pending in (self._starts.get(key), self._stops.get(key)):
            if pending is not None and succeeded:
                pending.succeeded = True

    def _session(self, observed: Observed, session: Any) -> Iterator[SeqReport]:
        key = object_key(session.country_code, session.party_id, session.id)
        if key in self._matched:
            return  # a later PUT of a session already held against its START_SESSION
        start = self._match(observed, session, key)
        if start is None:
            return
        self._claim(start)
        self._matched.add(key)
        problems = []
        if str(session.auth_method) != "COMMAND":
            problems.append(f"auth_method {session.auth_method}, not COMMAND")
        token = session.cdr_token
        country, party = token.country_code, token.party_id  # both None in a "2.2" CdrToken
        if token.uid.upper() != start.token or (country is not None and party is not None and
                                                (country.upper(), party.upper()) != start.token_party):
            billed = "/".join(p for p in (country, party, token.uid) if p is not None)
            problems.append(f"cdr_token {billed}, the command's token was {'/'.join(start.token_party)}/"
                            f"{start.token}")
        if start.location != session.location_id.upper():
            problems.append(f"location {session.location_id}, the command named {start.location}")
        if start.evse is not None and session.evse_uid.upper() != start.evse:
            problems.append(f"EVSE {session.evse_uid}, the command named {start.evse}")
        if start.connector is not None and session.connector_id.upper() != start.connector:
            problems.append(f"connector {session.connector_id}, the command named {start.connector}")
        if problems:
            yield SeqReport(SessionDoesNotMatchStart(session="/".join(key), problem="; ".join(problems)),
                            observed.where, notes=(note("START_SESSION was accepted here", start.where),))

    def _match(self, observed: Observed, session: Any, key: SessionKey) -> _Start | None:
        """The accepted START_SESSION waiting for this session: the one its authorization_reference names,
        else (a COMMAND session) the first for its token, else the first at its location, EVSE and
        connector, for a session first pushed now (after the command, as it waited)."""
        reference = session.authorization_reference
        start = self._by_reference.get(reference.upper()) if reference else None
        if start is not None and not start.session_seen:
            return start
        if str(session.auth_method) != "COMMAND":
            return None
        waiting = self._waiting.get(session.cdr_token.uid.upper())
        if waiting:
            return waiting[0]
        state = self.sessions.status_of(key)
        if state is None or state.created != observed.where:
            return None
        evse, connector = session.evse_uid.upper(), session.connector_id.upper()
        for start in self._by_location.get(session.location_id.upper(), ()):
            if start.evse in (None, evse) and start.connector in (None, connector):
                return start
        return None

    def _claim(self, start: _Start) -> None:
        """`start` has its session: it waits no more."""
        start.session_seen = True
        for index, name in ((self._waiting, start.token), (self._by_location, start.location)):
            waiting = index.get(name)
            if waiting is not None:
                waiting.remove(start)
                if not waiting:
                    del index[name]
        if start.reference is not None and self._by_reference.get(start.reference) is start:
            del self._by_reference[start.reference]

    def finish(self) -> Iterator[SeqReport]:
        for start in self._starts.values():
            if start.succeeded and not start.session_seen:
                yield SeqReport(StartWithoutSession(token=start.token, location=start.location), start.where)
        for stop in self._stops.values():
            if not stop.succeeded:
                continue
            found = (self.sessions.find(stop.session_id, stop.party) if stop.party is not None else None) \
                or self.sessions.find(stop.session_id)
            if found is not None and found[1].status != "COMPLETED":
                yield SeqReport(StopWithoutCompletion(session=stop.session_id), stop.where)
