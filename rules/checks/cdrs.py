"""CDR2xx/3xx: CDRs against the sessions they bill (§10.1, §10.3.1), and where the receiver stored them.

Theory of operation: a CDR (POSTed, keyed by country_code, party_id, id)
bills one session. It comes once, after that session is COMPLETED, and
names a session and a token that session had. At the end, each COMPLETED
session should have had its CDR. Session states come from the sessions
checker, fed the same exchanges first; whether a POST is the first of its
CDR comes from the CDR ledger (`cdr_ledger`), also fed first. Where a
POSTed CDR was stored (its answer's `Location`, CDR308) is judged against
the receiver's advertised endpoint by `misplaced_cdr_location`, which the
replay calls before it learns the URL as a route.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any, ClassVar


from ..decoding import loose_strings
from ..findings import Where
from ..model import parse_datetime
from ..recent import Recent
from ..registry import Severity, Violation
from ..routes import split_url
from .cdr_ledger import CdrLedger
from .sequencing import Observed, SeqReport, Watched, note, object_key
from .sessions import SessionsChecker


class CdrBeforeSessionCompleted(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CDR is sent only after its session was reported COMPLETED.

    ## Why it matters
    The CDR is the final bill; sent while the session still runs, it misses
    the end of the charge, and later session updates contradict it.

    ## Example
    The CDR POSTed while the last Session update said ACTIVE.

    ## Expected
    PATCH the session to COMPLETED, then POST the CDR.
    """

    code = "CDR201"
    severity = Severity.ERROR
    spec = "§10.1, §9.4.3"
    about = "object"
    session: str
    status: str

    def message(self) -> str:
        return f"CDR sent for session {self.session} while it is {self.status}"


class SecondCdrForSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session gets one non-credit CDR; a correction is a credit CDR for the
    first and then a new one.

    ## Why it matters
    Two CDRs for one charge bill the driver twice.

    ## Example
    Two CDRs with different ids and the same session_id.

    ## Expected
    One CDR per session.
    """

    code = "CDR202"
    severity = Severity.ERROR
    spec = "§10.1, §10.1.1"
    about = "object"
    session: str

    def message(self) -> str:
        return f"a second CDR for session {self.session}"


class CompletedSessionWithoutCdr(Violation, frozen=True, kw_only=True):
    """## What it checks
    Every session that was COMPLETED in the capture got its CDR (a
    reservation that never became ACTIVE may go without one).

    ## Why it matters
    No CDR, no invoice; certification days check that the CDR follows.

    ## Example
    A session COMPLETED and no CDR until the end of the capture.

    ## Expected
    A CDR shortly after each completed session.
    """

    code = "CDR206"
    severity = Severity.WARNING
    spec = "§10.1"
    about = "object"
    session: str

    def message(self) -> str:
        return f"session {self.session} completed but no CDR was sent"


class CdrForInvalidSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    No CDR is sent for a session whose final status is INVALID.

    ## Why it matters
    INVALID sessions are not to be billed.

    ## Example
    A CDR for a session that was set INVALID.

    ## Expected
    No CDR for INVALID sessions.
    """

    code = "CDR207"
    severity = Severity.WARNING
    spec = "§9.4.3"
    about = "object"
    session: str

    def message(self) -> str:
        return f"CDR sent for session {self.session}, which is INVALID"


class CdrContradictsSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CDR of a session seen in the capture carries that session's token.
    (A CDR of a session the capture never showed is CDR307.)

    ## Why it matters
    The eMSP matches CDRs to sessions and tokens to bill its customer; a
    CDR whose token is not its session's is billed to the wrong contract,
    or not at all.

    ## Example
    Session S1 for token uid U1, then a CDR for S1 with cdr_token uid U7.

    ## Expected
    The CDR's cdr_token that of the session it bills.
    """

    code = "CDR301"
    severity = Severity.ERROR
    spec = "§10.3.1, §9.3.1"
    about = "object"
    problem: str

    def message(self) -> str:
        return self.problem


class CdrOfUnknownSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CDR names in `session_id` a session pushed or read in the capture.

    ## Why it matters
    The eMSP matches the CDR to the session the driver followed; a CDR of a
    session it never got cannot be checked against it. A session that began
    before the capture is unknown through no fault of the traffic, so this
    is a warning, as for updates of sessions, tokens and locations never
    PUT in the capture (SES205, TOK201, LOC202).

    ## Example
    A CDR with `"session_id": "S9"`, and no Session S9 anywhere before it.

    ## Expected
    The Session PUT (and updated to COMPLETED) before its CDR is POSTed.
    """

    code = "CDR307"
    severity = Severity.WARNING
    spec = "§10.3.1, §9.3.1"
    about = "object"
    session: str

    def message(self) -> str:
        return f"CDR for session {self.session}, which is not in this capture"


class CdrDiffersFromSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CDR's numbers agree with its session's final state: total_energy with
    the session's kwh, start and end with the session's times (within a
    tolerance: 1 % or 0.01 kWh, 60 s).

    ## Why it matters
    The driver saw the session in the app and is billed by the CDR; when
    they disagree, support calls follow.

    ## Example
    Session COMPLETED with 12.4 kWh, CDR with total_energy 14.0.

    ## Expected
    The CDR built from the session's final state.
    """

    code = "CDR302"
    severity = Severity.WARNING
    spec = "§10.3.1"
    about = "object"
    problem: str

    def message(self) -> str:
        return self.problem


ENERGY_TOLERANCE_KWH = 0.01
ENERGY_TOLERANCE_SHARE = 0.01
TIME_TOLERANCE_SECONDS = 60.0


class CdrLocationOutsideEndpoint(Violation, frozen=True, kw_only=True):
    """## What it checks
    The `Location` header of a CDR POST's answer is an absolute http(s)
    URL (the OCPI type URL, which the CPO GETs as it is) under the CDRs
    endpoint the receiver (the eMSP's CDRs Receiver interface) advertised,
    or, when the capture shows no advertisement, under the URL the CDR was
    POSTed to; on the receiver's own host (as advertised, or as called).
    The spec leaves the URL's structure to the eMSP; a URL that is not
    one, or that points outside the receiver's own CDRs endpoint, points
    nowhere the CPO can read the CDR back from. A warning for a URL
    outside the endpoint, an error for one that is not an absolute http(s)
    URL.

    ## Why it matters
    The CPO (and the hub, in certification) GETs the stored CDR at that
    URL to check what the eMSP booked; a bare id, a URL of another party or
    of another endpoint gives not-found or, worse, another object.

    ## Example
    POST to `https://emsp.example.com/ocpi/2.2.1/cdrs` answered with
    `Location: C1`, or with
    `Location: https://emsp.example.com/ocpi/2.2.1/sessions/C1`.

    ## Expected
    The full URL of the stored CDR under the CDRs endpoint, e.g.
    `Location: https://emsp.example.com/ocpi/2.2.1/cdrs/8f2c`.
    """

    code = "CDR308"
    severity = Severity.ERROR
    spec = "§10.2.2.2, §10.2.2.1"
    about = "response"
    location: str
    endpoint: str
    problem: str

    def message(self) -> str:
        return f"the CDR POST was answered with Location {self.location!r}, which {self.problem}"


def misplaced_cdr_location(location: str, posted_to: str, endpoint: str | None,
                           origins: Collection[str]) -> tuple[CdrLocationOutsideEndpoint, str | None] | None:
    """CDR308 for the `Location` answering a CDR POST to `posted_to`, with its severity (None: the rule's);
    None when it is a URL under the receiver's CDRs `endpoint` (as advertised; else the POST's URL).
    `origins`: those the receiver advertised, where it may say it lives (behind a recording proxy, the
    capture has the upstream's URL)."""
    base = endpoint or posted_to
    origin, segments, _ = split_url(location.strip())
    if not origin.startswith(("http://", "https://")) or origin.endswith("//") or len(location.split()) != 1:
        return CdrLocationOutsideEndpoint(location=location, endpoint=base,
                                          problem="is not an absolute http(s) URL"), None
    base_origin, base_segments, _ = split_url(base)
    known = {base_origin, split_url(posted_to)[0], *origins}
    if origins and origin not in known:
        problem = f"is on {origin}, not on the receiver's {base_origin}"
    elif len(segments) <= len(base_segments) or segments[:len(base_segments)] != base_segments:
        problem = f"is not under the receiver's CDRs endpoint {base}"
    else:
        return None
    return CdrLocationOutsideEndpoint(location=location, endpoint=base, problem=problem), Severity.WARNING.value


def _seconds_apart(first: str, second: str) -> float:
    return abs((parse_datetime(first) - parse_datetime(second)).total_seconds())


class CdrsChecker:
    watches: ClassVar[Watched] = frozenset({"cdrs"})

    def __init__(self, sessions: SessionsChecker, ledger: CdrLedger) -> None:
        self._sessions = sessions
        self._ledger = ledger
        # session key -> its CDR, or None once a credit CDR cancelled it (a corrected CDR may follow)
        self._billed: Recent[tuple[str, str, str], Where | None] = Recent()

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "cdrs" or observed.operation != "post":
            return
        if observed.request is None:
            self._note_malformed(observed)
            return
        yield from self._cdr(observed, observed.request)

    def _note_malformed(self, observed: Observed) -> None:
        """A CDR that did not decode was reported by its shape rule; its session still counts as
        billed, so CDR206 does not follow from the same mistake."""
        said = loose_strings(observed.exchange.request.body, "country_code", "party_id", "session_id")
        if len(said) == 3:
            self._billed.setdefault(object_key(said["country_code"], said["party_id"], said["session_id"]),
                                    observed.where)

    def _cdr(self, observed: Observed, cdr: Any) -> Iterator[SeqReport]:
        where = observed.where
        if self._ledger.first_post(object_key(cdr.country_code, cdr.party_id, cdr.id)) is not where:
            return  # posted before (CDR203, the ledger's): judged then
        if cdr.session_id is None:
            return
        session_key = object_key(cdr.country_code, cdr.party_id, cdr.session_id)
        label = "/".join(session_key)
        state = self._sessions.status_of(session_key)
        if state is None:
            yield SeqReport(CdrOfUnknownSession(session=label), where, "$.session_id")
            return
        notes = (note(f"last update of the session ({state.status})", state.where),)
        if state.status == "INVALID":
            yield SeqReport(CdrForInvalidSession(session=label), where, "$.session_id", notes)
        elif state.status != "COMPLETED":
            yield SeqReport(CdrBeforeSessionCompleted(session=label, status=state.status), where, "$.session_id", notes)
        billed = self._billed.get(session_key)
        if getattr(cdr, "credit", None) is True:
            self._billed[session_key] = None
        elif billed is not None:
            yield SeqReport(SecondCdrForSession(session=label), where, "$.session_id", (note("first CDR", billed),))
        else:
            self._billed[session_key] = where
        yield from self._numbers(cdr, state, label, where, notes)
        uid = state.token_uid
        if uid is not None and uid.upper() != cdr.cdr_token.uid.upper():
            yield SeqReport(CdrContradictsSession(
                problem=f"CDR token {cdr.cdr_token.uid} is not session {label}'s token {uid}"),
                where, "$.cdr_token.uid", notes)

    @staticmethod
    def _numbers(cdr: Any, state: Any, label: str, where: Where, notes: tuple[Any, ...]) -> Iterator[SeqReport]:
        if state.uncertain:
            return  # an update of the session did not decode: comparing would blame the CDR for it
        problems = []
        if state.kwh is not None:
            allowed = max(ENERGY_TOLERANCE_KWH, ENERGY_TOLERANCE_SHARE * abs(state.kwh))
            if abs(cdr.total_energy - state.kwh) > allowed:
                problems.append(f"total_energy {cdr.total_energy} kWh, the session's kwh {state.kwh}")
        for name, session_value in (("start_date_time", state.start), ("end_date_time", state.end)):
            value = getattr(cdr, name)
            if session_value is not None and _seconds_apart(value, session_value) > TIME_TOLERANCE_SECONDS:
                problems.append(f"{name} {value}, the session's {session_value}")
        if problems:
            yield SeqReport(CdrDiffersFromSession(problem=f"the CDR for session {label} has " + "; ".join(problems)),
                            where, notes=notes)

    def finish(self) -> Iterator[SeqReport]:
        for key, state in self._sessions.sessions.items():
            if state.was_reserved and not state.was_active:
                continue  # a reservation that never charged: a CDR for its cost may follow, or none
            if state.status == "COMPLETED" and key not in self._billed and state.completed_at is not None:
                yield SeqReport(CompletedSessionWithoutCdr(session="/".join(key)), state.completed_at)
