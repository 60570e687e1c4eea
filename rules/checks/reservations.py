"""CMD207/CMD208/SES210: reservations and the sessions they create (§13.3.1, §13.3.4, §9.1.4).

Theory of operation: every RESERVE_NOW an eMSP (the OCPI-from party) sends
records its reservation_id for that eMSP; a CANCEL_RESERVATION naming an id
the same eMSP never reserved is reported (CMD207). A RESERVE_NOW answered
ACCEPTED waits, indexed by (token uid, location), for the session it
creates: the first new Session pushed for that token and location must be
in status RESERVATION (SES210). A CommandResult other than ACCEPTED ends
the wait (nothing was reserved), and so does a START_SESSION for the same
token (a session after it may be the start's). A reservation whose
CommandResult said ACCEPTED and that never saw its session is reported at
the end (CMD208). Session states come from the sessions checker, fed the
same exchanges first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ..findings import Where
from ..recent import Recent, RecentSet
from ..registry import Severity, Violation
from ..routes import UrlKey, url_key
from .parties import Party, routed_party
from .sequencing import Observed, SeqReport, Watched, note, object_key
from .sessions import SessionsChecker


class CancelOfUnknownReservation(Violation, frozen=True, kw_only=True):
    """## What it checks
    A CANCEL_RESERVATION names a reservation_id the same eMSP sent earlier
    in a RESERVE_NOW.

    ## Why it matters
    The id is the eMSP's own handle on its reservation; cancelling an id it
    never gave means the eMSP lost track of its reservations (or cancels
    another eMSP's), and the one it meant stays booked.

    ## Example
    RESERVE_NOW with `"reservation_id": "R1"`, then CANCEL_RESERVATION with
    `"reservation_id": "R2"`.

    ## Expected
    The reservation_id of the RESERVE_NOW being cancelled.
    """

    code = "CMD207"
    severity = Severity.WARNING
    spec = "§13.3.1"
    about = "request"
    reservation: str

    def message(self) -> str:
        return f"CANCEL_RESERVATION names reservation {self.reservation}, which this eMSP never reserved"


class ReservationWithoutSession(Violation, frozen=True, kw_only=True):
    """## What it checks
    A RESERVE_NOW whose CommandResult was ACCEPTED is followed by a Session
    in status RESERVATION for its token and location.

    ## Why it matters
    The reservation session is how the eMSP sees the reservation (and its
    cost) and how it later recognises the charge that uses it; without it
    the eMSP has nothing to show or bill.

    ## Example
    RESERVE_NOW accepted, CommandResult ACCEPTED, and no Session pushed.

    ## Expected
    A Session PUT with `"status": "RESERVATION"` right after the result.
    """

    code = "CMD208"
    severity = Severity.WARNING
    spec = "§13.3.4, §9.1.4"
    about = "response"
    reservation: str
    token: str
    location: str

    def message(self) -> str:
        return (f"RESERVE_NOW {self.reservation} for token {self.token} at {self.location} succeeded "
                "but no session in status RESERVATION followed")


class ReservationSessionNotReserved(Violation, frozen=True, kw_only=True):
    """## What it checks
    The session a successful RESERVE_NOW creates starts in status
    RESERVATION (the enum value; the prose of §9.1.4 says "RESERVED").

    ## Why it matters
    The status tells the eMSP that the EVSE is held and charging has not
    begun; a reservation shown as PENDING or ACTIVE looks like a charge
    the driver never started.

    ## Example
    RESERVE_NOW for token U1 at L2 accepted, then a Session for U1 at L2
    PUT with `"status": "PENDING"`.

    ## Expected
    `"status": "RESERVATION"`, then ACTIVE when the same token starts
    charging, or COMPLETED when the reservation ends unused.
    """

    code = "SES210"
    severity = Severity.ERROR
    spec = "§9.1.4, §13.3.4"
    about = "object"
    session: str
    status: str

    def message(self) -> str:
        return f"session {self.session}, created for a reservation, starts {self.status}, not RESERVATION"


@dataclass
class _Reservation:
    reservation_id: str
    token: str
    location: str
    url: UrlKey
    where: Where
    succeeded: bool = False
    session_seen: bool = False


class ReservationsChecker:
    watches: ClassVar[Watched] = frozenset({"commands", "sessions"})

    def __init__(self, sessions: SessionsChecker) -> None:
        self._sessions = sessions
        self._reserved: RecentSet[tuple[Party | None, str]] = RecentSet()  # (eMSP, reservation_id) ever sent
        self._by_url: Recent[UrlKey, _Reservation] = Recent()
        self._waiting: Recent[tuple[str, str], _Reservation] = Recent()  # (token uid, location) -> accepted reservation

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module == "commands":
            if observed.operation == "command" and observed.request is not None and observed.key is not None:
                yield from self._command(observed, str(observed.key.command), observed.request)
            elif observed.operation == "command_result":
                self._result(observed)
        elif observed.module == "sessions" and observed.operation == "put" and observed.request is not None:
            yield from self._session(observed, observed.request)

    def _command(self, observed: Observed, command: str, body: Any) -> Iterator[SeqReport]:
        emsp = routed_party(observed.exchange.request, "from")
        if command == "CANCEL_RESERVATION":
            if (emsp, body.reservation_id.upper()) not in self._reserved:
                yield SeqReport(CancelOfUnknownReservation(reservation=body.reservation_id), observed.where,
                                "$.reservation_id")
            return
        if command == "START_SESSION":
            self._waiting.pop((body.token.uid.upper(), body.location_id.upper()), None)
            return
        if command != "RESERVE_NOW":
            return
        self._reserved.add((emsp, body.reservation_id.upper()))
        if not observed.accepted or observed.data is None or str(observed.data.result) != "ACCEPTED":
            return
        reservation = _Reservation(body.reservation_id, body.token.uid.upper(), body.location_id.upper(),
                                   url_key(body.response_url), observed.where)
        self._by_url[reservation.url] = reservation
        self._waiting[(reservation.token, reservation.location)] = reservation

    def _result(self, observed: Observed) -> None:
        reservation = self._by_url.get(url_key(observed.exchange.request.url))
        if reservation is None or observed.request is None or reservation.succeeded:
            return
        if str(observed.request.result) == "ACCEPTED":
            reservation.succeeded = True
        else:  # nothing was reserved: no session to wait for
            self._by_url.pop(reservation.url, None)
            if self._waiting.get((reservation.token, reservation.location)) is reservation:
                del self._waiting[(reservation.token, reservation.location)]

    def _session(self, observed: Observed, session: Any) -> Iterator[SeqReport]:
        key = observed.key
        if key is None or key.country_code is None or key.party_id is None or key.id is None:
            return
        state = self._sessions.status_of(object_key(key.country_code, key.party_id, key.id))
        if state is None or state.created is not observed.where:
            return  # not a new session
        reservation = self._waiting.pop((session.cdr_token.uid.upper(), session.location_id.upper()), None)
        if reservation is None:
            return
        reservation.session_seen = True
        self._by_url.pop(reservation.url, None)  # its story is over
        status = str(session.status)
        if status != "RESERVATION":
            yield SeqReport(ReservationSessionNotReserved(session="/".join(object_key(key.country_code, key.party_id,
                                                                                       key.id)), status=status),
                            observed.where, "$.status", (note("RESERVE_NOW was accepted here", reservation.where),))

    def finish(self) -> Iterator[SeqReport]:
        for reservation in self._by_url.values():
            if reservation.succeeded and not reservation.session_seen:
                yield SeqReport(ReservationWithoutSession(reservation=reservation.reservation_id,
                                                          token=reservation.token, location=reservation.location),
                                reservation.where)
