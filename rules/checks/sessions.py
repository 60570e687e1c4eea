"""SES2xx: a session's life across its pushes (§9.1, §9.4.3).

Theory of operation: each session, keyed by (country_code, party_id, id),
is created by a PUT and changed by PUTs and PATCHes. Its status moves along
TRANSITIONS (a cell missing from the table is fine), its kWh never falls,
its charging periods are appended in time order, its start is fixed once
active and its end once set, and after COMPLETED nothing changes. Every
state change goes through `_adopt`. At the end, a session left open is
reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import msgspec
from msgspec import UNSET

from ..findings import Where
from ..registry import Severity, Violation
from .sequencing import Observed, SeqReport, note, object_key

ERROR, WARNING = "error", "warning"
# (from, to) -> severity of the step; steps not listed are legal.
TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    ("PENDING", "RESERVATION"): WARNING,
    ("RESERVATION", "PENDING"): WARNING,
    ("ACTIVE", "PENDING"): ERROR,
    ("ACTIVE", "RESERVATION"): ERROR,
    **{("COMPLETED", to): ERROR for to in ("PENDING", "RESERVATION", "ACTIVE", "INVALID")},
    **{("INVALID", to): WARNING for to in ("PENDING", "RESERVATION", "ACTIVE", "COMPLETED")},
}
FINAL: Final = frozenset({"COMPLETED", "INVALID"})


class IllegalSessionTransition(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session's status changes only along the steps the spec allows:
    PENDING or RESERVATION to ACTIVE, any open status to COMPLETED or
    INVALID; never back from ACTIVE, never out of COMPLETED. Steps the spec
    does not describe (PENDING to RESERVATION, leaving INVALID) are warnings.

    ## Why it matters
    The eMSP drives the driver's app and its billing from the status; a
    session that goes back to PENDING or out of COMPLETED confuses both.

    ## Example
    PATCH `"status": "ACTIVE"` after the session was COMPLETED.

    ## Expected
    PENDING -> ACTIVE -> COMPLETED.
    """

    code = "SES201"
    severity = Severity.ERROR
    spec = "§9.4.3, §9.1.4"
    session: str
    before: str
    after: str

    def message(self) -> str:
        return f"session {self.session} went from {self.before} to {self.after}"


class SessionChangedAfterCompletion(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session that is COMPLETED is not changed by a later PUT or PATCH (an
    identical re-send is fine).

    ## Why it matters
    COMPLETED is final: the CDR is built from it, and an eMSP may already
    have billed the charge.

    ## Example
    A PATCH raising `kwh` after the COMPLETED update.

    ## Expected
    All updates before COMPLETED; corrections go into the CDR.
    """

    code = "SES202"
    severity = Severity.ERROR
    spec = "§9.1.1, §9.4.3"
    session: str

    def message(self) -> str:
        return f"session {self.session} changed after it was COMPLETED"


class SessionEnergyDecreased(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session's `kwh` never decreases from one update to the next.

    ## Why it matters
    Energy delivered only grows; a falling value is a meter or mapping bug,
    and drivers see their charge shrink in the app.

    ## Example
    `kwh` 12.5 and then 11.0.

    ## Expected
    `kwh` non-decreasing until COMPLETED.
    """

    code = "SES203"
    severity = Severity.ERROR
    spec = "§9.3.1"
    session: str
    before: float
    after: float

    def message(self) -> str:
        return f"session {self.session}: kwh went down from {self.before} to {self.after}"


class SessionPatchedBeforePut(Violation, frozen=True, kw_only=True):
    """## What it checks
    A session is created by a PUT before any PATCH of it.

    ## Why it matters
    A receiver that never got the full object has nothing to patch and
    answers not-found; the sender should then PUT the whole session.

    ## Example
    The first message about a session is a PATCH of its kWh.

    ## Expected
    PUT the Session when it starts, PATCH it afterwards.
    """

    code = "SES205"
    severity = Severity.WARNING
    spec = "§9.1.1, §4.1.4.3"
    session: str

    def message(self) -> str:
        return f"session {self.session} is PATCHed but was never PUT in this capture"


class ChargingPeriodsOutOfOrder(Violation, frozen=True, kw_only=True):
    """## What it checks
    A PATCH appends charging periods that start after the last stored one.

    ## Why it matters
    PATCH appends to the list; periods sent again or out of order are
    stored twice or in the wrong order, and the CDR's totals follow them.

    ## Example
    A PATCH repeating a period already sent.

    ## Expected
    Each PATCH adds only the new periods; a reordering needs a PUT.
    """

    code = "SES206"
    severity = Severity.ERROR
    spec = "§9.2.2.3"
    session: str
    start: str
    last: str

    def message(self) -> str:
        return f"session {self.session}: a period starting {self.start} is added after one starting {self.last}"


class SessionTimesChanged(Violation, frozen=True, kw_only=True):
    """## What it checks
    `start_date_time` changes at most once, when the session becomes
    ACTIVE, and `end_date_time` does not change once set.

    ## Why it matters
    Durations, parking time and time-based prices are computed from them.

    ## Example
    `start_date_time` moved while the session is ACTIVE.

    ## Expected
    Times set once.
    """

    code = "SES207"
    severity = Severity.WARNING
    spec = "§9.3.1"
    session: str
    field: str

    def message(self) -> str:
        return f"session {self.session}: {self.field} changed"


class SessionLeftOpen(Violation, frozen=True, kw_only=True):
    """## What it checks
    Every session seen in the capture ends COMPLETED or INVALID.

    ## Why it matters
    An open session blocks the connector in the eMSP's view, and no CDR can
    follow it.

    ## Example
    A session last seen ACTIVE when the capture ends.

    ## Expected
    Sessions completed before the day ends.
    """

    code = "SES208"
    severity = Severity.WARNING
    spec = "§9.1.1"
    session: str
    status: str

    def message(self) -> str:
        return f"session {self.session} is still {self.status} at the end of the capture"


@dataclass
class SessionState:
    status: str
    where: Where
    kwh: float | None = None
    start: str | None = None
    end: str | None = None
    last_period: str | None = None
    content: bytes = b""  # the last full object, to tell an identical re-send
    completed_at: Where | None = None
    reported_after_completion: bool = False
    times_reported: frozenset[str] = frozenset()  # SES207 is said once per session and field
    uncertain: bool = False  # an update did not decode: the numbers here may be stale
    token_uid: str | None = None


def _label(key: tuple[str, str, str]) -> str:
    return "/".join(key)


class SessionsChecker:
    def __init__(self) -> None:
        self.sessions: dict[tuple[str, str, str], SessionState] = {}

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        if observed.module != "sessions" or observed.operation not in ("put", "patch"):
            return
        key = observed.key
        if key is None or key.id is None or key.country_code is None or key.party_id is None:
            return
        session_key = object_key(key.country_code, key.party_id, key.id)
        if observed.request is None:  # its shape rule reported it; what it changed is unknown
            state = self.sessions.get(session_key)
            if state is not None:
                state.uncertain = True
            return
        yield from self._update(session_key, observed, observed.request, observed.operation == "put")

    def _update(self, key: tuple[str, str, str], observed: Observed, body: Any, full: bool) -> Iterator[SeqReport]:
        label, where = _label(key), observed.where
        state = self.sessions.get(key)
        status = body.status if body.status is not UNSET else None
        status = str(status) if status is not None else None
        if state is None:
            if not full:
                yield SeqReport(SessionPatchedBeforePut(session=label), where)
            state = SessionState(status=status or "PENDING", where=where)
            self.sessions[key] = state
            self._adopt(state, body, where, full)
            return
        notes = (note("last update of the session", state.where),)
        if state.status == "COMPLETED" and not state.reported_after_completion:
            encoded = msgspec.json.encode(body)
            if not full or encoded != state.content:
                state.reported_after_completion = True
                assert state.completed_at is not None
                yield SeqReport(SessionChangedAfterCompletion(session=label), where,
                                notes=(note("the session completed here", state.completed_at),))
        if status is not None and status != state.status:
            severity = TRANSITIONS.get((state.status, status))
            if severity is not None:
                yield SeqReport(IllegalSessionTransition(session=label, before=state.status, after=status), where,
                                "$.status", notes, severity if severity == WARNING else None)
        kwh = body.kwh if body.kwh is not UNSET else None
        if kwh is not None and state.kwh is not None and kwh < state.kwh:
            yield SeqReport(SessionEnergyDecreased(session=label, before=state.kwh, after=kwh), where, "$.kwh", notes)
        yield from self._times(label, state, body, status, where, notes)
        yield from self._periods(label, state, body, full, where, notes)
        self._adopt(state, body, where, full)

    def _times(self, label: str, state: SessionState, body: Any, status: str | None, where: Where,
               notes: tuple[Any, ...]) -> Iterator[SeqReport]:
        start = body.start_date_time if body.start_date_time is not UNSET else None
        becoming_active = status == "ACTIVE" and state.status in ("PENDING", "RESERVATION")
        end = body.end_date_time if body.end_date_time is not UNSET else None
        changed = {
            "start_date_time": start is not None and state.start is not None and start != state.start
            and not becoming_active,
            "end_date_time": end is not None and state.end is not None and end != state.end,
        }
        for name, moved in changed.items():
            if moved and name not in state.times_reported:
                state.times_reported |= {name}
                yield SeqReport(SessionTimesChanged(session=label, field=name), where, f"$.{name}", notes)

    @staticmethod
    def _periods(label: str, state: SessionState, body: Any, full: bool, where: Where,
                 notes: tuple[Any, ...]) -> Iterator[SeqReport]:
        periods = body.charging_periods if body.charging_periods not in (UNSET, None) else []
        if full or not periods or state.last_period is None:
            return
        first = periods[0].start_date_time
        if first <= state.last_period:
            yield SeqReport(ChargingPeriodsOutOfOrder(session=label, start=first, last=state.last_period), where,
                            "$.charging_periods[0].start_date_time", notes)

    @staticmethod
    def _adopt(state: SessionState, body: Any, where: Where, full: bool) -> None:
        """The only place a session's state changes: to what the peer actually sent."""
        if body.status is not UNSET and body.status is not None:
            state.status = str(body.status)
            if state.status == "COMPLETED" and state.completed_at is None:
                state.completed_at = where
        if body.kwh is not UNSET and body.kwh is not None:
            state.kwh = body.kwh
        if body.cdr_token is not UNSET and body.cdr_token is not None:
            state.token_uid = body.cdr_token.uid
        if body.start_date_time is not UNSET and body.start_date_time is not None:
            state.start = body.start_date_time
        if body.end_date_time is not UNSET and body.end_date_time is not None:
            state.end = body.end_date_time
        periods = body.charging_periods if body.charging_periods not in (UNSET, None) else []
        if periods:
            starts = [period.start_date_time for period in periods]
            state.last_period = max(starts) if full else max(starts + [state.last_period or ""])
        if full:
            state.content = msgspec.json.encode(body)
        state.where = where

    def status_of(self, key: tuple[str, str, str]) -> SessionState | None:
        return self.sessions.get(key)

    def finish(self) -> Iterator[SeqReport]:
        for key, state in self.sessions.items():
            if state.status not in FINAL:
                yield SeqReport(SessionLeftOpen(session=_label(key), status=state.status), state.where)
