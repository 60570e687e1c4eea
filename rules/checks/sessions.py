"""SES2xx: a session's life across its pushes (§9.1, §9.4.3).

Theory of operation: each session, keyed by (country_code, party_id, id),
is created by a PUT and changed by PUTs and PATCHes. Its status moves along
TRANSITIONS (a cell missing from the table is fine), its kWh never falls,
its `last_updated` only grows, its charging periods are appended in time
order, its start is fixed once active and its end once set, and after
COMPLETED nothing changes. Every state change goes through `_adopt`. At the
end, a session left open is reported. The other session-related checkers
(timing, commands, CDRs) read the states kept here rather than keeping
copies. The rules are declared in `session_rules`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import msgspec
from msgspec import UNSET

from ..findings import Where
from ..model import parse_datetime
from ..recent import Recent
from .sequencing import Observed, SeqReport, Watched, note, object_key
from .session_rules import (
    ChargingPeriodsOutOfOrder,
    IllegalSessionTransition,
    SessionChangedAfterCompletion,
    SessionEnergyDecreased,
    SessionLeftOpen,
    SessionPatchedBeforePut,
    SessionTimesChanged,
    SessionUpdateOutOfOrder,
)

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


SessionKey = tuple[str, str, str]


@dataclass
class SessionState:
    status: str
    where: Where  # the last update
    created: Where  # the first update seen
    kwh: float | None = None
    start: str | None = None
    end: str | None = None
    last_updated: str | None = None
    last_period: str | None = None
    content: int = 0  # hash of the last full object, to tell an identical re-send (a hash: state per session is small)
    last_body: int = 0  # hash of the last update as sent, to tell a re-send with the same last_updated
    last_full: bool = False
    completed_at: Where | None = None
    reported_after_completion: bool = False
    reported_same_stamp: bool = False  # SES204's warning is said once per session
    times_reported: frozenset[str] = frozenset()  # SES207 is said once per session and field
    uncertain: bool = False  # an update did not decode: the numbers here may be stale
    token_uid: str | None = None
    token_party: tuple[str, str] | None = None  # the eMSP owning the session's token
    was_active: bool = False
    was_reserved: bool = False


def _order(stamp: str) -> tuple[float, str]:
    """A DateTime's place in time: its instant (fractions and a missing `Z` allowed, §16.2), else its text."""
    instant = _instant(stamp)
    return (instant, "") if instant is not None else (float("-inf"), stamp)


def _moved(stamp: str, before: str) -> bool:
    """`stamp` names another moment than `before` (09:00:00Z, 09:00:00.000Z and 09:00:00 are one, §16.2)."""
    return _order(stamp) != _order(before)


def _label(key: SessionKey) -> str:
    return "/".join(key)


def _instant(stamp: str) -> float | None:
    try:
        return parse_datetime(stamp).timestamp()
    except ValueError:
        return None


class SessionsChecker:
    watches: ClassVar[Watched] = frozenset({"sessions"})

    def __init__(self) -> None:
        self.sessions: Recent[SessionKey, SessionState] = Recent()
        self._by_id: Recent[str, SessionKey] = Recent()  # session id -> the last key seen with it
        self.emsps: set[tuple[str, str]] = set()  # parties owning the tokens of sessions: eMSPs

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

    def _update(self, key: SessionKey, observed: Observed, body: Any, full: bool) -> Iterator[SeqReport]:
        label, where = _label(key), observed.where
        state = self.sessions.get(key)
        status = body.status if body.status is not UNSET else None
        status = str(status) if status is not None else None
        digest = hash(msgspec.json.encode(body))
        if state is None:
            if not full:
                yield SeqReport(SessionPatchedBeforePut(session=label), where)
            state = SessionState(status=status or "PENDING", where=where, created=where)
            self.sessions[key] = state
            self._by_id[key[2]] = key
            self._adopt(state, body, digest, where, full)
            if state.token_party is not None:
                self.emsps.add(state.token_party)
            return
        notes = (note("last update of the session", state.where),)
        if state.status == "COMPLETED" and not state.reported_after_completion:
            if digest not in (state.content, state.last_body):  # an identical re-send changes nothing
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
        yield from self._stamp(label, state, body, digest, full, where, notes)
        yield from self._times(label, state, body, status, where, notes)
        yield from self._periods(label, state, body, full, where, notes)
        self._adopt(state, body, digest, where, full)

    @staticmethod
    def _stamp(label: str, state: SessionState, body: Any, digest: int, full: bool, where: Where,
               notes: tuple[Any, ...]) -> Iterator[SeqReport]:
        stamp, before = body.last_updated, state.last_updated
        if not isinstance(stamp, str) or before is None:
            return
        now, then = _instant(stamp), _instant(before)
        if now is None or then is None or now > then:
            return
        if now < then:
            yield SeqReport(SessionUpdateOutOfOrder(session=label, before=before, after=stamp), where,
                            "$.last_updated", notes)
        elif not state.reported_same_stamp and digest != state.last_body and _changes(state, body, full):
            state.reported_same_stamp = True
            yield SeqReport(SessionUpdateOutOfOrder(session=label, before=before, after=stamp), where,
                            "$.last_updated", notes, WARNING)

    def _times(self, label: str, state: SessionState, body: Any, status: str | None, where: Where,
               notes: tuple[Any, ...]) -> Iterator[SeqReport]:
        start = body.start_date_time if body.start_date_time is not UNSET else None
        becoming_active = status == "ACTIVE" and state.status in ("PENDING", "RESERVATION")
        end = body.end_date_time if body.end_date_time is not UNSET else None
        changed = {
            "start_date_time": start is not None and state.start is not None and _moved(start, state.start)
            and not becoming_active,
            "end_date_time": end is not None and state.end is not None and _moved(end, state.end),
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
        now, last = _instant(first), _instant(state.last_period)
        if now is not None and last is not None and now <= last:
            yield SeqReport(ChargingPeriodsOutOfOrder(session=label, start=first, last=state.last_period), where,
                            "$.charging_periods[0].start_date_time", notes)

    @staticmethod
    def _adopt(state: SessionState, body: Any, digest: int, where: Where, full: bool) -> None:
        """The only place a session's state changes: to what the peer actually sent."""
        if body.status is not UNSET and body.status is not None:
            state.status = str(body.status)
            if state.status == "COMPLETED" and state.completed_at is None:
                state.completed_at = where
            state.was_active |= state.status == "ACTIVE"
            state.was_reserved |= state.status == "RESERVATION"
        if body.kwh is not UNSET and body.kwh is not None:
            state.kwh = body.kwh
        token = body.cdr_token
        if token is not UNSET and token is not None:
            state.token_uid = token.uid
            if isinstance(token.country_code, str) and isinstance(token.party_id, str):
                state.token_party = (token.country_code.upper(), token.party_id.upper())
        if body.start_date_time is not UNSET and body.start_date_time is not None:
            state.start = body.start_date_time
        if body.end_date_time is not UNSET and body.end_date_time is not None:
            state.end = body.end_date_time
        if isinstance(body.last_updated, str):
            state.last_updated = body.last_updated
        periods = body.charging_periods if body.charging_periods not in (UNSET, None) else []
        if periods:
            starts = [period.start_date_time for period in periods]
            if not full and state.last_period is not None:
                starts.append(state.last_period)
            state.last_period = max(starts, key=_order)
        if full:
            state.content = digest
        state.last_body, state.last_full = digest, full
        state.where = where

    def status_of(self, key: SessionKey) -> SessionState | None:
        return self.sessions.get(key)

    def find(self, session_id: str, party: tuple[str, str] | None = None) -> tuple[SessionKey, SessionState] | None:
        """The session with this id: of `party` (the CPO) when given, else the last one seen with the id."""
        key = object_key(*party, session_id) if party is not None else self._by_id.get(session_id.upper())
        state = self.sessions.get(key) if key is not None else None
        return (key, state) if key is not None and state is not None else None

    def finish(self) -> Iterator[SeqReport]:
        for key, state in self.sessions.items():
            if state.status not in FINAL:
                yield SeqReport(SessionLeftOpen(session=_label(key), status=state.status), state.where)


def _changes(state: SessionState, body: Any, full: bool) -> bool:
    """Whether an update with the same last_updated as the one before changes what the receiver holds."""
    if full and state.last_full:
        return True  # a PUT after a PUT, with other bytes
    if not full and set(_sent(body)) - _TRACKED:
        return True  # fields not tracked here: assume they change something
    known = {"status": state.status, "kwh": state.kwh, "start_date_time": state.start, "end_date_time": state.end}
    for name, value in known.items():
        sent = getattr(body, name, UNSET)
        if sent is not UNSET and sent is not None and (str(sent) if name == "status" else sent) != value:
            return True
    return not full and body.charging_periods not in (UNSET, None, [])


_TRACKED: Final = frozenset({"status", "kwh", "start_date_time", "end_date_time", "charging_periods", "last_updated"})


def _sent(body: Any) -> list[str]:
    return [name for name in body.__struct_fields__ if getattr(body, name) is not UNSET]
