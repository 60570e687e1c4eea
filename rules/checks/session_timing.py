"""SES401/SES402: a session's times against the capture's clock (§16.2, §9.3.1).

Theory of operation: the capture's clock is the `started` of the exchange
being fed (exchanges come in start order). A session push may not carry a
time later than that clock plus the profile's tolerance (SES401). Every
update that leaves a session ACTIVE is remembered as its last one and sets
a deadline, the update's time plus the profile's update interval, kept in
a heap; as the clock advances past a deadline (before the exchange at hand
is taken as an update), the session is reported if that update is still
its last (SES402). Stale heap entries (the session was updated since, or
left ACTIVE) are dropped as they come up, so each exchange costs a heap
peek, not a scan of the sessions. A malformed update of an ACTIVE session
(its shape rule reports it) still counts as one. `finish()` checks the deadlines passed
by the end of the last exchange. Statuses come from the sessions checker,
fed the same exchanges first.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from typing import Any, ClassVar, Final

from msgspec import UNSET

from ..findings import Where
from ..model import parse_datetime
from ..registry import Severity, Violation
from .sequencing import Observed, SeqReport, Watched, note, object_key
from .sessions import SessionKey, SessionsChecker

# The Session times SES401 compares with the clock, in the order they are reported.
TIMES: Final = ("start_date_time", "end_date_time", "last_updated")


class SessionTimeInFuture(Violation, frozen=True, kw_only=True):
    """## What it checks
    A Session pushed by the CPO carries no `start_date_time`,
    `end_date_time` or `last_updated` later than the moment it was sent
    (beyond the profile's `timestamp_tolerance_seconds`).

    ## Why it matters
    A time in the future is a wrong clock or a local time sent as UTC; the
    eMSP shows the driver a charge that has not begun, computes negative
    durations, and keeps newer updates out because their `last_updated`
    looks older.

    ## Example
    A PUT sent at 09:00Z with `"start_date_time": "2026-11-23T10:00:00Z"`
    (Lisbon summer time written as UTC).

    ## Expected
    All times UTC and not later than the moment of sending.
    """

    code = "SES401"
    severity = Severity.WARNING
    spec = "§16.2"
    about = "object"
    session: str
    field: str
    seconds: float

    def message(self) -> str:
        return f"session {self.session}: {self.field} is {self.seconds:.0f} s after the moment it was sent"


class SessionNotUpdated(Violation, frozen=True, kw_only=True):
    """## What it checks
    An ACTIVE session gets an update at least every
    `session_update_interval_seconds` of the profile (900 s by default).

    ## Why it matters
    The driver follows the charge in the eMSP's app; a session without news
    for a long time looks stuck, and the eMSP cannot tell a quiet charge
    from a lost connection.

    ## Example
    A session PATCHed to ACTIVE at 09:00 and not updated again until 10:30.

    ## Expected
    A PATCH with the current `kwh` (and a charging period where prices
    change) at a regular interval while the session is ACTIVE.
    """

    code = "SES402"
    severity = Severity.WARNING
    spec = "§9.3.1"
    about = "object"
    session: str
    interval: float

    def message(self) -> str:
        return f"session {self.session} stayed ACTIVE without an update for more than {self.interval:.0f} s"


class SessionClockChecker:
    watches: ClassVar[Watched] = None  # every exchange: it keeps the capture's clock

    def __init__(self, sessions: SessionsChecker, tolerance_seconds: float, interval_seconds: float) -> None:
        self._sessions = sessions
        self._tolerance = tolerance_seconds
        self._interval = interval_seconds
        # (deadline, tie-breaker, session, the update that set it)
        self._deadlines: list[tuple[float, int, SessionKey, Where]] = []
        self._order = itertools.count()
        self._active: dict[SessionKey, Where] = {}  # ACTIVE sessions -> their last update
        self._last_end: float | None = None

    def feed(self, observed: Observed) -> Iterator[SeqReport]:
        ended = observed.ended_at
        if ended is not None and (self._last_end is None or ended > self._last_end):
            self._last_end = ended
        now = observed.started_at
        if self._deadlines:
            yield from self._passed(now, observed.where)
        if observed.module != "sessions" or observed.operation not in ("put", "patch"):
            return
        key = observed.key
        if key is None or key.country_code is None or key.party_id is None or key.id is None:
            return
        session_key = object_key(key.country_code, key.party_id, key.id)
        if observed.request is None:
            # A malformed update (reported by its shape rule) was still sent: it restarts the watch of an
            # ACTIVE session, whose status it cannot be read to change.
            if observed.exchange.request.has_body and session_key in self._active:
                self._watch(session_key, now, observed.where)
            return
        yield from self._future(session_key, observed.request, now, observed.where)
        state = self._sessions.status_of(session_key)
        if state is not None and state.status == "ACTIVE":
            self._watch(session_key, now, observed.where)
        else:
            self._active.pop(session_key, None)

    def _watch(self, key: SessionKey, now: float, update: Where) -> None:
        """`update` is the session's last: its silence is reported once the interval after it has passed."""
        self._active[key] = update
        heapq.heappush(self._deadlines, (now + self._interval, next(self._order), key, update))

    def _future(self, key: SessionKey, body: Any, now: float, where: Where) -> Iterator[SeqReport]:
        for name in TIMES:
            value = getattr(body, name, UNSET)
            if not isinstance(value, str):
                continue
            try:
                ahead = parse_datetime(value).timestamp() - now
            except ValueError:
                continue
            if ahead > self._tolerance:
                yield SeqReport(SessionTimeInFuture(session="/".join(key), field=name, seconds=ahead), where,
                                f"$.{name}")
                return  # one clock problem per update is enough

    def _passed(self, now: float, at: Where | None) -> Iterator[SeqReport]:
        while self._deadlines and self._deadlines[0][0] < now:
            _, _, key, update = heapq.heappop(self._deadlines)
            if self._active.get(key) is not update:
                continue  # updated since, or no longer ACTIVE
            del self._active[key]  # one report per silence; the next update starts a new watch
            notes = (note("the capture's clock passed the deadline here, still without an update", at),) if at else ()
            yield SeqReport(SessionNotUpdated(session="/".join(key), interval=self._interval), update, notes=notes)

    def finish(self) -> Iterator[SeqReport]:
        if self._last_end is not None:
            yield from self._passed(self._last_end, None)
